"""Re-anchor codings when a transcript's text changes (diff-match-patch, by words).

The two texts are diffed word by word (each word, space run or punctuation mark is
one symbol), so letters two unrelated passages happen to share never count as
surviving text. Each coding's characters are then followed through the diff:

- every character survives, contiguous and unchanged: the coding moves (`ok`);
- less than half survives: `orphaned` - kept with its old offsets and quoted text,
  reported by `status`, left out of analysis; a coding shrunk to a stray word or full
  stop would mislead more than it helps;
- anything in between: `changed` - moved to cover what survives and flagged.

A quote that occurs exactly once in the old text and exactly once in the new one was
moved, not deleted: it is re-attached there (`ok`). Nothing is ever re-attached by
searching for a quote that occurs more than once, so a deleted passage never lands
on another occurrence of the same sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MIN_SURVIVING = 0.5
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class Anchored:
    id: int
    start: int
    end: int
    anchor: str  # ok | changed | orphaned


def _encode(text: str, table: dict[str, str], lengths: dict[str, int]) -> str:
    out = []
    for tok in _TOKEN.findall(text):
        sym = table.get(tok)
        if sym is None:
            code = 0x100 + len(table)
            if code >= 0xD800:  # skip the surrogate range
                code += 0x800
            sym = chr(code)
            table[tok] = sym
            lengths[sym] = len(tok)
        out.append(sym)
    return "".join(out)


def _equal_runs(old: str, new: str) -> list[tuple[int, int, int]]:
    """(old_start, old_end, new_start) character runs the word diff keeps."""
    from diff_match_patch import diff_match_patch

    table: dict[str, str] = {}
    lengths: dict[str, int] = {}
    a, b = _encode(old, table, lengths), _encode(new, table, lengths)
    dmp = diff_match_patch()
    dmp.Diff_Timeout = 5.0
    runs = []
    i = j = 0
    for op, chunk in dmp.diff_main(a, b, False):
        n = sum(lengths[c] for c in chunk)
        if op == 0:
            runs.append((i, i + n, j))
            i += n
            j += n
        elif op == -1:
            i += n
        else:
            j += n
    return runs


def reanchor(old: str, new: str, spans: list[tuple[int, int, int]]) -> list[Anchored]:
    """Map (id, start, end) spans of `old` onto `new`."""
    runs = _equal_runs(old, new)
    out = []
    for cid, s, e in spans:
        surviving = 0
        new_s = new_e = None
        for a, b, nj in runs:
            lo, hi = max(a, s), min(b, e)
            if lo >= hi:
                if a >= e:
                    break
                continue
            surviving += hi - lo
            if new_s is None:
                new_s = nj + (lo - a)
            new_e = nj + (hi - a)
        quote = old[s:e]
        if new_s is not None and new_e is not None and surviving == e - s \
                and new[new_s:new_e] == quote:
            out.append(Anchored(cid, new_s, new_e, "ok"))
            continue
        if quote and old.count(quote) == 1 and new.count(quote) == 1:
            at = new.index(quote)
            out.append(Anchored(cid, at, at + len(quote), "ok"))
        elif new_s is None or new_e is None or surviving < MIN_SURVIVING * max(1, e - s):
            out.append(Anchored(cid, s, e, "orphaned"))
        else:
            out.append(Anchored(cid, new_s, new_e, "changed"))
    return out
