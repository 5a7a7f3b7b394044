"""Respondent units: one integer id per respondent (case) speaking in a document, the
turns that place a text offset with a speaker, case and unit, and the aggregates that
analysis counts (grouped in SQL by integer unit, so a million codings stay fast)."""

from __future__ import annotations

from sqlalchemy import Connection, func, insert, select, update

from qualcode.store import schema as t
from qualcode.store.engine import fetch_tuples
from qualcode.turnmap import Locator, locator


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
    """offset -> (speaker, case, unit) for one document, from its stored turns."""
    rows = conn.execute(select(t.turns.c.start, t.turns.c.end, t.turns.c.speaker,
                               t.turns.c.case_id).where(t.turns.c.document_id == document)).all()
    return locator([tuple(r) for r in rows], unit_ids(conn, document))


def batch_locators(conn: Connection, documents: list[str]) -> dict[str, Locator]:
    """document -> locator for many documents, in two queries."""
    turns: dict[str, list[tuple]] = {}
    for r in conn.execute(select(t.turns.c.document_id, t.turns.c.start, t.turns.c.end,
                                 t.turns.c.speaker, t.turns.c.case_id)
                          .where(t.turns.c.document_id.in_(documents))):
        turns.setdefault(r.document_id, []).append((r.start, r.end, r.speaker, r.case_id))
    units: dict[str, dict[str, int]] = {}
    for d, case, uid in conn.execute(select(t.units.c.document_id, t.units.c.case_id,
                                            t.units.c.id)
                                     .where(t.units.c.document_id.in_(documents))):
        units.setdefault(d, {})[case] = uid
    return {d: locator(turns.get(d, []), units.get(d)) for d in documents}


def assign_speakers(conn: Connection, documents: list[str] | None) -> None:
    """Recompute speaker, case and unit of the codings of these documents (None: all)."""
    c = t.codings.c
    # an orphaned coding keeps the speaker and case it had when its text was last seen
    q = select(c.id, c.document_id, c.start, c.speaker, c.case_id, c.unit_id).where(
        c.anchor != "orphaned")
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


def units_stamp(conn: Connection) -> tuple:
    """Changes whenever an import changes documents, speakers or units (a cache key)."""
    docs = conn.execute(select(func.count(), func.max(t.documents.c.imported_at))
                        .select_from(t.documents)).one()
    spk = conn.execute(select(func.count(), func.coalesce(func.sum(t.speakers.c.words), 0))
                       .select_from(t.speakers)).one()
    n_units = conn.execute(select(func.count()).select_from(t.units)).scalar_one()
    return (*tuple(docs), *tuple(spk), n_units)


def respondent_rows(conn: Connection) -> tuple[dict[str, object], list[tuple], list[tuple]]:
    """What respondent units are built from: document -> attributes (raw), respondent
    speakers (document, case, attributes, words) and units (id, document, case)."""
    docs = dict(fetch_tuples(conn, select(t.documents.c.id, t.documents.c.attributes)))
    speakers = fetch_tuples(conn, select(t.speakers.c.document_id, t.speakers.c.case_id,
                                         t.speakers.c.attributes, t.speakers.c.words)
                            .where(t.speakers.c.role == "respondent")
                            .order_by(t.speakers.c.document_id, t.speakers.c.label))
    units = fetch_tuples(conn, select(t.units.c.id, t.units.c.document_id, t.units.c.case_id))
    return docs, speakers, units


def coded_unit_counts(conn: Connection, statuses: list[str], coders: list[str] | None = None
                      ) -> list[tuple[int, str, int]]:
    """(unit id, code, codings) for codings in respondent speech with these statuses (and
    coders), never orphaned ones; grouped by integer unit ids (twice as fast as grouping
    by document and case strings on a million codings)."""
    c = t.codings.c
    q = (select(c.unit_id, c.code_id, func.count())
         .where(c.status.in_(statuses), c.unit_id.is_not(None), c.anchor != "orphaned")
         .group_by(c.unit_id, c.code_id))
    if coders:
        from qualcode.store.codings import by_coders

        q = q.where(by_coders(coders))
    return fetch_tuples(conn, q)
