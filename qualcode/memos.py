"""Memos: where the interpretation lives. A memo is on a code, a document, a case, a
coding or the whole project (the research journal); it keeps its author and time, every
earlier text when it is edited, and links to other memos and to codings.

Writes record the coder and the time, commit at once and are logged in the audit trail
(by the store functions). A memo is never deleted: when the coding it is on (or links to)
is removed, the memo and the link stay with a note of what the coding was.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from qualcode.errors import CodingError, UsageError
from qualcode.store import memos as store_memos

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from qualcode.workspace import Workspace

TARGETS = store_memos.STORED_TARGETS  # code, document, case, coding, project
HISTORY_COLUMNS = ["id", "version", "current", "on", "target", "coder", "at", "memo"]


def parse_link(value: str | int) -> tuple[str, str]:
    """'12' or 'memo:12' -> ('memo', '12'); 'coding:34' -> ('coding', '34')."""
    raw = str(value).strip()
    kind, _, key = raw.rpartition(":")
    kind = kind or "memo"
    if kind not in store_memos.LINK_TARGETS or not key.isdigit():
        raise UsageError(f"bad link {raw!r} - use MEMO_ID, memo:ID or coding:ID")
    return kind, key


def project_target(ws: Workspace) -> str:
    """The target id of journal memos: the project's name."""
    return ws.settings.name


def check_target(ws: Workspace, conn: Connection, kind: str, target: str) -> None:
    """A CodingError unless the target exists (a code of the codebook, a stored document,
    case or coding)."""
    if kind == "project":
        return
    if kind == "code":
        if target not in ws.codebook.by_id():
            raise CodingError(f"unknown code {target!r} - see qualcode codebook show")
        return
    key: Any = target
    if kind == "coding":
        try:
            key = int(target)
        except ValueError:
            raise CodingError(f"coding ids are numbers, not {target!r}") from None
    if not store_memos.target_exists(conn, kind, key):
        raise CodingError(f"no {kind} {target!r}")


def _check_link(conn: Connection, memo_id: int | None, kind: str, key: str) -> None:
    if kind == "memo":
        if memo_id is not None and int(key) == memo_id:
            raise CodingError(f"memo #{memo_id} cannot link to itself")
        if store_memos.memo(conn, int(key)) is None:
            raise CodingError(f"no memo #{key} to link to - see qualcode memo list")
    elif not store_memos.target_exists(conn, "coding", int(key)):
        raise CodingError(f"no coding #{key} to link to - see qualcode excerpts")


def add_memo(ws: Workspace, target_type: str, target_id: str | None, text: str,
             links: list[str] | None = None) -> int:
    """Write a memo on a code, document, case, coding or the project (the journal; its
    target is the project), with optional links (MEMO_ID, memo:ID, coding:ID)."""
    coder = ws.require_coder()
    if target_type not in TARGETS:
        raise CodingError(f"memos attach to a code, document, case, coding or the project, "
                          f"not {target_type!r}")
    if not text.strip():
        raise CodingError("empty memo")
    target = project_target(ws) if target_type == "project" else str(target_id or "")
    parsed = [parse_link(v) for v in links or []]
    with ws.engine.begin() as conn:
        check_target(ws, conn, target_type, target)
        for kind, key in parsed:
            _check_link(conn, None, kind, key)
        from qualcode.store.codes import ensure_coder

        ensure_coder(conn, coder)
        mid = store_memos.add_memo(conn, target_type, target, coder, text)
        for kind, key in parsed:
            store_memos.add_link(conn, mid, kind, key, coder, log=False)
    return mid


def edit_memo(ws: Workspace, memo_id: int, text: str) -> int:
    """Give one of your memos a new text; the earlier text is kept (see memo_detail)."""
    coder = ws.require_coder()
    if not text.strip():
        raise CodingError("empty memo - a memo is never deleted; write what replaces it")
    with ws.engine.begin() as conn:
        store_memos.edit_memo(conn, int(memo_id), coder, text)
    return int(memo_id)


def link_memo(ws: Workspace, memo_id: int, targets: list[str]) -> int:
    """Link a memo to other memos and codings; returns how many links are new."""
    coder = ws.require_coder()
    if not targets:
        raise UsageError("say what to link to: --to MEMO_ID or --to coding:ID")
    parsed = [parse_link(v) for v in targets]
    with ws.engine.begin() as conn:
        if store_memos.memo(conn, int(memo_id)) is None:
            raise CodingError(f"no memo #{memo_id} - see qualcode memo list")
        for kind, key in parsed:
            _check_link(conn, int(memo_id), kind, key)
        from qualcode.store.codes import ensure_coder

        ensure_coder(conn, coder)
        return sum(store_memos.add_link(conn, int(memo_id), kind, key, coder)
                   for kind, key in parsed)


