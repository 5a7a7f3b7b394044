"""What the pages read: document list, one document with its codings, the codebook,
the change marker. Built from the library's frames (no SQL here); offsets sent to the
browser are UTF-16 (see offsets.py) next to the store's code points."""

from __future__ import annotations

import math
import threading
from typing import TYPE_CHECKING, Any

from qualcode.server.errors import ServeError
from qualcode.server.offsets import Offsets

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.project import Project

FIXED = ("document", "case", "cases", "language", "path", "words", "respondent_words", "text")
PALETTE = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d",
           "#1f78b4", "#b2df8a", "#fb9a99", "#cab2d6", "#8dd3c7")


def version(project: Project) -> str:
    """A marker of the newest event in the audit trail: it changes with every write, by
    any process on the store."""
    log = project.log(limit=1)
    if log.empty:
        return "0"
    r = log.iloc[0]
    return f"{r['at'].isoformat()}|{r['coder']}|{r['action']}|{r['target']}"


class Texts:
    """Document texts and their offset converters, refreshed whenever a document is
    opened (writes then convert browser positions without reading the text again)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[str, Offsets] = {}

    def put(self, doc: str, text: str) -> Offsets:
        with self._lock:
            cached = self._cache.get(doc)
            if cached is None or cached.text != text:
                cached = self._cache[doc] = Offsets(text)
            return cached

    def get(self, project: Project, doc: str) -> Offsets:
        with self._lock:
            cached = self._cache.get(doc)
        if cached is not None:
            return cached
        return self.put(doc, _document_row(project, doc)["text"])


def _document_row(project: Project, doc: str) -> dict[str, Any]:
    rows = project.documents(documents=[doc])
    if rows.empty:
        raise ServeError(f"unknown document {doc!r} - see qualcode status, or import it", 404)
    return rows.iloc[0].to_dict()


def _clean(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def codebook(project: Project) -> dict[str, Any]:
    """Every code depth-first with colour, definition, include/exclude, examples, rules."""
    from qualcode.autocode.rules import rule_id

    book = project.codebook
    codes = []
    for i, (c, parent, depth) in enumerate(book.walk()):
        codes.append({
            "id": c.id, "name": c.name, "color": c.color or PALETTE[i % len(PALETTE)],
            "parent": parent.id if parent else None, "depth": depth,
            "description": c.description, "include": c.include, "exclude": c.exclude,
            "examples": list(c.examples),
            "rules": {rule_id(c.id, lang, k, r.id): r.describe()
                      for lang, rules in c.rules.items() for k, r in enumerate(rules)},
        })
    return {"name": book.codebook, "version": str(book.version), "codes": codes}


def document_list(project: Project) -> dict[str, Any]:
    """Documents with attributes, and per document the suggestions still pending and
    each coder's number of codings."""
    docs = project.documents().drop(columns=["text", "path"], errors="ignore")
    codings = project.codings(include_orphaned=False)
    progress: dict[str, dict[str, Any]] = {}
    for (doc, coder, origin, status), n in codings.groupby(
            ["document", "coder", "origin", "status"]).size().items():
        p = progress.setdefault(doc, {"suggested": 0, "decided": 0, "coders": {}})
        if origin == "auto":
            p["suggested" if status == "suggested" else "decided"] += int(n)
        elif status == "accepted":
            p["coders"][coder] = p["coders"].get(coder, 0) + int(n)
    attributes = [c for c in docs.columns if c not in FIXED]
    rows = []
    for rec in docs.to_dict("records"):
        row = {k: _clean(v) for k, v in rec.items()}
        row["progress"] = progress.get(rec["document"], {"suggested": 0, "decided": 0,
                                                         "coders": {}})
        rows.append(row)
    coders = sorted({c for c in codings.coder.unique() if c != "auto"}
                    | set(project.settings.coders))
    return {"project": project.settings.name, "attributes": attributes, "coders": coders,
            "documents": rows}


def document(project: Project, texts: Texts, doc: str) -> dict[str, Any]:
    """One document: text, turns and codings (with UTF-16 positions), memos."""
    from qualcode import datasets

    row = _document_row(project, doc)
    off = texts.put(doc, row["text"])
    turns = datasets.turns(project.workspace, [doc]).sort_values("turn")
    codings = datasets.with_times(project.workspace,
                                  project.codings(documents=[doc], include_orphaned=False))
    memos = project.memos()
    attrs = {k: _clean(v) for k, v in row.items() if k not in ("text", "path")}
    times = _turn_times(project, doc)
    return {
        "id": doc, "text": row["text"], "attributes": attrs,
        "turns": [{"idx": int(t.turn), "speaker": _clean(t.speaker), "role": t.role,
                   "s16": off.to_utf16(int(t.start)), "e16": off.to_utf16(int(t.end)),
                   **times.get(int(t.turn), {})}
                  for t in turns.itertuples()],
        "codings": [coding_json(off, r) for r in codings.to_dict("records")],
        "memos": _memos(memos, doc, set(codings.id.astype(str))),
        "media": media_json(project, doc),
    }


def _turn_times(project: Project, doc: str) -> dict[int, dict[str, float | None]]:
    """turn -> {t0, t1}: its start and end in the recording (seconds), where known."""
    from qualcode.store.documents import timed_turns

    with project.engine.connect() as conn:
        rows = timed_turns(conn, [doc])
    return {int(r.idx): {"t0": r.start_time, "t1": r.end_time} for r in rows
            if r.start_time is not None}


