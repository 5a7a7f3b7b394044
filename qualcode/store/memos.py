"""Memos and the audit trail (events). Every change to the store writes its event in the
same transaction as the change, through `log_event`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from qualcode.errors import CodingError
from qualcode.store import schema as t

MEMO_TARGETS = ("code", "document", "case", "coding")
# memos on the whole project: the research journal (and REFI-QDA project notes)
STORED_TARGETS = (*MEMO_TARGETS, "project")
LINK_TARGETS = ("memo", "coding")


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
             log: bool = True, created_at: datetime | None = None) -> int:
    """Store a memo (and its event); returns its id."""
    mid = conn.execute(insert(t.memos).values(
        target_type=target_type, target_id=str(target_id), coder=coder, text=text,
        created_at=created_at or now())).inserted_primary_key[0]
    if log:
        log_event(conn, coder, "memo", f"{target_type}:{target_id}", {"memo": int(mid)})
    return int(mid)


def memo(conn: Connection, memo_id: int) -> Any:
    """One memo row, or None."""
    return conn.execute(select(t.memos).where(t.memos.c.id == memo_id)).first()


def edit_memo(conn: Connection, memo_id: int, coder: str, text: str) -> None:
    """Replace the text of one of `coder`'s own memos; the earlier text is kept in
    memo_versions with who wrote it and when."""
    row = memo(conn, memo_id)
    if row is None:
        raise CodingError(f"no memo #{memo_id} - see qualcode memo list")
    if row.coder != coder:
        raise CodingError(f"memo #{memo_id} is by {row.coder} - you can edit only your own "
                          "memos (write a memo that links to it: --link " f"{memo_id})")
    if row.text == text:
        raise CodingError(f"memo #{memo_id} already says that - nothing to change")
    stamp = now()
    conn.execute(insert(t.memo_versions).values(
        memo_id=memo_id, text=row.text, coder=row.edited_by or row.coder,
        written_at=row.edited_at or row.created_at, replaced_by=coder, replaced_at=stamp))
    conn.execute(update(t.memos).where(t.memos.c.id == memo_id).values(
        text=text, edited_at=stamp, edited_by=coder))
    log_event(conn, coder, "memo-edit", f"memo:{memo_id}", {"memo": memo_id})


def add_link(conn: Connection, memo_id: int, target_type: str, target_id: str, coder: str,
             log: bool = True, about: str | None = None) -> bool:
    """Link a memo to another memo or to a coding; False when the link was there."""
    lk = t.memo_links.c
    if conn.execute(select(lk.id).where(lk.memo_id == memo_id, lk.target_type == target_type,
                                        lk.target_id == str(target_id))).first():
        return False
    conn.execute(insert(t.memo_links).values(memo_id=memo_id, target_type=target_type,
                                             target_id=str(target_id), coder=coder,
                                             created_at=now(), about=about))
    if log:
        log_event(conn, coder, "memo-link", f"memo:{memo_id}",
                  {"to": f"{target_type}:{target_id}"})
    return True


def memos(conn: Connection, target_type: str | None = None, target_id: str | None = None
          ) -> list[dict[str, Any]]:
    """Memos, oldest first, optionally for one target."""
    q = select(t.memos).order_by(t.memos.c.id)
    if target_type:
        q = q.where(t.memos.c.target_type == target_type)
    if target_id:
        q = q.where(t.memos.c.target_id == str(target_id))
    return [dict(r._mapping) for r in conn.execute(q)]


def memo_versions(conn: Connection, memo_ids: list[int] | None = None
                  ) -> list[dict[str, Any]]:
    """The earlier texts of memos, oldest first."""
    v = t.memo_versions.c
    q = select(t.memo_versions).order_by(v.memo_id, v.id)
    if memo_ids is not None:
        q = q.where(v.memo_id.in_(memo_ids))
    return [dict(r._mapping) for r in conn.execute(q)]


def memo_links(conn: Connection, memo_ids: list[int] | None = None
               ) -> list[dict[str, Any]]:
    """Memo links, in the order they were made."""
    lk = t.memo_links.c
    q = select(t.memo_links).order_by(lk.id)
    if memo_ids is not None:
        q = q.where(lk.memo_id.in_(memo_ids))
    return [dict(r._mapping) for r in conn.execute(q)]


def linked_from(conn: Connection, memo_id: int) -> list[int]:
    """The memos that link to this memo, in the order the links were made."""
    lk = t.memo_links.c
    return [int(i) for i in conn.execute(select(lk.memo_id).where(
        lk.target_type == "memo", lk.target_id == str(memo_id)).order_by(lk.id)).scalars()]


def coding_briefs(conn: Connection, ids: list[int]) -> dict[str, Any]:
    """What memos need of these codings, by id (as a string): code_id, document_id,
    case_id, start, end, text, anchor."""
    if not ids:
        return {}
    c = t.codings.c
    rows = conn.execute(select(c.id, c.code_id, c.document_id, c.case_id, c.start, c.end,
                               c.text, c.anchor).where(c.id.in_(sorted(set(ids))))).all()
    return {str(r.id): r for r in rows}


def document_cases(conn: Connection) -> dict[str, str]:
    """Each document's case."""
    return dict(conn.execute(select(t.documents.c.id, t.documents.c.case_id)).all())


def note_removed_codings(conn: Connection, rows: list[Any], why: str) -> None:
    """Before codings are deleted: memos on them and links to them are kept, each with a
    note of what the coding was (id, code, document, span) and why it went."""
    if not rows:
        return
    stamp = now().isoformat(timespec="seconds")
    m, lk = t.memos.c, t.memo_links.c
    for row in rows:
        note = (f"coding #{row.id} ({row.code_id}, {row.document_id} {row.start}:{row.end}) "
                f"{why} at {stamp}")
        conn.execute(update(t.memos).where(
            m.target_type == "coding", m.target_id == str(row.id), m.about.is_(None)
        ).values(about=note))
        conn.execute(update(t.memo_links).where(
            lk.target_type == "coding", lk.target_id == str(row.id), lk.about.is_(None)
        ).values(about=note))


def codings_with_memos(conn: Connection, ids: list[int]) -> set[int]:
    """Which of these coding ids a memo is on or links to."""
    keys = {str(i) for i in ids}
    m, lk = t.memos.c, t.memo_links.c
    on = conn.execute(select(m.target_id).where(m.target_type == "coding")).scalars()
    to = conn.execute(select(lk.target_id).where(lk.target_type == "coding")).scalars()
    return {int(k) for k in {*on, *to} if k in keys}


def target_exists(conn: Connection, kind: str, key: str | int) -> bool:
    """Whether a document, case or coding with this id is in the store."""
    col = {"document": t.documents.c.id, "case": t.cases.c.id,
           "coding": t.codings.c.id}[kind]
    return conn.execute(select(col).where(col == key)).first() is not None
