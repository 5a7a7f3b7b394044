"""REFI-QDA codes <-> qualcode's codebook (YAML).

Imported codes keep their hierarchy, names, colours, descriptions and GUIDs; their ids
are derived from their names (`[a-z][a-z0-9_]*`, unique). A name used twice under
different parents gets its parent's id as a prefix (`competencies_programming`). A code
that is only a folder (`isCodable="false"`) stays a parent code. Codes are matched to
an existing codebook by GUID only, so re-importing the same file adds no codes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.codebook import Code as QCode
from qualcode.codebook import Codebook, codebook_to_yaml
from qualcode.errors import InteropError
from qualcode.refi.model import Code, guid_key, stable_guid
from qualcode.refi.read import fix_color

MAX_ID = 60
# an exported code whose id is not what its name gives carries it on the Description's
# last line, so that importing our own export gives back the same ids
ID_LINE = re.compile(r"(?:\A|\n\n)qualcode id: ([a-z][a-z0-9_]*)\Z")


def ascii_words(name: str) -> str:
    """Lower-case ASCII words of a name, joined by `_` (accents dropped)."""
    flat = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "_", flat.lower()).strip("_")


def code_id_for(name: str, guid: str) -> str:
    """A code id from a code's name: `Trust gap` -> `trust_gap`, `1. Barriers` ->
    `c_1_barriers`; a name without Latin letters or digits -> `code_<guid start>`."""
    words = ascii_words(name)[:MAX_ID].rstrip("_")
    if not words:
        return f"code_{guid_key(guid)[:8]}"
    return words if words[0].isalpha() else f"c_{words}"[:MAX_ID]


@dataclass
class CodebookImport:
    """The codebook to write for an import, and where every REFI code went."""

    book: Codebook  # the new codes only (may be empty on a re-import)
    ids: dict[str, str] = field(default_factory=dict)  # guid_key -> code id
    reused: list[str] = field(default_factory=list)  # ids of codes already in the codebook
    warnings: list[str] = field(default_factory=list)


def refi_to_codebook(codes: list[Code], title: str, existing: Codebook | None = None
                     ) -> CodebookImport:
    """Convert REFI codes to qualcode codes. Codes whose GUID is already in `existing`
    map to the existing id; new ids avoid every id of `existing`."""
    known: dict[str, str] = {}
    taken: set[str] = set()
    if existing is not None:
        for c, _, _ in existing.walk():
            taken.add(c.id)
            # the GUID it is exported with: its own (imported, or kept across a rename),
            # else the stable one of its id, so our own exports come back as the same code
            known[guid_key(c.guid or stable_guid("code", c.id))] = c.id
    out = CodebookImport(book=Codebook(codebook=title, version=1))

    def new_id(code: Code, parent_id: str | None, wanted: str | None) -> str:
        base = code_id_for(code.name, code.guid)
        candidates = [wanted, base] if wanted else [base]
        if parent_id:
            candidates.append(f"{parent_id}_{base}"[:MAX_ID].rstrip("_"))
        for cand in candidates:
            if cand not in taken:
                return cand
        n = 2
        while f"{candidates[-1]}_{n}" in taken:
            n += 1
        return f"{candidates[-1]}_{n}"

    def convert(code: Code, parent_id: str | None, parent_reused: bool) -> QCode | None:
        key = guid_key(code.guid)
        if key in known:
            cid = known[key]
            out.ids[key] = cid
            out.reused.append(cid)
            for child in code.children:
                q = convert(child, cid, True)
                if q is not None:
                    out.book.codes.append(q)
            return None
        m = ID_LINE.search(code.description)
        description = code.description[:m.start()] if m else code.description
        cid = new_id(code, parent_id, m.group(1) if m else None)
        taken.add(cid)
        out.ids[key] = cid
        if parent_reused:
            out.warnings.append(f"code {code.name} ({code.guid}): its parent {parent_id} is "
                                "in another codebook file - added at the top level")
        color = fix_color(code.color)
        children = [q for q in (convert(ch, cid, False) for ch in code.children) if q]
        return QCode(id=cid, name=code.name.strip() or cid, color=color,
                     description=description, guid=code.guid, children=children)

    for code in codes:
        q = convert(code, None, False)
        if q is not None:
            out.book.codes.append(q)
    return out


def codebook_to_refi(book: Codebook) -> list[Code]:
    """qualcode codes as REFI codes; a code without a GUID gets a stable one from its id.
    All codes are codable (qualcode has no folder-only codes). A code whose id is not
    the one its name gives ends its Description with a line `qualcode id: ID`."""
    def convert(c: QCode) -> Code:
        desc = c.description
        if code_id_for(c.name, c.guid or "") != c.id:
            desc = f"{desc}\n\nqualcode id: {c.id}" if desc else f"qualcode id: {c.id}"
        return Code(guid=c.guid or stable_guid("code", c.id), name=c.name, color=c.color,
                    description=desc, is_codable=True,
                    children=[convert(ch) for ch in c.children])

    return [convert(c) for c in book.codes]


def codebook_file_name(name: str) -> str:
    """`codebook/<name>.yaml` file name for a project name."""
    flat = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^a-z0-9._-]+", "-", flat.lower()).strip("-.") or "refi-import"
    return f"{stem[:80]}.yaml"


def write_codebook_yaml(book: Codebook, folder: Path, name: str) -> Path:
    """Write the codebook as a new file `folder/<name>.yaml`; never overwrites a file."""
    path = folder / codebook_file_name(name)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as fh:
            fh.write(codebook_to_yaml(book))
    except FileExistsError:
        raise InteropError(f"{path}: already exists - rename or move it, or import the "
                           "project under another name") from None
    return path