def media_json(project: Project, doc: str) -> dict[str, Any] | None:
    """The document's recording for the player: where to fetch it, its kind, and a note
    when it cannot be played (missing, changed, outside interviews/)."""
    rec = project.recording(doc)
    if rec is None:
        return None
    from urllib.parse import quote

    playable = rec["file"] is not None
    return {"url": f"/api/documents/{quote(doc, safe='')}/media" if playable else None,
            "kind": rec["kind"], "mime": rec["mime"], "path": rec["path"],
            "duration": rec["duration"], "state": rec["state"], "note": rec["note"]}


def media_file(project: Project, doc: str) -> Any:
    """The recording itself, from interviews/ only (range requests answered by
    starlette's FileResponse: 206 with Content-Range)."""
    from starlette.responses import FileResponse

    rec = project.recording(doc) if doc in set(project.documents().document) else None
    if rec is None:
        raise ServeError(f"document {doc!r} names no recording", 404)
    if rec["file"] is None:
        raise ServeError(rec["note"], 404)
    return FileResponse(rec["file"], media_type=rec["mime"],
                        headers={"cache-control": "no-store"})


def coding_json(off: Offsets, r: dict[str, Any]) -> dict[str, Any]:
    """A coding for the browser: store fields plus UTF-16 positions."""
    start, end = int(r["start"]), int(r["end"])
    out = {"id": int(r["id"]), "code": r["code"], "coder": r["coder"],
           "origin": r["origin"], "status": r["status"], "rule": _clean(r.get("rule")),
           "start": start, "end": end, "s16": off.to_utf16(start), "e16": off.to_utf16(end)}
    if _clean(r.get("start_time")) is not None:
        out.update(t0=_clean(r["start_time"]), t1=_clean(r.get("end_time")),
                   approx=bool(_clean(r.get("approximate"))))
    return out


def _memos(memos: pd.DataFrame, doc: str, coding_ids: set[str]) -> list[dict[str, Any]]:
    keep = ((memos.on == "document") & (memos.target == doc)) | \
        ((memos.on == "coding") & memos.target.isin(coding_ids))
    return [{"id": int(m["id"]), "on": m["on"], "target": str(m["target"]),
             "coder": m["coder"], "at": _clean(m["at"]), "memo": m["memo"]}
            for m in memos[keep].to_dict("records")]


def memo_json(m: dict[str, Any]) -> dict[str, Any]:
    """A memo for the memo panel: text, author, times, links and how many earlier texts."""
    links = [x for x in str(m.get("links") or "").split(", ") if x]
    out = {"id": int(m["id"]), "on": m["on"], "target": str(m["target"]),
           "coder": m["coder"], "at": _clean(m["at"]), "memo": m["memo"],
           "about": _clean(m.get("about")), "edited_at": _clean(m.get("edited_at")),
           "edited_by": _clean(m.get("edited_by")), "links": links}
    if "history" in m:
        out["history"] = [{"coder": h["coder"], "at": _clean(h["at"]), "memo": h["memo"]}
                          for h in m["history"]]
    return out


def memo_panel(project: Project, doc: str | None, code: str | None) -> dict[str, Any]:
    """The memo panel: memos of a document (on it or its codings), about a code (on it,
    its sub-codes or their codings) and the project journal, each oldest first, with
    how many earlier texts each keeps."""
    earlier = project.memos(history=True)
    counts = earlier[~earlier.current.astype(bool)].groupby("id").size().to_dict() \
        if len(earlier) else {}

    def rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
        return [{**memo_json(m), "earlier": int(counts.get(int(m["id"]), 0))}
                for m in frame.to_dict("records")]

    return {"document": rows(project.memos(document=[doc])) if doc else [],
            "code": rows(project.memos(code=[code])) if code else [],
            "journal": rows(project.memos("project"))}


def disagreements(project: Project, texts: Texts, doc: str, a: str, b: str
                  ) -> list[dict[str, Any]]:
    """Sentences of `doc` where coders `a` and `b` differ on a code (from agreement)."""
    off = texts.get(project, doc)
    result = project.agreement_run([a, b], unit="sentence", documents=[doc])
    out = []
    for r in result.disagreements.to_dict("records"):
        start, end = int(r["start"]), int(r["end"])
        out.append({"code": r["code"], "start": start, "end": end,
                    "s16": off.to_utf16(start), "e16": off.to_utf16(end),
                    "coders": [c for c in (a, b) if r[c]]})
    return out


SEARCH_MODES = ("lemma", "exact", "regex")


def search_hits(project: Project, texts: Texts, doc: str, query: str, mode: str
                ) -> dict[str, Any]:
    """The hits of a query in one document, every speaker (`qualcode search --document
    DOC --speaker all`), as UTF-16 positions for the browser."""
    from qualcode.server.errors import ServeError

    if mode not in SEARCH_MODES:
        raise ServeError(f"unknown search mode {mode!r} - use lemma, exact or regex")
    df = project.search(query, exact=mode == "exact", regex=mode == "regex",
                        documents=[doc], speaker="all", context=0)
    off = texts.get(project, doc)
    return {"query": query, "mode": mode, "count": len(df),
            "hits": [{"s16": off.to_utf16(int(s)), "e16": off.to_utf16(int(e)), "turn": int(t)}
                     for s, e, t in df[["start", "end", "turn"]].itertuples(index=False)]}
