"""REFI-QDA and recordings (issue 24): a transcript linked to a recording is exported as
an AudioSource/VideoSource holding the recording, with a Transcript (the text,
SyncPoints, the codings as TranscriptSelections), and imported back as a document with
the same text, turn times and codings, the recording extracted into interviews/."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from qualcode.project import open_project

from .conftest import write
from .media_support import STAMPED, VTT, write_wav
from .test_refi_project import empty_project

NS = {"q": "urn:QDA-XML:project:1.0"}


def _turn_times(proj, doc: str) -> list[tuple]:
    from qualcode.store.documents import timed_turns

    with proj.engine.connect() as conn:
        return [(r.start, r.end, r.start_time, r.end_time) for r in timed_turns(conn, [doc])]


def _codings(proj) -> list[tuple]:
    df = proj.codings()
    return sorted(zip(df["document"], df["start"], df["end"], df["code"], df["coder"],
                      strict=True))


@pytest.fixture
def linked(project_dir: Path) -> tuple:
    """A project with a stamped transcript and a .vtt, both with a WAV, and a plain
    transcript without one; codings on each."""
    write(project_dir / "interviews" / "NE-07.md", STAMPED)
    write_wav(project_dir / "interviews" / "NE-07.wav", 30)
    write(project_dir / "interviews" / "clip.vtt", VTT)
    write_wav(project_dir / "interviews" / "clip.wav", 10, pitch=660)
    write(project_dir / "interviews" / "plain.md", "---\nrespondent: P1\n---\n"
          "Interviewer: Any trust?\n\nP1: No trust at all.\n")
    proj = open_project(project_dir, coder="ana")
    proj.import_interviews()
    proj.code("NE-07", "trust", quote="whom to trust")
    proj.code("NE-07", "trust", turn=1)
    proj.code("clip", "trust", quote="second cue")
    proj.code("plain", "trust", quote="No trust")
    out = proj.export_project(project_dir.parent / "out.qdpx")
    return proj, out


def test_export_writes_audio_sources_with_the_recording_and_a_transcript(linked) -> None:
    proj, out = linked
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        root = etree.fromstring(zf.read("project.qde"))
        audio = root.findall(".//q:AudioSource", NS)
        assert sorted(a.get("name") for a in audio) == ["NE-07", "clip"]
        assert [t.get("name") for t in root.findall(".//q:TextSource", NS)] == ["plain"]
        for a in audio:
            member = "sources/" + a.get("path").removeprefix("internal://")
            assert member in names
            wav = proj.root / "interviews" / f"{a.get('name')}.wav"
            assert zf.read(member) == wav.read_bytes()  # the recording itself, whole
            assert zf.getinfo(member).compress_type == zipfile.ZIP_STORED
            tr = a.find("q:Transcript", NS)
            text = zf.read("sources/" + tr.get("plainTextPath").removeprefix("internal://"))
            assert text.decode() == proj.documents().set_index("document").loc[
                a.get("name"), "text"]
    ne07 = next(a for a in audio if a.get("name") == "NE-07")
    points = {p.get("guid"): p for p in ne07.iter("{urn:QDA-XML:project:1.0}SyncPoint")}
    timed = sorted((int(p.get("position")), int(p.get("timeStamp")))
                   for p in points.values() if p.get("timeStamp") is not None)
    turns = _turn_times(proj, "NE-07")
    # every timed turn's start and end are sync points, in milliseconds
    want = sorted({(s, round(t0 * 1000)) for s, _, t0, _ in turns if t0 is not None}
                  | {(e, round(t1 * 1000)) for _, e, _, t1 in turns if t1 is not None})
    assert timed == want
    sels = ne07.findall(".//q:TranscriptSelection", NS)
    text = proj.documents().set_index("document").loc["NE-07", "text"]
    spans = sorted((int(points[s.get("fromSyncPoint")].get("position")),
                    int(points[s.get("toSyncPoint")].get("position"))) for s in sels)
    codings = proj.codings()
    assert spans == sorted(zip(codings[codings.document == "NE-07"]["start"],
                               codings[codings.document == "NE-07"]["end"], strict=True))
    assert all(text[a:b] == s.get("name") for (a, b), s in zip(
        [(int(points[s.get("fromSyncPoint")].get("position")),
          int(points[s.get("toSyncPoint")].get("position"))) for s in sels], sels,
        strict=True))


def test_export_with_media_validates_against_the_schema(linked) -> None:
    from .conftest import SHARED
    from .test_refi_write import schemas

    _, out = linked
    root = etree.fromstring(zipfile.ZipFile(out).read("project.qde"))
    assert root.findall(".//q:TranscriptSelection", NS)  # the case the schema must accept
    for xsd in schemas(SHARED if SHARED.is_dir() else None):
        schema = etree.XMLSchema(etree.parse(str(xsd)))
        assert schema.validate(root), (xsd.name, schema.error_log)


def test_round_trip_keeps_text_times_codings_and_the_recording(linked, tmp_path: Path
                                                                ) -> None:
    proj, out = linked
    dest = open_project(empty_project(tmp_path / "copy"), coder="lead")
    result = dest.import_refi(out)
    assert result.documents["added"] == 3
    assert not [s for s in result.skipped_sources]
    before = proj.documents().set_index("document")["text"].to_dict()
    after = dest.documents().set_index("document")["text"].to_dict()
    assert after == before
    assert _turn_times(dest, "NE-07") == _turn_times(proj, "NE-07")
    # a .vtt's turns are re-read from its text by the transcript rules (the first turn
    # may start earlier), their times come from the sync points
    assert [t[2:] for t in _turn_times(dest, "clip")] == \
        [t[2:] for t in _turn_times(proj, "clip")]
    for doc in ("NE-07", "clip"):
        rec = dest.recording(doc)
        assert rec is not None and rec["state"] == "ok" and rec["path"] == f"{doc}.wav"
        copied = dest.root / "interviews" / f"{doc}.wav"
        original = proj.root / "interviews" / f"{doc}.wav"
        assert hashlib.sha256(copied.read_bytes()).digest() == \
            hashlib.sha256(original.read_bytes()).digest()
        assert rec["duration"] == proj.recording(doc)["duration"]
    assert dest.recording("plain") is None
    assert _codings(dest) == _codings(proj)
    # times derived from the imported turns match the original ones
    cols = ["document", "start", "end", "start_time", "end_time"]
    a = proj.excerpts("trust")
    if "start_time" in a:
        b = dest.excerpts("trust")
        key = ["document", "start", "end"]
        a, b = a[a.document == "NE-07"], b[b.document == "NE-07"]
        assert len(a) == 2
        assert a[cols].sort_values(key).values.tolist() == \
            b[cols].sort_values(key).values.tolist()
    # importing again changes nothing and never duplicates the recording
    again = dest.import_refi(out)
    assert again.documents["unchanged"] == 3
    assert sorted(p.name for p in (dest.root / "interviews").iterdir()) == [
        "NE-07.wav", "clip.wav"]


def test_a_different_file_of_the_same_name_is_never_overwritten(linked, tmp_path: Path
                                                                ) -> None:
    _, out = linked
    dest = open_project(empty_project(tmp_path / "copy"), coder="lead")
    mine = write_wav(dest.root / "interviews" / "NE-07.wav", 2, pitch=220)
    mine_bytes = mine.read_bytes()
    dest.import_refi(out)
    assert mine.read_bytes() == mine_bytes
    assert dest.recording("NE-07")["path"] == "NE-07 (2).wav"


def test_audio_source_with_an_external_recording_keeps_the_transcript(tmp_path: Path
                                                                      ) -> None:
    """Another tool's shape: PlainTextContent, a relative:// recording, sync points not
    on every turn, a TranscriptSelection and an AudioSelection."""
    g = "0e0b4c1d-2f3a-4b5c-8d6e-{:012d}".format
    text = "Q: Hello?\nR: We waited for hours.\n"
    start_r = text.index("R:")
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="ext" origin="Some tool">
 <Users><User guid="{g(1)}" name="bea"/></Users>
 <CodeBook><Codes><Code guid="{g(2)}" name="Waiting" isCodable="true"/></Codes></CodeBook>
 <Sources>
  <AudioSource guid="{g(3)}" name="talk.m4a" path="relative:///talk.m4a">
   <Transcript guid="{g(4)}" name="talk">
    <PlainTextContent>{text}</PlainTextContent>
    <SyncPoint guid="{g(5)}" position="0" timeStamp="0"/>
    <SyncPoint guid="{g(6)}" position="{start_r}" timeStamp="4500"/>
    <SyncPoint guid="{g(7)}" position="{text.index('waited')}"/>
    <SyncPoint guid="{g(8)}" position="{text.index(' for')}" timeStamp="6000"/>
    <TranscriptSelection guid="{g(9)}" name="waited" fromSyncPoint="{g(7)}"
                         toSyncPoint="{g(8)}" creatingUser="{g(1)}">
     <Coding guid="{g(10)}" creatingUser="{g(1)}"><CodeRef targetGUID="{g(2)}"/></Coding>
    </TranscriptSelection>
   </Transcript>
   <AudioSelection guid="{g(11)}" begin="100" end="900">
    <Coding guid="{g(12)}"><CodeRef targetGUID="{g(2)}"/></Coding>
   </AudioSelection>
  </AudioSource>
 </Sources>
</Project>"""
    path = tmp_path / "ext.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde)
    dest = open_project(empty_project(tmp_path / "copy"), coder="lead")
    result = dest.import_refi(path)
    assert dest.documents().set_index("document").loc["talk", "text"] == text
    # the points sit at the line starts (before the labels): each turn takes the time
    # of the point before it; the first ends where the second starts
    assert [(t0, t1) for *_, t0, t1 in _turn_times(dest, "talk")] == [(0.0, 4.5),
                                                                      (4.5, None)]
    df = dest.codings()
    assert [(r.start, r.end, r.text, r.coder) for r in df.itertuples()] == [
        (text.index("waited"), text.index(" for"), "waited", "bea")]
    assert dest.recording("talk") is None
    assert any("relative:///talk.m4a" in w and "not in the archive" in w
               for w in result.warnings)
    assert result.skipped_selections == {"audio": 1}
    assert not result.skipped_sources


