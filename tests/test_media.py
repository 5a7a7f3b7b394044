"""Transcripts linked to their recordings: what import records, what status says, the
times of turns, cues and codings, and the export and excerpt columns."""

from __future__ import annotations

import hashlib
import json
import os
import wave
from pathlib import Path

import pytest

from qualcode.project import open_project

from .conftest import write
from .media_support import STAMPED, VTT, write_wav


def _media(proj) -> dict:
    from qualcode.store.media import media_rows

    with proj.engine.connect() as conn:
        return {k: r._asdict() for k, r in media_rows(conn).items()}


def _turn_times(proj, doc: str) -> list[tuple]:
    from qualcode.store.documents import timed_turns

    with proj.engine.connect() as conn:
        return [(r.start_time, r.end_time) for r in timed_turns(conn, [doc])]


@pytest.fixture
def stamped(project_dir: Path) -> Path:
    write(project_dir / "interviews" / "NE-07.md", STAMPED)
    write_wav(project_dir / "interviews" / "NE-07.wav", 30)
    return project_dir


def test_import_records_the_recording_without_copying_it(stamped: Path):
    proj = open_project(stamped, coder="ana")
    proj.import_interviews()
    wav = stamped / "interviews" / "NE-07.wav"
    m = _media(proj)["NE-07"]
    assert m["path"] == "NE-07.wav" and m["kind"] == "audio"
    assert m["size"] == wav.stat().st_size
    assert m["sha256"] == hashlib.sha256(wav.read_bytes()).hexdigest()
    with wave.open(str(wav)) as w:
        assert m["duration"] == pytest.approx(w.getnframes() / w.getframerate())
    # never an attribute, never in the store's bytes
    assert "media" not in proj.documents().columns
    db = (stamped / ".qualcode" / "qualcode.db").read_bytes()
    assert wav.read_bytes()[200:400] not in db
    # turns end where the next starts; the last one with the recording (30 s)
    assert _turn_times(proj, "NE-07") == [(0.0, 4.0), (4.0, 20.0), (20.0, 24.0),
                                          (24.0, 30.0)]
    proj.close()


def test_status_says_when_the_recording_is_missing_or_changed(stamped: Path, cli):
    assert cli("import").exit_code == 0
    assert json.loads(cli("status", "-f", "json").stdout)[-1]["what"] == "learned model"
    wav = stamped / "interviews" / "NE-07.wav"
    write_wav(wav, 31)  # another recording under the same name
    rows = json.loads(cli("status", "-f", "json").stdout)
    lines = [r["value"] for r in rows if r["what"] == "recording"]
    assert lines == ["NE-07: recording interviews/NE-07.wav changed since import - check it "
                     "is the right file, then run qualcode import"]
    assert cli("import").exit_code == 0
    assert not [r for r in json.loads(cli("status", "-f", "json").stdout)
                if r["what"] == "recording"]
    wav.rename(wav.with_name("renamed.wav"))
    res = cli("status")
    assert "NE-07: recording interviews/NE-07.wav is missing" in " ".join(res.stdout.split())
    # the same size and bytes with a new modification time is not a change
    wav.with_name("renamed.wav").rename(wav)
    os.utime(wav, (1, 1))
    assert not [r for r in json.loads(cli("status", "-f", "json").stdout)
                if r["what"] == "recording"]


def test_a_recording_named_but_absent_is_recorded_with_a_warning(project_dir: Path, cli):
    write(project_dir / "interviews" / "NE-07.md", STAMPED)
    res = cli("import")
    assert res.exit_code == 0
    assert "warning: interviews/NE-07.md: media interviews/NE-07.wav not found" in \
        " ".join(res.stderr.split())
    rows = json.loads(cli("status", "-f", "json").stdout)
    assert [r["value"] for r in rows if r["what"] == "recording"] == [
        "NE-07: recording interviews/NE-07.wav is missing - put it back, or fix media: in "
        "the transcript's front matter"]
    write_wav(project_dir / "interviews" / "NE-07.wav", 5)
    assert "is there now - run qualcode import" in cli("status", "-f", "csv").stdout
    cli("import")
    assert _media(open_project(project_dir))["NE-07"]["duration"] == 5.0


@pytest.mark.parametrize("ref", ["../outside.wav", "/etc/passwd.wav", "a/../../x.wav",
                                 "C:/rec/x.wav", "notes.txt"])
def test_media_outside_interviews_is_never_linked(project_dir: Path, cli, ref: str):
    write_wav(project_dir / "outside.wav", 1)
    write(project_dir / "interviews" / "d.md", STAMPED.replace("NE-07.wav", ref))
    res = cli("import")
    assert res.exit_code == 0
    assert f"interviews/d.md: media {ref!r}" in res.stderr and "not linked" in res.stderr
    assert _media(open_project(project_dir)) == {}


