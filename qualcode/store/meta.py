"""Key/value facts about the store (`meta` table): schema version, digests of coder files."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select, update

from qualcode.store import schema as t


def get_value(conn: Connection, key: str) -> str | None:
    return conn.execute(select(t.meta.c.value).where(t.meta.c.key == key)).scalar()


def set_value(conn: Connection, key: str, value: str) -> None:
    if get_value(conn, key) is None:
        conn.execute(insert(t.meta).values(key=key, value=value))
    else:
        conn.execute(update(t.meta).where(t.meta.c.key == key).values(value=value))
