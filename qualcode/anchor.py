"""Re-anchor codings when a transcript's text changes (diff-match-patch).

Each coding's characters are followed through the diff: a span whose characters all
survive, contiguous and unchanged, moves to its new place (`ok`); a span of which
nothing survives is `orphaned` (kept, with its old offsets and quoted text, and left
out of analysis); anything in between is `changed`: moved to cover what survives and
flagged for a person to check. Nothing is moved by searching for the quote elsewhere,
so a deleted passage is never re-attached to another occurrence of the same sentence.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Anchored:
    id: int
    start: int
    end: int
    anchor: str  # ok | changed | orphaned


def reanchor(old: str, new: str, spans: list[tuple[int, int, int]]) -> list[Anchored]:
    """Map (id, start, end) spans of `old` onto `new`."""
    from diff_match_patch import diff_match_patch

    dmp = diff_match_patch()
    dmp.Diff_Timeout = 5.0
    diffs = dmp.diff_main(old, new, False)
    # equal runs as (old_start, old_end, new_start)
    equal: list[tuple[int, int, int]] = []
    i = j = 0
    for op, chunk in diffs:
        n = len(chunk)
        if op == 0:
            equal.append((i, i + n, j))
            i += n
            j += n
        elif op == -1:
            i += n
        else:
            j += n
    out = []
    for cid, s, e in spans:
        surviving = 0
        new_s = new_e = None
        for a, b, nj in equal:
            lo, hi = max(a, s), min(b, e)
            if lo >= hi:
                if a >= e:
                    break
                continue
            surviving += hi - lo
            if new_s is None:
                new_s = nj + (lo - a)
            new_e = nj + (hi - a)
        length = e - s
        if new_s is None or new_e is None or surviving == 0:
            out.append(Anchored(cid, s, e, "orphaned"))
        elif surviving == length and new[new_s:new_e] == old[s:e]:
            out.append(Anchored(cid, new_s, new_e, "ok"))
        else:
            out.append(Anchored(cid, new_s, new_e, "changed"))
    return out
