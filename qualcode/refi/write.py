"""Write REFI-QDA files: `write_qdpx` (a project) and `write_qdc` (a codebook).

Output is deterministic: elements in schema order, GUIDs from the model (stable uuid5
GUIDs when the model came from qualcode's tables), no clock readings, sorted zip
entries with fixed timestamps; two writes of the same model are identical byte for
byte. Every file is validated against the official schema before anything is written,
and written atomically (a temporary file renamed into place).
"""

from __future__ import annotations

import functools
import zipfile
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from qualcode.errors import InteropError
from qualcode.refi.model import (
    MEMO_LINK,
    Code,
    RefiCodebook,
    RefiProject,
    Set,
    Source,
    TextSelection,
    Variable,
    guid_key,
    stable_guid,
    walk_codes,
)
from qualcode.refi.read import fix_color

if TYPE_CHECKING:
    import datetime as dt

    from lxml import etree

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
SCHEMAS = Path(__file__).parent / "schemas"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def origin() -> str:
    from qualcode import __version__

    return f"qualcode {__version__}"


@functools.cache
def schema(name: str) -> etree.XMLSchema:
    """The shipped schema `Project.xsd` or `Codebook.xsd`."""
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


def validate(root: etree._Element, schema_name: str, label: str) -> None:
    """Raise InteropError naming the first problem if `root` does not validate."""
    xsd = schema(schema_name)
    if not xsd.validate(root):
        err = xsd.error_log[0]
        raise InteropError(f"{label}: would not validate against {schema_name} - line "
                           f"{err.line}: {err.message}")


