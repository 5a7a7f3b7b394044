"""Every real REFI-QDA export in ../shared/refi/samples reads.

The expected counts come from an independent reading of each file (zipfile + lxml XPath
over the XML), not from qualcode's reader, and are pinned to exact numbers as well.
Every imported selection's quote is recomputed from the raw source bytes in the tool's
own unit: for the NVivo for Windows file (emoji, BOM, CRLF) that is what proves the
UTF-16 position conversion.
"""

from __future__ import annotations

import functools
import unicodedata
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from qualcode.refi.model import guid_key
from qualcode.refi.read import read_qdc, read_qdpx

# file -> (sources, codes, users, text codings imported, selections skipped)
PROJECTS = {
    "nvivo-win-12.6_oltas.qdpx": (1, 60, 2, 97, 0),
    "nvivo-mac-15.0_qc-roundtrip_nvivo_project.qdpx": (2, 262, 2, 0, 0),
    "qc-1.3.2_demo.qdpx": (2, 262, 1, 205, 0),
    "maxqda-24.7_ICLS_Conf_Themes_just10.qdpx": (10, 307, 1, 0, 0),
    "atlasti-mac-8.4_standard-project_TestProject.qdpx": (12, 14, 3, 0, 15),
    "atlasti-mac-8.4_standard-project_Project.qde": (12, 14, 3, 0, 15),
    "atlasti-win-23.2_blank-atlas-project.qdpx": (0, 0, 2, 0, 0),
    "atlasti-win-23.2_target-atlas-project.qdpx": (0, 3, 2, 0, 0),
}
CODEBOOKS = {"atlasti-win-23.4_codebook_from-requal-test.qdc": 1,
             "taguette_codebook_from-tests-expected.qdc": 3}


@functools.cache
def read_cached(path: Path):
    """Each sample is read once per test session (the NVivo one takes about a second)."""
    return read_qdpx(path)


SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def ln(name: str) -> str:
    return f"*[local-name()='{name}']"


class Raw:
    """The sample read without qualcode: its XML tree and its source files by name."""

    def __init__(self, path: Path) -> None:
        self.files: dict[str, bytes] = {}
        if path.suffix == ".qde":
            self.root = etree.fromstring(path.read_bytes(), SAFE)
            return
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            qde = next(n for n in names if n.lower().endswith(".qde"))
            self.root = etree.fromstring(zf.read(qde), SAFE)
            for n in names:
                if not n.endswith("/"):
                    self.files[n.rsplit("/", 1)[-1].lower()] = zf.read(n)

    def xp(self, expr: str) -> list:
        return self.root.xpath(expr)

    def file_of(self, source) -> bytes | None:
        ref = source.get("plainTextPath") or ""
        return self.files.get(ref.split("//")[-1].rsplit("/", 1)[-1].lower())


def independent_counts(raw: Raw) -> tuple[int, int, int, int, int]:
    sources = len(raw.xp(f"/{ln('Project')}/{ln('Sources')}/*"))
    codes = len(raw.xp(f"/{ln('Project')}/{ln('CodeBook')}//{ln('Code')}"))
    users = len(raw.xp(f"/{ln('Project')}/{ln('Users')}/{ln('User')}"))
    text_sources = raw.xp(f"/{ln('Project')}/{ln('Sources')}/{ln('TextSource')}")
    readable = [s for s in text_sources if raw.file_of(s) is not None
                or s.xpath(ln("PlainTextContent"))]
    codings = sum(len(s.xpath(f"{ln('PlainTextSelection')}/{ln('Coding')} | {ln('Coding')}"))
                  for s in readable)
    all_selections = len(raw.xp(
        f"/{ln('Project')}/{ln('Sources')}//*[substring(local-name(), "
        "string-length(local-name()) - 8) = 'Selection']"))
    readable_selections = sum(len(s.xpath(ln("PlainTextSelection"))) for s in readable)
    return sources, codes, users, codings, all_selections - readable_selections


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_sample_project_reads_with_the_counts_of_the_file(shared: Path, name: str) -> None:
    path = shared / "refi" / "samples" / name
    raw = Raw(path)
    expected = independent_counts(raw)
    assert expected == PROJECTS[name]
    proj = read_cached(path)
    skipped = sum(proj.report.skipped_selections.values())
    got = (len(proj.sources), proj.code_count(), len(proj.users), proj.coding_count(), skipped)
    assert got == expected
    # sources qualcode cannot code are listed, never dropped silently
    listed = {guid_key(s.guid) for s in proj.report.skipped_sources}
    imported = {guid_key(s.guid) for s in proj.text_sources()}
    assert listed | imported == {guid_key(s.get("guid")) for s in
                                 raw.xp(f"/{ln('Project')}/{ln('Sources')}/*")}
    assert not listed & imported


