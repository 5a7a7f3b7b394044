"""Human coding: manual codings by quote, span or turn; review decisions; undo; memos.

Every write records the coder and the time, commits at once, and is logged in the
audit trail (by the store function that makes it). Nothing here deletes another
person's work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qualcode.errors import CodingError
from qualcode.quotes import locate
from qualcode.store import codings as store_codings
from qualcode.store import documents as store_documents

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from qualcode.workspace import Workspace

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
    text = store_documents.document_text(conn, document)
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
    span = store_documents.turn_span(conn, document, sel.turn)
    if span is None:
        n = store_documents.turn_count(conn, document)
        raise CodingError(f"{document}: no turn {sel.turn} (turns are numbered 0 to {n - 1})")
    return span


def _check_code(ws: Workspace, code: str) -> None:
    if code not in ws.codebook.by_id():
        raise CodingError(f"unknown code {code!r} - see qualcode codebook show")


def add_coding(ws: Workspace, document: str, code: str, selection: Selection) -> int:
    """Code a passage by the current coder (manual, accepted); returns the coding id."""
    coder = ws.require_coder()
    _check_code(ws, code)
    with ws.engine.begin() as conn:
        start, end = resolve(conn, document, selection)
        dup = store_codings.find_coding(conn, document, start, end, code, coder)
        if dup is not None:
            raise CodingError(f"you already coded this passage with {code} (coding #{dup})")
        return store_codings.add_coding(conn, document, start, end, code, coder)


def remove_coding(ws: Workspace, coding_id: int | None = None, document: str | None = None,
                  code: str | None = None, selection: Selection | None = None) -> int:
    """Remove one of your own manual codings (by id, or by document + code + selection)."""
    coder = ws.require_coder()
    with ws.engine.begin() as conn:
        if coding_id is None:
            if not (document and code and selection):
                raise CodingError("give a coding id, or a document, --code and a selection")
            start, end = resolve(conn, document, selection)
            coding_id = store_codings.find_coding(conn, document, start, end, code, coder)
            if coding_id is None:
                raise CodingError(f"{document}: you have no {code} coding on that passage")
        store_codings.remove_coding(conn, coding_id, coder)
    return int(coding_id)


def decide(ws: Workspace, coding_id: int, action: str, code: str | None = None,
           span: tuple[int, int] | None = None) -> dict[str, Any]:
    """Accept, reject, recode (new code, accepted) or respan (new span, status unchanged) a
    coding; returns the state before the decision (what `undo` restores)."""
    coder = ws.require_coder()
    if action not in ACTIONS:
        raise CodingError(f"unknown action {action!r} - use {', '.join(ACTIONS)}")
    if action == "recode":
        if not code:
            raise CodingError("recode needs the new code")
        _check_code(ws, code)
    with ws.engine.begin() as conn:
        return store_codings.decide(conn, coding_id, coder, action, code=code, span=span)


def undo(ws: Workspace, coding_id: int, before: dict[str, Any]) -> None:
    """Restore a coding to the state `decide` returned."""
    coder = ws.require_coder()
    with ws.engine.begin() as conn:
        store_codings.restore(conn, coding_id, before, coder)


def resolve_flag(ws: Workspace, coding_id: int, selection: Selection | None = None) -> int:
    """Confirm a coding flagged `changed` after its transcript changed, or re-attach an
    orphaned one to a passage (a quote or span): it is `ok` again, and counted."""
    coder = ws.require_coder()
    with ws.engine.begin() as conn:
        span = None
        if selection is not None and any(x is not None for x in
                                         (selection.quote, selection.span, selection.turn)):
            row = store_codings.coding(conn, coding_id)
            if row is None:
                raise CodingError(f"no coding #{coding_id}")
            span = resolve(conn, row.document_id, selection)
        store_codings.resolve_flag(conn, coding_id, coder, span)
    return coding_id


def add_memo(ws: Workspace, target_type: str, target_id: str, text: str) -> int:
    """Attach a memo to a code, document, case or coding (see qualcode.memos)."""
    from qualcode.memos import add_memo as write_memo

    return write_memo(ws, target_type, target_id, text)


def list_memos(ws: Workspace, target_type: str | None = None,
               target_id: str | None = None) -> list[dict[str, Any]]:
    """Memos, oldest first, optionally for one target (see qualcode.memos.list_memos)."""
    from qualcode.memos import list_memos as memo_list

    return memo_list(ws, target_type, target_id)
