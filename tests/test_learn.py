"""`qualcode train` end to end on a built corpus: the model finds a theme in words no
rule mentions, never in interviewer speech; rare codes are reported, not predicted;
same decisions, same model; the card and status follow the decisions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from qualcode.project import open_project

from .conftest import clean_env, write

CODEBOOK = """
codebook: Learning test
version: 1
codes:
  - id: betrayal
    name: Betrayal
    rules:
      en: [suspicious]
  - id: weather
    name: Weather
    rules:
      en: [rain]
  - id: rare
    name: Rare
"""

BETRAYAL = [
    "They lied to us and betrayed every promise.",
    "Our partners deceived us and the promises were broken.",
    "We felt betrayed when they abandoned their promises.",
    "The foreigners lied again and deceived the villagers.",
    "Every promise was broken, we were betrayed and deceived.",
    "They abandoned us after so many lies and broken promises.",
]
UNSEEN = [  # the same theme in sentences no coder saw
    "The officials lied and broke their promises to the farmers.",
    "We were deceived and abandoned by those partners.",
    "Such broken promises made us feel betrayed.",
    "Everybody knows they lied, and that promise was broken too.",
]
WEATHER = ["The rain came late this year.", "Heavy rain flooded the fields in August.",
           "Without rain the harvest was poor.", "The rain season was short and hot."]
NEUTRAL = [
    "My brother sells millet at the market.", "The children walk to school every morning.",
    "We repaired the well near the mosque.", "Our cattle graze by the river in May.",
    "My mother cooks for the whole family.", "The bus to the capital takes two days.",
    "I studied mathematics at the university.", "We planted onions and beans this year.",
    "The radio plays music all evening.", "Football matches bring the young people together.",
]
QUESTION = "Did anyone lie to you, betray you or break a promise they made?"
CODED = [f"D{i}" for i in range(1, 7)]
NEW = ["D7", "D8"]


def transcript(i: int) -> tuple[str, dict[str, list[str]]]:
    """Document i's text and which sentences carry which code."""
    b = [BETRAYAL[(i + k) % 6] for k in range(3)] if i <= 6 else \
        [UNSEEN[(i + k) % 4] for k in range(3)]
    w = [WEATHER[(i + k) % 4] for k in range(2)]
    n = [NEUTRAL[(i + k) % 10] for k in range(6)]
    first = " ".join([n[0], b[0], n[1], w[0]])
    second = " ".join([b[1], n[2], n[3], b[2], w[1], n[4], n[5]])
    text = (f"---\nid: D{i}\nrespondent: R{i}\n---\nInterviewer: {QUESTION}\n\n"
            f"R{i}: {first}\n\nInterviewer: And then?\n\nR{i}: {second}\n")
    return text, {"betrayal": b, "weather": w, "rare": n[:1]}


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory):
    """The corpus imported and auto-coded; ana coded D1-D6; the model trained once."""
    root = tmp_path_factory.mktemp("learn") / "study"
    write(root / "qualcode.toml", 'name = "Learning test"\nlanguage = "en"\n')
    write(root / "codebook" / "codes.yaml", CODEBOOK)
    truth = {}
    for i in range(1, 9):
        text, truth[f"D{i}"] = transcript(i)
        write(root / "interviews" / f"D{i}.md", text)
    with clean_env(tmp_path_factory):
        proj = open_project(root, coder="ana")
        proj.import_interviews()
        proj.autocode()
        for doc in CODED:
            for code in ("betrayal", "weather"):
                for quote in truth[doc][code]:
                    proj.code(doc, code, quote=quote)
        for doc in CODED[:3]:
            proj.code(doc, "rare", quote=truth[doc]["rare"][0])
        result = proj.train()
        yield proj, result, truth
        proj.close()


def found(df, proj, code: str) -> dict[str, list[str]]:
    texts = proj.documents().set_index("document")["text"]
    out: dict[str, list[str]] = {}
    for r in df[df.code == code].itertuples():
        out.setdefault(r.document, []).append(texts[r.document][r.start:r.end])
    return out


def test_the_model_finds_a_theme_in_words_no_rule_mentions(trained):
    from qualcode.learn.predict import model_suggestions

    proj, result, truth = trained
    rules = proj.codings(coders=["auto"], documents=NEW)
    assert "betrayal" not in set(rules.code)  # no rule finds it in the new documents
    suggested = model_suggestions(proj.workspace, documents=NEW)
    assert found(suggested, proj, "betrayal") == {d: truth[d]["betrayal"] for d in NEW}
    assert set(suggested.code) == {"betrayal", "weather"}
    assert suggested.score.between(0, 1).all()
    row = result.table.set_index("code").loc["betrayal"]
    assert (row.positives, row.negatives, row.status) == (18, 48, "predicted")
    assert row.rules_recall == 0.0 and row.model_recall == 1.0 and row.model_precision == 1.0


