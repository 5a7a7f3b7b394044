"""Safe reading of REFI-QDA containers: .qdpx (zip), a bare .qde with its sources folder
beside it, and XML (.qde, .qdc).

Nothing is ever extracted to disk: members are read into memory, under a budget.
Refused, each with a one-line InteropError naming the file and the entry: entry names
with `..` or an absolute path, symlinks, encrypted or duplicate entries, archives or
entries inflating past the limits (zip bombs), and XML with a DOCTYPE (XXE, billion
laughs).
"""

from __future__ import annotations

import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from qualcode.errors import InteropError

if TYPE_CHECKING:
    from lxml import etree

MAX_TOTAL = 1 << 30  # 1 GiB uncompressed, whole archive
MAX_RATIO = 200  # uncompressed / compressed, per entry (text deflates about 3-5x)
RATIO_FLOOR = 1 << 20  # entries smaller than 1 MiB are not held to the ratio
MAX_ENTRIES = 50_000
_CHUNK = 1 << 20
_DRIVE = re.compile(r"^[A-Za-z]:")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(//)?/?")


@dataclass
class Limits:
    """Caps on what reading an archive may inflate."""

    max_total: int = MAX_TOTAL
    max_ratio: float = MAX_RATIO
    max_entries: int = MAX_ENTRIES


@dataclass
class Container:
    """The project XML and a way to fetch the files it refers to."""

    label: str  # the file name used in messages
    xml_name: str
    xml: bytes
    _zip: zipfile.ZipFile | None = None
    _folder: Path | None = None
    _index: dict[str, list[str]] = field(default_factory=dict)
    _budget: list[int] = field(default_factory=lambda: [MAX_TOTAL])

    def read_source(self, ref: str) -> bytes | None:
        """The bytes of the file a `plainTextPath`/`path` points to, or None when the
        container does not hold it (missing file, external media)."""
        base = source_basename(ref)
        if base is None:
            return None
        if self._zip is not None:
            names = self._index.get(base.casefold(), [])
            if not names:
                return None
            name = _prefer(names, base)
            return _read_member(self._zip, self._zip.getinfo(name), self.label, self._budget)
        if self._folder is None:
            return None
        return _read_loose(self._folder, base, self.label, self._budget)

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


def source_basename(ref: str) -> str | None:
    """The file name an `internal://X.txt` (or schemeless `X.txt`) reference designates;
    None for `relative://` and `absolute://` references (outside the archive)."""
    ref = ref.strip()
    low = ref.lower()
    if low.startswith(("relative:", "absolute:", "http:", "https:", "file:")):
        return None
    ref = _SCHEME.sub("", ref) if low.startswith("internal:") else ref
    base = PurePosixPath(ref.replace("\\", "/")).name
    return base if base and base not in (".", "..") else None


def _prefer(names: list[str], base: str) -> str:
    """Among members with this basename: one under sources/, exact case first."""
    def rank(n: str) -> tuple[int, int, str]:
        in_sources = n.casefold().startswith("sources/")
        return (0 if in_sources else 1, 0 if n.endswith(base) else 1, n)

    return sorted(names, key=rank)[0]


def open_container(path: Path, limits: Limits | None = None) -> Container:
    """Open a .qdpx archive or a bare .qde (sources read from `sources/` beside it)."""
    limits = limits or Limits()
    label = path.name
    if not path.is_file():
        raise InteropError(f"{path}: no such file")
    if zipfile.is_zipfile(path):
        return _open_zip(path, label, limits)
    if path.suffix.lower() == ".qdpx":
        raise InteropError(f"{label}: not a zip archive - a .qdpx file is a zip holding "
                           "project.qde and sources/")
    size = path.stat().st_size
    if size > limits.max_total:
        raise InteropError(f"{label}: {size} bytes is larger than the {limits.max_total} "
                           "byte limit")
    folder = None
    for cand in sorted(path.parent.iterdir()) if path.parent.is_dir() else []:
        if cand.name.casefold() == "sources" and cand.is_dir() and not cand.is_symlink():
            folder = cand
            break
    return Container(label=label, xml_name=path.name, xml=path.read_bytes(), _folder=folder,
                     _budget=[limits.max_total - size])


def _open_zip(path: Path, label: str, limits: Limits) -> Container:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InteropError(f"{label}: unreadable zip archive - {exc}") from None
    try:
        infos = zf.infolist()
        if len(infos) > limits.max_entries:
            raise InteropError(f"{label}: {len(infos)} entries, more than the "
                               f"{limits.max_entries} allowed")
        total = 0
        seen: set[str] = set()
        index: dict[str, list[str]] = {}
        qdes: list[str] = []
        for info in infos:
            name = info.filename
            check_entry_name(name, label)
            if name in seen:
                raise InteropError(f"{label}: duplicate entry {name!r}")
            seen.add(name)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise InteropError(f"{label}: entry {name!r} is a symbolic link - refused")
            if info.flag_bits & 0x1:
                raise InteropError(f"{label}: entry {name!r} is encrypted - refused")
            if info.is_dir():
                continue
            total += info.file_size
            if total > limits.max_total:
                raise InteropError(f"{label}: inflates past the {limits.max_total} byte "
                                   "limit - refused (zip bomb?)")
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > RATIO_FLOOR and ratio > limits.max_ratio:
                raise InteropError(f"{label}: entry {name!r} inflates {ratio:.0f} times "
                                   f"(limit {limits.max_ratio:.0f}) - refused (zip bomb?)")
            base = PurePosixPath(name).name
            index.setdefault(base.casefold(), []).append(name)
            if "/" not in name.rstrip("/") and name.lower().endswith(".qde"):
                qdes.append(name)
        xml_name = _pick_qde(qdes, label)
        budget = [limits.max_total]
        xml = _read_member(zf, zf.getinfo(xml_name), label, budget)
    except BaseException:
        zf.close()
        raise
    return Container(label=label, xml_name=xml_name, xml=xml, _zip=zf, _index=index,
                     _budget=budget)


def _pick_qde(qdes: list[str], label: str) -> str:
    if len(qdes) == 1:
        return qdes[0]
    if not qdes:
        raise InteropError(f"{label}: no .qde project file at the top of the archive - "
                           "is this a REFI-QDA .qdpx export?")
    named = [q for q in qdes if q.lower() == "project.qde"]
    if len(named) == 1:
        return named[0]
    raise InteropError(f"{label}: several .qde files ({', '.join(sorted(qdes))}) - "
                       "a .qdpx holds exactly one")


def check_entry_name(name: str, label: str) -> None:
    """Refuse absolute paths, drive letters, `..` components and NUL in an entry name."""
    norm = name.replace("\\", "/")
    if "\x00" in name:
        raise InteropError(f"{label}: entry name with a NUL byte - refused")
    if norm.startswith("/") or _DRIVE.match(norm):
        raise InteropError(f"{label}: entry {name!r} has an absolute path - refused")
    if ".." in norm.split("/"):
        raise InteropError(f"{label}: entry {name!r} points outside the archive ('..') - "
                           "refused")


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, label: str,
                 budget: list[int]) -> bytes:
    """Read one member in chunks, stopping as soon as it inflates past its declared size
    or the archive's remaining budget (sizes in a zip's directory can lie)."""
    cap = min(info.file_size, budget[0])
    if info.file_size > budget[0]:
        raise InteropError(f"{label}: entry {info.filename!r} inflates past the size "
                           "limit - refused (zip bomb?)")
    parts: list[bytes] = []
    got = 0
    try:
        with zf.open(info) as fh:
            while True:
                chunk = fh.read(_CHUNK)
                if not chunk:
                    break
                got += len(chunk)
                if got > cap:
                    raise InteropError(f"{label}: entry {info.filename!r} inflates past "
                                       "its declared size - refused (zip bomb?)")
                parts.append(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise InteropError(f"{label}: entry {info.filename!r} is corrupt - {exc}") from None
    budget[0] -= got
    return b"".join(parts)


def _read_loose(folder: Path, base: str, label: str, budget: list[int]) -> bytes | None:
    """A file of the sources folder beside a bare .qde, by case-insensitive name."""
    match = None
    for cand in folder.iterdir():
        if cand.name == base:
            match = cand
            break
        if cand.name.casefold() == base.casefold():
            match = match or cand
    if match is None:
        return None
    if match.is_symlink() or not match.is_file():
        raise InteropError(f"{label}: sources/{match.name} is a symbolic link or not a "
                           "regular file - refused")
    size = match.stat().st_size
    if size > budget[0]:
        raise InteropError(f"{label}: sources/{match.name} is larger than the size limit")
    budget[0] -= size
    return match.read_bytes()


def parse_xml(data: bytes, label: str) -> etree._Element:
    """Parse REFI XML safely: no DTD, no entities, no network, no huge trees.
    Any DOCTYPE is refused (XXE, billion laughs)."""
    from lxml import etree

    if _has_doctype(data):
        raise InteropError(f"{label}: XML with a DOCTYPE declaration - refused (entities "
                           "and external references are not allowed in REFI-QDA files)")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, dtd_validation=False, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = getattr(exc, "lineno", None)
        where = f" line {line}" if line else ""
        msg = str(exc.msg if hasattr(exc, "msg") else exc).split(", line")[0]
        raise InteropError(f"{label}:{where}: not well-formed XML - {msg}") from None
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        raise InteropError(f"{label}: XML with a DOCTYPE declaration - refused")
    return root


def _has_doctype(data: bytes) -> bool:
    """True when the prolog (everything before the root element) declares a DOCTYPE."""
    head = data[:1 << 16]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="replace")
    else:
        text = head.decode("utf-8", errors="replace")
    pos = 0
    while True:
        lt = text.find("<", pos)
        if lt < 0:
            return False
        nxt = text[lt + 1: lt + 2]
        if nxt == "?":
            pos = text.find("?>", lt) + 2 if text.find("?>", lt) >= 0 else len(text)
        elif text.startswith("<!--", lt):
            end = text.find("-->", lt)
            pos = end + 3 if end >= 0 else len(text)
        elif nxt == "!":
            return text[lt:lt + 9].upper().startswith("<!DOCTYPE")
        else:
            return False
