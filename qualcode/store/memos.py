"""Memos and the audit trail (events). Every change to the store writes its event in the
same transaction as the change, through `log_event`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from qualcode.store import schema as t

MEMO_TARGETS = ("code", "document", "case", "coding")
# memos on the whole project come only from exchange files (REFI-QDA project notes)
STORED_TARGETS = (*MEMO_TARGETS, "project")


def now() -> datetime:
    """The time stamp every write records (UTC)."""
    return datetime.now(UTC)


def log_event(conn: Connection, coder: str | None, action: str, target: str | None,
              details: dict[str, Any]) -> None:
    """Append to the audit trail (never transcript text)."""
    conn.execute(insert(t.events).values(at=now(), coder=coder, action=action, target=target,
                                         details=details))


def events(conn: Connection, limit: int = 50) -> list[dict[str, Any]]:
    """The newest `limit` events, newest first."""
    rows = conn.execute(select(t.events).order_by(t.events.c.id.desc()).limit(limit)).all()
    return [dict(r._mapping) for r in rows]


def add_memo(conn: Connection, target_type: str, target_id: str, coder: str, text: str,
             log: bool = True) -> int:
    """Store a memo (and its event); returns its id."""
    mid = conn.execute(insert(t.memos).values(
        target_type=target_type, target_id=str(target_id), coder=coder, text=text,
        created_at=now())).inserted_primary_key[0]
    if log:
        log_event(conn, coder, "memo", f"{target_type}:{target_id}", {"memo": int(mid)})
    return int(mid)


def memos(conn: Connection, target_type: str | None = None, target_id: str | None = None
          ) -> list[dict[str, Any]]:
    """Memos, oldest first, optionally for one target."""
    q = select(t.memos).order_by(t.memos.c.id)
    if target_type:
        q = q.where(t.memos.c.target_type == target_type)
    if target_id:
        q = q.where(t.memos.c.target_id == str(target_id))
    return [dict(r._mapping) for r in conn.execute(q)]


def target_exists(conn: Connection, kind: str, key: str | int) -> bool:
    """Whether a document, case or coding with this id is in the store."""
    col = {"document": t.documents.c.id, "case": t.cases.c.id,
           "coding": t.codings.c.id}[kind]
    return conn.execute(select(col).where(col == key)).first() is not None
