"""Read REFI-QDA files into the plain model: `read_qdpx` (a .qdpx, or a bare .qde with
its `sources/` folder beside it) and `read_qdc` (a codebook).

Reading is lenient, as FORMAT.md recommends: any `urn:QDA-XML:*` namespace, elements
matched by local name, missing optional attributes tolerated, dangling references and
unreadable sources reported as warnings naming the element. Warnings never quote
transcript text.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.errors import InteropError
from qualcode.refi.archive import Container, Limits, open_container, parse_xml
from qualcode.refi.model import (
    MEMO_LINK,
    Case,
    Code,
    Coding,
    ImportReport,
    Note,
    RefiCodebook,
    RefiProject,
    Set,
    SkippedSource,
    Source,
    TextSelection,
    User,
    Variable,
    guid_key,
    walk_codes,
)
from qualcode.refi.positions import TextMap, best_unit, normalize

if TYPE_CHECKING:
    pass

NON_TEXT = {"PDFSource": "pdf", "PictureSource": "picture", "AudioSource": "audio",
            "VideoSource": "video"}
SELECTION_TAGS = {"PlainTextSelection", "PDFSelection", "PictureSelection", "AudioSelection",
                  "VideoSelection", "TranscriptSelection"}
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_QC_NAME = re.compile(r"^line:\d+$")
_WS = re.compile(r"\s+")
VARIABLE_TYPES = ("Text", "Boolean", "Integer", "Float", "Date", "DateTime")


def local(el: Any) -> str:
    tag = el.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def kids(el: Any, name: str) -> list[Any]:
    return [c for c in el if local(c) == name]


def kid(el: Any, name: str) -> Any | None:
    for c in el:
        if local(c) == name:
            return c
    return None


def text_of(el: Any, name: str) -> str:
    c = kid(el, name)
    return (c.text or "") if c is not None else ""


def producer_of(origin: str) -> str:
    """The producing tool, from the `origin` attribute: nvivo, atlasti, maxqda, qualcoder,
    qc, taguette, qualcode or other."""
    o = origin.casefold()
    for key, name in (("nvivo", "nvivo"), ("atlas", "atlasti"), ("maxqda", "maxqda"),
                      ("qualcoder", "qualcoder"), ("taguette", "taguette"),
                      ("qualcode", "qualcode")):
        if key in o:
            return name
    return "qc" if o.startswith("qc ") or o == "qc" else "other"


PRIOR_UNIT = {"nvivo": "utf16", "atlasti": "cp-lf", "qualcoder": "utf16-lf"}


def nfc(value: str | None) -> str:
    """A name as stored: stripped, Unicode NFC (macOS tools write NFD)."""
    return unicodedata.normalize("NFC", (value or "").strip())


def _datetime(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    v = value.strip().replace("Z", "+00:00")
    try:
        stamp = dt.datetime.fromisoformat(v)
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


def _bool(value: str | None, default: bool = True) -> bool:
    if value is None:
        return default
    return value.strip().lower() not in ("false", "0")


def fix_color(value: str | None) -> str | None:
    """A colour as #rgb/#rrggbb; `#rrggbbaa` and `rgb(r, g, b)` are converted; anything
    else is None."""
    if not value:
        return None
    v = value.strip()
    if _COLOR.match(v):
        return v
    if re.match(r"^#[0-9a-fA-F]{8}$", v):
        return v[:7]
    m = re.match(r"^rgba?\((\d+),\s*(\d+),\s*(\d+)", v)
    if m:
        return "#" + "".join(f"{min(int(x), 255):02x}" for x in m.groups())
    return None


def quote_matches(name: str, seg: str) -> bool:
    """Whether a selection's `name` (a quote, possibly truncated with an ellipsis) fits
    the text at its offsets; white space differences are forgiven."""
    a = _WS.sub(" ", name).strip()
    b = _WS.sub(" ", seg).strip()
    if a.endswith(("…", "...")):
        stem = a.rstrip(".…").rstrip()
        return b.startswith(stem)
    return a == b


def usable_quote(name: str | None) -> str | None:
    """The selection name when it is meant as a quote (not empty, not qc's `line:N`)."""
    if not name or not name.strip() or _QC_NAME.match(name.strip()):
        return None
    return name


def read_qdpx(path: Path | str, limits: Limits | None = None) -> RefiProject:
    """Read a REFI-QDA project: a `.qdpx` archive, or a bare `.qde` whose internal
    sources are in a `sources/` folder beside it.

    Text sources get normalised text and selections converted to our offsets; what
    cannot be carried is counted in `project.report`. Raises InteropError for unsafe or
    invalid files, or when nothing at all can be imported."""
    path = Path(path)
    box = open_container(path, limits)
    try:
        root = parse_xml(box.xml, f"{box.label}" if box.label == box.xml_name
                         else f"{box.label}:{box.xml_name}")
        return _Reader(box).project(root)
    finally:
        box.close()


def read_qdc(path: Path | str) -> RefiCodebook:
    """Read a REFI-QDA codebook (`.qdc`), or the codebook of a project file."""
    path = Path(path)
    if not path.is_file():
        raise InteropError(f"{path}: no such file")
    if path.suffix.lower() in (".qdpx", ".qde"):
        proj = read_qdpx(path)
        sets = [s for s in proj.sets if "code" in s.member_kinds]
        return RefiCodebook(origin=proj.origin, codes=proj.codes, sets=sets,
                            warnings=proj.report.warnings)
    data = path.read_bytes()
    if len(data) > Limits().max_total:
        raise InteropError(f"{path.name}: larger than the size limit")
    root = parse_xml(data, path.name)
    if local(root) != "CodeBook" or "QDA-XML" not in (root.tag or ""):
        raise InteropError(f"{path.name}: not a REFI-QDA codebook (root element "
                           f"{local(root) or root.tag!r}, expected CodeBook)")
    warnings: list[str] = []
    codes_el = kid(root, "Codes")
    codes = _codes(codes_el, warnings, path.name, {}) if codes_el is not None else []
    sets = []
    sets_el = kid(root, "Sets")
    for s in kids(sets_el, "Set") if sets_el is not None else []:
        members = [m.get("guid") or m.get("targetGUID") for m in kids(s, "MemberCode")]
        sets.append(Set(guid=s.get("guid", ""), name=s.get("name", ""),
                        description=text_of(s, "Description"),
                        member_guids=[m for m in members if m],
                        member_kinds=["code" for m in members if m]))
    return RefiCodebook(origin=root.get("origin", ""), codes=codes, sets=sets,
                        warnings=warnings)


def _codes(parent: Any, warnings: list[str], label: str, noterefs: dict[str, list]
           ) -> list[Code]:
    out = []
    for el in kids(parent, "Code"):
        guid = el.get("guid")
        if not guid:
            warnings.append(f"{label}: a Code without guid ({el.get('name', '')!r}) - skipped")
            continue
        name = nfc(el.get("name")) or guid
        color = fix_color(el.get("color"))
        if el.get("color") and color is None:
            warnings.append(f"{label}: code {guid}: colour {el.get('color')!r} is not "
                            "#rrggbb - dropped")
        for ref in kids(el, "NoteRef"):
            noterefs.setdefault(guid_key(ref.get("targetGUID", "")), []).append((guid, "code"))
        out.append(Code(guid=guid, name=name, color=color,
                        description=text_of(el, "Description"),
                        is_codable=_bool(el.get("isCodable")),
                        children=_codes(el, warnings, label, noterefs)))
    return out


class _Reader:
    """One pass over a project's XML; collects the model and the report."""

    def __init__(self, box: Container) -> None:
        self.box = box
        self.label = box.label
        self.report = ImportReport()
        self.noterefs: dict[str, list[tuple[str, str]]] = {}  # note -> [(target, kind)]
        self.variables: dict[str, Variable] = {}

    def warn(self, msg: str) -> None:
        self.report.warn(f"{self.label}: {msg}")

    def project(self, root: Any) -> RefiProject:
        if local(root) != "Project" or "QDA-XML" not in root.tag:
            if local(root) == "CodeBook":
                raise InteropError(f"{self.label}: this is a codebook, not a project - "
                                   "import it as a codebook (.qdc)")
            raise InteropError(f"{self.label}: not a REFI-QDA project (root element "
                               f"{local(root)!r}, expected Project in urn:QDA-XML:project)")
        origin = root.get("origin", "")
        self.producer = producer_of(origin)
        self.report.producer = self.producer
        proj = RefiProject(name=root.get("name") or Path(self.label).stem, origin=origin,
                           created=_datetime(root.get("creationDateTime")),
                           creating_user_guid=root.get("creatingUserGUID"),
                           report=self.report)
        for ref in kids(root, "NoteRef"):
            self.noterefs.setdefault(guid_key(ref.get("targetGUID", "")), []).append(
                ("", "project"))
        proj.description = text_of(root, "Description").strip()
        users_el = kid(root, "Users")
        for u in kids(users_el, "User") if users_el is not None else []:
            if u.get("guid"):
                proj.users.append(User(guid=u.get("guid"), name=nfc(u.get("name")),
                                       id=u.get("id")))
        self.users = {guid_key(u.guid) for u in proj.users}
        book = kid(root, "CodeBook")
        codes_el = kid(book, "Codes") if book is not None else None
        if codes_el is not None:
            proj.codes = _codes(codes_el, self.report.warnings, self.label, self.noterefs)
        self.codes = {guid_key(c.guid) for c, _ in walk_codes(proj.codes)}
        vars_el = kid(root, "Variables")
        for v in kids(vars_el, "Variable") if vars_el is not None else []:
            kind = v.get("typeOfVariable", "Text")
            var = Variable(guid=v.get("guid", ""), name=nfc(v.get("name")) or v.get("guid", ""),
                           type=kind if kind in VARIABLE_TYPES else "Text",
                           description=text_of(v, "Description").strip())
            proj.variables.append(var)
            self.variables[guid_key(var.guid)] = var
        sources_el = kid(root, "Sources")
        declared = 0
        for el in list(sources_el) if sources_el is not None else []:
            tag = local(el)
            if tag == "TextSource":
                declared += 1
                self._text_source(el, proj)
            elif tag in ("AudioSource", "VideoSource") and kid(el, "Transcript") is not None:
                declared += 1
                self._media_source(el, NON_TEXT[tag], proj)
            elif tag in NON_TEXT:
                declared += 1
                self._skip_source(el, NON_TEXT[tag], proj, "qualcode codes text only")
        self.sources = {guid_key(s.guid): s for s in proj.sources}
        self.selections = {guid_key(s.guid) for s in proj.selections}
        self.codings = {guid_key(c.guid) for s in proj.selections for c in s.codings}
        self._cases(root, proj)
        self._notes(root, proj)
        self._sets(root, proj)
        for name in ("Links", "Graphs"):
            el = kid(root, name)
            if el is not None:
                n = len(el) if name == "Graphs" else sum(
                    1 for link in el if not self._is_note_link(link, proj))
                if n:
                    self.report.not_carried[name.lower()] = n
        if declared and not proj.text_sources() and not proj.codes:
            reasons = "; ".join(self.report.warnings[-3:])
            raise InteropError(f"{self.label}: nothing could be imported - no text source "
                               f"could be read and there is no codebook ({reasons})")
        return proj

    # --- sources ------------------------------------------------------------------------
    def _skip_source(self, el: Any, kind: str, proj: RefiProject, reason: str) -> None:
        sels = [d for d in el.iter() if local(d) in SELECTION_TAGS]
        codings = sum(1 for d in el.iter() if local(d) == "Coding")
        self.report.skip_selections(kind, len(sels))
        self.report.skipped_codings += codings
        guid = el.get("guid", "")
        proj.sources.append(Source(guid=guid, name=nfc(el.get("name")) or guid, kind=kind,
                                   path=el.get("path") or el.get("plainTextPath"),
                                   description=text_of(el, "Description").strip()))
        self.report.skipped_sources.append(SkippedSource(
            guid=guid, name=nfc(el.get("name")) or guid, kind=kind, selections=len(sels),
            codings=codings, reason=reason))

    def _text_source(self, el: Any, proj: RefiProject) -> None:
        guid = el.get("guid", "")
        name = nfc(el.get("name"))
        ref = el.get("plainTextPath")
        where = f"source {name or guid} ({guid})"
        raw = None
        content = kid(el, "PlainTextContent")
        if ref:
            data = self.box.read_source(ref)
            if data is None:
                self.warn(f"{where}: file {ref} is not in the archive - source skipped")
                self._skip_source(el, "text", proj, f"missing file {ref}")
                return
            raw = self._decode(data, where)
        elif content is not None:
            raw = content.text or ""
        else:
            self.warn(f"{where}: neither plainTextPath nor PlainTextContent - source skipped")
            self._skip_source(el, "text", proj, "no text")
            return
        if not name:
            name = Path(ref).stem if ref else guid
        tm = TextMap(raw)
        sels = kids(el, "PlainTextSelection")
        unit = self._unit(tm, sels, where)
        src = Source(guid=guid, name=name, kind="text", text=tm.text, path=ref,
                     description=text_of(el, "Description").strip(),
                     variables=self._values(el, where), user_guid=el.get("creatingUser"),
                     created=_datetime(el.get("creationDateTime")), unit=unit)
        proj.sources.append(src)
        for ref_el in kids(el, "NoteRef"):
            self.noterefs.setdefault(guid_key(ref_el.get("targetGUID", "")), []).append(
                (guid, "source"))
        for sel in sels:
            self._selection(sel, src, tm, unit, proj)
        whole = kids(el, "Coding")
        if whole:  # codings of the whole document
            codings = [c for c in (self._coding(c, None, where) for c in whole) if c]
            if codings:
                proj.selections.append(TextSelection(
                    guid=codings[0].guid, source_guid=guid, start=0, end=len(tm.text),
                    quote=tm.text, codings=codings))

    def _decode(self, data: bytes, where: str) -> str:
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            raw = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.warn(f"{where}: not UTF-8 (first invalid byte at offset {exc.start}); "
                      "decoded as cp1252/latin-1")
            raw = data.decode("cp1252", errors="replace")
        n = len(_CONTROL.findall(raw))
        if n:
            self.warn(f"{where}: {n} control character(s) replaced by line breaks or spaces")
            raw = raw.replace("\x0b", "\n").replace("\x0c", "\n")
            raw = _CONTROL.sub(" ", raw)
        return raw

    def _media_source(self, el: Any, kind: str, proj: RefiProject) -> None:
        """An audio or video source with a Transcript: the transcript's text becomes the
        document, its SyncPoints the times, its TranscriptSelections the codings; the
        recording (`path`) is noted for the import to extract. Selections on the
        recording's timeline (AudioSelection, VideoSelection) are not carried."""
        guid = el.get("guid", "")
        name = nfc(el.get("name")) or guid
        where = f"{kind} source {name} ({guid})"
        transcripts = kids(el, "Transcript")
        tr = transcripts[0]
        ref = tr.get("plainTextPath")
        content = kid(tr, "PlainTextContent")
        if ref:
            data = self.box.read_source(ref)
            if data is None:
                self.warn(f"{where}: transcript file {ref} is not in the archive - source "
                          "skipped")
                self._skip_source(el, kind, proj, f"transcript file {ref} missing")
                return
            raw = self._decode(data, where)
        elif content is not None:
            raw = content.text or ""
        else:
            self.warn(f"{where}: its Transcript has neither plainTextPath nor "
                      "PlainTextContent - source skipped")
            self._skip_source(el, kind, proj, "transcript without text")
            return
        if len(transcripts) > 1:
            extra = [d for t in transcripts[1:] for d in t.iter()
                     if local(d) == "TranscriptSelection"]
            self.warn(f"{where}: {len(transcripts)} transcripts - the first imported, the "
                      "others not")
            self.report.skip_selections("transcript", len(extra))
            self.report.skipped_codings += sum(len(kids(x, "Coding")) for x in extra)
        timeline_sels = [d for d in el if local(d) in ("AudioSelection", "VideoSelection")]
        self.report.skip_selections(kind, len(timeline_sels))
        self.report.skipped_codings += sum(len(kids(x, "Coding")) for x in timeline_sels)
        tm = TextMap(raw)
        points: dict[str, tuple[int, int | None]] = {}  # guid -> (position, ms)
        for sp in kids(tr, "SyncPoint"):
            try:
                pos = int(sp.get("position"))
                ms = int(sp.get("timeStamp")) if sp.get("timeStamp") not in (None, "") \
                    else None
            except (TypeError, ValueError):
                self.warn(f"{where}: sync point {sp.get('guid', '')} has no integer position "
                          "or timeStamp - ignored")
                continue
            points[guid_key(sp.get("guid", ""))] = (pos, ms)
        sels = kids(tr, "TranscriptSelection")
        spans = []
        for sel in sels:
            a = points.get(guid_key(sel.get("fromSyncPoint", "")))
            b = points.get(guid_key(sel.get("toSyncPoint", "")))
            spans.append((a[0], b[0]) if a and b else None)
        unit = self._unit(tm, [], where, probes=[
            (sp[0], sp[1], usable_quote(sel.get("name")))
            for sel, sp in zip(sels, spans, strict=True) if sp])
        sync: list[tuple[int, float | None]] = []
        for pos, ms in sorted(points.values(), key=lambda p: p[0]):
            idx = tm.to_index(pos, unit)
            if idx is None:
                self.warn(f"{where}: a sync point at {pos} lies outside the transcript - "
                          "ignored")
                continue
            sync.append((idx[0], None if ms is None else ms / 1000))
        src = Source(guid=guid, name=name, kind=kind, text=tm.text, path=ref,
                     description=text_of(el, "Description").strip(),
                     variables=self._values(el, where), user_guid=el.get("creatingUser"),
                     created=_datetime(el.get("creationDateTime")), unit=unit,
                     media=el.get("path"), sync_points=sync, transcript_guid=tr.get("guid"),
                     transcript_name=nfc(tr.get("name")))
        proj.sources.append(src)
        for holder in (el, tr):
            for ref_el in kids(holder, "NoteRef"):
                self.noterefs.setdefault(guid_key(ref_el.get("targetGUID", "")), []).append(
                    (guid, "source"))
        for sel, span in zip(sels, spans, strict=True):
            if span is None:
                self.warn(f"selection {sel.get('guid', '')} in source {name}: fromSyncPoint/"
                          "toSyncPoint name no sync point of its transcript - skipped")
                self._skip_codings(sel)
                continue
            self._selection(sel, src, tm, unit, proj, span)
        whole = kids(el, "Coding")
        if whole:  # codings of the whole recording: of the whole transcript
            codings = [c for c in (self._coding(c, None, where) for c in whole) if c]
            if codings:
                proj.selections.append(TextSelection(
                    guid=codings[0].guid, source_guid=guid, start=0, end=len(tm.text),
                    quote=tm.text, codings=codings))

    def _unit(self, tm: TextMap, sels: list[Any], where: str,
              probes: list[tuple[int, int, str | None]] | None = None) -> str:
        prior = PRIOR_UNIT.get(self.producer, "cp")
        probes = list(probes or [])
        for s in sels:
            try:
                probes.append((int(s.get("startPosition")), int(s.get("endPosition")),
                               usable_quote(s.get("name"))))
            except (TypeError, ValueError):
                continue
        unit, scores = best_unit(tm, probes, prior, quote_matches)
        if unit != prior:
            self.warn(f"{where}: positions fit {unit} better than {prior}, the usual unit "
                      f"of {self.producer} ({scores[unit]} vs {scores[prior]} of "
                      f"{len(probes)} selections) - read as {unit}")
        return unit

    def _selection(self, sel: Any, src: Source, tm: TextMap, unit: str,
                   proj: RefiProject, span: tuple[int, int] | None = None) -> None:
        guid = sel.get("guid", "")
        where = f"selection {guid} in source {src.name}"
        try:
            start, end = span or (int(sel.get("startPosition")), int(sel.get("endPosition")))
        except (TypeError, ValueError):
            self.warn(f"{where}: startPosition/endPosition are not integers - skipped")
            self._skip_codings(sel)
            return
        a, b = tm.to_index(start, unit), tm.to_index(end, unit, end=True)
        if a is None or b is None or end < start:
            self.warn(f"{where}: positions {start}-{end} lie outside the source "
                      f"(length {tm.length(unit)} in {unit}) - skipped")
            self._skip_codings(sel)
            return
        if not (a[1] and b[1]):
            self.warn(f"{where}: positions {start}-{end} fall inside a character - "
                      "widened to whole characters")
        quote = tm.text[a[0]:b[0]]
        name = sel.get("name") or ""
        given = usable_quote(name)
        if given is not None and not quote_matches(given, quote):
            self.warn(f"{where}: the quoted text in the file differs from the text at "
                      f"positions {start}-{end} - kept the positions")
        user = sel.get("creatingUser")
        self._check_user(user, where)
        codings = [c for c in (self._coding(c, user, where) for c in kids(sel, "Coding")) if c]
        ts = TextSelection(guid=guid, source_guid=src.guid, start=a[0], end=b[0], quote=quote,
                           name=name, description=text_of(sel, "Description").strip(),
                           codings=codings, user_guid=user,
                           created=_datetime(sel.get("creationDateTime")))
        proj.selections.append(ts)
        for ref in kids(sel, "NoteRef"):
            self.noterefs.setdefault(guid_key(ref.get("targetGUID", "")), []).append(
                (guid, "selection"))

    def _skip_codings(self, sel: Any) -> None:
        self.report.skip_selections("text")
        self.report.skipped_codings += len(kids(sel, "Coding"))

    def _coding(self, el: Any, default_user: str | None, where: str) -> Coding | None:
        guid = el.get("guid", "")
        ref = kid(el, "CodeRef")
        code = ref.get("targetGUID") if ref is not None else None
        if not code or guid_key(code) not in self.codes:
            self.warn(f"coding {guid} ({where}): code {code or '(none)'} is not in the "
                      "codebook - skipped")
            self.report.skipped_codings += 1
            return None
        user = el.get("creatingUser") or default_user
        self._check_user(el.get("creatingUser"), f"coding {guid} ({where})")
        for nr in kids(el, "NoteRef"):
            self.noterefs.setdefault(guid_key(nr.get("targetGUID", "")), []).append(
                (guid, "coding"))
        return Coding(guid=guid, code_guid=code, user_guid=user,
                      created=_datetime(el.get("creationDateTime")))

    def _check_user(self, user: str | None, where: str) -> None:
        if user and guid_key(user) not in self.users:
            self.warn(f"{where}: user {user} is not in Users - attributed to an unknown user")

    def _values(self, el: Any, where: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for vv in kids(el, "VariableValue"):
            ref = kid(vv, "VariableRef")
            target = ref.get("targetGUID", "") if ref is not None else ""
            var = self.variables.get(guid_key(target))
            if var is None:
                self.warn(f"{where}: value of undefined variable {target or '(none)'} - "
                          "skipped")
                continue
            value = _value(vv)
            if value is not None:
                out[var.name] = value
        return out

    # --- cases, notes, sets --------------------------------------------------------------
    def _cases(self, root: Any, proj: RefiProject) -> None:
        cases_el = kid(root, "Cases")
        self.cases = {guid_key(c.get("guid", "")) for c in kids(cases_el, "Case")} \
            if cases_el is not None else set()
        for c in kids(cases_el, "Case") if cases_el is not None else []:
            guid = c.get("guid", "")
            where = f"case {c.get('name') or guid}"
            srcs = []
            for r in kids(c, "SourceRef"):
                target = r.get("targetGUID", "")
                if guid_key(target) in self.sources:
                    srcs.append(target)
                else:
                    self.warn(f"{where}: source {target} is not in Sources - link dropped")
            proj.cases.append(Case(
                guid=guid, name=nfc(c.get("name")),
                description=text_of(c, "Description").strip(),
                variables=self._values(c, where), source_guids=srcs,
                code_guids=[r.get("targetGUID", "") for r in kids(c, "CodeRef")]))

    def _is_note_link(self, link: Any, proj: RefiProject) -> bool:
        notes = {guid_key(n.guid) for n in proj.notes}
        return guid_key(link.get("originGUID", "")) in notes or \
            guid_key(link.get("targetGUID", "")) in notes

    def _notes(self, root: Any, proj: RefiProject) -> None:
        notes_el = kid(root, "Notes")
        if notes_el is None:
            return
        links_el = kid(root, "Links")
        note_keys = {guid_key(n.get("guid", "")) for n in kids(notes_el, "Note")}
        memo_links: dict[str, list[str]] = {}
        for link in kids(links_el, "Link") if links_el is not None else []:
            o, t = link.get("originGUID", ""), link.get("targetGUID", "")
            if link.get("name") == MEMO_LINK and guid_key(o) in note_keys:
                memo_links.setdefault(guid_key(o), []).append(t)  # a link, not a target
                continue
            self.noterefs.setdefault(guid_key(o), []).append((t, ""))
            self.noterefs.setdefault(guid_key(t), []).append((o, ""))
        inner = 0
        for n in kids(notes_el, "Note"):
            guid = n.get("guid", "")
            where = f"note {n.get('name') or guid}"
            content = kid(n, "PlainTextContent")
            text = None
            if content is not None:
                text = content.text or ""
            elif n.get("plainTextPath"):
                data = self.box.read_source(n.get("plainTextPath"))
                if data is None:
                    self.warn(f"{where}: file {n.get('plainTextPath')} is not in the "
                              "archive - note text lost")
                else:
                    text = self._decode(data, where)
            if text is None:
                text = text_of(n, "Description")
            text = normalize(text).strip()
            inner += len(kids(n, "PlainTextSelection"))
            targets = [(g, k or self._kind_of(g)) for g, k in self.noterefs.get(guid_key(guid),
                                                                                [])]
            targets = [(g, k) for g, k in targets if k != "other"] or targets
            if len(targets) > 1:
                self.warn(f"{where}: attached to {len(targets)} elements - kept on the first")
            target, kind = targets[0] if targets else (None, None)
            proj.notes.append(Note(guid=guid, name=n.get("name") or "", text=text,
                                   target_guid=target or None,
                                   target_kind=kind if target or kind == "project" else None,
                                   user_guid=n.get("creatingUser"),
                                   created=_datetime(n.get("creationDateTime")),
                                   link_guids=memo_links.get(guid_key(guid), [])))
        if inner:
            self.report.not_carried["selections inside notes"] = inner

    def _kind_of(self, guid: str) -> str:
        g = guid_key(guid)
        if g in self.codes:
            return "code"
        if g in self.sources:
            return "source"
        if g in self.selections:
            return "selection"
        if g in self.codings:
            return "coding"
        if g in self.cases:
            return "case"
        return "other"

    def _sets(self, root: Any, proj: RefiProject) -> None:
        sets_el = kid(root, "Sets")
        notes = {guid_key(n.guid) for n in proj.notes}
        for s in kids(sets_el, "Set") if sets_el is not None else []:
            members, kinds_ = [], []
            for tag, kind, known in (("MemberCode", "code", self.codes),
                                     ("MemberSource", "source", self.sources),
                                     ("MemberNote", "note", notes)):
                for m in kids(s, tag):
                    target = m.get("targetGUID", "")
                    if guid_key(target) not in known:
                        self.warn(f"set {s.get('name', '')}: {kind} {target} is not defined - "
                                  "member dropped")
                        continue
                    members.append(target)
                    kinds_.append(kind)
            proj.sets.append(Set(guid=s.get("guid", ""), name=nfc(s.get("name")),
                                 description=text_of(s, "Description").strip(),
                                 member_guids=members, member_kinds=kinds_))


def _value(vv: Any) -> Any:
    for c in vv:
        kind = local(c)
        raw = (c.text or "").strip()
        if kind == "VariableRef":
            continue
        if kind == "TextValue":
            return c.text or ""
        if not raw:
            return None
        try:
            if kind == "BooleanValue":
                return raw.lower() in ("true", "1")
            if kind == "IntegerValue":
                return int(raw)
            if kind == "FloatValue":
                return float(raw)
        except ValueError:
            return raw
        return raw  # DateValue, DateTimeValue: ISO strings
    return None
