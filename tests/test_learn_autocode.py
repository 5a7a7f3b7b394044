"""The learned model inside auto-coding, review and status (issue 14): suggestions say
where they came from, the guarantees of auto-coding hold, review can start with what
the model is least sure about, status says when the model is older than the decisions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qualcode.coding import decide
from qualcode.errors import QualcodeError
from qualcode.project import open_project

from .test_learn import NEW, trained  # noqa: F401 - the trained corpus fixture


@pytest.fixture
def copy(trained, tmp_path: Path):  # noqa: F811
    """A copy of the trained project (store and model included) to change freely."""
    proj, _, truth = trained
    proj.close()
    root = tmp_path / "copy"
    shutil.copytree(proj.root, root)
    shutil.rmtree(root / ".qualcode" / "cache", ignore_errors=True)
    p = open_project(root, coder="ben")
    yield p, truth
    p.close()


def test_autocode_uses_rules_and_model_and_says_which(copy):
    proj, truth = copy
    res = proj.autocode_run()
    assert res.source == "both"  # the default once a model exists
    auto = proj.codings(coders=["auto"])
    texts = proj.documents().set_index("document").text
    model = auto[(auto.rule == "model") & auto.document.isin(NEW)]
    assert {(r.document, texts[r.document][r.start:r.end]) for r in model.itertuples()
            if r.code == "betrayal"} == {(d, s) for d in NEW for s in truth[d]["betrayal"]}
    assert model.score.between(0, 1).all() and model.score.notna().all()
    # the sentences autocode segmented on the way give what model_suggestions gives
    from qualcode.learn.predict import model_suggestions

    expected = model_suggestions(proj.workspace, with_rules=True)
    scored = auto[auto.score.notna()]
    assert {(r.document, r.start, r.end, r.code) for r in scored.itertuples()} == {
        (r.document, r.start, r.end, r.code) for r in expected.itertuples()}
    # rules still propose, and carry the model's score where it agrees
    rules = auto[auto.rule != "model"]
    assert set(rules.code) >= {"weather"}
    # never in interviewer speech
    assert auto.case.notna().all()
    # re-running changes nothing; a rejected model suggestion is not made again
    assert proj.autocode_run().added == 0
    first = int(model.id.iloc[0])
    decide(proj.workspace, first, "reject")
    again = proj.autocode_run()
    assert again.added == 0
    assert proj.codings(coders=["auto"]).set_index("id").loc[first, "status"] == "rejected"


def test_rules_only_and_model_only(copy):
    from qualcode.learn.predict import model_suggestions

    proj, _ = copy
    proj.autocode(source="model")
    predicted = {tuple(r) for r in model_suggestions(proj.workspace)[
        ["document", "start", "end", "code"]].itertuples(index=False)}
    left = proj.codings(coders=["auto"], statuses=["suggested"])
    # what is left unreviewed is what the model proposes (rule suggestions it agrees
    # with are kept as they were)
    assert {(r.document, r.start, r.end, r.code) for r in left.itertuples()} == predicted
    proj.autocode(source="rules")  # the model's unreviewed suggestions make way
    assert "model" not in set(proj.codings(coders=["auto"]).rule)
    with pytest.raises(QualcodeError, match="unknown source 'bogus'"):
        proj.autocode(source="bogus")


def test_source_model_needs_a_model(project_dir: Path):
    proj = open_project(project_dir)
    with pytest.raises(QualcodeError, match="--source model needs a trained model - run "
                                            "qualcode train first"):
        proj.autocode(source="model")


def test_excerpts_export_and_review_show_the_source(copy, cli):
    proj, _ = copy
    proj.autocode()
    ex = proj.excerpts("betrayal", include_suggestions=True)
    assert {"rule", "score"} <= set(ex.columns)
    assert (ex[ex.rule == "model"].score > 0).all()
    res = cli("export", "codings", "--status", "suggested", "-f", "csv", project=proj.root)
    header = res.stdout.splitlines()[0].split(",")
    assert "rule" in header and "score" in header
    res = cli("--coder", "ben", "review", "--order", "uncertain", input="q\n",
              project=proj.root)
    assert res.exit_code == 0, res.stderr
    assert "learned model, probability" in res.stdout or "model agrees, probability" in res.stdout


def test_review_least_sure_first(copy):
    from qualcode.learn.data import with_context
    from qualcode.learn.persist import load_model
    from qualcode.learn.predict import uncertainty
    from qualcode.review import queue

    proj, _ = copy
    proj.autocode()
    ids = queue(proj.workspace, order="uncertain")
    assert sorted(ids) == sorted(queue(proj.workspace))
    pending = proj.codings(statuses=["suggested"]).set_index("id").loc[ids].reset_index()
    docs = proj.documents()
    ranked = uncertainty(load_model(proj.workspace), pending,
                         dict(zip(docs.document, docs.language, strict=True)),
                         context=with_context(proj.workspace, pending))
    margins = ranked.margin.abs().dropna().tolist()
    assert margins == sorted(margins)
    assert list(ranked.id) == ids


def test_status_says_when_the_model_is_older_than_the_decisions(copy):
    proj, truth = copy
    assert proj.status()["model"] == "the model has seen every decision"
    proj.code("D7", "betrayal", quote=truth["D7"]["betrayal"][0])
    assert proj.status()["model"] == ("decisions changed since the model was trained - run "
                                      "qualcode train")


def test_the_report_shows_the_models_quality_from_its_card(copy, tmp_path: Path):
    import json
    import math

    import lxml.html

    proj, _ = copy
    proj.autocode()
    html = proj.report(tmp_path / "r.html").read_text(encoding="utf-8")
    card = json.loads((proj.root / ".qualcode" / "models" / "card.json").read_text())
    cells = {(td.get("data-code"), td.get("data-f")): td.get("data-v")
             for td in lxml.html.fromstring(html).xpath("//td[@data-t='model']")}
    assert {code for code, _ in cells} == {"betrayal", "weather", "rare"}
    for code, info in card["codes"].items():
        for name in ("rules", "model", "both"):
            want = (info["quality"].get(name) or {}).get("f1")
            got = cells[(code, f"{name}_f1")]
            if want is None:
                assert got in (None, "", "nan"), (code, name)
            else:
                assert math.isclose(float(got), want), (code, name)


def test_a_kept_suggestion_takes_the_models_new_score(copy):
    """A suggestion made before the model existed (or by an older model) is kept by the
    next run, which gives it the model's current score - the score review shows."""
    from sqlalchemy import text

    proj, _ = copy
    proj.autocode_run()
    scored = proj.codings(coders=["auto"], statuses=["suggested"])
    scored = scored[scored.score.notna()]
    assert len(scored)
    ws = proj.workspace
    with ws.engine.begin() as conn:  # as they were before `train`: no score
        conn.execute(text("UPDATE codings SET score = NULL WHERE status = 'suggested'"))
    again = proj.autocode_run()
    assert again.added == 0 and again.kept > 0
    after = proj.codings(coders=["auto"], statuses=["suggested"]).set_index("id")
    assert after.loc[scored.id, "score"].tolist() == scored.score.tolist()
    assert after.score.notna().sum() == len(scored)
