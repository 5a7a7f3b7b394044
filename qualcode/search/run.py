"""`qualcode search`: every hit of a query in the transcripts, as keyword in context, and
hits counted per document or per group of respondents."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from qualcode import datasets
from qualcode.errors import UsageError
from qualcode.search.query import Query, regex_hits, rule_hits, token_hits

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.workspace import Workspace

SPEAKERS = ("respondent", "interviewer", "all")
HIT_COLUMNS = ["document", "case", "speaker", "left", "hit", "right", "start", "end",
               "turn", "language"]
_WORD = re.compile(r"\S+")


def search(ws: Workspace, query: Query, speaker: str = "respondent",
           where: list[str] | None = None, codes: list[str] | None = None,
           not_codes: list[str] | None = None, documents: list[str] | None = None,
           context: int = 5, progress: Callable[[int, int, str], None] | None = None
           ) -> pd.DataFrame:
    """One row per hit, in document order: document, case, speaker, left context, hit,
    right context (`context` words of the same turn on each side), start, end (offsets
    into the document's text), turn, language. Filters: who speaks (`speaker`),
    respondents' attributes (`where`), inside passages coded with `codes` or outside any
    coded with `not_codes` (their sub-codes included), these `documents`."""
    import pandas as pd

    if speaker not in SPEAKERS:
        raise UsageError(f"unknown speaker {speaker!r} - use respondent, interviewer or all")
    if context < 0 or context > 200:
        raise UsageError(f"--context {context}: give 0 to 200 words")
    inside, outside = _code_spans(ws, codes, "--code"), _code_spans(ws, not_codes,
                                                                    "--not-code")
    language = _languages(ws, documents)
    if documents:
        missing = sorted(set(documents) - set(language))
        if missing:
            datasets.check_values(ws, documents=missing)  # the error names the known ones
    turns = datasets.turns(ws, documents)
    allowed = _allowed_turns(ws, turns, speaker, where)
    docs = sorted(allowed)
    found = find_spans(ws, query, turns[turns.document.isin(docs)], allowed, progress)
    hit_docs = sorted({d for d, _, _ in found})
    texts = datasets.texts(ws, hit_docs)
    # only the turns with a hit: per-row Python work stays proportional to the hits
    hit_turns = set((d, t) for d, t, _ in found)
    sel = turns[turns.document.isin(hit_docs)]
    turn_info, spans = {}, {}
    for d, i, sp, c, ts, te in zip(*(sel[k].tolist() for k in (
            "document", "turn", "speaker", "case", "start", "end")), strict=True):
        if (d, int(i)) in hit_turns:
            turn_info[(d, int(i))] = (sp, c)
            spans[(d, int(i))] = (int(ts), int(te))
    rows = []
    for doc, turn, (s, e) in sorted(found, key=lambda h: (h[0], h[2])):
        if inside is not None and not _within(inside.get(doc, ()), s, e):
            continue
        if outside is not None and _overlaps(outside.get(doc, ()), s, e):
            continue
        text = texts[doc]
        ts, te = spans[(doc, turn)]
        sp, case = turn_info[(doc, turn)]
        rows.append((doc, case, sp, _left(text, ts, s, context), _flat(text[s:e]),
                     _right(text, e, te, context), s, e, turn, language.get(doc)))
    return pd.DataFrame(rows, columns=HIT_COLUMNS)


def find_spans(ws: Workspace, query: Query, turns: pd.DataFrame,
               allowed: dict[str, set[int]],
               progress: Callable[[int, int, str], None] | None = None
               ) -> list[tuple[str, int, tuple[int, int]]]:
    """(document, turn, (start, end)) of every hit in the allowed turns (`progress`:
    called per document while the token index is built, when it must be)."""
    from qualcode.search.index import document_indexes

    docs = sorted(allowed)
    if not docs:
        return []
    out: list[tuple[str, int, tuple[int, int]]] = []
    if query.mode == "regex":
        texts = datasets.texts(ws, docs)
        for doc, idx, s, e in turns[["document", "turn", "start", "end"]].itertuples(
                index=False):
            if int(idx) in allowed.get(doc, ()):
                out.extend((doc, int(idx), h) for h in regex_hits(query, texts[doc], int(s),
                                                                  int(e)))
        return out
    if query.mode == "rule":
        texts = datasets.texts(ws, docs)
        language = _languages(ws, docs)
        by_lang: dict[str, list[tuple[str, int, str]]] = {}
        turn_at: dict[tuple[str, int], int] = {}
        for doc, idx, s, e in turns[["document", "turn", "start", "end"]].itertuples(
                index=False):
            if int(idx) in allowed.get(doc, ()):
                by_lang.setdefault(language[doc], []).append((doc, int(s), texts[doc][s:e]))
                turn_at[(doc, int(s))] = int(idx)
        starts = {d: sorted((s, i) for (dd, s), i in turn_at.items() if dd == d)
                  for d in docs}
        for lang, items in by_lang.items():
            for doc, s, e in rule_hits(query.rule, lang, items, ws.settings):
                idx = next(i for ts, i in reversed(starts[doc]) if ts <= s)
                out.append((doc, idx, (s, e)))
        return out
    from qualcode.search.index import part_of

    wanted = {(d, int(i)) for d, ids in allowed.items() for i in ids}
    parts = {part_of(r) for d, i, r in zip(turns.document.tolist(), turns.turn.tolist(),
                                           turns.role.tolist(), strict=True)
             if (d, i) in wanted}
    indexes = document_indexes(ws, docs, turns, parts=parts, progress=progress)
    for doc in docs:
        index = indexes[doc]
        ok = allowed[doc]
        package = ws.settings.pipelines.get(index.language)
        for a, b in token_hits(query, index, package):
            turn = int(index.turn[a])
            if turn in ok:
                out.append((doc, turn, (int(index.start[a]), int(index.end[b - 1]))))
    return out


def _languages(ws: Workspace, documents: list[str] | None = None) -> dict[str, str]:
    from qualcode.store.documents import document_briefs

    with ws.engine.connect() as conn:
        return {b.id: b.language for b in document_briefs(conn, documents)}


def _allowed_turns(ws: Workspace, turns: pd.DataFrame, speaker: str,
                   where: list[str] | None) -> dict[str, set[int]]:
    """document -> the turn indexes to search: by role, then by the respondents' groups
    (an interviewer's turn follows its document's respondents)."""
    roles = {"respondent": {"respondent"}, "interviewer": {"interviewer"},
             "all": {"respondent", "interviewer", "none"}}[speaker]
    sel = turns[turns.role.isin(roles)]
    if where:
        from qualcode.analysis.filters import apply_filters

        resp = datasets.respondents(ws)
        kept = apply_filters(resp, where)
        pairs = set(zip(kept.document, kept["case"], strict=True))
        docs = set(kept.document)
        keep = [(d, c) in pairs if r == "respondent" else d in docs
                for d, c, r in zip(sel.document.tolist(), sel["case"].tolist(),
                                   sel.role.tolist(), strict=True)]
        sel = sel[keep]
    out: dict[str, set[int]] = {}
    for doc, idx in zip(sel.document.tolist(), sel.turn.tolist(), strict=True):
        out.setdefault(doc, set()).add(int(idx))
    return out


def _code_spans(ws: Workspace, codes: list[str] | None, option: str
                ) -> dict[str, list[tuple[int, int]]] | None:
    """document -> sorted spans of the accepted codings of these codes (sub-codes
    included); None when no code is given."""
    if not codes:
        return None
    book = ws.codebook
    known = book.by_id()
    bad = [c for c in codes if c not in known]
    if bad:
        shown = ", ".join(sorted(known)[:30]) or "none yet"
        raise UsageError(f"unknown code(s) {', '.join(bad)} in {option} - known: {shown}")
    wanted = sorted({d for c in codes for d in book.descendants(c)})
    df = datasets.codings(ws, codes=wanted, statuses=["accepted"], include_orphaned=False)
    out: dict[str, list[tuple[int, int]]] = {}
    for doc, s, e in df[["document", "start", "end"]].itertuples(index=False):
        out.setdefault(doc, []).append((int(s), int(e)))
    return {d: sorted(v) for d, v in out.items()}


def _within(spans: Any, s: int, e: int) -> bool:
    return any(a <= s and e <= b for a, b in spans)


def _overlaps(spans: Any, s: int, e: int) -> bool:
    return any(a < e and s < b for a, b in spans)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _left(text: str, turn_start: int, s: int, n: int) -> str:
    if n == 0:
        return ""
    piece = text[max(turn_start, s - 40 * n):s]
    words = _WORD.findall(piece)
    if s - 40 * n > turn_start and len(words) > n:
        words = words[1:]  # the first may be cut
    return " ".join(words[-n:])


def _right(text: str, e: int, turn_end: int, n: int) -> str:
    if n == 0:
        return ""
    return " ".join(_WORD.findall(text[e:min(turn_end, e + 40 * n)])[:n])


def count_hits(hits: pd.DataFrame, respondents: pd.DataFrame, by: list[str]
               ) -> pd.DataFrame:
    """Hits per group of `by` (attributes of the respondents, or `document`): hits,
    respondents and documents with a hit, respondents in the group, their words and hits
    per 1,000 words. A hit in an interviewer's turn counts for its document's first
    respondent's group."""
    import pandas as pd

    for attr in by:
        if attr not in respondents.columns or attr in ("unit", "words"):
            known = ", ".join(sorted(c for c in respondents.columns
                                     if c not in ("unit", "words")))
            raise UsageError(f"unknown attribute {attr!r} for --by - known: {known}")
    resp = respondents.copy()
    for attr in by:
        resp[attr] = resp[attr].astype(object).where(resp[attr].notna(), "(missing)")
    first = resp.drop_duplicates("document").set_index("document")
    keyed = resp.set_index(["document", "case"])
    rows = []
    for h in hits[["document", "case"]].itertuples(index=False):
        if (h.document, h.case) in keyed.index:
            unit = keyed.loc[(h.document, h.case)]
            case = h.case
        elif h.document in first.index:
            unit, case = first.loc[h.document], first.loc[h.document, "case"]
        else:
            continue
        rows.append((*[unit[a] for a in by if a not in ("document", "case")], h.document,
                     case))
    found = pd.DataFrame(rows, columns=[*(a for a in by if a not in ("document", "case")),
                                        "document", "case"])
    groups = resp.groupby(by, dropna=False, sort=True)
    out = groups.agg(respondents=("unit", "size"), words=("words", "sum")).reset_index()
    if by == ["document"]:
        out = out.drop(columns="respondents")
    agg = found.assign(_n=1).groupby(by, dropna=False).agg(
        hits=("_n", "size"), documents_with_hits=("document", "nunique"))
    who = found.drop_duplicates(["document", "case"]).groupby(by, dropna=False).size()
    agg["respondents_with_hits"] = who
    out = out.merge(agg.reset_index(), on=by, how="left")
    for col in ("hits", "documents_with_hits", "respondents_with_hits"):
        out[col] = out[col].fillna(0).astype(int)
    if by == ["document"]:
        out = out.drop(columns="documents_with_hits")
    out["per_1000_words"] = (out.hits * 1000 / out.words.where(out.words > 0)).round(2)
    cols = [*by, "hits", *(c for c in ("respondents_with_hits", "respondents",
                                       "documents_with_hits") if c in out), "words",
            "per_1000_words"]
    return out[cols]
