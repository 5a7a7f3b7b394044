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
