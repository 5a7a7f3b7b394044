"""Hostile and broken REFI-QDA files: each is refused with a one-line error naming the
file and the entry, or imported with a warning naming the element."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from qualcode.errors import InteropError
from qualcode.refi.archive import Limits
from qualcode.refi.read import read_qdc, read_qdpx

NS = "urn:QDA-XML:project:1.0"
U = "11111111-1111-4111-8111-111111111111"
C = "22222222-2222-4222-8222-222222222222"
S = "33333333-3333-4333-8333-333333333333"
SEL = "44444444-4444-4444-8444-444444444444"
CD = "55555555-5555-4555-8555-555555555555"
TEXT = "Well, yes. I trust them mostly.\n"


def qde(selection: str = "", code_ref: str = C, user: str = U, start: int = 11, end: int = 23,
        source_path: str = f"internal://{S}.txt", codes: bool = True) -> str:
    book = (f'<CodeBook><Codes><Code guid="{C}" name="Trust" isCodable="true"/></Codes>'
            '</CodeBook>') if codes else ""
    sel = selection or (
        f'<PlainTextSelection guid="{SEL}" name="I trust them" startPosition="{start}" '
        f'endPosition="{end}" creatingUser="{U}"><Coding guid="{CD}" creatingUser="{user}">'
        f'<CodeRef targetGUID="{code_ref}"/></Coding></PlainTextSelection>')
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="{NS}" name="demo" '
            f'origin="test"><Users><User guid="{U}" name="alice"/></Users>{book}'
            f'<Sources><TextSource guid="{S}" name="Interview 1" plainTextPath="{source_path}">'
            f'{sel}</TextSource></Sources></Project>')


def make_qdpx(path: Path, entries: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def good_entries() -> dict[str, bytes | str]:
    return {"project.qde": qde(), f"sources/{S}.txt": TEXT}


def test_a_clean_small_archive_reads(tmp_path: Path) -> None:
    proj = read_qdpx(make_qdpx(tmp_path / "ok.qdpx", good_entries()))
    assert [(s.start, s.end, s.quote) for s in proj.selections] == [(11, 23, "I trust them")]
    assert proj.report.warnings == []


@pytest.mark.parametrize("entry", ["../evil.txt", "sources/../../evil.txt", "a\\..\\evil.txt"])
def test_entry_with_dotdot_is_refused(tmp_path: Path, entry: str) -> None:
    entries = good_entries() | {entry: "x"}
    with pytest.raises(InteropError) as exc:
        read_qdpx(make_qdpx(tmp_path / "dotdot.qdpx", entries))
    assert str(exc.value) == (f"dotdot.qdpx: entry {entry!r} points outside the archive "
                              "('..') - refused")


@pytest.mark.parametrize("entry", ["/etc/passwd", "C:/Windows/evil.txt"])
def test_entry_with_absolute_path_is_refused(tmp_path: Path, entry: str) -> None:
    path = tmp_path / "abs.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde())
        info = zipfile.ZipInfo("placeholder")
        info.filename = entry  # ZipInfo() would strip the leading slash
        zf.writestr(info, "x")
    with pytest.raises(InteropError, match=r"^abs\.qdpx: entry .* has an absolute path - "
                                           r"refused$"):
        read_qdpx(path)


def test_symlink_entry_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "link.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde())
        info = zipfile.ZipInfo(f"sources/{S}.txt")
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(InteropError) as exc:
        read_qdpx(path)
    assert str(exc.value) == (f"link.qdpx: entry 'sources/{S}.txt' is a symbolic link - "
                              "refused")


def test_zip_bomb_ratio_is_refused(tmp_path: Path) -> None:
    entries = good_entries() | {"sources/bomb.txt": b"\0" * (20 << 20)}  # 20 MiB of zeros
    path = make_qdpx(tmp_path / "bomb.qdpx", entries)
    assert path.stat().st_size < 100_000
    with pytest.raises(InteropError, match=r"^bomb\.qdpx: entry 'sources/bomb\.txt' inflates "
                                           r"\d+ times \(limit 200\) - refused \(zip bomb\?\)$"):
        read_qdpx(path)


def test_archive_total_over_the_limit_is_refused(tmp_path: Path) -> None:
    path = make_qdpx(tmp_path / "big.qdpx", good_entries())
    with pytest.raises(InteropError, match=r"inflates past the 100 byte limit"):
        read_qdpx(path, limits=Limits(max_total=100))


def test_entry_lying_about_its_size_is_stopped_while_reading(tmp_path: Path) -> None:
    path = make_qdpx(tmp_path / "liar.qdpx", good_entries())
    data = bytearray(path.read_bytes())
    # shrink the declared uncompressed size of the text file in the central directory
    name = f"sources/{S}.txt".encode()
    cd = data.rfind(b"PK\x01\x02", 0, data.find(name, data.find(b"PK\x01\x02")) + 1)
    data[cd + 24: cd + 28] = (5).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    with pytest.raises(InteropError, match=r"liar\.qdpx: entry 'sources/.*' (inflates past its "
                                           r"declared size|is corrupt)"):
        read_qdpx(path)


def test_doctype_is_refused_xxe(tmp_path: Path) -> None:
    evil = ('<?xml version="1.0"?>\n<!DOCTYPE Project [<!ENTITY xxe SYSTEM '
            '"file:///etc/passwd">]>\n' + qde().split("\n", 1)[1].replace(
                'name="demo"', 'name="&xxe;"'))
    path = make_qdpx(tmp_path / "xxe.qdpx", {"project.qde": evil, f"sources/{S}.txt": TEXT})
    with pytest.raises(InteropError) as exc:
        read_qdpx(path)
    assert str(exc.value) == ("xxe.qdpx:project.qde: XML with a DOCTYPE declaration - refused "
                              "(entities and external references are not allowed in REFI-QDA "
                              "files)")


def test_billion_laughs_is_refused(tmp_path: Path) -> None:
    lol = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    evil = (f'<?xml version="1.0"?><!-- a comment first --><!DOCTYPE lolz [<!ENTITY l0 "lol">'
            f'{lol}]><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="{C}" '
            'name="&l9;" isCodable="true"/></Codes></CodeBook>')
    path = tmp_path / "lol.qdc"
    path.write_text(evil, encoding="utf-8")
    with pytest.raises(InteropError, match=r"^lol\.qdc: XML with a DOCTYPE declaration - "
                                           "refused"):
        read_qdc(path)


def test_undeclared_entity_is_a_syntax_error_not_an_expansion(tmp_path: Path) -> None:
    path = tmp_path / "ent.qdc"
    path.write_text(f'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="{C}" '
                    'name="&xxe;" isCodable="true"/></Codes></CodeBook>', encoding="utf-8")
    with pytest.raises(InteropError, match=r"^ent\.qdc: line 1: not well-formed XML - "
                                           r"Entity 'xxe' not defined"):
        read_qdc(path)


def test_selection_outside_its_source_is_a_warning(tmp_path: Path) -> None:
    entries = {"project.qde": qde(start=20, end=400), f"sources/{S}.txt": TEXT}
    proj = read_qdpx(make_qdpx(tmp_path / "out.qdpx", entries))
    assert proj.selections == []
    assert proj.report.warnings == [
        f"out.qdpx: selection {SEL} in source Interview 1: positions 20-400 lie outside the "
        "source (length 32 in cp) - skipped"]
    assert proj.report.skipped_selections == {"text": 1}
    assert proj.report.skipped_codings == 1


def test_missing_source_file_is_a_warning_and_the_source_is_listed(tmp_path: Path) -> None:
    proj = read_qdpx(make_qdpx(tmp_path / "miss.qdpx", {"project.qde": qde()}))
    assert proj.text_sources() == []
    assert proj.report.warnings == [
        f"miss.qdpx: source Interview 1 ({S}): file internal://{S}.txt is not in the archive "
        "- source skipped"]
    skipped = proj.report.skipped_sources
    assert [(s.name, s.kind, s.selections, s.codings) for s in skipped] == [
        ("Interview 1", "text", 1, 1)]
    assert proj.code_count() == 1  # the codebook still imports


def test_nothing_importable_is_an_error(tmp_path: Path) -> None:
    path = make_qdpx(tmp_path / "empty.qdpx", {"project.qde": qde(codes=False)})
    with pytest.raises(InteropError, match=r"^empty\.qdpx: nothing could be imported - no text "
                                           r"source could be read and there is no codebook"):
        read_qdpx(path)


def test_undefined_code_is_a_warning_naming_the_coding(tmp_path: Path) -> None:
    other = "99999999-9999-4999-8999-999999999999"
    entries = {"project.qde": qde(code_ref=other), f"sources/{S}.txt": TEXT}
    proj = read_qdpx(make_qdpx(tmp_path / "code.qdpx", entries))
    assert proj.report.warnings == [
        f"code.qdpx: coding {CD} (selection {SEL} in source Interview 1): code {other} is not "
        "in the codebook - skipped"]
    assert proj.coding_count() == 0
    assert proj.report.skipped_codings == 1


def test_undefined_user_is_a_warning_and_the_coding_is_kept(tmp_path: Path) -> None:
    other = "88888888-8888-4888-8888-888888888888"
    entries = {"project.qde": qde(user=other), f"sources/{S}.txt": TEXT}
    proj = read_qdpx(make_qdpx(tmp_path / "user.qdpx", entries))
    assert proj.report.warnings == [
        f"user.qdpx: coding {CD} (selection {SEL} in source Interview 1): user {other} is not "
        "in Users - attributed to an unknown user"]
    assert [c.user_guid for c in proj.selections[0].codings] == [other]


def test_quote_differing_from_the_text_is_a_warning_naming_the_selection(tmp_path: Path
                                                                         ) -> None:
    entries = {"project.qde": qde(start=12, end=24), f"sources/{S}.txt": TEXT}
    proj = read_qdpx(make_qdpx(tmp_path / "quote.qdpx", entries))
    assert proj.report.warnings == [
        f"quote.qdpx: selection {SEL} in source Interview 1: the quoted text in the file "
        "differs from the text at positions 12-24 - kept the positions"]
    assert proj.selections[0].quote == " trust them "


def test_not_a_zip_and_no_qde(tmp_path: Path) -> None:
    bad = tmp_path / "bad.qdpx"
    bad.write_text("hello", encoding="utf-8")
    with pytest.raises(InteropError, match=r"^bad\.qdpx: not a zip archive"):
        read_qdpx(bad)
    with pytest.raises(InteropError, match=r"^noqde\.qdpx: no \.qde project file"):
        read_qdpx(make_qdpx(tmp_path / "noqde.qdpx", {f"sources/{S}.txt": TEXT}))


def test_bare_qde_reads_sources_beside_it_and_refuses_symlinks(tmp_path: Path) -> None:
    folder = tmp_path / "loose"
    (folder / "Sources").mkdir(parents=True)
    (folder / "project.qde").write_text(qde(), encoding="utf-8")
    (folder / "Sources" / f"{S.upper()}.TXT").write_text(TEXT, encoding="utf-8")
    proj = read_qdpx(folder / "project.qde")
    assert [s.quote for s in proj.selections] == ["I trust them"]
    (folder / "Sources" / f"{S.upper()}.TXT").unlink()
    secret = tmp_path / "secret.txt"
    secret.write_text("secret\n", encoding="utf-8")
    (folder / "Sources" / f"{S}.txt").symlink_to(secret)
    with pytest.raises(InteropError, match=r"is a symbolic link or not a regular file - "
                                           "refused"):
        read_qdpx(folder / "project.qde")
