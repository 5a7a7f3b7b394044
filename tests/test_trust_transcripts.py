"""Issue 12: reading transcripts - attribute values cleaned (7), one clear line for a bad
date (13) or an unsupported language (15), a respondent label used once (19), empty
files and mixed encodings (20)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.errors import EmptyTranscriptError, TranscriptError
from qualcode.project import open_project
from qualcode.transcripts import parse_transcript, read_transcript

from .conftest import write


def turns(tr):
    return [(t.speaker, t.case_id, t.role, tr.text[t.start:t.end]) for t in tr.turns]


# --- 7: attribute values ---------------------------------------------------------------

def test_attribute_values_are_trimmed_and_empty_values_are_missing(tmp_path: Path):
    tr = read_transcript(write(tmp_path / "d.md", """
        ---
        id: " D1 "
        respondent: "  R1 "
        language: " en "
        origin: "  western  "
        phase: ""
        unit: null
        tags: [" a ", "", "b"]
        empty_list: ["  "]
        speakers:
          " Sergent B ": {case: " N16 ", rank: " enlisted ", phase: ""}
        ---
        Interviewer: Hello?

        Sergent B: Hello.
        """))
    assert (tr.id, tr.respondent, tr.language) == ("D1", "R1", "en")
    assert tr.attributes == {"origin": "western", "tags": ["a", "b"], "language": "en"}
    [sergeant] = [s for s in tr.speakers if s.role == "respondent"]
    assert (sergeant.label, sergeant.case_id, sergeant.attributes) == (
        "Sergent B", "N16", {"rank": "enlisted"})


def test_sidecar_attribute_values_are_trimmed(tmp_path: Path):
    path = write(tmp_path / "s.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n"
                                     "<v Ana>Bonjour.\n")
    write(tmp_path / "s.yaml", "respondent: Ana\norigin: '  Nigérien '\nphase: ''\n")
    tr = read_transcript(path)
    assert tr.attributes == {"origin": "Nigérien", "language": "en"}


def test_trimmed_values_reach_the_store(project_dir: Path):
    write(project_dir / "interviews" / "a.md", "---\norigin: '  Western '\nphase: ''\n---\n"
                                               "A: I trust them.\n")
    write(project_dir / "interviews" / "b.md", "---\norigin: Western\nphase: pre\n---\n"
                                               "A: I trust them.\n")
    proj = open_project(project_dir)
    proj.import_interviews()
    docs = proj.documents().set_index("document")
    assert docs.loc["a", "origin"] == docs.loc["b", "origin"] == "Western"
    assert docs.loc["a", "phase"] != docs.loc["a", "phase"]  # missing (NaN), not ""


# --- 13: a date that does not exist ----------------------------------------------------

def test_impossible_date_is_one_line_naming_file_and_line(cli, project_dir: Path):
    write(project_dir / "interviews" / "d.md", "---\nid: D\ndate: 2024-13-45\n---\nA: Hi.\n")
    res = cli("import")
    assert res.exit_code == 1
    assert res.stderr == ("Error: interviews/d.md: line 3: invalid date '2024-13-45' (month "
                          "must be in 1..12) - write dates as YYYY-MM-DD\n")


def test_impossible_date_in_a_sidecar_names_it(tmp_path: Path):
    path = write(tmp_path / "s.srt", "1\n00:00:01,000 --> 00:00:02,000\nAna: Bonjour.\n")
    write(tmp_path / "s.yaml", "origin: x\ndate: 2024-02-30\n")
    with pytest.raises(TranscriptError, match=r"s\.yaml: line 2: invalid date '2024-02-30' "
                                              r"\(day is out of range for month\)"):
        read_transcript(path)


# --- 15: a language spaCy does not know ------------------------------------------------

def test_unsupported_language_is_refused_at_import_naming_file_and_language(cli,
                                                                             project_dir: Path):
    write(project_dir / "interviews" / "k.md", "---\nlanguage: klingon\n---\nA: Qapla'.\n")
    res = cli("import")
    assert res.exit_code == 1
    assert res.stderr.startswith("Error: interviews/k.md: language 'klingon' is not "
                                 "supported by spaCy - use one of af, ")
    assert " en, " in res.stderr and " fr, " in res.stderr and "(xx: multilingual)" in res.stderr
    assert res.stderr.count("\n") == 1


def test_language_codes_are_lower_cased():
    tr = parse_transcript("---\nlanguage: FR\n---\nA: Oui.\n", "d", "d.md")
    assert tr.language == tr.attributes["language"] == "fr"


# --- 19: a respondent label that occurs once -------------------------------------------

def test_declared_respondent_label_used_once_is_a_turn_even_with_speakers():
    tr = parse_transcript("""---