def memo_detail(ws: Workspace, memo_id: int) -> dict[str, Any]:
    """One memo with its history (earlier texts, oldest first) and its links (with the
    passage of a linked coding, or the note of a removed one) and the memos linking
    to it."""
    with ws.engine.connect() as conn:
        row = store_memos.memo(conn, int(memo_id))
        if row is None:
            raise CodingError(f"no memo #{memo_id} - see qualcode memo list")
        versions = store_memos.memo_versions(conn, [int(memo_id)])
        links = store_memos.memo_links(conn, [int(memo_id)])
        back = store_memos.linked_from(conn, int(memo_id))
        briefs = store_memos.coding_briefs(conn, [int(lk["target_id"]) for lk in links
                                                  if lk["target_type"] == "coding"])
        out_links = []
        for link in links:
            item = {"to": link["target_type"], "target": link["target_id"],
                    "coder": link["coder"], "at": link["created_at"], "about": link["about"],
                    "text": None}
            if link["target_type"] == "coding":
                c = briefs.get(link["target_id"])
                if c is not None:
                    item["text"] = f"{c.document_id} [{c.code_id}] {c.text}"
            else:
                m = store_memos.memo(conn, int(link["target_id"]))
                item["text"] = m.text if m is not None else None
            out_links.append(item)
    from qualcode.datasets import memo_records

    rec = memo_records([dict(row._mapping)], links)[0]
    history = [{"version": i + 1, "coder": v["coder"], "at": v["written_at"],
                "memo": v["text"], "replaced_by": v["replaced_by"],
                "replaced_at": v["replaced_at"]} for i, v in enumerate(versions)]
    return {**rec, "history": history, "link_details": out_links,
            "linked_from": back}


def _day(value: str | date | datetime | None, name: str, end: bool = False
         ) -> datetime | None:
    """A --since/--until value as an aware UTC time (a date alone: the whole day)."""
    if value is None or value == "":
        return None
    from datetime import UTC

    if isinstance(value, datetime):
        when = value
    elif isinstance(value, date):
        when = datetime.combine(value, time())
        if end:
            when += timedelta(days=1)
    else:
        try:
            when = datetime.fromisoformat(str(value))
        except ValueError:
            raise UsageError(f"bad {name} date {value!r} - use YYYY-MM-DD") from None
        if end and len(str(value)) <= 10:
            when += timedelta(days=1)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _aware(value: Any) -> datetime:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)


def list_memos(ws: Workspace, target_type: str | None = None, target_id: str | None = None,
               author: list[str] | None = None, code: list[str] | None = None,
               document: list[str] | None = None, case: list[str] | None = None,
               since: str | date | None = None, until: str | date | None = None,
               history: bool = False) -> list[dict[str, Any]]:
    """Memos, oldest first (records with datasets.MEMO_COLUMNS), filtered by:
    target_type/target_id (exactly what a memo is on); author; code (memos on the code,
    its sub-codes, or a coding of them); document (on the document or a coding in it);
    case (on the case, a document of it, or a coding of its speech); since/until (the
    day a memo was written, or last edited). With history, HISTORY_COLUMNS: every text
    a memo has had, one row each, oldest first. A filter naming nothing the project has
    is an error, not an empty list."""
    from qualcode.datasets import memo_records

    if target_type and target_type not in TARGETS:
        raise UsageError(f"unknown memo target {target_type!r} - use {', '.join(TARGETS)}")
    start, stop = _day(since, "--since"), _day(until, "--until", end=True)
    with ws.engine.connect() as conn:
        rows = store_memos.memos(conn, target_type, target_id)
        if target_type and target_id and not rows:
            check_target(ws, conn, target_type, target_id)
        for c in code or []:
            check_target(ws, conn, "code", c)
        for d in document or []:
            check_target(ws, conn, "document", d)
        for c in case or []:
            check_target(ws, conn, "case", c)
        links = store_memos.memo_links(conn, [r["id"] for r in rows])
        coding_ids = sorted({int(r["target_id"]) for r in rows if r["target_type"] ==
                             "coding" and str(r["target_id"]).isdigit()})
        codings = store_memos.coding_briefs(conn, coding_ids)
        doc_case = store_memos.document_cases(conn)
        versions = store_memos.memo_versions(conn, [r["id"] for r in rows]) if history \
            else []
    if author:
        rows = [r for r in rows if r["coder"] in author or r.get("edited_by") in author]
    if code:
        want = set(ws.codebook.expand(code))
        rows = [r for r in rows if (r["target_type"] == "code" and r["target_id"] in want)
                or (r["target_type"] == "coding" and r["target_id"] in codings
                    and codings[r["target_id"]].code_id in want)]
    if document:
        docs = set(document)
        rows = [r for r in rows if (r["target_type"] == "document" and r["target_id"] in docs)
                or (r["target_type"] == "coding" and r["target_id"] in codings
                    and codings[r["target_id"]].document_id in docs)]
    if case:
        cases = set(case)
        rows = [r for r in rows if (r["target_type"] == "case" and r["target_id"] in cases)
                or (r["target_type"] == "document" and doc_case.get(r["target_id"]) in cases)
                or (r["target_type"] == "coding" and r["target_id"] in codings
                    and codings[r["target_id"]].case_id in cases)]
    if start or stop:
        def inside(r: dict[str, Any]) -> bool:
            whens = [_aware(r["created_at"])] + ([_aware(r["edited_at"])]
                                                 if r.get("edited_at") else [])
            return any((start is None or w >= start) and (stop is None or w < stop)
                       for w in whens)
        rows = [r for r in rows if inside(r)]
    if not history:
        return memo_records(rows, links)
    keep = {r["id"] for r in rows}
    out: list[dict[str, Any]] = []
    earlier: dict[int, list[dict[str, Any]]] = {}
    for v in versions:
        if v["memo_id"] in keep:
            earlier.setdefault(v["memo_id"], []).append(v)
    for r in rows:
        base = {"id": r["id"], "on": r["target_type"], "target": r["target_id"]}
        old = earlier.get(r["id"], [])
        for i, v in enumerate(old):
            out.append({**base, "version": i + 1, "current": False, "coder": v["coder"],
                        "at": v["written_at"], "memo": v["text"]})
        out.append({**base, "version": len(old) + 1, "current": True,
                    "coder": r.get("edited_by") or r["coder"],
                    "at": r.get("edited_at") or r["created_at"], "memo": r["text"]})
    return out
