"""Which turn, speaker, case and respondent unit a text offset falls in."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import insert, select, update

from qualcode.store import schema as t

if TYPE_CHECKING:
    from sqlalchemy import Connection

# offset -> (speaker, case id, unit id)
Locator = Callable[[int], tuple[str | None, str | None, int | None]]


def locator(turns: list[tuple[int, int, str | None, str | None]],
            units: dict[str, int] | None = None) -> Locator:
    """From (start, end, speaker, case) turns and case -> unit ids, a function
    offset -> (speaker, case, unit).

    An offset inside a turn's speech belongs to it; one in a label (between two turns'
    speech) belongs to the turn that follows; others to no one."""
    turns = sorted(turns)
    starts = [x[0] for x in turns]
    units = units or {}

    def place(k: int) -> tuple[str | None, str | None, int | None]:
        speaker, case = turns[k][2], turns[k][3]
        return speaker, case, units.get(case) if case is not None else None

    def at(pos: int) -> tuple[str | None, str | None, int | None]:
        k = bisect_right(starts, pos) - 1
        if k >= 0 and pos < turns[k][1]:
            return place(k)
        if k + 1 < len(turns):
            return place(k + 1)
        return place(k) if k >= 0 and pos == turns[k][1] else (None, None, None)

    return at


def unit_ids(conn: Connection, document: str) -> dict[str, int]:
    """case id -> unit id for the respondents of a document."""
    rows = conn.execute(select(t.units.c.case_id, t.units.c.id)
                        .where(t.units.c.document_id == document)).all()
    return {case: uid for case, uid in rows}


def ensure_units(conn: Connection, document: str, cases: set[str]) -> dict[str, int]:
    """Create the missing (document, case) units; returns case -> unit id."""
    have = unit_ids(conn, document)
    new = sorted(cases - set(have))
    if new:
        conn.execute(insert(t.units), [dict(document_id=document, case_id=c) for c in new])
        have = unit_ids(conn, document)
    return have


def document_locator(conn: Connection, document: str) -> Locator:
    rows = conn.execute(select(t.turns.c.start, t.turns.c.end, t.turns.c.speaker,
                               t.turns.c.case_id).where(t.turns.c.document_id == document)).all()
    return locator([tuple(r) for r in rows], unit_ids(conn, document))


def assign_speakers(conn: Connection, documents: list[str] | None) -> None:
    """Recompute speaker, case and unit of the codings of these documents (None: all)."""
    c = t.codings.c
    q = select(c.id, c.document_id, c.start, c.speaker, c.case_id, c.unit_id)
    if documents is not None:
        q = q.where(c.document_id.in_(documents))
    rows = conn.execute(q.order_by(c.document_id)).all()
    current, at = None, None
    for r in rows:
        if r.document_id != current:
            current, at = r.document_id, document_locator(conn, r.document_id)
        speaker, case, unit = at(r.start)
        if (speaker, case, unit) != (r.speaker, r.case_id, r.unit_id):
            conn.execute(update(t.codings).where(c.id == r.id).values(
                speaker=speaker, case_id=case, unit_id=unit))
