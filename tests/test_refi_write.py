"""Writing REFI-QDA: schema-valid, deterministic, and read back unchanged."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from qualcode.errors import InteropError
from qualcode.refi.model import (
    Case,
    Code,
    Coding,
    Note,
    RefiCodebook,
    RefiProject,
    Set,
    Source,
    TextSelection,
    User,
    Variable,
    stable_guid,
)
from qualcode.refi.read import read_qdc, read_qdpx
from qualcode.refi.write import write_qdc, write_qdpx

REPO = Path(__file__).resolve().parents[1]
TEXT = ("Interviewer: How do you see the partners?\n\n"
        "R07: Personne ne peut gagner cette guerre tout seul. 🙂 Ils ne comprennent pas.\n")
T0 = dt.datetime(2024, 5, 1, 9, 30, tzinfo=dt.UTC)


def g(*parts: str) -> str:
    return stable_guid("test", *parts)


def small_project() -> RefiProject:
    """Two documents, a nested codebook, two coders, overlapping codings, variables on a
    case and on a source, notes on a code, a document, a coding and a case, a set."""
    alice, bob = User(guid=g("u", "alice"), name="alice"), User(guid=g("u", "bob"), name="bob")
    codes = [Code(guid=g("c", "themes"), name="Themes", is_codable=False, color="#336699",
                  description="Top folder", children=[
                      Code(guid=g("c", "trust"), name="Trust", color="#d95f02",
                           description="Expressions of trust"),
                      Code(guid=g("c", "trust2"), name="Trust", description="same name, "
                           "other parent", children=[])]),
             Code(guid=g("c", "alone"), name="Alone")]
    s1 = Source(guid=g("s", "NE-07"), name="NE-07", text=TEXT, user_guid=alice.guid,
                created=T0, variables={"wave": 2})
    s2 = Source(guid=g("s", "W-01"), name="W-01", text="Écrit à la main.\nSans étiquette.\n")
    start = TEXT.index("Personne")
    end = TEXT.index("seul.") + len("seul.")
    emoji_end = TEXT.index("🙂") + 1
    sels = [
        TextSelection(guid=g("sel", "1"), source_guid=s1.guid, start=start, end=end,
                      quote=TEXT[start:end], codings=[
                          Coding(guid=g("cd", "1"), code_guid=g("c", "alone"),
                                 user_guid=alice.guid, created=T0),
                          Coding(guid=g("cd", "2"), code_guid=g("c", "trust"),
                                 user_guid=bob.guid, created=T0)]),
        TextSelection(guid=g("sel", "2"), source_guid=s1.guid, start=start, end=emoji_end,
                      quote=TEXT[start:emoji_end], codings=[
                          Coding(guid=g("cd", "3"), code_guid=g("c", "trust2"),
                                 user_guid=bob.guid)]),
        TextSelection(guid=g("sel", "3"), source_guid=s2.guid, start=0, end=5, quote="Écrit",
                      codings=[Coding(guid=g("cd", "4"), code_guid=g("c", "trust"),
                                      user_guid=alice.guid)]),
    ]
    cases = [Case(guid=g("case", "R07"), name="R07", source_guids=[s1.guid],
                  variables={"rank": "junior officer", "age": 41, "veteran": True,
                             "score": 0.25})]
    notes = [Note(guid=g("n", "1"), text="Trust is relative here.", target_guid=g("c", "trust"),
                  target_kind="code", user_guid=alice.guid, created=T0),
             Note(guid=g("n", "2"), text="Long interview.", target_guid=s1.guid,
                  target_kind="source", user_guid=bob.guid),
             Note(guid=g("n", "3"), text="Why alone?", target_guid=g("cd", "1"),
                  target_kind="coding", user_guid=alice.guid),
             Note(guid=g("n", "4"), text="Officer, talkative.", target_guid=g("case", "R07"),
                  target_kind="case", user_guid=alice.guid),
             Note(guid=g("n", "5"), text="Project journal.", target_kind="project")]
    variables = [Variable(guid=g("v", "rank"), name="rank"),
                 Variable(guid=g("v", "age"), name="age", type="Integer"),
                 Variable(guid=g("v", "veteran"), name="veteran", type="Boolean"),
                 Variable(guid=g("v", "score"), name="score", type="Float"),
                 Variable(guid=g("v", "wave"), name="wave", type="Integer")]
    sets = [Set(guid=g("set", "1"), name="Officers", member_guids=[g("c", "trust"), s1.guid],
                member_kinds=["code", "source"])]  # schema order: codes, sources, notes
    return RefiProject(name="Small study", users=[alice, bob], codes=codes, sources=[s1, s2],
                       selections=sels, cases=cases, notes=notes, variables=variables,
                       sets=sets, creating_user_guid=alice.guid, created=T0)


def _schema(path: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(path)))


def schemas(shared_dir: Path | None) -> list[Path]:
    ours = [REPO / "qualcode" / "refi" / "schemas" / "Project.xsd"]
    if shared_dir is not None and (shared_dir / "refi" / "Project.xsd").is_file():
        ours += [shared_dir / "refi" / "Project.xsd", shared_dir / "refi" / "Project-mrt2019.xsd"]
    return ours


def test_written_project_validates_and_round_trips(tmp_path: Path) -> None:
    proj = small_project()
    path = write_qdpx(proj, tmp_path / "small.qdpx")
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        xml = zf.read("project.qde")
        txt = zf.read(f"sources/{proj.sources[0].guid}.txt")
    assert names == ["project.qde", *sorted(f"sources/{s.guid}.txt" for s in proj.sources)]
    assert txt == TEXT.encode("utf-8")  # UTF-8, no BOM, LF
    assert _schema(schemas(None)[0]).validate(etree.fromstring(xml))
    back = read_qdpx(path)
    assert back.report.warnings == []
    assert [(u.guid, u.name) for u in back.users] == [(u.guid, u.name) for u in proj.users]
    assert back.codes == proj.codes
    assert [(s.guid, s.name, s.text, s.variables) for s in back.text_sources()] == [
        (s.guid, s.name, s.text, s.variables) for s in proj.sources]
    assert [(s.guid, s.start, s.end, s.quote, s.codings) for s in back.selections] == [
        (s.guid, s.start, s.end, s.quote, s.codings) for s in proj.selections]
    assert back.cases == proj.cases
    assert [(n.guid, n.text, n.target_guid, n.target_kind, n.user_guid) for n in back.notes] \
        == [(n.guid, n.text, n.target_guid, n.target_kind, n.user_guid) for n in proj.notes]
    assert back.sets == proj.sets
    assert {v.name: v.type for v in back.variables} == {v.name: v.type for v in proj.variables}


def test_emoji_positions_are_code_points_in_the_written_file(tmp_path: Path) -> None:
    proj = small_project()
    path = write_qdpx(proj, tmp_path / "emoji.qdpx")
    with zipfile.ZipFile(path) as zf:
        root = etree.fromstring(zf.read("project.qde"))
    sel = root.xpath("//*[local-name()='PlainTextSelection']")[1]
    start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
    assert TEXT[start:end].endswith("🙂")
    assert sel.get("name") == TEXT[start:end]


def test_two_writes_are_identical_byte_for_byte(tmp_path: Path) -> None:
    a = write_qdpx(small_project(), tmp_path / "a.qdpx").read_bytes()
    b = write_qdpx(small_project(), tmp_path / "b.qdpx").read_bytes()
    assert a == b
    with zipfile.ZipFile(tmp_path / "a.qdpx") as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_written_project_validates_against_the_official_schemas(shared: Path,
                                                                 tmp_path: Path) -> None:
    path = write_qdpx(small_project(), tmp_path / "s.qdpx")
    with zipfile.ZipFile(path) as zf:
        root = etree.fromstring(zf.read("project.qde"))
    for xsd in schemas(shared):
        schema = _schema(xsd)
        assert schema.validate(root), (xsd.name, schema.error_log)


def test_every_sample_rewritten_validates_and_keeps_its_text_codings(shared: Path,
                                                                     tmp_path: Path) -> None:
    project_xsd = _schema(shared / "refi" / "Project.xsd")
    for sample in sorted((shared / "refi" / "samples").glob("*.qd[pe]*")):
        proj = read_qdpx(sample)
        out = write_qdpx(proj, tmp_path / (sample.stem + ".qdpx"))
        with zipfile.ZipFile(out) as zf:
            assert project_xsd.validate(etree.fromstring(zf.read("project.qde"))), sample.name
        back = read_qdpx(out)
        assert back.coding_count() == proj.coding_count(), sample.name
        assert [(s.start, s.end, s.quote) for s in back.selections] == [
            (s.start, s.end, s.quote) for s in proj.selections], sample.name
        assert back.code_count() == proj.code_count()
        assert back.report.warnings == [], sample.name


def test_invalid_model_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    proj = small_project()
    proj.users[0].guid = "not-a-guid"
    target = tmp_path / "bad.qdpx"
    with pytest.raises(InteropError, match=r"^bad\.qdpx: would not validate against "
                                           r"Project\.xsd - line \d+: .*not-a-guid"):
        write_qdpx(proj, target)
    assert list(tmp_path.iterdir()) == []


def test_codebook_qdc_round_trip_and_schema(tmp_path: Path, shared: Path) -> None:
    proj = small_project()
    book = RefiCodebook(codes=proj.codes, sets=[Set(guid=g("set", "c"), name="Core",
                                                    member_guids=[g("c", "trust")],
                                                    member_kinds=["code"])])
    path = write_qdc(book, tmp_path / "book.qdc")
    root = etree.fromstring(path.read_bytes())
    for xsd in (REPO / "qualcode" / "refi" / "schemas" / "Codebook.xsd",
                shared / "refi" / "Codebook.xsd"):
        assert _schema(xsd).validate(root)
    back = read_qdc(path)
    assert back.codes == proj.codes
    assert back.sets == book.sets
    assert write_qdc(book, tmp_path / "again.qdc").read_bytes() == path.read_bytes()
    with pytest.raises(InteropError, match=r"^empty\.qdc: the codebook has no codes"):
        write_qdc(RefiCodebook(), tmp_path / "empty.qdc")
