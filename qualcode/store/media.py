"""The recordings the transcripts name: where each is and what it was when imported."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from qualcode.store import schema as t


def media_rows(conn: Connection, documents: list[str] | None = None) -> dict[str, Any]:
    """document -> its media row (path, kind, size, mtime, sha256, duration)."""
    q = select(t.media)
    if documents is not None:
        q = q.where(t.media.c.document_id.in_(documents))
    return {r.document_id: r for r in conn.execute(q)}


def save_media(conn: Connection, document: str, row: dict[str, Any] | None) -> bool:
    """Record (or, with None, forget) a document's recording; True when it changed."""
    m = t.media.c
    old = conn.execute(select(t.media).where(m.document_id == document)).first()
    if row is None:
        if old is None:
            return False
        conn.execute(delete(t.media).where(m.document_id == document))
        return True
    same = old is not None and all(getattr(old, k) == v for k, v in row.items()
                                   if k != "checked_at")
    if same:
        return False
    if old is None:
        conn.execute(insert(t.media).values(document_id=document, **row))
    else:
        conn.execute(update(t.media).where(m.document_id == document).values(**row))
    return True


def set_last_turn_end(conn: Connection, document: str, duration: float) -> None:
    """The last timed turn without an end ends with the recording."""
    tc = t.turns.c
    last = conn.execute(select(tc.idx, tc.start_time, tc.end_time)
                        .where(tc.document_id == document)
                        .order_by(tc.idx.desc()).limit(1)).first()
    if last is not None and last.start_time is not None and last.end_time is None \
            and duration >= last.start_time:
        conn.execute(update(t.turns).where(tc.document_id == document, tc.idx == last.idx)
                     .values(end_time=duration))
