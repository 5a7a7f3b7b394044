"""The JSON API: reads for the pages and one endpoint per coding action.

Every write runs a `qualcode.coding` function (one committed transaction with its
audit event) before the response leaves, under a per-process lock so requests never
race for SQLite's write lock. Positions from the browser are UTF-16 and converted in
`offsets.py`; selections snap to whole words.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qualcode.server import reads
from qualcode.server.auth import Session, Sessions
from qualcode.server.errors import ServeError
from qualcode.server.offsets import snap_to_words

if TYPE_CHECKING:
    from qualcode.project import Project

UNDO_DEPTH = 50
DECISIONS = ("accept", "reject", "recode", "widen", "narrow")


@dataclass
class ServerState:
    """The state one server process shares between requests."""

    project: Project
    sessions: Sessions
    texts: reads.Texts = field(default_factory=reads.Texts)
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    # per coder: the actions this process can undo, newest last
    history: dict[str, deque] = field(default_factory=dict)

    def as_coder(self, session: Session) -> Project:
        """The project acting as the session's coder (sharing engine and codebook)."""
        if not session.coder:
            raise ServeError("choose your coder name first" if not self.sessions.required
                             else "sign in first", 401)
        from qualcode.project import Project

        return Project(dataclasses.replace(self.project.workspace, coder=session.coder))

    def remember(self, coder: str, entry: dict[str, Any]) -> None:
        self.history.setdefault(coder, deque(maxlen=UNDO_DEPTH)).append(entry)


def _int(body: dict[str, Any], key: str) -> int:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ServeError(f"{key} must be a whole number")
    return value