def _stamp(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    import datetime as dt

    v = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return v.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _set(el: Any, **attrs: Any) -> None:
    for k, v in attrs.items():
        if v is not None and v != "":
            el.set(k, str(v))


def _sub(parent: Any, tag: str, ns: str, text: str | None = None, **attrs: Any) -> Any:
    from lxml import etree

    el = etree.SubElement(parent, f"{{{ns}}}{tag}")
    _set(el, **attrs)
    if text is not None:
        el.text = text
    return el


def _codes(parent: Any, codes: list[Code], ns: str, noterefs: dict[str, list[str]]) -> None:
    for c in codes:
        el = _sub(parent, "Code", ns, guid=c.guid, name=c.name,
                  isCodable="true" if c.is_codable else "false", color=fix_color(c.color))
        if c.description:
            _sub(el, "Description", ns, c.description)
        for note in noterefs.get(guid_key(c.guid), []):
            _sub(el, "NoteRef", ns, targetGUID=note)
        _codes(el, c.children, ns, noterefs)


def project_xml(project: RefiProject) -> etree._Element:
    """The `project.qde` tree for a model: text sources, and audio/video sources with
    their transcript (`is_media`)."""
    from lxml import etree

    ns = PROJECT_NS
    root = etree.Element(f"{{{ns}}}Project", nsmap={None: ns})
    users = {guid_key(u.guid) for u in project.users}
    creator = project.creating_user_guid
    _set(root, name=project.name or "project", origin=origin(),
         creatingUserGUID=creator if creator and guid_key(creator) in users else None,
         creationDateTime=_stamp(project.created))

    def user(g: str | None) -> str | None:
        return g if g and guid_key(g) in users else None

    noterefs: dict[str, list[str]] = {}
    case_notes: list[tuple[str, str]] = []
    project_notes: list[str] = []
    for n in project.notes:
        if n.target_kind == "case" and n.target_guid:
            case_notes.append((n.guid, n.target_guid))
        elif n.target_kind == "project":
            project_notes.append(n.guid)
        elif n.target_guid:
            noterefs.setdefault(guid_key(n.target_guid), []).append(n.guid)

    if project.users:
        el = _sub(root, "Users", ns)
        for u in project.users:
            _sub(el, "User", ns, guid=u.guid, name=u.name, id=u.id)
    if project.codes:
        _codes(_sub(_sub(root, "CodeBook", ns), "Codes", ns), project.codes, ns, noterefs)
    variables = _variables(project)
    if variables:
        el = _sub(root, "Variables", ns)
        for v in variables.values():
            var = _sub(el, "Variable", ns, guid=v.guid, name=v.name, typeOfVariable=v.type)
            if v.description:
                _sub(var, "Description", ns, v.description)
    texts = project.text_sources()
    text_keys = {guid_key(s.guid) for s in texts}
    code_keys = {guid_key(c.guid) for c, _ in walk_codes(project.codes)}
    if project.cases:
        el = _sub(root, "Cases", ns)
        for c in project.cases:
            case = _sub(el, "Case", ns, guid=c.guid, name=c.name)
            if c.description:
                _sub(case, "Description", ns, c.description)
            for g in c.code_guids:
                if guid_key(g) in code_keys:
                    _sub(case, "CodeRef", ns, targetGUID=g)
            _values(case, c.variables, variables, ns, f"case {c.name or c.guid}")
            for g in c.source_guids:
                if guid_key(g) in text_keys:
                    _sub(case, "SourceRef", ns, targetGUID=g)
    if texts:
        by_source: dict[str, list[TextSelection]] = {}
        for s in project.selections:
            by_source.setdefault(guid_key(s.source_guid), []).append(s)
        el = _sub(root, "Sources", ns)
        for src in texts:
            if is_media(src):
                _media_source(el, src, by_source.get(guid_key(src.guid), []), ns, noterefs,
                              user, variables)
                continue
            node = _sub(el, "TextSource", ns, guid=src.guid, name=src.name,
                        plainTextPath=f"internal://{source_file(src.guid)}",
                        creatingUser=user(src.user_guid), creationDateTime=_stamp(src.created))
            if src.description:
                _sub(node, "Description", ns, src.description)
            for sel in by_source.get(guid_key(src.guid), []):
                _selection(node, sel, ns, noterefs, user)
            for note in noterefs.get(guid_key(src.guid), []):
                _sub(node, "NoteRef", ns, targetGUID=note)
            _values(node, src.variables, variables, ns, f"source {src.name}")
    if project.notes:
        el = _sub(root, "Notes", ns)
        for n in project.notes:
            note = _sub(el, "Note", ns, guid=n.guid, name=n.name,
                        creatingUser=user(n.user_guid), creationDateTime=_stamp(n.created))
            _sub(note, "PlainTextContent", ns, n.text)
    note_keys = {guid_key(n.guid) for n in project.notes}
    coding_keys = {guid_key(c.guid) for s in project.selections for c in s.codings}
    memo_links = [(n.guid, g) for n in project.notes for g in n.link_guids
                  if guid_key(g) in note_keys | coding_keys]
    if case_notes or memo_links:
        el = _sub(root, "Links", ns)
        for note, case in case_notes:
            _sub(el, "Link", ns, guid=stable_guid("link", note, case), name="Memo-Case Relation",
                 direction="OneWay", originGUID=note, targetGUID=case)
        for note, target in memo_links:
            _sub(el, "Link", ns, guid=stable_guid("memo-link", note, target), name=MEMO_LINK,
                 direction="OneWay", originGUID=note, targetGUID=target)
    written = code_keys | text_keys | {guid_key(n.guid) for n in project.notes}
    if project.sets:
        el = _sub(root, "Sets", ns)
        for s in project.sets:
            _project_set(el, s, ns, written)
    if project.description:
        _sub(root, "Description", ns, project.description)
    for note in project_notes:
        _sub(root, "NoteRef", ns, targetGUID=note)
    return root


def is_media(src: Source) -> bool:
    """Whether a source is written as an AudioSource/VideoSource with its transcript."""
    return src.kind in ("audio", "video") and bool(src.media) and src.text is not None


def media_file(src: Source) -> str:
    """The archive name of a recording: `<guid><suffix>`, lower case, no braces."""
    return f"{guid_key(src.guid)}{PurePosixPath(str(src.media)).suffix.lower()}"


def _media_source(parent: Any, src: Source, sels: list[TextSelection], ns: str,
                  noterefs: dict[str, list[str]], user: Any,
                  variables: dict[str, Variable]) -> None:
    """An AudioSource/VideoSource holding the recording, with one Transcript: the text,
    a SyncPoint (position in code points, timeStamp in ms) at every timed turn and cue
    boundary, and the codings as TranscriptSelections between two SyncPoints (the
    schema has no PlainTextSelection in a Transcript); a boundary of a selection that
    is not a timed point gets a SyncPoint without timeStamp."""
    tag = "VideoSource" if src.kind == "video" else "AudioSource"
    node = _sub(parent, tag, ns, guid=src.guid, name=src.name,
                path=f"internal://{media_file(src)}", creatingUser=user(src.user_guid),
                creationDateTime=_stamp(src.created))
    if src.description:
        _sub(node, "Description", ns, src.description)
    points: dict[int, int | None] = {}
    for sel in sels:
        points.setdefault(sel.start, None)
        points.setdefault(sel.end, None)
    for pos, seconds in src.sync_points:
        if seconds is not None:
            points[pos] = int(round(seconds * 1000))
    tguid = src.transcript_guid or stable_guid("transcript", src.guid)
    tr = _sub(node, "Transcript", ns, guid=tguid, name=src.transcript_name or src.name,
              plainTextPath=f"internal://{source_file(src.guid)}",
              creatingUser=user(src.user_guid), creationDateTime=_stamp(src.created))
    point_guid = {pos: stable_guid("syncpoint", src.guid, str(pos)) for pos in points}
    for pos in sorted(points):
        _sub(tr, "SyncPoint", ns, guid=point_guid[pos], timeStamp=points[pos], position=pos)
    for sel in sels:
        _selection(tr, sel, ns, noterefs, user, "TranscriptSelection",
                   fromSyncPoint=point_guid[sel.start], toSyncPoint=point_guid[sel.end])
    for note in noterefs.get(guid_key(src.guid), []):
        _sub(node, "NoteRef", ns, targetGUID=note)
    _values(node, src.variables, variables, ns, f"source {src.name}")


def _selection(parent: Any, sel: TextSelection, ns: str, noterefs: dict[str, list[str]],
               user: Any, tag: str = "PlainTextSelection", **where: Any) -> None:
    if not where:
        where = {"startPosition": sel.start, "endPosition": sel.end}
    el = _sub(parent, tag, ns, guid=sel.guid, name=sel.quote, **where,
              creatingUser=user(sel.user_guid), creationDateTime=_stamp(sel.created))
    if sel.description:
        _sub(el, "Description", ns, sel.description)
    for c in sel.codings:
        coding = _sub(el, "Coding", ns, guid=c.guid, creatingUser=user(c.user_guid),
                      creationDateTime=_stamp(c.created))
        _sub(coding, "CodeRef", ns, targetGUID=c.code_guid)
        for note in noterefs.get(guid_key(c.guid), []):
            _sub(coding, "NoteRef", ns, targetGUID=note)
    for note in noterefs.get(guid_key(sel.guid), []):
        _sub(el, "NoteRef", ns, targetGUID=note)


def _project_set(parent: Any, s: Set, ns: str, written: set[str]) -> None:
    el = _sub(parent, "Set", ns, guid=s.guid, name=s.name)
    if s.description:
        _sub(el, "Description", ns, s.description)
    kinds = s.member_kinds or ["source"] * len(s.member_guids)
    for kind, tag in (("code", "MemberCode"), ("source", "MemberSource"),
                      ("note", "MemberNote")):
        for g, k in zip(s.member_guids, kinds, strict=False):
            if k == kind and guid_key(g) in written:
                _sub(el, tag, ns, targetGUID=g)


def _infer_type(values: list[Any]) -> str:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return "Boolean"
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "Integer"
    if present and all(isinstance(v, int | float) and not isinstance(v, bool)
                       for v in present):
        return "Float"
    return "Text"


def _variables(project: RefiProject) -> dict[str, Variable]:
    """Declared variables by name, plus any used by a source or case but not declared."""
    out = {v.name: v for v in project.variables}
    used: dict[str, list[Any]] = {}
    for holder in [*project.text_sources(), *project.cases]:
        for k, v in holder.variables.items():
            used.setdefault(k, []).append(v)
    for name in sorted(set(used) - set(out)):
        out[name] = Variable(guid=stable_guid("variable", name), name=name,
                             type=_infer_type(used[name]))
    return out


def _values(parent: Any, values: dict[str, Any], variables: dict[str, Variable], ns: str,
            where: str) -> None:
    for name, value in values.items():
        var = variables[name]
        vv = _sub(parent, "VariableValue", ns)
        _sub(vv, "VariableRef", ns, targetGUID=var.guid)
        if value is None:
            continue
        tag, text = _typed(value, var.type, f"{where}: variable {name}")
        _sub(vv, tag, ns, text)


def _typed(value: Any, kind: str, where: str) -> tuple[str, str]:
    try:
        if kind == "Boolean":
            if isinstance(value, str):
                value = value.strip().lower() in ("true", "1", "yes")
            return "BooleanValue", "true" if value else "false"
        if kind == "Integer":
            return "IntegerValue", str(int(value))
        if kind == "Float":
            return "FloatValue", format(Decimal(repr(float(value))), "f")
        if kind in ("Date", "DateTime"):
            return f"{kind}Value", str(value)
    except (TypeError, ValueError, InvalidOperation):
        raise InteropError(f"{where}: value {value!r} is not a {kind}") from None
    return "TextValue", value if isinstance(value, str) else _text(value)


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def source_file(guid: str) -> str:
    """The archive name of a text source's file: `<guid>.txt`, lower case, no braces."""
    return f"{guid_key(guid)}.txt"


def qdpx_bytes(project: RefiProject, label: str = "project.qdpx") -> bytes:
    """The whole .qdpx archive for a model, validated, as bytes."""
    import io

    from lxml import etree

    root = project_xml(project)
    validate(root, "Project.xsd", label)
    xml = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    entries: dict[str, bytes | Path] = {"project.qde": xml}
    for src in project.text_sources():
        entries[f"sources/{source_file(src.guid)}"] = (src.text or "").encode("utf-8")
        if is_media(src):
            entries[f"sources/{media_file(src)}"] = Path(str(src.media))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            data = entries[name]
            if isinstance(data, Path):  # a recording: stored as it is (already compressed)
                info.compress_type = zipfile.ZIP_STORED
                info.file_size = data.stat().st_size
                with data.open("rb") as src_fh, zf.open(info, "w", force_zip64=True) as out:
                    for block in iter(lambda f=src_fh: f.read(1 << 20), b""):
                        out.write(block)
                continue
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data, compresslevel=6)
    return buf.getvalue()


