"""Which turn, speaker and case a text offset falls in."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from qualcode.store import schema as t

if TYPE_CHECKING:
    from sqlalchemy import Connection

Locator = Callable[[int], tuple[str | None, str | None]]


def locator(turns: list[tuple[int, int, str | None, str | None]]) -> Locator:
    """From (start, end, speaker, case) turns, a function offset -> (speaker, case).

    An offset inside a turn's speech belongs to it; one in a label (between two turns'
    speech) belongs to the turn that follows; others to no one."""
    turns = sorted(turns)
    starts = [x[0] for x in turns]

    def at(pos: int) -> tuple[str | None, str | None]:
        k = bisect_right(starts, pos) - 1
        if k >= 0 and pos < turns[k][1]:
            return turns[k][2], turns[k][3]
        if k + 1 < len(turns):
            return turns[k + 1][2], turns[k + 1][3]
        return (turns[k][2], turns[k][3]) if k >= 0 and pos == turns[k][1] else (None, None)

    return at


def document_locator(conn: Connection, document: str) -> Locator:
    rows = conn.execute(select(t.turns.c.start, t.turns.c.end, t.turns.c.speaker,
                               t.turns.c.case_id).where(t.turns.c.document_id == document)).all()
    return locator([tuple(r) for r in rows])


def assign_speakers(conn: Connection, documents: list[str] | None) -> None:
    """Recompute `speaker` and `case_id` of the codings of these documents (None: all)."""
    c = t.codings.c
    q = select(c.id, c.document_id, c.start, c.speaker, c.case_id)
    if documents is not None:
        q = q.where(c.document_id.in_(documents))
    rows = conn.execute(q.order_by(c.document_id)).all()
    current, at = None, None
    for r in rows:
        if r.document_id != current:
            current, at = r.document_id, document_locator(conn, r.document_id)
        speaker, case = at(r.start)
        if (speaker, case) != (r.speaker, r.case_id):
            conn.execute(update(t.codings).where(c.id == r.id).values(speaker=speaker,
                                                                      case_id=case))