def test_atlas_ti_audio_and_video_sources_stay_listed(shared: Path, tmp_path: Path) -> None:
    """The ATLAS.ti TestProject has one AudioSource without a Transcript and two
    VideoSources whose transcripts' files are not in the archive: all three listed as not
    imported, with the reason."""
    from qualcode.refi.read import read_qdpx

    proj = read_qdpx(shared / "refi" / "samples"
                     / "atlasti-mac-8.4_standard-project_TestProject.qdpx")
    skipped = {s.name: s for s in proj.report.skipped_sources if s.kind in ("audio", "video")}
    assert sorted(skipped) == ["1960s Coca Cola commercial.mp4",
                               "1994 Diet Coke-Diet Coke Break.mp4", "Jeanine's Breakfast.m4a"]
    assert "transcript file" in skipped["1994 Diet Coke-Diet Coke Break.mp4"].reason
    assert skipped["Jeanine's Breakfast.m4a"].reason == "qualcode codes text only"


def test_vtt_cue_times_travel_as_sync_points(linked) -> None:
    proj, out = linked
    root = etree.fromstring(zipfile.ZipFile(out).read("project.qde"))
    clip = next(a for a in root.findall(".//q:AudioSource", NS) if a.get("name") == "clip")
    stamps = {int(p.get("timeStamp")) for p in clip.iter(
        "{urn:QDA-XML:project:1.0}SyncPoint") if p.get("timeStamp") is not None}
    assert {500, 3000, 6250, 6500, 9000} <= stamps  # every cue's start and end (VTT)
    assert VTT  # the cues of media_support.VTT


