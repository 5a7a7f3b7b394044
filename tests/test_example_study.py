"""The shipped example study: shape of the corpus, both coders, every quote anchored."""

from __future__ import annotations

from collections import Counter

import pytest

from qualcode.project import open_project

from .conftest import copy_example


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory):
    """A copy of the repository's example project, imported into a fresh store."""
    root = copy_example(tmp_path_factory.mktemp("example") / "sahel")
    proj = open_project(root)
    report = proj.import_interviews()
    return proj, report


def test_codebook_validates_with_four_themes(example):
    from qualcode.autocode.rules import check_rules

    proj, _ = example
    book = proj.codebook
    check_rules(book, proj.settings)
    assert [c.id for c in book.codes] == ["trust_gap", "coup_risk", "populist_mistrust",
                                          "bilateral_preference"]
    for code in book.codes:
        assert code.description and code.include and code.exclude and code.color
        assert len(code.examples) >= 2
        assert set(code.rules) == {"en", "fr"}
        assert code.children


def test_corpus_shape(example):
    proj, report = example
    assert len(report.added) >= 24
    docs = proj.documents()
    assert docs.words.between(500, 1500).all()
    assert (docs.language == "fr").sum() >= 8
    assert set(docs.origin) == {"Western", "Nigérien"}
    assert set(docs.phase) == {"pre-coup", "post-coup"}
    required = {"origin", "nationality", "institution", "role", "rank", "date", "phase",
                "language"}
    assert required <= set(docs.columns)
    assert not docs[sorted(required)].isna().any().any()
    by_origin = Counter(docs.origin)
    assert by_origin["Western"] >= 8 and by_origin["Nigérien"] >= 12
    by_phase_origin = Counter(zip(docs.origin, docs.phase, strict=True))
    assert min(by_phase_origin.values()) >= 4


def test_respondent_ranks_including_focus_group_speakers(example):
    proj, _ = example
    units = proj.respondents()
    assert units.case.nunique() >= 26
    ranks = Counter(units.drop_duplicates("case")["rank"])
    assert set(ranks) == {"senior officer", "junior officer", "enlisted", "civilian"}
    assert all(n >= 3 for n in ranks.values())
    fg = units[units.document == "FG-01"]
    assert sorted(fg.case) == ["N15", "N16", "N17"]
    assert fg.set_index("case").loc["N15", "rank"] == "junior officer"


def test_both_coders_coded_at_least_eight_transcripts(example):
    proj, report = example
    assert set(report.coder_files) == {"amina", "lukas"}
    codings = proj.codings(origins=["manual"])
    docs = proj.documents().set_index("document")
    for coder in ("amina", "lukas"):
        coded = set(codings[codings.coder == coder].document)
        assert len(coded) >= 8
        assert (docs.loc[sorted(coded), "language"] == "fr").sum() >= 3
    assert (codings.anchor == "ok").all()
    # every stored quote is exactly the document's text at its offsets
    for row in codings.itertuples():
        assert docs.loc[row.document, "text"][row.start:row.end] == row.text


def test_coders_disagree_somewhere(example):
    proj, _ = example
    c = proj.codings(origins=["manual"])
    spans = {coder: set(zip(g.document, g.start, g.end, strict=True))
             for coder, g in c.groupby("coder")}
    assert spans["amina"] != spans["lukas"]
    assert spans["amina"] & spans["lukas"]


def test_interviewer_speech_is_never_autocoded(example):
    from qualcode.datasets import turns as turns_frame

    proj, _ = example
    suggestions = proj.autocode(dry_run=True)
    assert len(suggestions) > 50
    turns = turns_frame(proj.workspace)
    interviewer = turns[turns.role != "respondent"]
    for row in suggestions.itertuples():
        inside = interviewer[(interviewer.document == row.document)
                             & (interviewer.start <= row.start) & (row.end <= interviewer.end)]
        assert inside.empty