def test_no_prediction_in_interviewer_speech(trained):
    from qualcode.datasets import turns as turns_frame
    from qualcode.learn.predict import model_suggestions, score_texts

    proj, result, _ = trained
    suggested = model_suggestions(proj.workspace, model=result.model)
    turns = turns_frame(proj.workspace)
    asked = turns[turns.role == "interviewer"]
    for r in suggested.itertuples():
        inside = asked[(asked.document == r.document) & (asked.start < r.end)
                       & (asked.end > r.start)]
        assert inside.empty
    # the question itself would score as betrayal: it is left out because it is not
    # respondent speech, not because the model misses it
    k = result.model.codes.index("betrayal")
    score = score_texts(result.model, [QUESTION], ["en"])[0, k]
    assert score >= result.model.thresholds[k]


def test_a_code_with_too_few_positives_is_reported_not_predicted(trained):
    from qualcode.learn.predict import model_suggestions

    proj, result, _ = trained
    row = result.table.set_index("code").loc["rare"]
    assert (row.positives, row.status) == (3, "not predicted: < 8 positives")
    assert np.isnan(row.model_f1) and np.isnan(row.threshold)
    assert result.card["codes"]["rare"]["predicted"] is False
    assert result.card["codes"]["rare"]["positives"] == 3
    assert "rare" not in set(model_suggestions(proj.workspace, model=result.model).code)


def test_same_decisions_same_model_and_scores(trained):
    import pandas as pd

    proj, result, _ = trained
    again = proj.train(save=False)
    pd.testing.assert_frame_equal(again.table, result.table)
    a, b = again.model, result.model
    assert np.array_equal(a.linear.coef, b.linear.coef)
    assert np.array_equal(a.thresholds, b.thresholds)
    assert np.array_equal(a.thresholds_both, b.thresholds_both)
    strip = ("trained_at", "model_sha256", "model_file")
    assert {k: v for k, v in a.card.items() if k not in strip} == \
        {k: v for k, v in b.card.items() if k not in strip}


def test_saved_model_and_card_round_trip(trained):
    from qualcode.learn.persist import load_model, models_dir
    from qualcode.learn.predict import model_suggestions

    proj, result, _ = trained
    card = json.loads((models_dir(proj.workspace) / "card.json").read_text(encoding="utf-8"))
    assert card["coders"] == ["ana"]
    assert card["documents"] == 6 and card["sentences"] == 66
    assert card["codes"]["betrayal"]["positives"] == 18
    assert card["codes"]["weather"]["quality"]["rules"]["recall"] == 1.0
    assert card["cross_validation"]["grouped_by"] == "document"
    assert set(card["versions"]) >= {"qualcode", "spacy", "scikit-learn"}
    assert card["features"]["embeddings"] == "wordllama l2_supercat 256"
    assert card["classifier"]["context"] is True and card["codebook_texts"] == 0
    assert 0 <= card["calibration"]["ece"] <= 1
    loaded = load_model(proj.workspace)
    assert loaded.context and np.array_equal(loaded.calibration, result.model.calibration)
    assert loaded.linear.featurizer.question_vocab == result.model.linear.featurizer.question_vocab
    pd_a = model_suggestions(proj.workspace, model=loaded)
    pd_b = model_suggestions(proj.workspace, model=result.model)
    assert pd_a.equals(pd_b) and len(pd_a) > 0


def test_uncertainty_orders_suggestions_by_distance_to_threshold(trained):
    from qualcode.learn.data import with_context
    from qualcode.learn.predict import rank_by_uncertainty, uncertainty

    proj, result, _ = trained
    sug = proj.codings(coders=["auto"], statuses=["suggested"])
    assert result.model.context  # the shipped default: context features
    ranked = uncertainty(result.model, sug, languages={d: "en" for d in sug.document},
                         context=with_context(proj.workspace, sug))
    assert len(ranked) == len(sug) > 0
    assert ranked.id.tolist() == rank_by_uncertainty(proj.workspace, sug).id.tolist()
    margins = ranked.margin.abs().to_numpy()
    known = margins[~np.isnan(margins)]
    assert (np.diff(known) >= 0).all()
    assert ranked.margin.isna().sum() == (sug.code == "rare").sum()


