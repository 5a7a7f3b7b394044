"""REFI project <-> qualcode's tables, without the store.

`refi_to_qualcode` turns a read project into rows ready to insert in one transaction:
parsed transcripts (documents with turns and speakers, as `qualcode import` stores
them), codings (origin `imported`, status `accepted`), memos, cases, coders and sets.
`qualcode_to_refi` builds a project for export from `project.documents()`,
`project.codings()`, `project.memos()`, the turns and the codebook.

Conventions of our own, carried as text variables so other tools show them harmlessly:
`language` (the document language), `interviewer` (JSON list of interviewer labels) and
`speakers` (JSON mapping of focus-group labels to case ids).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml

from qualcode.errors import EmptyTranscriptError
from qualcode.refi.codebook_map import CodebookImport, codebook_to_refi, refi_to_codebook
from qualcode.refi.model import (
    EMPTY,
    Case,
    Coding,
    ImportReport,
    Note,
    RefiProject,
    Set,
    SkippedSource,
    Source,
    TextSelection,
    User,
    guid_key,
    stable_guid,
)
from qualcode.transcripts import Transcript, parse_transcript

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.codebook import Codebook

RESERVED = {"id", "respondent", "language", "interviewer", "speakers", "document", "case",
            "cases", "path", "words", "respondent_words", "text"}
OWN_VARIABLES = ("language", "interviewer", "speakers")
FRAME_COLUMNS = {"document", "case", "cases", "language", "path", "words",
                 "respondent_words", "text"}
_LANG = re.compile(r"^[a-z]{2,3}$")
_SET_ATTR = re.compile(r"^([^:]{1,40}?)\s*:\s*(.+)$")
_EXT = re.compile(r"\.(txt|docx?|rtf|md|pdf|odt|wav|mp3|m4a|aac|ogg|oga|opus|flac|mp4|m4v|webm"
                  r"|mov|ogv|mkv)$", re.IGNORECASE)
UNKNOWN = "unknown"


@dataclass
class CodingRow:
    """One coding to insert; `key` identifies it for memos on codings."""

    key: str
    document: str
    start: int
    end: int
    text: str
    code: str
    coder: str
    origin: str = "imported"
    status: str = "accepted"
    created_at: dt.datetime | None = None
    source: str = ""


@dataclass
class MemoRow:
    """One memo. For target_type `coding`, `target_id` is a CodingRow.key (replace it by
    the coding's store id after inserting). `project` memos have no target in the store
    yet: target_id is the project name."""

    target_type: str  # code | document | case | coding | project
    target_id: str
    coder: str
    text: str
    created_at: dt.datetime | None = None
    note: str = ""  # the note's GUID key (what other memos' links point at)
    # ("memo", note GUID key) or ("coding", CodingRow.key): what the memo links to
    links: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class CaseRow:
    id: str
    attributes: dict[str, Any]


@dataclass
class SetRow:
    name: str
    documents: list[str]
    codes: list[str]


@dataclass
class ImportData:
    """Everything an import writes, as plain rows."""

    documents: list[Transcript]
    codings: list[CodingRow]
    memos: list[MemoRow]
    cases: list[CaseRow]
    coders: list[str]
    sets: list[SetRow]
    codebook: CodebookImport
    report: ImportReport
    source_ids: dict[str, str] = field(default_factory=dict)  # guid_key -> document id
    # document id -> (the recording's path as written in the file, its source's name)
    media: dict[str, tuple[str, str]] = field(default_factory=dict)

    def codings_frame(self) -> pd.DataFrame:
        """The codings as a tidy frame (one row per coding)."""
        import pandas as pd

        cols = ["key", "document", "start", "end", "text", "code", "coder", "origin",
                "status", "created_at", "source"]
        return pd.DataFrame([[getattr(c, k) for k in cols] for c in self.codings],
                            columns=cols)

    def documents_frame(self) -> pd.DataFrame:
        """One row per document: document, case, language, attributes, text."""
        import pandas as pd

        rows = [{"document": d.id, "case": d.respondent, "language": d.language,
                 **{k: v for k, v in d.attributes.items() if k != "language"},
                 "text": d.text} for d in self.documents]
        return pd.DataFrame(rows)


def _doc_id(name: str) -> str:
    clean = re.sub(r"[\x00-\x1f/\\]+", "-", _EXT.sub("", name.strip())).strip(" -")
    return clean[:200] or "document"


def _unique(base: str, taken: set[str]) -> str:
    out, n = base, 2
    while out in taken:
        out = f"{base} ({n})"
        n += 1
    taken.add(out)
    return out


def _coders(project: RefiProject) -> dict[str, str]:
    """User GUID key -> coder name; two users of the same name stay apart."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for u in project.users:
        label = u.label[:90]
        if label in used:
            label = f"{label}-{guid_key(u.guid)[:8]}"
        used.add(label)
        out[guid_key(u.guid)] = label
    return out


def refi_to_qualcode(project: RefiProject, existing: Codebook | None = None,
                     language: str = "en", interviewer_labels: list[str] | tuple = (),
                     source_label: str = "") -> ImportData:
    """Convert a read REFI project to qualcode rows.

    `existing` is the project's codebook (codes are matched by GUID, new ids avoid its
    ids); `language` and `interviewer_labels` are the project's settings; `source_label`
    (e.g. the file name) prefixes each coding's provenance."""
    report = project.report
    books = refi_to_codebook(project.codes, project.name, existing)
    for w in books.warnings:
        report.warn(w)
    coders = _coders(project)
    taken: set[str] = set()
    source_ids: dict[str, str] = {}
    for src in project.text_sources():
        source_ids[guid_key(src.guid)] = _unique(_doc_id(src.name), taken)

    case_of: dict[str, str] = {}
    case_attrs: dict[str, dict[str, Any]] = {}
    src_attrs: dict[str, dict[str, Any]] = {}
    cases: dict[str, CaseRow] = {}
    case_ids: dict[str, str] = {}
    for case in project.cases:
        linked = [guid_key(g) for g in case.source_guids if guid_key(g) in source_ids]
        if not case.name and len(case.source_guids) == 1:  # MAXQDA/Quirkos source attributes
            for g in linked:
                src_attrs.setdefault(g, {}).update(case.variables)
            continue
        cid = (case.name or guid_key(case.guid)[:8])[:200]
        case_ids[guid_key(case.guid)] = cid
        cases.setdefault(cid, CaseRow(cid, {})).attributes.update(
            {k: v for k, v in case.variables.items() if k not in OWN_VARIABLES})
        for g in linked:
            if g in case_of and case_of[g] != cid:
                report.warn(f"source {source_ids[g]}: linked to cases {case_of[g]} and {cid} "
                            f"- kept {case_of[g]}")
                continue
            case_of[g] = cid
            case_attrs[g] = case.variables
    set_attrs: dict[str, dict[str, Any]] = {}
    for s in project.sets:
        members = [guid_key(g) for g, k in zip(s.member_guids, s.member_kinds, strict=False)
                   if k == "source" and guid_key(g) in source_ids]
        m = _SET_ATTR.match(s.name)
        for g in members:
            if m:  # ATLAS.ti document groups "gender: male"
                set_attrs.setdefault(g, {})[m.group(1).strip()] = m.group(2).strip()
            else:
                set_attrs.setdefault(g, {}).setdefault("sets", []).append(s.name)

    noted = {guid_key(n.target_guid) for n in project.notes if n.target_guid}
    documents = []
    media: dict[str, tuple[str, str]] = {}
    for src in project.text_sources():
        key = guid_key(src.guid)
        doc_id = source_ids[key]
        merged = {**case_attrs.get(key, {}), **src_attrs.get(key, {}), **src.variables,
                  **set_attrs.get(key, {})}
        # an empty source that carries a case, variables or notes stays, as an empty
        # document nothing can be coded in, so a round trip does not drop it
        carries = [what for what, has in (
            ("a case", key in case_of), ("variables", bool(merged)),
            ("notes", bool(src.description) or key in noted)) if has]
        try:
            documents.append(_transcript(src, doc_id, case_of.get(key, doc_id), merged,
                                         language, interviewer_labels, report,
                                         keep_empty=bool(carries)))
        except EmptyTranscriptError:
            # an empty text source carrying nothing: listed, never silently dropped
            sels = [s for s in project.selections if guid_key(s.source_guid) == key]
            report.skipped_sources.append(SkippedSource(
                guid=src.guid, name=src.name, kind="text", selections=len(sels),
                codings=sum(len(s.codings) for s in sels), reason=EMPTY))
            del source_ids[key]
            continue
        if src.media and src.kind in ("audio", "video"):
            media[doc_id] = (src.media, src.name)
        if not documents[-1].turns and not (src.text or "").strip():
            report.warn(f"source {src.name or src.guid}: empty - kept as the empty document "
                        f"{doc_id!r} (it carries {' and '.join(carries)}); nothing in it can "
                        "be coded")

    codings: list[CodingRow] = []
    memos: list[MemoRow] = []
    seen: set[tuple] = set()
    dupes = 0
    sel_keys: dict[str, list[str]] = {}
    for sel in project.selections:
        doc = source_ids.get(guid_key(sel.source_guid))
        if doc is None:
            continue
        for c in sel.codings:
            code = books.ids.get(guid_key(c.code_guid))
            if code is None:
                continue
            coder = coders.get(guid_key(c.user_guid or ""), UNKNOWN)
            ident = (doc, sel.start, sel.end, code, coder)
            if ident in seen:
                dupes += 1
                continue
            seen.add(ident)
            key = f"{sel.guid}/{c.guid}"
            sel_keys.setdefault(guid_key(sel.guid), []).append(key)
            sel_keys.setdefault(guid_key(c.guid), []).append(key)
            codings.append(CodingRow(key=key, document=doc, start=sel.start, end=sel.end,
                                     text=sel.quote, code=code, coder=coder,
                                     created_at=c.created or sel.created or project.created,
                                     source=f"{source_label}#{c.guid}".lstrip("#")))
        if sel.description:
            memos += _on_selection(sel, doc, sel.description, coders.get(
                guid_key(sel.user_guid or ""), UNKNOWN), sel.created, sel_keys)
    if dupes:
        report.warn(f"{dupes} coding(s) repeat another coding of the same span, code and "
                    "coder - imported once")

    targets = {"code": {k: v for k, v in books.ids.items()}, "source": source_ids,
               "case": case_ids}
    note_rows: list[list[MemoRow]] = []
    for n in project.notes:
        who = coders.get(guid_key(n.user_guid or ""), UNKNOWN)
        g = guid_key(n.target_guid or "")
        kind = n.target_kind
        before = len(memos)
        note_rows.append([])
        if kind in ("selection", "coding"):
            sel = next((s for s in project.selections if guid_key(s.guid) == g
                        or any(guid_key(c.guid) == g for c in s.codings)), None)
            doc = source_ids.get(guid_key(sel.source_guid)) if sel else None
            if sel is not None and doc is not None:
                memos += _on_selection(sel, doc, n.text, who, n.created, sel_keys, g)
                note_rows[-1] = memos[before:]
                continue
        elif kind in targets and g in targets[kind]:
            memos.append(MemoRow({"source": "document"}.get(kind, kind), targets[kind][g], who,
                                 n.text, n.created))
            note_rows[-1] = memos[before:]
            continue
        if kind not in (None, "project"):
            report.warn(f"note {n.name or n.guid}: the element it is attached to was not "
                        "imported - kept as a project memo")
        memos.append(MemoRow("project", project.name, who, n.text, n.created))
        note_rows[-1] = memos[before:]
    for src in project.text_sources():
        if src.description and guid_key(src.guid) in source_ids:
            memos.append(MemoRow("document", source_ids[guid_key(src.guid)],
                                 coders.get(guid_key(src.user_guid or ""), UNKNOWN),
                                 src.description, src.created))
    for case in project.cases:
        if case.description and guid_key(case.guid) in case_ids:
            memos.append(MemoRow("case", case_ids[guid_key(case.guid)], UNKNOWN,
                                 case.description))
    if project.description:
        memos.append(MemoRow("project", project.name, UNKNOWN, project.description))
    note_keys = {guid_key(n.guid) for n in project.notes}
    for n, rows in zip(project.notes, note_rows, strict=True):
        links = []
        for g in n.link_guids:
            if guid_key(g) in note_keys:
                links.append(("memo", guid_key(g)))
            elif sel_keys.get(guid_key(g)):
                links.append(("coding", sel_keys[guid_key(g)][0]))
        for row in rows:
            row.note, row.links = guid_key(n.guid), links

    sets = []
    for s in project.sets:
        docs = [source_ids[guid_key(g)] for g, k in zip(s.member_guids, s.member_kinds,
                                                        strict=False)
                if k == "source" and guid_key(g) in source_ids]
        codes = [books.ids[guid_key(g)] for g, k in zip(s.member_guids, s.member_kinds,
                                                        strict=False)
                 if k == "code" and guid_key(g) in books.ids]
        sets.append(SetRow(s.name, docs, codes))
    used = sorted(set(coders.values()) | {c.coder for c in codings}
                  | {m.coder for m in memos})
    return ImportData(documents=documents, codings=codings, memos=memos,
                      cases=sorted(cases.values(), key=lambda c: c.id), coders=used,
                      sets=sets, codebook=books, report=report, source_ids=source_ids,
                      media=media)


def _on_selection(sel: TextSelection, doc: str, text: str, who: str,
                  when: dt.datetime | None, sel_keys: dict[str, list[str]],
                  target: str | None = None) -> list[MemoRow]:
    keys = sel_keys.get(target or guid_key(sel.guid)) or sel_keys.get(guid_key(sel.guid))
    if keys:
        return [MemoRow("coding", k, who, text, when) for k in keys]
    return [MemoRow("document", doc, who, f"(on characters {sel.start}-{sel.end}) {text}",
                    when)]


def _transcript(src: Source, doc_id: str, case_id: str, variables: dict[str, Any],
                language: str, labels: list[str] | tuple, report: ImportReport,
                keep_empty: bool = False) -> Transcript:
    """Parse a source's text with the transcript rules (design section 2). An empty text
    raises EmptyTranscriptError unless `keep_empty` (then a document without turns)."""
    lang = variables.get("language")
    lang = lang if isinstance(lang, str) and _LANG.match(lang) else language
    meta: dict[str, Any] = {"id": doc_id, "respondent": case_id, "language": lang}
    for key in ("interviewer", "speakers"):
        raw = variables.get(key)
        if isinstance(raw, str) and raw.strip().startswith(("[", "{")):
            try:
                meta[key] = json.loads(raw)
            except ValueError:
                report.warn(f"source {doc_id}: variable {key} is not JSON - ignored")
    attributes: dict[str, Any] = {}
    for k, v in variables.items():
        if k in OWN_VARIABLES and k in meta or k == "language":
            continue
        name = f"refi_{k}" if k in RESERVED else k
        attributes[name] = v
    text = src.text or ""
    if keep_empty and not text.strip():
        return Transcript(id=doc_id, path=f"refi:{src.guid}", respondent=case_id,
                          language=lang, text=text, attributes={**attributes, "language": lang},
                          speakers=[], turns=[])
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
    tr = parse_transcript(f"---\n{front}---\n{text}", stem=doc_id, name=doc_id,
                          default_language=language,
                          interviewer_labels=list(labels))
    assert tr.text == text  # the synthesised front matter never eats the body
    if src.sync_points:
        time_turns(tr, src.sync_points)
    return tr.model_copy(update={"attributes": {**attributes, "language": lang},
                                 "path": f"refi:{src.guid}"})


def time_turns(tr: Transcript, points: list[tuple[int, float | None]]) -> None:
    """Turn times from a transcript's sync points (character index, seconds). A turn
    starts at the time of the last point after the previous turn and up to its first
    character (on it, or on its label), else of the first timed point inside it; it
    ends at the time of the point on its end, else where the next turn starts when that
    one is timed. A turn without a timed point keeps the times its text gave it
    (stamps), or none."""
    from qualcode.timeline import turn_end_times

    timed = sorted((p, t) for p, t in points if t is not None)
    if not timed:
        return
    at = dict(timed)
    starts: list[float | None] = []
    ends: list[float | None] = []
    prev_end = -1
    for turn in tr.turns:
        # a point between the previous turn and this one's first character (its label,
        # where other tools put it), else the first inside it
        before = [t for p, t in timed if prev_end < p <= turn.start]
        start = before[-1] if before else next(
            (t for p, t in timed if turn.start <= p < turn.end), None)
        prev_end = turn.end
        starts.append(start if start is not None else turn.start_time)
        ends.append(at.get(turn.end))
    guessed = turn_end_times(starts, None)
    for turn, s, e, g in zip(tr.turns, starts, ends, guessed, strict=True):
        if s is None:
            continue
        keep = turn.end_time if s == turn.start_time else None  # times from its stamps
        turn.start_time = s
        turn.end_time = e if e is not None and e >= s else g if g is not None else keep


# --- export -------------------------------------------------------------------------------
def _clean(v: Any) -> Any:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if hasattr(v, "item"):
        v = v.item()
    if hasattr(v, "isoformat") and not isinstance(v, str):
        v = v.isoformat()
    return v


def _when(v: Any) -> dt.datetime | None:
    v = _clean(v)
    if isinstance(v, str):
        try:
            return dt.datetime.fromisoformat(v)
        except ValueError:
            return None
    return v


def qualcode_to_refi(name: str, documents: pd.DataFrame, codings: pd.DataFrame,
                     codebook: Codebook, memos: pd.DataFrame | None = None,
                     turns: pd.DataFrame | None = None,
                     include_suggestions: bool = False,
                     recordings: dict[str, str] | None = None,
                     sync_points: dict[str, list[tuple[int, float]]] | None = None
                     ) -> RefiProject:
    """A REFI project from qualcode's tables (`project.documents()`, `project.codings()`,
    `project.memos()`, `export.turns_frame(project)`) and the codebook.

    Accepted codings are exported (suggestions too when `include_suggestions`), orphaned
    ones never. Attributes equal across a case's documents become case variables, the
    others source variables. GUIDs are stable (uuid5 of each object's identity; an
    imported code keeps its GUID).

    `recordings` maps a document to its recording's file (on disk): such a document is
    exported as an audio or video source with its transcript and the `sync_points`
    (character index, seconds) of its timed turns and cues."""
    from qualcode.media import media_kind

    recordings = recordings or {}
    sync_points = sync_points or {}
    report = ImportReport(producer="qualcode")
    codes = codebook_to_refi(codebook)
    code_guid = {c.id: (c.guid or stable_guid("code", c.id)) for c, _, _ in codebook.walk()}
    coders: set[str] = set()
    statuses = {"accepted", "suggested"} if include_suggestions else {"accepted"}
    rows = codings[codings["status"].isin(statuses)] if len(codings) else codings
    if len(rows) and "anchor" in rows:
        orphaned = int((rows["anchor"] == "orphaned").sum())
        if orphaned:
            report.warn(f"{orphaned} orphaned coding(s) not exported (their text changed)")
        rows = rows[rows["anchor"] != "orphaned"]
    missing = sorted(set(rows["code"]) - set(code_guid)) if len(rows) else []
    for cid in missing:
        report.warn(f"code {cid} is no longer in the codebook - exported at the top level")
        code_guid[cid] = stable_guid("code", cid)
    from qualcode.refi.model import Code

    codes += [Code(guid=code_guid[c], name=c) for c in missing]

    attr_cols = [c for c in documents.columns if c not in FRAME_COLUMNS]
    labels = _turn_labels(turns)
    sources, texts, per_case = [], {}, {}
    for rec in documents.to_dict("records"):
        doc = str(rec["document"])
        texts[doc] = rec["text"]
        values = {k: _clean(rec[k]) for k in attr_cols}
        values = {k: v for k, v in values.items() if v is not None}
        values["language"] = rec.get("language")
        values.update(labels.get(doc, {}))
        per_case.setdefault(str(rec["case"]), []).append((doc, values))
        src = Source(guid=stable_guid("document", doc), name=doc, text=rec["text"])
        kind = media_kind(recordings[doc]) if doc in recordings else None
        if kind is not None:
            src.kind, src.media = kind, recordings[doc]
            src.sync_points = [(p, t) for p, t in sync_points.get(doc, [])]
        sources.append(src)
    cases = []
    by_doc = {s.name: s for s in sources}
    for case_id, docs in sorted(per_case.items()):
        keys = set().union(*(set(v) for _, v in docs))
        shared = {k for k in keys if k not in ("interviewer", "speakers") and
                  all(k in v and v[k] == docs[0][1].get(k) for _, v in docs)}
        for doc, v in docs:
            by_doc[doc].variables = {k: x for k, x in v.items() if k not in shared}
        cases.append(Case(guid=stable_guid("case", case_id), name=case_id,
                          variables={k: docs[0][1][k] for k in sorted(shared)},
                          source_guids=[by_doc[d].guid for d, _ in docs]))

    selections: dict[tuple, TextSelection] = {}
    coding_guid: dict[Any, str] = {}
    for rec in rows.to_dict("records") if len(rows) else []:
        doc, start, end = str(rec["document"]), int(rec["start"]), int(rec["end"])
        if doc not in texts:
            continue
        coder = str(rec["coder"])
        coders.add(coder)
        sid = (doc, start, end)
        sel = selections.get(sid)
        if sel is None:
            sel = selections[sid] = TextSelection(
                guid=stable_guid("selection", doc, str(start), str(end)),
                source_guid=stable_guid("document", doc), start=start, end=end,
                quote=texts[doc][start:end])
        guid = stable_guid("coding", doc, str(start), str(end), str(rec["code"]), coder)
        if any(c.guid == guid for c in sel.codings):
            continue
        coding_guid[rec.get("id")] = guid
        sel.codings.append(Coding(guid=guid, code_guid=code_guid[rec["code"]],
                                  user_guid=stable_guid("user", coder),
                                  created=_when(rec.get("created_at"))))

    notes = []
    kinds = {"code": "code", "document": "source", "case": "case", "coding": "coding"}
    for rec in memos.to_dict("records") if memos is not None and len(memos) else []:
        on, target = str(rec["on"]), str(rec["target"])
        tg = {"code": code_guid.get(target), "document": stable_guid("document", target)
              if target in texts else None, "case": stable_guid("case", target)
              if target in per_case else None}.get(on)
        if on == "coding":
            tg = coding_guid.get(int(target)) if target.isdigit() else None
        coders.add(str(rec["coder"]))
        links = []
        for link in filter(None, str(rec.get("links") or "").split(", ")):
            kind, _, key = link.partition(":")
            if kind == "memo":
                links.append(stable_guid("memo", key))
            elif kind == "coding" and key.isdigit() and int(key) in coding_guid:
                links.append(coding_guid[int(key)])
        notes.append(Note(guid=stable_guid("memo", str(rec["id"])), text=str(rec["memo"]),
                          target_guid=tg, target_kind=kinds.get(on) if tg else "project",
                          user_guid=stable_guid("user", str(rec["coder"])),
                          created=_when(rec.get("at")), link_guids=links))
    users = [User(guid=stable_guid("user", c), name=c) for c in sorted(coders)]
    doc_sets: dict[str, list[str]] = {}
    for s in sources:
        for set_name in s.variables.pop("sets", []) if isinstance(
                s.variables.get("sets"), list) else []:
            doc_sets.setdefault(str(set_name), []).append(s.guid)
    sets = [Set(guid=stable_guid("set", n), name=n, member_guids=g,
                member_kinds=["source"] * len(g)) for n, g in sorted(doc_sets.items())]
    return RefiProject(name=name, users=users, codes=codes, sources=sources, cases=cases,
                       selections=sorted(selections.values(),
                                         key=lambda s: (s.source_guid, s.start, s.end)),
                       notes=notes, sets=sets, report=report)


def _turn_labels(turns: pd.DataFrame | None) -> dict[str, dict[str, str]]:
    """Per document: the interviewer labels and focus-group speakers, as JSON text."""
    if turns is None or not len(turns):
        return {}
    out: dict[str, dict[str, str]] = {}
    for doc, group in turns.groupby("document", sort=True):
        inter = sorted({str(s) for s in group.loc[group["role"] == "interviewer", "speaker"]
                        if s is not None})
        resp = group[(group["role"] == "respondent") & group["speaker"].notna()]
        cases = {str(s): str(c) for s, c in zip(resp["speaker"], resp["case"], strict=False)}
        entry = {"interviewer": json.dumps(inter, ensure_ascii=False)} if inter else {}
        if len(set(cases.values())) > 1:
            entry["speakers"] = json.dumps(dict(sorted(cases.items())), ensure_ascii=False)
        out[str(doc)] = entry
    return out