def write_qdpx(project: RefiProject, path: Path | str) -> Path:
    """Write a REFI-QDA project archive (`.qdpx`): project.qde plus one UTF-8 .txt per
    text source under sources/, and each audio/video source's recording (stored, not
    deflated). Validated against Project.xsd first; written atomically. Returns the
    path."""
    path = Path(path)
    _atomic_write(path, qdpx_bytes(project, path.name))
    return path


def codebook_xml(book: RefiCodebook) -> etree._Element:
    """The `.qdc` tree for a codebook."""
    from lxml import etree

    ns = CODEBOOK_NS
    root = etree.Element(f"{{{ns}}}CodeBook", nsmap={None: ns})
    _set(root, origin=origin())
    _codes(_sub(root, "Codes", ns), book.codes, ns, {})
    if book.sets:
        el = _sub(root, "Sets", ns)
        for s in book.sets:
            node = _sub(el, "Set", ns, guid=s.guid, name=s.name)
            if s.description:
                _sub(node, "Description", ns, s.description)
            kinds = s.member_kinds or ["code"] * len(s.member_guids)
            for g, k in zip(s.member_guids, kinds, strict=False):
                if k == "code":
                    _sub(node, "MemberCode", ns, guid=g)
    return root


def write_qdc(book: RefiCodebook, path: Path | str) -> Path:
    """Write a REFI-QDA codebook (`.qdc`), validated against Codebook.xsd first."""
    from lxml import etree

    path = Path(path)
    if not book.codes:
        raise InteropError(f"{path.name}: the codebook has no codes - nothing to export")
    root = codebook_xml(book)
    validate(root, "Codebook.xsd", path.name)
    data = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    _atomic_write(path, data)
    return path


def _atomic_write(path: Path, data: bytes) -> None:
    from qualcode.outputs import write_output

    write_output(path, data)
