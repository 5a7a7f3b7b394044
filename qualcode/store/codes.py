"""The codebook's mirror (`codes`) and the coders who have worked in the store."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from qualcode.store import schema as t
from qualcode.store.memos import now


def sync_codes(conn: Connection, book: Any) -> None:
    """Mirror the codebook into the `codes` table; codes no longer in it become inactive."""
    rows = []
    for pos, (code, parent, depth) in enumerate(book.walk()):
        rows.append(dict(id=code.id, name=code.name, parent_id=parent.id if parent else None,
                         color=code.color, description=code.description, position=pos,
                         depth=depth, codebook_version=str(book.version), active=True))
    current = {r.id: r for r in conn.execute(select(t.codes))}
    for row in rows:
        old = current.pop(row["id"], None)
        if old is None:
            conn.execute(insert(t.codes).values(**row))
        elif any(getattr(old, k) != v for k, v in row.items()):
            conn.execute(update(t.codes).where(t.codes.c.id == row["id"]).values(**row))
    for gone in current.values():
        if gone.active:
            conn.execute(update(t.codes).where(t.codes.c.id == gone.id).values(active=False))


def active_codes(conn: Connection) -> int:
    """How many codes of the current codebook the store knows."""
    return conn.execute(select(func.count()).select_from(t.codes)
                        .where(t.codes.c.active.is_(True))).scalar_one()


def code_ids(conn: Connection) -> list[str]:
    """Every code the store has known (those of earlier codebooks too)."""
    return sorted(conn.execute(select(t.codes.c.id)).scalars())


def ensure_coder(conn: Connection, coder: str) -> None:
    """Record a coder the first time they write anything."""
    if conn.execute(select(t.coders.c.name).where(t.coders.c.name == coder)).first() is None:
        conn.execute(insert(t.coders).values(name=coder, created_at=now()))


def coders(conn: Connection) -> list[str]:
    """Every coder the store knows (who has coded, decided or written a memo), sorted."""
    c = t.codings.c
    own = set(conn.execute(select(c.coder).distinct()).scalars())
    own |= set(conn.execute(select(t.coders.c.name)).scalars())
    decided = set(conn.execute(select(c.decided_by).where(c.decided_by.is_not(None))
                               .distinct()).scalars())
    return sorted(own | decided)
