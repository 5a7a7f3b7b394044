"""Transcript reading: front matter, turns, labels, encodings and offsets."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.errors import TranscriptError
from qualcode.transcripts import parse_transcript, read_transcript

from .conftest import write


def turns(tr):
    return [(t.speaker, t.role, t.case_id, tr.text[t.start:t.end]) for t in tr.turns]


def test_front_matter_becomes_attributes_and_ids(tmp_path: Path):
    p = write(tmp_path / "ne07.md", """
        ---
        id: NE-07
        respondent: R07
        language: fr
        date: 2023-07-18
        interviewer: [Intervieweur]
        origin: Nigérien
        rank: junior officer
        ---
        Intervieweur : Bonjour.

        R07 : Bonjour.
        """)
    tr = read_transcript(p)
    assert (tr.id, tr.respondent, tr.language) == ("NE-07", "R07", "fr")
    assert tr.attributes == {"date": "2023-07-18", "origin": "Nigérien",
                             "rank": "junior officer", "language": "fr"}
    assert tr.text == "Intervieweur : Bonjour.\n\nR07 : Bonjour.\n"


def test_defaults_from_file_stem_and_settings(tmp_path: Path):
    tr = read_transcript(write(tmp_path / "int-3.txt", "R: hello there\n"),
                         default_language="de")
    assert (tr.id, tr.respondent, tr.language) == ("int-3", "int-3", "de")


def test_label_forms_french_spacing_nbsp_bold_and_timestamps():
    body = ("Intervieweur : Question un ?\n"
            "R07\u00a0: Réponse avec espace insécable.\n"
            "**Intervieweur:** Question deux ?\n"
            "**R07**: Réponse en gras.\n"
            "R07 [00:12:31]: Avec horodatage.\n"
            "Intervieweur: [01:02:03] Après le label.\n"
            "R07\u202f: Espace fine.\n")
    tr = parse_transcript(body, "x", "x.md", interviewer_labels=["Intervieweur"])
    assert turns(tr) == [
        ("Intervieweur", "interviewer", None, "Question un ?"),
        ("R07", "respondent", "x", "Réponse avec espace insécable."),
        ("Intervieweur", "interviewer", None, "Question deux ?"),
        ("R07", "respondent", "x", "Réponse en gras."),
        ("R07", "respondent", "x", "Avec horodatage."),
        ("Intervieweur", "interviewer", None, "Après le label."),
        ("R07", "respondent", "x", "Espace fine."),
    ]
    assert [t.timestamp for t in tr.turns][4:6] == ["00:12:31", "01:02:03"]


def test_line_that_looks_like_a_label_inside_speech_stays_speech():
    body = ("Interviewer: What happened?\n\n"
            "R1: We left early.\nNote: this part is important, he said.\nThen we waited.\n\n"
            "Interviewer: And then?\n\nR1: Nothing.\n")
    tr = parse_transcript(body, "d", "d.md")
    assert [t.speaker for t in tr.turns] == ["Interviewer", "R1", "Interviewer", "R1"]
    assert tr.text[tr.turns[1].start:tr.turns[1].end] == (
        "We left early.\nNote: this part is important, he said.\nThen we waited.")


def test_undeclared_label_used_twice_is_a_speaker():
    body = "Q: one?\nColonel M: yes.\nQ: two?\nColonel M: no.\n"
    tr = parse_transcript(body, "d", "d.md")
    assert [(t.speaker, t.role) for t in tr.turns] == [
        ("Q", "interviewer"), ("Colonel M", "respondent"), ("Q", "interviewer"),
        ("Colonel M", "respondent")]


def test_text_before_first_label_belongs_to_no_speaker():
    tr = parse_transcript("Recorded in Niamey.\n\nQ: Hello?\nR: Hi.\n", "d", "d.md")
    assert turns(tr)[0] == (None, "none", None, "Recorded in Niamey.")


def test_unlabelled_text_is_the_respondents_own():
    tr = parse_transcript("---\nrespondent: W9\n---\nA written answer.\n", "d", "d.md")
    assert turns(tr) == [("W9", "respondent", "W9", "A written answer.")]


def test_focus_group_speakers_map_to_cases_with_attributes():
    text = ("---\nid: FG\nrank: mixed\nspeakers:\n  Lt A: {case: N15, rank: junior officer}\n"
            "  Sgt B: N16\n---\nModerator: Go.\nLt A: One.\nSgt B: Two.\nLt A: Three.\n")
    tr = parse_transcript(text, "fg", "fg.md")
    assert [(t.speaker, t.case_id) for t in tr.turns] == [
        ("Moderator", None), ("Lt A", "N15"), ("Sgt B", "N16"), ("Lt A", "N15")]
    sp = {s.label: s for s in tr.speakers}
    assert sp["Lt A"].attributes == {"rank": "junior officer"}
    assert sp["Sgt B"].case_id == "N16"


def test_crlf_bom_and_nfd_are_normalised(tmp_path: Path):
    p = tmp_path / "a.md"
    p.write_bytes("\ufeffR: Nige\u0301rien\r\nsecond line\r\n".encode())
    tr = read_transcript(p)
    assert tr.text == "R: Nigérien\nsecond line\n"
    assert "\r" not in tr.text and "\ufeff" not in tr.text


def test_offsets_are_code_points_with_emoji(tmp_path: Path):
    p = write(tmp_path / "e.md", "R: 😀 ok 👍🏽 fine\n")
    tr = read_transcript(p)
    t = tr.turns[0]
    assert tr.text[t.start:t.end] == "😀 ok 👍🏽 fine"
    # 😀 is one code point; 👍🏽 is two (the emoji and a skin-tone modifier)
    assert (t.start, t.end) == (3, 15)
    assert tr.text.index("fine") == 11


def test_cp1252_is_detected_and_converted_with_a_warning(tmp_path: Path):
    p = tmp_path / "fr.txt"
    p.write_bytes("R : L’armée a été très présente – voilà.\n".encode("cp1252"))
    tr = read_transcript(p)
    assert tr.text == "R : L’armée a été très présente – voilà.\n"
    assert tr.encoding == "cp1252"
    assert "not UTF-8" in tr.warnings[0] and "fr.txt" in tr.warnings[0]


def test_latin1_french_is_read(tmp_path: Path):
    p = tmp_path / "l1.txt"
    p.write_bytes("R : déjà vu, garçon\n".encode("latin-1"))
    assert read_transcript(p).text == "R : déjà vu, garçon\n"


def test_undecodable_bytes_name_file_and_offset(tmp_path: Path):
    p = tmp_path / "bad.md"
    p.write_bytes(b"R: ok \x81 broken")
    with pytest.raises(TranscriptError) as err:
        read_transcript(p)
    assert str(err.value).startswith(f"{p}: undecodable byte 0x81 at byte offset 6")


def test_binary_file_is_refused(tmp_path: Path):
    p = tmp_path / "bin.txt"
    p.write_bytes(b"R: abc\x00\x01\x02")
    with pytest.raises(TranscriptError, match="control character U\\+0000 at byte offset 6"):
        read_transcript(p)


def test_unclosed_front_matter_and_bad_yaml_are_errors(tmp_path: Path):
    with pytest.raises(TranscriptError, match="never closed"):
        read_transcript(write(tmp_path / "a.md", "---\nid: x\nR: hi\n"))
    with pytest.raises(TranscriptError, match=r"b\.md: line 3: invalid YAML"):
        read_transcript(write(tmp_path / "b.md", "---\nid: x\nrank: [a\n---\nR: hi\n"))


def test_unsupported_file_type(tmp_path: Path):
    with pytest.raises(TranscriptError, match="unsupported file type .pdf"):
        read_transcript(write(tmp_path / "a.pdf", "x"))
