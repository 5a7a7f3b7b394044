"""Human coding: manual codings by quote, span or turn; review decisions; undo.

Every write records the coder and the time, commits at once, and is logged in the
audit trail. Nothing here deletes another person's work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select, update

from qualcode.errors import CodingError
from qualcode.importer import log_event, now
from qualcode.quotes import locate
from qualcode.store import schema as t
from qualcode.turnmap import document_locator

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from qualcode.project import Project

ACTIONS = ("accept", "reject", "recode", "respan")


@dataclass(frozen=True)
class Selection:
    """How a passage is chosen: exactly one of quote, span or turn."""

    quote: str | None = None
    occurrence: int | None = None
    span: tuple[int, int] | None = None
    turn: int | None = None


def parse_span(value: str) -> tuple[int, int]:
    """'START:END' -> (start, end)."""
    try:
        a, b = value.split(":")
        return int(a), int(b)
    except ValueError:
        raise CodingError(f"bad span {value!r} - use START:END, e.g. 120:245") from None


def _document_text(conn: Connection, document: str) -> str:
    text = conn.execute(select(t.documents.c.text).where(t.documents.c.id == document)
                        ).scalar()
    if text is None:
        raise CodingError(f"unknown document {document!r} - see qualcode status, or import it")
    return text


def resolve(conn: Connection, document: str, sel: Selection) -> tuple[int, int]:
    """The (start, end) a selection designates in the stored text."""
    chosen = [x for x in (sel.quote, sel.span, sel.turn) if x is not None]
    if len(chosen) != 1:
        raise CodingError("give exactly one of --quote, --span or --turn")
    text = _document_text(conn, document)
    if sel.quote is not None:
        return locate(text, sel.quote, sel.occurrence, document)
    if sel.span is not None:
        a, b = sel.span
        if not 0 <= a < b <= len(text):
            raise CodingError(f"{document}: span {a}:{b} is outside the text (0:{len(text)}) "
                              "or empty")
        return a, b
    row = conn.execute(select(t.turns.c.start, t.turns.c.end).where(
        t.turns.c.document_id == document, t.turns.c.idx == sel.turn)).first()
    if row is None:
        n = conn.execute(select(t.turns.c.idx).where(t.turns.c.document_id == document)).all()
        raise CodingError(f"{document}: no turn {sel.turn} (turns are numbered 0 to "
                          f"{len(n) - 1})")
    return row.start, row.end


def _check_code(project: Project, code: str) -> None:
    if code not in project.codebook.by_id():
        raise CodingError(f"unknown code {code!r} - see qualcode codebook show")


def ensure_coder(conn: Connection, coder: str) -> None:
    if conn.execute(select(t.coders.c.name).where(t.coders.c.name == coder)).first() is None:
        conn.execute(insert(t.coders).values(name=coder, created_at=now()))


def add_coding(project: Project, document: str, code: str, selection: Selection) -> int:
    """Code a passage by the current coder (manual, accepted); returns the coding id."""
    coder = project.require_coder()
    _check_code(project, code)
    with project.engine.begin() as conn:
        start, end = resolve(conn, document, selection)
        text = _document_text(conn, document)[start:end]
        dup = conn.execute(select(t.codings.c.id).where(
            t.codings.c.document_id == document, t.codings.c.start == start,
            t.codings.c.end == end, t.codings.c.code_id == code, t.codings.c.coder == coder,
            t.codings.c.origin == "manual")).scalar()
        if dup is not None:
            raise CodingError(f"you already coded this passage with {code} (coding #{dup})")
        ensure_coder(conn, coder)
        stamp = now()
        speaker, case, unit = document_locator(conn, document)(start)
        cid = conn.execute(insert(t.codings).values(
            document_id=document, start=start, end=end, text=text, code_id=code,
            speaker=speaker, case_id=case, unit_id=unit, coder=coder,
            origin="manual", status="accepted", anchor="ok", created_at=stamp,
            updated_at=stamp, decided_by=coder, decided_at=stamp)).inserted_primary_key[0]
        log_event(conn, coder, "code", f"{document}#{cid}",
                  {"code": code, "start": start, "end": end})
    return int(cid)


def remove_coding(project: Project, coding_id: int | None = None, document: str | None = None,
                  code: str | None = None, selection: Selection | None = None) -> int:
    """Remove one of your own manual codings (by id, or by document + code + selection)."""
    coder = project.require_coder()
    c = t.codings.c
    with project.engine.begin() as conn:
        if coding_id is None:
            if not (document and code and selection):
                raise CodingError("give a coding id, or a document, --code and a selection")
            start, end = resolve(conn, document, selection)
            coding_id = conn.execute(select(c.id).where(
                c.document_id == document, c.code_id == code, c.start == start, c.end == end,
                c.coder == coder, c.origin == "manual")).scalar()
            if coding_id is None:
                raise CodingError(f"{document}: you have no {code} coding on that passage")
        row = conn.execute(select(t.codings).where(c.id == coding_id)).first()
        if row is None:
            raise CodingError(f"no coding #{coding_id}")
        if row.origin != "manual" or row.coder != coder:
            raise CodingError(f"coding #{coding_id} is {row.origin} by {row.coder} - you can "
                              "remove only your own manual codings (reject a suggestion "
                              "instead)")
        conn.execute(delete(t.memos).where(t.memos.c.target_type == "coding",
                                           t.memos.c.target_id == str(coding_id)))
        conn.execute(delete(t.codings).where(c.id == coding_id))
        log_event(conn, coder, "uncode", f"{row.document_id}#{coding_id}",
                  {"code": row.code_id, "start": row.start, "end": row.end})
    return int(coding_id)


def _state(row: Any) -> dict[str, Any]:
    return {"status": row.status, "code": row.code_id, "start": row.start, "end": row.end,
            "decided_by": row.decided_by,
            "decided_at": row.decided_at.isoformat() if row.decided_at else None}


def decide(project: Project, coding_id: int, action: str, code: str | None = None,
           span: tuple[int, int] | None = None) -> dict[str, Any]:
    """Accept, reject, recode (new code, accepted) or respan (new span, status unchanged) a
    coding; returns the state before the decision (what `undo` restores)."""
    coder = project.require_coder()
    if action not in ACTIONS:
        raise CodingError(f"unknown action {action!r} - use {', '.join(ACTIONS)}")
    if action == "recode":
        if not code:
            raise CodingError("recode needs the new code")
        _check_code(project, code)
    c = t.codings.c
    with project.engine.begin() as conn:
        row = conn.execute(select(t.codings).where(c.id == coding_id)).first()
        if row is None:
            raise CodingError(f"no coding #{coding_id}")
        before = _state(row)
        stamp = now()
        values: dict[str, Any] = {"decided_by": coder, "decided_at": stamp, "updated_at": stamp}
        if action == "accept":
            values["status"] = "accepted"
        elif action == "reject":
            values["status"] = "rejected"
        elif action == "recode":
            values.update(status="accepted", code_id=code)
        else:
            if span is None:
                raise CodingError("respan needs the new span")
            text = _document_text(conn, row.document_id)
            a, b = span
            if not 0 <= a < b <= len(text):
                raise CodingError(f"span {a}:{b} is outside the text")
            speaker, case, unit = document_locator(conn, row.document_id)(a)
            # a new span is not a verdict: the status stays until accepted or rejected
            values.update(start=a, end=b, text=text[a:b], speaker=speaker, case_id=case,
                          unit_id=unit)
        ensure_coder(conn, coder)
        conn.execute(update(t.codings).where(c.id == coding_id).values(**values))
        log_event(conn, coder, action, f"{row.document_id}#{coding_id}",
                  {"before": before, **({"code": code} if code else {}),
                   **({"span": list(span)} if span else {})})
    return before


def undo(project: Project, coding_id: int, before: dict[str, Any]) -> None:
    """Restore a coding to the state `decide` returned."""
    coder = project.require_coder()
    from datetime import datetime

    with project.engine.begin() as conn:
        found = conn.execute(select(t.documents.c.text, t.documents.c.id).join(
            t.codings, t.codings.c.document_id == t.documents.c.id).where(
            t.codings.c.id == coding_id)).first()
        if found is None:
            raise CodingError(f"no coding #{coding_id}")
        text, doc = found
        decided_at = before["decided_at"]
        speaker, case, unit = document_locator(conn, doc)(before["start"])
        conn.execute(update(t.codings).where(t.codings.c.id == coding_id).values(
            status=before["status"], code_id=before["code"], start=before["start"],
            end=before["end"], text=text[before["start"]:before["end"]], speaker=speaker,
            case_id=case, unit_id=unit,
            decided_by=before["decided_by"],
            decided_at=datetime.fromisoformat(decided_at) if decided_at else None,
            updated_at=now()))
        log_event(conn, coder, "undo", f"#{coding_id}", {"restored": before})


def add_memo(project: Project, target_type: str, target_id: str, text: str) -> int:
    """Attach a memo to a code, document, case or coding."""
    coder = project.require_coder()
    if target_type not in ("code", "document", "case", "coding"):
        raise CodingError(f"memos attach to a code, document, case or coding, not "
                          f"{target_type!r}")
    if not text.strip():
        raise CodingError("empty memo")
    with project.engine.begin() as conn:
        _check_target(project, conn, target_type, target_id)
        ensure_coder(conn, coder)
        mid = conn.execute(insert(t.memos).values(
            target_type=target_type, target_id=str(target_id), coder=coder, text=text,
            created_at=now())).inserted_primary_key[0]
        log_event(conn, coder, "memo", f"{target_type}:{target_id}", {"memo": int(mid)})
    return int(mid)


def _check_target(project: Project, conn: Connection, kind: str, target: str) -> None:
    if kind == "code":
        _check_code(project, target)
        return
    table, col = {"document": (t.documents, t.documents.c.id),
                  "case": (t.cases, t.cases.c.id),
                  "coding": (t.codings, t.codings.c.id)}[kind]
    key: Any = target
    if kind == "coding":
        try:
            key = int(target)
        except ValueError:
            raise CodingError(f"coding ids are numbers, not {target!r}") from None
    if conn.execute(select(col).where(col == key)).first() is None:
        raise CodingError(f"no {kind} {target!r}")


def list_memos(project: Project, target_type: str | None = None,
               target_id: str | None = None) -> list[dict[str, Any]]:
    """Memos, oldest first, optionally for one target."""
    q = select(t.memos).order_by(t.memos.c.id)
    if target_type:
        q = q.where(t.memos.c.target_type == target_type)
    if target_id:
        q = q.where(t.memos.c.target_id == str(target_id))
    with project.engine.connect() as conn:
        return [{"id": r.id, "on": r.target_type, "target": r.target_id, "coder": r.coder,
                 "at": r.created_at, "memo": r.text} for r in conn.execute(q)]
