"""`qualcode search QUERY --code-as CODE`: every hit becomes a suggestion to review (from
the source `search`), or with `--accept` the current coder's own coding; `--undo RUN`
takes one such search back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from qualcode.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.workspace import Workspace

UNITS = ("match", "sentence", "turn")


@dataclass
class CodeAsResult:
    code: str
    unit: str
    accepted: bool
    hits: int = 0
    added: int = 0
    already: int = 0  # spans that already had a coding of this code
    run: int | None = None  # the search run's number, for --undo (None: dry run / none)


def code_hits(ws: Workspace, hits: pd.DataFrame, code: str, unit: str = "match",
              accept: bool = False, query: str = "", dry_run: bool = False
              ) -> CodeAsResult:
    """Store each hit (the match itself, or its sentence or turn) as a suggestion of
    `code`, or as the current coder's accepted coding; never a second coding of a span
    that already has this code. One audit event for the whole search."""
    from qualcode import datasets
    from qualcode.search.index import document_indexes
    from qualcode.store.codes import sync_codes
    from qualcode.store.codings import add_search_codings, span_keys

    if unit not in UNITS:
        raise UsageError(f"unknown unit {unit!r} - use match, sentence or turn")
    book = ws.codebook
    if code not in book.by_id():
        shown = ", ".join(sorted(book.by_id())[:30]) or "none yet"
        raise UsageError(f"unknown code {code!r} for --code-as - known: {shown}")
    coder = ws.require_coder() if accept else ws.coder
    result = CodeAsResult(code=code, unit=unit, accepted=accept, hits=len(hits))
    if hits.empty:
        return result
    docs = sorted(set(hits.document))
    texts = datasets.texts(ws, docs)
    turns = datasets.turns(ws, docs)
    turn_span = {(d, int(i)): (int(s), int(e)) for d, i, s, e in
                 turns[["document", "turn", "start", "end"]].itertuples(index=False)}
    indexes = {}
    if unit == "sentence":
        from qualcode.search.index import part_of

        hit_turns = set(zip(hits.document, hits.turn.astype(int), strict=True))
        parts = {part_of(r) for d, i, r in zip(turns.document, turns.turn, turns.role,
                                               strict=True) if (d, int(i)) in hit_turns}
        indexes = document_indexes(ws, docs, turns, parts=parts)
    with ws.engine.connect() as conn:
        existing = span_keys(conn, docs)
    rows, seen = [], set()
    for doc, s, e, turn, hit, lang in hits[["document", "start", "end", "turn", "hit",
                                            "language"]].itertuples(index=False):
        s, e = int(s), int(e)
        if unit == "turn":
            s, e = turn_span[(doc, int(turn))]
        elif unit == "sentence":
            s, e = _sentence(indexes[doc], s, e)
        s, e = _trim(texts[doc], s, e)
        key = (doc, s, e, code)
        if key in seen:
            continue
        seen.add(key)
        if key in existing:
            result.already += 1
            continue
        rows.append(dict(document_id=doc, start=s, end=e, text=texts[doc][s:e], code_id=code,
                         matched=hit, language=lang))
    result.added = len(rows)
    if dry_run or not rows:
        return result
    with ws.engine.begin() as conn:
        sync_codes(conn, book)
        result.run = add_search_codings(conn, rows, coder, accept, {
            "query": query, "code": code, "unit": unit, "hits": result.hits,
            "already_coded": result.already})
    return result


def undo_search(ws: Workspace, run: int) -> dict[str, int]:
    """Take back search run `run`: its undecided suggestions and the current coder's
    codings it added (what others decided since stays)."""
    from qualcode.store.codings import undo_search_codings

    coder = ws.require_coder()
    with ws.engine.begin() as conn:
        return undo_search_codings(conn, run, coder)


def _sentence(index, s: int, e: int) -> tuple[int, int]:  # noqa: ANN001
    """The bounded sentence(s) holding s:e, as auto-coding's sentence unit."""
    import numpy as np

    a = max(0, int(np.searchsorted(index.start, s, side="right")) - 1)
    b = max(a, int(np.searchsorted(index.start, e, side="left")) - 1)
    first, last = int(index.sent[a]), int(index.sent[b])
    lo = int(np.searchsorted(index.sent, first, side="left"))
    hi = int(np.searchsorted(index.sent, last, side="right")) - 1
    return int(index.start[lo]), int(index.end[hi])


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b