def test_a_link_pointing_outside_interviews_is_refused(project_dir: Path, cli):
    write_wav(project_dir / "secret.wav", 1)
    (project_dir / "interviews" / "NE-07.wav").symlink_to(project_dir / "secret.wav")
    write(project_dir / "interviews" / "NE-07.md", STAMPED)
    res = cli("import")
    assert "points outside interviews/" in res.stderr
    assert _media(open_project(project_dir)) == {}


def test_subtitles_keep_cue_times_and_find_the_recording_beside(project_dir: Path):
    write(project_dir / "interviews" / "clip.vtt", VTT)
    write_wav(project_dir / "interviews" / "clip.wav", 10)
    proj = open_project(project_dir, coder="ana")
    proj.import_interviews()
    assert _media(proj)["clip"]["path"] == "clip.wav"
    from qualcode.store.documents import cue_rows

    text = proj.documents().text[0]
    with proj.engine.connect() as conn:
        cues = [(text[r.start:r.end], r.start_time, r.end_time) for r in cue_rows(conn)]
    assert cues == [("Hello there, this is the first cue.", 0.5, 3.0),
                    ("And this is the second cue.", 3.0, 6.25),
                    ("A question now?", 6.5, 9.0)]
    # the stored text is what it was before cue times were kept
    assert text.startswith("Ana [00:00:00]: Hello there")
    assert _turn_times(proj, "clip") == [(0.5, 6.25), (6.5, 9.0)]
    # a coding of the second cue is exact; of a word inside it, placed by characters
    cue2 = "And this is the second cue."
    at = text.index(cue2)
    exact = proj.code("clip", "trust", quote=cue2)
    word = proj.code("clip", "coup", quote="second")
    df = proj.excerpts("trust", include_suggestions=True).set_index("id")
    assert (df.at[exact, "start_time"], df.at[exact, "end_time"],
            df.at[exact, "approximate"]) == (3.0, 6.25, False)
    w0 = at + cue2.index("second")
    share0, share1 = (w0 - at) / len(cue2), (w0 + 6 - at) / len(cue2)
    dfw = proj.excerpts("coup").set_index("id")
    assert dfw.at[word, "start_time"] == pytest.approx(round(3.0 + share0 * 3.25, 3))
    assert dfw.at[word, "end_time"] == pytest.approx(round(3.0 + share1 * 3.25, 3))
    assert bool(dfw.at[word, "approximate"]) is True
    proj.close()


def test_coding_times_in_export_and_excerpts(stamped: Path, cli):
    cli("import")
    proj = open_project(stamped, coder="ana")
    text = proj.documents().text[0]
    whole = proj.code("NE-07", "trust", turn=1)
    part = proj.code("NE-07", "trust", quote="whom to trust")
    proj.close()
    rows = {r["id"]: r for r in json.loads(cli("export", "codings", "-f", "json").stdout)}
    assert (rows[whole]["start_time"], rows[whole]["end_time"],
            rows[whole]["approximate"]) == (4.0, 20.0, False)
    speech = "It was long and hard, and we did not know whom to trust at all."
    s = text.index(speech)
    a = text.index("whom to trust") - s
    expect0 = round(4.0 + a / len(speech) * 16.0, 3)
    expect1 = round(4.0 + (a + len("whom to trust")) / len(speech) * 16.0, 3)
    assert rows[part]["start_time"] == pytest.approx(expect0)
    assert rows[part]["end_time"] == pytest.approx(expect1)
    assert rows[part]["approximate"] is True
    csv = cli("excerpts", "--code", "trust", "-f", "csv").stdout.splitlines()
    header = csv[0].split(",")
    assert {"start_time", "end_time", "approximate"} <= set(header)


def test_documents_without_times_have_empty_times(project_dir: Path, cli):
    write(project_dir / "interviews" / "d.md", "R1: I trust them.\n\nQ: Why?\n\nR1: Because.\n")
    cli("import")
    proj = open_project(project_dir, coder="ana")
    proj.code("d", "trust", quote="I trust them")
    proj.close()
    out = cli("export", "codings", "-f", "csv").stdout.splitlines()
    header = out[0].split(",")
    row = dict(zip(header, out[1].split(","), strict=False))
    assert row["start_time"] == row["end_time"] == row["approximate"] == ""


def test_the_report_shows_times_beside_excerpts(stamped: Path, tmp_path: Path):
    proj = open_project(stamped, coder="ana")
    proj.import_interviews()
    proj.code("NE-07", "trust", turn=1)
    proj.code("NE-07", "coup", quote="whom to trust")
    out = proj.report(tmp_path / "r.html")
    html = Path(out).read_text(encoding="utf-8")
    assert '<span class="time">0:04–0:20</span>' in html
    # inside the turn: placed by characters, marked approximate
    assert '<span class="time">≈ 0:1' in html
    proj.close()