def test_cli_export_then_import_says_how_many_recordings(linked, cli, tmp_path: Path
                                                         ) -> None:
    proj, _ = linked
    out = tmp_path / "cli.qdpx"
    assert cli("export", "project", "-o", str(out)).exit_code == 0
    copy = empty_project(tmp_path / "copy")
    res = cli("import", str(out), project=copy)
    assert res.exit_code == 0, res.output
    assert "recordings linked" in res.output
    assert (copy / "interviews" / "NE-07.wav").read_bytes() == \
        (proj.root / "interviews" / "NE-07.wav").read_bytes()


def test_a_missing_recording_exports_the_document_as_text(linked, tmp_path: Path) -> None:
    proj, _ = linked
    (proj.root / "interviews" / "clip.wav").unlink()
    out = proj.export_project(tmp_path / "again.qdpx")
    root = etree.fromstring(zipfile.ZipFile(out).read("project.qde"))
    assert [a.get("name") for a in root.findall(".//q:AudioSource", NS)] == ["NE-07"]
    assert sorted(t.get("name") for t in root.findall(".//q:TextSource", NS)) == [
        "clip", "plain"]


def test_two_exports_with_recordings_are_identical(linked, tmp_path: Path) -> None:
    proj, out = linked
    again = proj.export_project(tmp_path / "again.qdpx")
    assert again.read_bytes() == out.read_bytes()


def test_a_recording_name_from_the_file_never_escapes_interviews(tmp_path: Path) -> None:
    """The recording's name in the archive plays no part in where it is written."""
    g = "1e0b4c1d-2f3a-4b5c-8d6e-{:012d}".format
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="evil" origin="Some tool">
 <Sources>
  <VideoSource guid="{g(1)}" name="../../escape" path="internal://../../../escape.mp4">
   <Transcript guid="{g(2)}"><PlainTextContent>Just text.</PlainTextContent></Transcript>
  </VideoSource>
 </Sources>
</Project>"""
    path = tmp_path / "evil.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde)
        zf.writestr("sources/escape.mp4", b"\x00\x00\x00\x18ftypmp42")
    dest = open_project(empty_project(tmp_path / "copy"), coder="lead")
    dest.import_refi(path)
    (doc,) = dest.documents()["document"]
    assert "/" not in doc
    files = [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.mp4")]
    assert files == [f"copy/interviews/{doc}.mp4"]
    assert dest.recording(doc)["path"] == f"{doc}.mp4"
