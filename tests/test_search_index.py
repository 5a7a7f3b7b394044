"""The search token index at speed: written by auto-coding on the way (the first search
after autocode runs no tokenizer), two parts merged, built in two processes, stale cache
files removed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qualcode import datasets
from qualcode.project import open_project
from qualcode.search import index as ix

from .conftest import copy_example


@pytest.fixture
def example(tmp_path: Path):
    root = copy_example(tmp_path / "study")
    proj = open_project(root, coder="ana")
    proj.import_interviews()
    return proj


def folder(proj) -> Path:
    return proj.workspace.root / ".qualcode" / "cache" / "tokens"


def same(a: ix.DocIndex, b: ix.DocIndex) -> None:
    """Equal as token streams (ids may differ between vocabularies)."""
    for name in ("start", "end", "turn", "sent", "cut"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    for name in ("norm", "lower"):
        wa = [a.vocab[i] for i in getattr(a, name)]
        wb = [b.vocab[i] for i in getattr(b, name)]
        assert wa == wb, name


def built_by_spacy(proj, doc: str, roles: set[str]) -> ix.DocIndex:
    """The index of these turns, built here from the text with the auto-coder's pipeline."""
    turns = datasets.turns(proj.workspace, [doc])
    turns = turns[turns.role.isin(roles)]
    lang = dict(zip(proj.documents().document, proj.documents().language, strict=True))
    return ix.build(doc, lang[doc], datasets.texts(proj.workspace, [doc])[doc],
                    [(int(i), int(s), int(e)) for i, s, e in
                     turns[["turn", "start", "end"]].itertuples(index=False)])


def test_after_autocode_search_and_words_run_no_tokenizer(example):
    before = ix.COUNTS["written_by_autocode"]
    example.autocode_run()
    docs = example.documents()
    with_respondents = sorted(set(datasets.turns(example.workspace).query(
        "role == 'respondent'").document))
    assert ix.COUNTS["written_by_autocode"] - before == len(with_respondents) == len(docs)
    assert len(list(folder(example).glob("*.pickle"))) == len(with_respondents)
    fresh = open_project(example.workspace.root, coder="ana")
    built = ix.COUNTS["built"]
    hits = fresh.search("army")
    words = fresh.words(by="origin")
    assert ix.COUNTS["built"] == built  # read from autocode's files, nothing tokenized
    assert len(hits) > 0 and len(words) > 0
    # the same answers as an index built by search itself
    for path in folder(example).glob("*.pickle"):
        path.unlink()
    rebuilt = open_project(example.workspace.root, coder="ana")
    assert rebuilt.search("army").equals(hits)
    assert rebuilt.words(by="origin").equals(words)
    assert ix.COUNTS["built"] - built == len(with_respondents)
    # and autocode's arrays are those of a build from the text
    fresh.workspace.cache.clear()
    mine = ix.document_indexes(fresh.workspace, parts=["respondent"])
    for doc in with_respondents[:6]:
        same(mine[doc], built_by_spacy(fresh, doc, {"respondent"}))


def test_other_speakers_are_indexed_when_searched_and_merged_in_text_order(example):
    example.search("army")
    n = len(list(folder(example).glob("*.pickle")))
    built = ix.COUNTS["built"]
    inter = example.search("army", speaker="interviewer")
    both = example.search("army", speaker="all")
    assert ix.COUNTS["built"] > built  # the interviewers' part, once
    assert len(list(folder(example).glob("*.pickle"))) > n
    resp = example.search("army")
    assert len(both) == len(resp) + len(inter) > len(resp)
    merged = ix.document_indexes(example.workspace, ["NE-01"])["NE-01"]
    same(merged, built_by_spacy(example, "NE-01", {"respondent", "interviewer", "none"}))


def test_a_changed_transcript_leaves_no_stale_index_file(example):
    example.search("army")
    old = {p.name for p in folder(example).glob("*.pickle")}
    stray = folder(example) / f"{'0' * 24}.pickle"  # e.g. an older index version
    stray.write_bytes(b"")
    path = example.workspace.root / "interviews" / "W-01.md"
    path.write_text(path.read_text(encoding="utf-8").replace("the ", "the the ", 1),
                    encoding="utf-8")
    example.import_interviews()
    example.search("army")
    new = {p.name for p in folder(example).glob("*.pickle")}
    assert len(new) == len(old)  # one file replaced, nothing left behind
    assert len(old - new) == 1 and len(new - old) == 1
    assert not stray.exists()
    assert ix.prune(example.workspace) == 0


def test_two_processes_build_the_same_index_and_report_progress(example, monkeypatch):
    monkeypatch.setattr(ix, "PARALLEL_CHARS", 0)
    monkeypatch.setenv("QUALCODE_INDEX_WORKERS", "2")
    seen: list[tuple[int, int]] = []
    pooled = ix.document_indexes(example.workspace, parts=["respondent"],
                                 progress=lambda d, t, _: seen.append((d, t)))
    total = len(pooled)
    assert seen == [(i + 1, total) for i in range(total)]
    for doc in sorted(pooled)[:4]:
        same(pooled[doc], built_by_spacy(example, doc, {"respondent"}))


def test_an_unpunctuated_turn_is_indexed_in_the_matchers_bounded_sentences():
    from qualcode.autocode.pipeline import bounded_sentences, make_nlp, matchable

    words = " ".join(f"word{i % 37}" + ("," if i % 45 == 44 else "") for i in range(330))
    text = f"Short one. {words} and the end. Another short one."
    turns = [(0, 0, 10), (1, 11, len(text))]
    index = ix.build("d", "en", text, turns)
    nlp = make_nlp("en")
    expect_sent, expect_cut, base = [], [], 0
    for _, s, e in turns:
        doc = nlp(matchable(text[s:e]))
        pieces = bounded_sentences(doc)
        for k, (a, b) in enumerate(pieces):
            expect_cut.append(bool(k and not doc[a].is_sent_start))
            expect_sent += [base + k] * (b - a)
        base += len(pieces)
    assert any(expect_cut)  # the long sentence was cut
    assert index.sent.tolist() == expect_sent
    assert index.cut.tolist() == expect_cut
    assert [text[s:e] for s, e in zip(index.start[-3:], index.end[-3:], strict=True)] == [
        "short", "one", "."]
