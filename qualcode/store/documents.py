"""Documents, their turns and speakers, and cases: what an import writes and what every
command reads about the transcripts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from qualcode.store import schema as t
from qualcode.store.units import assign_speakers, ensure_units


def document_index(conn: Connection, documents: list[str] | None = None) -> dict[str, Any]:
    """id -> (id, path, file_hash, hash) of every stored document."""
    d = t.documents.c
    q = select(d.id, d.path, d.file_hash, d.hash)
    if documents is not None:
        q = q.where(d.id.in_(documents))
    return {r.id: r for r in conn.execute(q)}


def document_text(conn: Connection, document: str) -> str | None:
    """The stored text of a document (None when there is no such document)."""
    return conn.execute(select(t.documents.c.text).where(t.documents.c.id == document)
                        ).scalar()


def document_texts(conn: Connection, documents: list[str] | None = None) -> dict[str, str]:
    """document -> stored text (all documents when None)."""
    q = select(t.documents.c.id, t.documents.c.text)
    if documents is not None:
        q = q.where(t.documents.c.id.in_(documents))
    return dict(conn.execute(q).all())


def document_briefs(conn: Connection, documents: list[str] | None = None) -> list[Any]:
    """(id, language, respondent_words) per document, by id."""
    d = t.documents.c
    q = select(d.id, d.language, d.respondent_words)
    if documents:
        q = q.where(d.id.in_(documents))
    return conn.execute(q.order_by(d.id)).all()


def document_rows(conn: Connection, documents: list[str] | None = None) -> list[Any]:
    """Documents (all when None) with all their columns, by id."""
    q = select(t.documents)
    if documents is not None:
        q = q.where(t.documents.c.id.in_(documents))
    return conn.execute(q.order_by(t.documents.c.id)).all()


def speaking_cases(conn: Connection) -> dict[str, list[str]]:
    """document -> the respondents (cases) who say at least one word in it, sorted."""
    sp = t.speakers.c
    out: dict[str, list[str]] = {}
    for doc, case in conn.execute(
            select(sp.document_id, sp.case_id).where(sp.role == "respondent", sp.words > 0)
            .order_by(sp.document_id, sp.case_id).distinct()):
        out.setdefault(doc, []).append(case)
    return out


def speaker_rows(conn: Connection) -> list[Any]:
    """Every declared or speaking label: (document_id, label, case_id, role)."""
    sp = t.speakers.c
    return conn.execute(select(sp.document_id, sp.label, sp.case_id, sp.role)
                        .order_by(sp.document_id, sp.label)).all()


def turn_rows(conn: Connection, documents: list[str] | None = None,
              role: str | None = None) -> list[Any]:
    """(document_id, idx, speaker, case_id, role, start, end), by document and index."""
    tc = t.turns.c
    q = select(tc.document_id, tc.idx, tc.speaker, tc.case_id, tc.role, tc.start, tc.end)
    if documents is not None:
        q = q.where(tc.document_id.in_(documents))
    if role is not None:
        q = q.where(tc.role == role)
    return conn.execute(q.order_by(tc.document_id, tc.idx)).all()


def timed_turns(conn: Connection, documents: list[str] | None = None) -> list[Any]:
    """(document_id, idx, start, end, start_time, end_time) of every turn, by document
    and index."""
    tc = t.turns.c
    q = select(tc.document_id, tc.idx, tc.start, tc.end, tc.start_time, tc.end_time)
    if documents is not None:
        q = q.where(tc.document_id.in_(documents))
    return conn.execute(q.order_by(tc.document_id, tc.idx)).all()


def cue_rows(conn: Connection, documents: list[str] | None = None) -> list[Any]:
    """(document_id, idx, start, end, start_time, end_time) of every subtitle cue."""
    cc = t.cues.c
    q = select(cc.document_id, cc.idx, cc.start, cc.end, cc.start_time, cc.end_time)
    if documents is not None:
        q = q.where(cc.document_id.in_(documents))
    return conn.execute(q.order_by(cc.document_id, cc.idx)).all()


def turn_span(conn: Connection, document: str, index: int) -> tuple[int, int] | None:
    """(start, end) of turn `index` of a document."""
    row = conn.execute(select(t.turns.c.start, t.turns.c.end).where(
        t.turns.c.document_id == document, t.turns.c.idx == index)).first()
    return (row.start, row.end) if row else None


def turn_count(conn: Connection, document: str) -> int:
    return conn.execute(select(func.count()).select_from(t.turns)
                        .where(t.turns.c.document_id == document)).scalar_one()


def turn_around(conn: Connection, document: str, start: int, end: int) -> Any:
    """The turn holding the span start:end, or None."""
    return conn.execute(select(t.turns).where(
        t.turns.c.document_id == document, t.turns.c.start <= start,
        t.turns.c.end >= end)).first()


def stored_files(conn: Connection) -> dict[str, tuple[str, str]]:
    """path -> (document id, hash of the source file) as last imported."""
    d = t.documents.c
    return {r.path: (r.id, r.file_hash) for r in conn.execute(select(d.path, d.id,
                                                                      d.file_hash))}


def corpus_counts(conn: Connection) -> dict[str, int]:
    """documents, cases (respondents who speak), turns and respondent words."""
    return {
        "documents": conn.execute(select(func.count()).select_from(t.documents)).scalar_one(),
        "cases": conn.execute(select(func.count(func.distinct(t.turns.c.case_id)))
                              .where(t.turns.c.role == "respondent")).scalar_one(),
        "turns": conn.execute(select(func.count()).select_from(t.turns)).scalar_one(),
        "respondent_words": int(conn.execute(
            select(func.coalesce(func.sum(t.documents.c.respondent_words), 0))).scalar_one()),
    }


def save_document(conn: Connection, row: dict[str, Any], turns: list[dict[str, Any]],
                  speakers: list[dict[str, Any]], existed: bool,
                  cues: list[dict[str, Any]] | None = None) -> dict[str, int]:
    """Insert or replace one document with its turns and speakers, keeping everything
    that hangs on it in step: codings re-anchored to a changed text, their speaker,
    case and unit recomputed, units and cases created. Returns the re-anchoring counts
    (ok / changed / orphaned)."""
    from qualcode.store.codings import reanchor_document

    doc = row["id"]
    reanchored: dict[str, int] = {}
    if not existed:
        conn.execute(insert(t.documents).values(**row))
    else:
        old = conn.execute(select(t.documents.c.text, t.documents.c.hash)
                           .where(t.documents.c.id == doc)).one()
        if old.hash != row["hash"]:
            reanchored = reanchor_document(conn, doc, old.text, row["text"])
        conn.execute(update(t.documents).where(t.documents.c.id == doc).values(**row))
        conn.execute(delete(t.turns).where(t.turns.c.document_id == doc))
        conn.execute(delete(t.speakers).where(t.speakers.c.document_id == doc))
        conn.execute(delete(t.cues).where(t.cues.c.document_id == doc))
    if cues:
        conn.execute(insert(t.cues), [dict(document_id=doc, **c) for c in cues])
    if turns:
        conn.execute(insert(t.turns), [dict(document_id=doc, **x) for x in turns])
    if speakers:
        conn.execute(insert(t.speakers), [dict(document_id=doc, **s) for s in speakers])
    ensure_units(conn, doc, {s["case_id"] for s in speakers if s["role"] == "respondent"})
    if existed:
        assign_speakers(conn, [doc])
    return reanchored


def save_documents(conn: Connection, items: list[tuple[dict[str, Any], list[dict[str, Any]],
                                                       list[dict[str, Any]], bool]],
                   coder: str | None) -> dict[str, int]:
    """`save_document` for each (row, turns, speakers, existed[, cues]), the cases they name
    created, and one audit event for the batch (ids, added, updated, re-anchoring).
    Returns the re-anchoring counts."""
    from qualcode.store.memos import log_event

    counts: dict[str, int] = {}
    cases: set[str] = set()
    for row, turns, speakers, existed, *cues in items:
        for k, v in save_document(conn, row, turns, speakers, existed,
                                  cues[0] if cues else None).items():
            counts[k] = counts.get(k, 0) + v
        cases |= {row["case_id"]} | {sp["case_id"] for sp in speakers
                                     if sp["role"] == "respondent"}
    ensure_cases(conn, cases)
    if items:
        log_event(conn, coder, "import-documents", None, {
            "added": sum(1 for item in items if not item[3]),
            "updated": sum(1 for item in items if item[3]),
            "documents": [row["id"] for row, *_ in items][:50],
            **{f"reanchored_{k}": v for k, v in sorted(counts.items())}})
    return counts


def ensure_cases(conn: Connection, cases: set[str]) -> None:
    """Create the cases not yet in the store (with no attributes of their own)."""
    if not cases:
        return
    have = set(conn.execute(select(t.cases.c.id).where(t.cases.c.id.in_(cases))).scalars())
    new = sorted(cases - have)
    if new:
        conn.execute(insert(t.cases), [dict(id=c, attributes={}) for c in new])