respondent: R07
speakers:
  Ana: N1
---
Interviewer: How are things?

R07: Fine, thanks. We were never asked.

Ana: Yes.
""", "d", "d.md")
    assert turns(tr) == [
        ("Interviewer", None, "interviewer", "How are things?"),
        ("R07", "R07", "respondent", "Fine, thanks. We were never asked."),
        ("Ana", "N1", "respondent", "Yes."),
    ]


def test_declared_labels_match_whatever_their_capitals():
    tr = parse_transcript("""---
respondent: Colonel Moussa
speakers:
  Sergent B: N16
---
Interviewer: And you?

COLONEL MOUSSA: Never.

sergent b: Me neither.
""", "d", "d.md")
    assert turns(tr)[1:] == [("COLONEL MOUSSA", "Colonel Moussa", "respondent", "Never."),
                             ("Sergent B", "N16", "respondent", "Me neither.")]


# --- 20: empty files, mixed encodings ------------------------------------------------

@pytest.mark.parametrize("content", [b"", b"  \n\n \t\n", b"---\nid: x\n---\n\n"])
def test_empty_transcript_is_an_error_naming_the_file(tmp_path: Path, content: bytes):
    path = tmp_path / "empty.md"
    path.write_bytes(content)
    with pytest.raises(EmptyTranscriptError, match=r"empty\.md: empty transcript"):
        read_transcript(path)


def test_empty_transcript_stops_import_with_one_line(cli, project_dir: Path):
    (project_dir / "interviews" / "e.md").write_bytes(b"")
    res = cli("import")
    assert (res.exit_code, res.stderr) == (
        1, "Error: interviews/e.md: empty transcript (no text) - add its text, or rename it "
           "to start with _ so that import leaves it out\n")


def test_file_mixing_utf8_and_latin1_is_decoded_part_by_part_with_a_warning(cli,
                                                                           project_dir: Path):
    data = "A: Le café est prêt, ".encode() + "la crème aussi.\n".encode("latin-1")
    (project_dir / "interviews" / "m.md").write_bytes(data)
    offset = data.index(b"\xe8")
    res = cli("import")
    assert res.exit_code == 0
    assert (f"warning: interviews/m.md: mixes UTF-8 and cp1252/latin-1 text (first "
            f"non-UTF-8 byte at offset {offset})") in res.stderr
    text = open_project(project_dir).documents().text[0]
    assert text == "A: Le café est prêt, la crème aussi.\n"


def test_plain_latin1_file_keeps_the_plain_warning(tmp_path: Path):
    path = tmp_path / "l.md"
    path.write_bytes("A: la crème.\n".encode("latin-1"))
    tr = read_transcript(path)
    assert tr.text == "A: la crème.\n" and tr.encoding == "cp1252"
    assert "not UTF-8 (first invalid byte at offset 8)" in tr.warnings[0]


def test_unsupported_default_language_in_settings_names_qualcode_toml(cli, project_dir: Path):
    write(project_dir / "qualcode.toml", 'name = "x"\nlanguage = "Klingon"\n')
    res = cli("status")
    assert res.exit_code == 1
    assert res.stderr.startswith(f"Error: {project_dir / 'qualcode.toml'}: language: 'Klingon' "
                                 "is not supported by spaCy - use one of af, ")
