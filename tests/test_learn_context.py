"""Context features: a sentence is read with the interviewer's question that opened its
turn and the speaker's previous and next sentence - "Yes, many times." means betrayal
after a question about betrayal, and nothing after a question about the rain."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qualcode.learn.context import add_context
from qualcode.project import open_project

from .conftest import clean_env, write

TEXT = ("I: Tell me about it.\n\nA: One. Two.\n\nB: Three.\n\nA: Four.\n\n"
        "I: And then?\n\nB: Five.\n")


def frames() -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    spans = {}
    for part in ("I: Tell me about it.", "One.", "Two.", "Three.", "Four.", "I: And then?",
                 "Five."):
        start = TEXT.index(part)
        spans[part] = (start, start + len(part))
    turn = [("I", "interviewer", "I: Tell me about it."), ("A", "respondent", "One. Two."),
            ("B", "respondent", "Three."), ("A", "respondent", "Four."),
            ("I", "interviewer", "I: And then?"), ("B", "respondent", "Five.")]
    turns = pd.DataFrame([("D", k, who, who, role, TEXT.index(t), TEXT.index(t) + len(t))
                          for k, (who, role, t) in enumerate(turn)],
                         columns=["document", "turn", "speaker", "case", "role", "start", "end"])
    sentences = pd.DataFrame([("D", *spans[s]) for s in ("One.", "Two.", "Three.", "Four.",
                                                          "Five.")],
                             columns=["document", "start", "end"])
    return sentences, turns, {"D": TEXT}


def test_neighbours_follow_the_speaker_and_the_question_opened_the_turn():
    sentences, turns, texts = frames()
    out = add_context(sentences, sentences, turns, texts)
    got = [(TEXT[a:b], before, after, q) for a, b, before, after, q in
           out[["start", "end", "before", "after", "question"]].itertuples(index=False)]
    assert got == [
        ("One.", "", "Two.", "I: Tell me about it."),
        ("Two.", "One.", "Four.", "I: Tell me about it."),  # A again after B spoke
        ("Three.", "", "Five.", "I: Tell me about it."),  # a focus group: the last question
        ("Four.", "Two.", "", "I: Tell me about it."),
        ("Five.", "Three.", "", "I: And then?"),
    ]
    assert out[["document", "start", "end"]].equals(sentences)  # rows keep their order


def test_without_turns_a_document_is_one_speaker_with_no_question():
    sentences, _, texts = frames()
    shuffled = sentences.iloc[[3, 0, 4, 1, 2]].reset_index(drop=True)
    out = add_context(shuffled, sentences, None, texts)
    assert [TEXT[a:b] for a, b in zip(out.start, out.end, strict=True)] == \
        ["Four.", "One.", "Five.", "Two.", "Three."]
    assert out["before"].tolist() == ["Three.", "", "Four.", "One.", "Two."]
    assert out["after"].tolist() == ["Five.", "Two.", "", "Three.", "Four."]
    assert set(out["question"]) == {""}
    empty = add_context(sentences.iloc[:0], sentences, None, texts)
    assert list(empty.columns) == ["document", "start", "end", "before", "after", "question"]


CODEBOOK = """
codebook: Context test
version: 1
codes:
  - id: betrayal
    name: Betrayal
    rules:
      en: [treachery]
  - id: weather
    name: Weather
"""
BETRAY_Q = "Did your partners ever betray you or lie to you?"
RAIN_Q = "Was the rain good for the harvest this year?"
ANSWER = "Yes, many times."
FILLER = ["My brother sells millet.", "The bus takes two days.", "We repaired the well.",
          "The radio plays music.", "Our cattle graze by the river.", "We planted beans."]


def transcript(i: int) -> str:
    f = [FILLER[(i + k) % len(FILLER)] for k in range(4)]
    return (f"---\nid: D{i}\nrespondent: R{i}\n---\n"
            f"Interviewer: {BETRAY_Q}\n\nR{i}: {ANSWER} {f[0]}\n\n"
            f"Interviewer: {RAIN_Q}\n\nR{i}: {ANSWER} {f[1]}\n\n"
            f"Interviewer: {BETRAY_Q}\n\nR{i}: {f[2]} {ANSWER}\n\n"
            f"Interviewer: {RAIN_Q}\n\nR{i}: {f[3]} {ANSWER}\n")


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory):
    """Six interviews; ana coded each "Yes, many times." that answers the betrayal
    question (1st and 3rd occurrences), never those that answer the rain question."""
    root = tmp_path_factory.mktemp("context") / "study"
    write(root / "qualcode.toml", 'name = "Context test"\nlanguage = "en"\n')
    write(root / "codebook" / "codes.yaml", CODEBOOK)
    for i in range(1, 8):
        write(root / "interviews" / f"D{i}.md", transcript(i))
    with clean_env(tmp_path_factory):
        proj = open_project(root, coder="ana")
        proj.import_interviews()
        proj.autocode()
        for i in range(1, 7):
            for k in (1, 3):
                proj.code(f"D{i}", "betrayal", quote=ANSWER, occurrence=k)
        proj.close()
        yield root


def scores_of_answers(root: Path, context: bool) -> np.ndarray:
    """Train with [learn] context on or off; the model's betrayal scores for the four
    answers of the document nobody coded (D7), in text order."""
    from qualcode import datasets
    from qualcode.learn.data import with_context
    from qualcode.learn.predict import score_texts

    if not context:
        toml = root / "qualcode.toml"
        toml.write_text(toml.read_text("utf-8") + "\n[learn]\ncontext = false\n", "utf-8")
    proj = open_project(root, coder="ana")
    try:
        result = proj.train()
        assert result.model.context is context
        assert result.card["classifier"]["context"] is context
        sentences = datasets.sentences(proj.workspace, ["D7"])
        text = proj.documents().set_index("document").loc["D7", "text"]
        mine = sentences[[text[a:b] == ANSWER for a, b in
                          zip(sentences.start, sentences.end, strict=True)]]
        assert len(mine) == 4
        ctx = with_context(proj.workspace, mine.reset_index(drop=True))
        j = result.model.codes.index("betrayal")
        return score_texts(result.model, [ANSWER] * 4, ["en"] * 4, ctx)[:, j]
    finally:
        proj.close()


def test_the_question_tells_apart_the_same_words(study, tmp_path: Path):
    with_ctx = tmp_path / "with"
    shutil.copytree(study, with_ctx)
    s = scores_of_answers(with_ctx, context=True)
    # answers to the betrayal question (1st, 3rd) score far above those to the rain one
    assert min(s[0], s[2]) > max(s[1], s[3]) + 0.3
    without = tmp_path / "without"
    shutil.copytree(study, without)
    plain = scores_of_answers(without, context=False)
    assert np.ptp(plain) < 1e-9  # the same words, the same score


def test_autocode_suggests_only_the_answers_to_the_right_question(study, tmp_path: Path,
                                                                   cli):
    root = tmp_path / "auto"
    shutil.copytree(study, root)
    assert cli("train", project=root).exit_code == 0
    res = cli("autocode", "--source", "model", "--documents", "D7", project=root)
    assert res.exit_code == 0, res.output
    proj = open_project(root)
    try:
        got = proj.codings(coders=["auto"], statuses=["suggested"], documents=["D7"])
        text = proj.documents().set_index("document").loc["D7", "text"]
        hits = sorted(int(s) for s, c in zip(got.start, got.code, strict=True)
                      if c == "betrayal")
        answers = [i for i in range(len(text)) if text.startswith(ANSWER, i)]
        assert hits == [answers[0], answers[2]]
    finally:
        proj.close()