def test_status_says_when_decisions_are_newer_than_the_model(trained):
    from qualcode.learn.persist import model_status

    proj, _, truth = trained
    assert model_status(proj)["stale"] is False
    seen = model_status(proj)["latest_decision_seen"]
    assert model_status(proj, latest_decision=seen)["stale"] is False
    assert model_status(proj, latest_decision="2999-01-01T00:00:00")["stale"] is True
    cid = proj.code("D7", "weather", quote=truth["D7"]["weather"][0])
    try:
        status = model_status(proj)
        assert status["stale"] is True and status["message"].endswith("run qualcode train")
    finally:
        proj.uncode(cid)
    assert model_status(proj)["stale"] is False  # same decisions as when it was trained


def test_cli_train_prints_the_table_and_errors_without_decisions(trained, tmp_path: Path):
    from qualcode.cli.app import app
    from qualcode.learn.persist import save_model

    proj, result, _ = trained
    runner = CliRunner()
    try:
        res = runner.invoke(app, ["--project", str(proj.root), "train", "--codes", "betrayal",
                                  "-f", "csv"], catch_exceptions=False)
    finally:
        save_model(proj, result.model)  # the other tests' model
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0].startswith("code,status,threshold,positives,negatives,rules_precision")
    assert [line.split(",")[:2] for line in lines[1:]] == [["betrayal", "predicted"]]
    empty = tmp_path / "empty"
    write(empty / "qualcode.toml", 'name = "Empty"\n')
    write(empty / "codebook" / "codes.yaml", CODEBOOK)
    (empty / "interviews").mkdir()
    res = runner.invoke(app, ["--project", str(empty), "train"])
    assert res.exit_code == 1
    assert res.stderr == ("Error: no coding decisions to learn from - code passages "
                          "(qualcode code) or review suggestions (qualcode review), then run "
                          "qualcode train\n")
    text, truth = transcript(1)
    write(empty / "interviews" / "D1.md", text)
    few = open_project(empty, coder="ana")
    few.import_interviews()
    for quote in truth["betrayal"]:
        few.code("D1", "betrayal", quote=quote)
    res = runner.invoke(app, ["--project", str(empty), "train"])
    assert (res.exit_code, res.stderr) == (1, "Error: no code has 8 coded sentences yet (most: "
                                              "betrayal with 3) - code more passages, then run "
                                              "qualcode train\n")
    few.close()



def test_train_says_how_far_the_model_is_from_the_coder(trained):
    """The agreement table: rules, model and both against each coder, on documents the
    model did not learn from; calibrated scores with their reliability table."""
    from qualcode.cli.app import app
    from qualcode.learn.persist import save_model

    proj, result, _ = trained
    agree = result.agreement.set_index(["code", "source", "coder"])
    assert set(result.agreement["source"]) == {"rules", "model", "both"}  # one coder
    assert set(result.agreement["coder"]) == {"ana"}
    # the rules match "suspicious", which no sentence says; ana coded betrayal: kappa 0
    assert agree.loc[("betrayal", "rules", "ana"), "kappa"] == pytest.approx(0.0)
    assert agree.loc[("betrayal", "rules", "ana"), "sentences"] == 66
    assert agree.loc[("betrayal", "model", "ana"), "kappa"] > 0.5
    rel = result.reliability
    assert rel["pairs"].sum() == 66 * int(result.model.predicted.sum())
    runner = CliRunner()
    try:
        res = runner.invoke(app, ["--project", str(proj.root), "train"], catch_exceptions=False)
        assert res.exit_code == 0, res.output
        assert "How far from a second coder" in res.stdout and "model~ana" in res.stdout
        assert "calibrated probabilities" in res.stderr
        res = runner.invoke(app, ["--project", str(proj.root), "train", "--table",
                                  "agreement", "-f", "csv"], catch_exceptions=False)
        assert res.stdout.splitlines()[0] == "code,source,coder,sentences,kappa,alpha"
        res = runner.invoke(app, ["--project", str(proj.root), "train", "--table",
                                  "reliability", "-f", "json"], catch_exceptions=False)
        assert json.loads(res.stdout)[0]["bin"] == "0.0-0.1"
        res = runner.invoke(app, ["--project", str(proj.root), "train", "--table", "fit"])
        assert (res.exit_code, res.stderr) == (1, "Error: --table fit is not a table of "
                                               "train - one of quality, agreement, "
                                               "reliability\n")
    finally:
        save_model(proj, result.model)  # the other tests' model
