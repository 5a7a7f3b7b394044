"""Issue 12, item 17: one long unpunctuated turn is cut into bounded sentences; nothing a
rule would find is lost at a cut, and no suggestion spans thousands of words.
(Timings are a benchmark, bench/long_turn_bench.py, not a test.)"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from qualcode.autocode.pipeline import make_nlp, matchable
from qualcode.project import open_project

from .conftest import write

FILLER = ("we went to the market and then the patrol came back from the border with the "
          "trucks and the men were tired").split()

CODEBOOK = """
codes:
  - id: trust
    name: Trust
    rules:
      en:
        - "last bastion"
        - {near: [army, politics], within: 4}
        - {phrase: partners, unless: [no partners]}
"""


def flat(n: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    return [rng.choice(FILLER) for _ in range(n)]


PIECE = 60  # pipeline.PIECE_TOKENS: 3,000 words without punctuation -> 50 pieces of 60
CUTS = list(range(PIECE, 3_000, PIECE))


def test_a_long_unpunctuated_text_is_cut_into_pieces_that_cover_it():
    from qualcode.autocode.pipeline import PIECE_TOKENS, bounded_sentences, sentence_spans

    nlp = make_nlp("en")
    words = flat(5_000)
    text = " ".join(words)
    spans = sentence_spans(nlp, text)
    assert len(spans) >= 5_000 // PIECE_TOKENS
    assert all(len(text[a:b].split()) <= PIECE_TOKENS for a, b in spans)
    # contiguous: every word is in exactly one piece, in order
    assert " ".join(text[a:b] for a, b in spans).split() == words
    doc = nlp(" ".join(flat(3_000)))
    assert PIECE_TOKENS == PIECE and [a for a, _ in bounded_sentences(doc)][1:] == CUTS


def test_ordinary_sentences_are_not_cut():
    from qualcode.autocode.pipeline import MAX_SENTENCE_TOKENS, sentence_spans

    nlp = make_nlp("en")
    long_but_normal = " ".join(flat(MAX_SENTENCE_TOKENS - 10)) + "."
    text = f"Short one. {long_but_normal} Another short one."
    spans = sentence_spans(nlp, text)
    assert [text[a:b] for a, b in spans] == ["Short one.", long_but_normal,
                                             "Another short one."]


def test_pieces_prefer_to_end_after_a_comma():
    from qualcode.autocode.pipeline import bounded_sentences

    nlp = make_nlp("en")
    words = flat(300)
    words[49] += ","
    text = " ".join(words)
    doc = nlp(matchable(text))
    first = bounded_sentences(doc)[0]
    assert doc[first[1] - 1].text == ","


@pytest.fixture
def long_turn(project_dir: Path):
    write(project_dir / "codebook" / "codes.yaml", CODEBOOK)
    words = flat(3_000)
    cuts = CUTS
    # word i is token i here (no punctuation): put phrases across two cuts and one
    # near-pair across a third
    c1, c2, c3 = cuts[3], cuts[10], cuts[20]
    words[c1 - 1:c1 + 1] = ["last", "bastion"]
    words[c2 - 2], words[c2 + 1] = "army", "politics"
    words[c3 + 5] = "partners"
    words[cuts[30] + 5] = "partners"
    words[cuts[30] + 20:cuts[30] + 22] = ["no", "partners"]  # vetoes its own piece only
    write(project_dir / "interviews" / "asr.md", "---\nrespondent: R1\n---\nInterviewer: "
          "Go on.\n\nR1: " + " ".join(words) + "\n")
    proj = open_project(project_dir)
    proj.import_interviews()
    return proj


def test_phrases_and_near_pairs_across_a_cut_are_found_with_a_bounded_span(long_turn):
    found = long_turn.autocode(dry_run=True)
    matched = sorted(found.matched)
    assert "last bastion" in matched
    assert any(m.startswith("army") and m.endswith("politics") for m in matched)
    # "no partners" vetoes the rule in its own piece only (both "partners" there), not
    # in the whole 3,000-word turn
    assert matched.count("partners") == 1
    text = long_turn.documents().text[0]
    for r in found.itertuples():
        passage = text[r.start:r.end]
        assert r.matched in passage
        assert len(passage.split()) <= PIECE


def test_unit_match_and_turn_are_unchanged(long_turn):
    by_match = long_turn.autocode(dry_run=True, unit="match")
    assert "last bastion" in set(by_match.matched)
    by_turn = long_turn.autocode(dry_run=True, unit="turn")
    assert by_turn.end.max() - by_turn.start.min() > 10_000