def _unit_slice(raw_text: str, start: int, end: int, unit: str) -> str:
    if unit == "utf16":
        b = raw_text.encode("utf-16-le")
        return b[2 * start: 2 * end].decode("utf-16-le")
    return raw_text[start:end]


def _norm(s: str) -> str:
    return unicodedata.normalize("NFC", s.replace("\r\n", "\n").replace("\r", "\n"))


@pytest.mark.parametrize("name, unit", [("nvivo-win-12.6_oltas.qdpx", "utf16"),
                                        ("qc-1.3.2_demo.qdpx", "cp")])
def test_every_quote_is_the_source_text_at_the_selection(shared: Path, name: str,
                                                         unit: str) -> None:
    path = shared / "refi" / "samples" / name
    raw = Raw(path)
    proj = read_cached(path)
    texts = {guid_key(s.guid): s.text for s in proj.text_sources()}
    xml_sel = {guid_key(s.get("guid")): s for s in raw.xp(f"//{ln('PlainTextSelection')}")}
    sources = {guid_key(s.get("guid")): s for s in raw.xp(f"//{ln('TextSource')}")}
    checked = 0
    for sel in proj.selections:
        text = texts[guid_key(sel.source_guid)]
        assert sel.quote == text[sel.start:sel.end]
        # independently: the tool's unit over the file's own bytes, BOM dropped
        el = xml_sel[guid_key(sel.guid)]
        data = raw.file_of(sources[guid_key(sel.source_guid)])
        raw_text = data.decode("utf-8-sig")
        expected = _unit_slice(raw_text, int(el.get("startPosition")),
                               int(el.get("endPosition")), unit)
        assert sel.quote == _norm(expected)
        checked += len(sel.codings)
    assert checked == PROJECTS[name][3]
    assert proj.report.warnings == []


def test_nvivo_windows_file_really_needs_the_conversion(shared: Path) -> None:
    """The sample has a BOM, CRLF line ends and emoji before its selections: code-point
    offsets over the normalised text would land elsewhere."""
    path = shared / "refi" / "samples" / "nvivo-win-12.6_oltas.qdpx"
    raw = Raw(path)
    data = next(v for k, v in raw.files.items() if k.endswith(".txt"))
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    assert any(ord(c) > 0xFFFF for c in data.decode("utf-8-sig"))
    proj = read_cached(path)
    assert proj.text_sources()[0].unit == "utf16"
    shifted = [s for s in proj.selections
               if (s.start, s.end) != (int(raw.xp(f"//{ln('PlainTextSelection')}[@guid="
                                                  f"'{s.guid}']")[0].get("startPosition")),
                                       int(raw.xp(f"//{ln('PlainTextSelection')}[@guid="
                                                  f"'{s.guid}']")[0].get("endPosition")))]
    assert len(shifted) == 97
    text = proj.text_sources()[0].text
    assert "\r" not in text and not text.startswith("\ufeff")


def test_selections_of_unreadable_sources_are_counted_per_kind(shared: Path) -> None:
    proj = read_cached(shared / "refi" / "samples"
                       / "atlasti-mac-8.4_standard-project_TestProject.qdpx")
    assert proj.report.skipped_selections == {"text": 6, "picture": 1, "pdf": 6, "video": 2}
    assert sorted((s.kind, s.name) for s in proj.report.skipped_sources
                  if s.kind != "text") == [
        ("audio", "Jeanine's Breakfast.m4a"), ("pdf", "Kellogg's Passion for Nutrition.pdf"),
        ("pdf", "Pay de Limón con Base de Granola | Kellogg's ®.pdf"),
        ("picture", "cornflakes-n-milk.jpg"), ("video", "1960s Coca Cola commercial.mp4"),
        ("video", "1994 Diet Coke-Diet Coke Break.mp4")]
    assert [n.name for n in proj.notes] == ["Research Plan", "My favorite Coke ad"]
    assert proj.report.not_carried == {"graphs": 1}


@pytest.mark.parametrize("name", sorted(CODEBOOKS))
def test_sample_codebooks_read(shared: Path, name: str) -> None:
    path = shared / "refi" / "samples" / name
    root = etree.fromstring(path.read_bytes(), SAFE)
    expected = len(root.xpath(f"//{ln('Code')}"))
    assert expected == CODEBOOKS[name]
    book = read_qdc(path)
    assert sum(1 for _ in _walk(book.codes)) == expected


def _walk(codes):
    for c in codes:
        yield c
        yield from _walk(c.children)