def _str(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise ServeError(f"{key} is required")
    return value


def add_coding(ws: ServerState, session: Session, doc: str, body: dict[str, Any]
               ) -> dict[str, Any]:
    """Code the selected passage (UTF-16 `s16`..`e16`, snapped to words) with `code`."""
    from qualcode.coding import Selection
    from qualcode.coding import add_coding as add

    project = ws.as_coder(session)
    code = _str(body, "code")
    off = ws.texts.get(project, doc)
    try:
        a, b = off.to_codepoint(_int(body, "s16")), off.to_codepoint(_int(body, "e16"))
    except ValueError as exc:
        raise ServeError(f"{doc}: {exc} - reload the document") from None
    start, end = snap_to_words(off.text, min(a, b), max(a, b))
    if start == end:
        raise ServeError("select some words first")
    with ws.write_lock:
        cid = add(project.workspace, doc, code, Selection(span=(start, end)))
    ws.remember(project.coder, {"kind": "code", "id": cid, "document": doc})
    return reads.coding_json(off, {"id": cid, "code": code, "coder": project.coder,
                                   "origin": "manual", "status": "accepted",
                                   "start": start, "end": end})


def _coding(project: Project, doc: str, cid: int) -> dict[str, Any]:
    rows = project.codings(documents=[doc])
    rows = rows[rows.id == cid]
    if rows.empty:
        raise ServeError(f"no coding #{cid} in {doc}", 404)
    return rows.iloc[0].to_dict()


def remove_coding(ws: ServerState, session: Session, doc: str, cid: int) -> dict[str, Any]:
    """Remove one of the coder's own manual codings."""
    from qualcode.coding import remove_coding as remove

    project = ws.as_coder(session)
    row = _coding(project, doc, cid)
    with ws.write_lock:
        remove(project.workspace, cid)
    ws.remember(project.coder, {"kind": "uncode", "id": cid, "document": doc,
                                "code": row["code"],
                                "span": (int(row["start"]), int(row["end"]))})
    return {"removed": cid}


def decide(ws: ServerState, session: Session, doc: str, cid: int, body: dict[str, Any]
           ) -> dict[str, Any]:
    """Accept, reject, recode, widen or narrow a suggestion, as `qualcode review` does."""
    from qualcode import coding, review

    project = ws.as_coder(session)
    action = _str(body, "action")
    if action not in DECISIONS:
        raise ServeError(f"unknown action {action!r} - use {', '.join(DECISIONS)}")
    row = _coding(project, doc, cid)
    if row["origin"] != "auto":
        raise ServeError(f"coding #{cid} is not a suggestion - decisions apply to "
                         "suggestions; remove your own codings instead")
    with ws.write_lock:
        if action in ("widen", "narrow"):
            # the review loop's own span logic
            item = review.load_item(project.workspace, cid)
            span = (review.widen if action == "widen" else review.narrow)(project.workspace, item)
            if span is None:
                raise ServeError(f"the span cannot be {action}ed further", 409)
            before = coding.decide(project.workspace, cid, "respan", span=span)
        elif action == "recode":
            before = coding.decide(project.workspace, cid, "recode", code=_str(body, "code"))
        else:
            before = coding.decide(project.workspace, cid, action)
    ws.remember(project.coder, {"kind": "decide", "id": cid, "before": before,
                                "document": doc})
    if action in ("widen", "narrow"):
        row.update(start=span[0], end=span[1])
    else:
        row["status"] = "rejected" if action == "reject" else "accepted"
        row["code"] = body["code"] if action == "recode" else row["code"]
    return reads.coding_json(ws.texts.get(project, doc), row)


MEMO_ON = ("document", "coding", "code", "case", "project")


def _links(body: dict[str, Any], key: str) -> list[str]:
    value = body.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise ServeError(f"{key} must be a list of memo or coding ids")
    return [str(v) for v in value]


def add_memo(ws: ServerState, session: Session, body: dict[str, Any]) -> dict[str, Any]:
    """A memo on a document, coding, code, case or the project (the journal), with
    optional links ("12", "coding:34")."""
    project = ws.as_coder(session)
    on = _str(body, "on")
    if on not in MEMO_ON:
        raise ServeError(f"memos attach to {', '.join(MEMO_ON)}")
    target = str(body.get("target") or "")
    text = body.get("text")
    if not isinstance(text, str):
        raise ServeError("text is required")
    links = _links(body, "links")
    with ws.write_lock:
        mid = project.memo(on, target or None, text, links=links)
    target = project.settings.name if on == "project" else target
    return {"id": mid, "on": on, "target": target, "coder": project.coder, "memo": text}


def edit_memo(ws: ServerState, session: Session, mid: int, body: dict[str, Any]
              ) -> dict[str, Any]:
    """A new text for one of the coder's memos (the earlier text is kept)."""
    project = ws.as_coder(session)
    text = body.get("text")
    if not isinstance(text, str):
        raise ServeError("text is required")
    with ws.write_lock:
        project.memo_edit(mid, text)
    return reads.memo_json(project.memo_show(mid))


def link_memo(ws: ServerState, session: Session, mid: int, body: dict[str, Any]
              ) -> dict[str, Any]:
    """Link a memo to memos and codings."""
    project = ws.as_coder(session)
    with ws.write_lock:
        added = project.memo_link(mid, _links(body, "to"))
    return {"added": added, **reads.memo_json(project.memo_show(mid))}


def undo(ws: ServerState, session: Session) -> dict[str, Any]:
    """Undo the coder's most recent action in this server process."""
    from qualcode import coding

    project = ws.as_coder(session)
    stack = ws.history.get(project.coder)
    if not stack:
        raise ServeError("nothing to undo", 409)
    entry = stack.pop()  # a failed undo is not retried: the store has moved on
    with ws.write_lock:
        if entry["kind"] == "code":
            coding.remove_coding(project.workspace, entry["id"])
            what = f"removed coding #{entry['id']}"
        elif entry["kind"] == "decide":
            coding.undo(project.workspace, entry["id"], entry["before"])
            what = f"restored #{entry['id']} to {entry['before']['status']}"
        else:
            cid = coding.add_coding(project.workspace, entry["document"], entry["code"],
                                    coding.Selection(span=entry["span"]))
            what = f"coded the passage again (#{cid})"
            # ids are never reused: older entries now refer to the new coding
            for older in stack:
                if older.get("id") == entry["id"]:
                    older["id"] = cid
    return {"undone": what, "document": entry["document"]}
