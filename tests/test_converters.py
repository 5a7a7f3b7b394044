"""Word and subtitle transcripts: real .docx files, WebVTT and SubRip."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.errors import TranscriptError
from qualcode.project import open_project
from qualcode.transcripts import read_transcript

from .conftest import write


def make_docx(path: Path, paragraphs: list[str]) -> Path:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(path)
    return path


def turns(tr):
    return [(t.speaker, t.role, t.timestamp, tr.text[t.start:t.end]) for t in tr.turns]


def test_docx_with_sidecar_attributes(tmp_path: Path):
    path = make_docx(tmp_path / "NE-20.docx", [
        "Intervieweur : Comment voyez-vous la coopération ?",
        "",
        "R20 : Nous voulons des partenaires qui nous respectent.",
        "Note: il rit.",
    ])
    write(tmp_path / "NE-20.yaml", "respondent: R20\nlanguage: fr\norigin: Nigérien\n"
                                   "interviewer: [Intervieweur]\n")
    tr = read_transcript(path)
    assert (tr.id, tr.respondent, tr.language, tr.encoding) == ("NE-20", "R20", "fr", "docx")
    assert tr.attributes["origin"] == "Nigérien"
    assert turns(tr) == [
        ("Intervieweur", "interviewer", None, "Comment voyez-vous la coopération ?"),
        ("R20", "respondent", None,
         "Nous voulons des partenaires qui nous respectent.\nNote: il rit.")]


def test_docx_front_matter_typed_in_word(tmp_path: Path):
    path = make_docx(tmp_path / "w.docx", ["---", "respondent: W9", "origin: Western", "---",
                                           "Interviewer: Hello?", "W9: Hello."])
    tr = read_transcript(path)
    assert (tr.respondent, tr.attributes["origin"]) == ("W9", "Western")
    write(tmp_path / "w.yaml", "origin: x\n")
    with pytest.raises(TranscriptError, match="attributes both at the top of the file and "
                                              "in w.yaml"):
        read_transcript(path)


def test_not_a_docx_is_a_clear_error(tmp_path: Path):
    bad = tmp_path / "old.docx"
    bad.write_bytes(b"\xd0\xcf\x11\xe0 an old binary .doc file")
    with pytest.raises(TranscriptError, match="not a Word .docx document"):
        read_transcript(bad)


VTT = """WEBVTT

NOTE recorded in Niamey

1
00:00:01.000 --> 00:00:04.000
<v Interviewer>How do you see the partners?

2
00:00:04.500 --> 00:00:09.000
<v Ana>They <i>never</i> asked us.

3
00:00:09.000 --> 00:00:12.000
What we needed, I mean.

4
00:01:02.000 --> 00:01:05.000
<v Interviewer>Thank you.
"""


def test_webvtt_voices_timestamps_and_continuations(tmp_path: Path):
    tr = read_transcript(write(tmp_path / "a.vtt", VTT),
                         interviewer_labels=["Interviewer"])
    assert turns(tr) == [
        ("Interviewer", "interviewer", "00:00:01", "How do you see the partners?"),
        ("Ana", "respondent", "00:00:04", "They never asked us. What we needed, I mean."),
        ("Interviewer", "interviewer", "00:01:02", "Thank you.")]


SRT = """1
00:00:01,000 --> 00:00:03,000
Q: Were you surprised?

2
00:00:03,500 --> 00:00:06,000
R: Not at all.
We expected it.

3
00:00:06,000 --> 00:00:08,000
Everyone did.
"""


def test_srt_with_name_prefixes(tmp_path: Path):
    tr = read_transcript(write(tmp_path / "b.srt", SRT))
    assert turns(tr) == [
        ("Q", "interviewer", "00:00:01", "Were you surprised?"),
        ("R", "respondent", "00:00:03", "Not at all. We expected it. Everyone did.")]


def test_subtitles_without_cues_are_an_error(tmp_path: Path):
    with pytest.raises(TranscriptError, match="no subtitle cues found"):
        read_transcript(write(tmp_path / "c.srt", "just some text\n"))


def test_import_detects_a_changed_sidecar(project_dir: Path):
    make_docx(project_dir / "interviews" / "d.docx", ["Q: Trust?", "R: I trust them."])
    side = write(project_dir / "interviews" / "d.yaml", "origin: Western\n")
    proj = open_project(project_dir)
    assert proj.import_interviews().added == ["d"]
    assert proj.documents().origin.tolist() == ["Western"]
    side.write_text("origin: Local\n", encoding="utf-8")
    assert proj.status()["changed_files"] == ["interviews/d.docx"]
    assert proj.import_interviews().updated == ["d"]
    assert proj.documents().origin.tolist() == ["Local"]
    assert proj.autocode(codes=["trust"]).matched.tolist() == ["trust"]
