"""Re-anchor codings when a transcript's text changes (difflib, by words).

The two texts are compared word by word (each word, space run or punctuation mark is
one token) with a patience diff: tokens that occur exactly once in both texts anchor
the alignment (their longest increasing subsequence), the gaps between anchors are
aligned recursively, and difflib's SequenceMatcher handles gaps without any unique
token. So repeated sentences cannot pull an alignment away from the passages that
identify it, and letters, spaces or full stops that unrelated passages happen to
share do not count as surviving text (a minimal edit script would prefer many such
scattered matches to one real phrase). Each coding's characters are then followed
through the matching:

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
_END_MARK = re.compile(r"[^\w\s]+$")


@dataclass(frozen=True)
class Anchored:
    id: int
    start: int
    end: int
    anchor: str  # ok | changed | orphaned


def _lis(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Longest subsequence of (i, j) pairs (sorted by i) increasing in j."""
    from bisect import bisect_left

    tails: list[int] = []
    tail_idx: list[int] = []
    prev = [-1] * len(pairs)
    for k, (_, j) in enumerate(pairs):
        pos = bisect_left(tails, j)
        if pos == len(tails):
            tails.append(j)
            tail_idx.append(k)
        else:
            tails[pos] = j
            tail_idx[pos] = k
        prev[k] = tail_idx[pos - 1] if pos else -1
    out = []
    k = tail_idx[-1] if tail_idx else -1
    while k >= 0:
        out.append(pairs[k])
        k = prev[k]
    return out[::-1]


def _patience(a: list[str], b: list[str]) -> list[tuple[int, int]]:
    """Matched (i, j) token pairs of a patience diff, in order."""
    from collections import Counter
    from difflib import SequenceMatcher

    out: list[tuple[int, int]] = []
    # iterative (no recursion limit): a work list of ranges to align and known matches
    work: list = [("range", 0, len(a), 0, len(b))]
    while work:
        item = work.pop()
        if item[0] == "match":
            out.append((item[1], item[2]))
            continue
        _, alo, ahi, blo, bhi = item
        head = []
        while alo < ahi and blo < bhi and a[alo] == b[blo]:
            head.append((alo, blo))
            alo += 1
            blo += 1
        tail = []
        while alo < ahi and blo < bhi and a[ahi - 1] == b[bhi - 1]:
            ahi -= 1
            bhi -= 1
            tail.append((ahi, bhi))
        out.extend(head)
        later: list = [("match", i, j) for i, j in reversed(tail)]
        if alo < ahi and blo < bhi:
            ca, cb = Counter(a[alo:ahi]), Counter(b[blo:bhi])
            where_b = {b[j]: j for j in range(blo, bhi) if cb[b[j]] == 1}
            pairs = [(i, where_b[a[i]]) for i in range(alo, ahi)
                     if ca[a[i]] == 1 and a[i] in where_b]
            anchors = _lis(pairs)
            if anchors:
                segs: list = []
                pi, pj = alo, blo
                for i, j in anchors:
                    segs.append(("range", pi, i, pj, j))
                    segs.append(("match", i, j))
                    pi, pj = i + 1, j + 1
                segs.append(("range", pi, ahi, pj, bhi))
                later = segs + later
            else:
                sm = SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=False)
                later = [("match", alo + i + k, blo + j + k)
                         for i, j, n in sm.get_matching_blocks() for k in range(n)] + later
        work.extend(reversed(later))
    return out


def _equal_runs(old: str, new: str) -> list[tuple[int, int, int]]:
    """(old_start, old_end, new_start) character runs the word matching keeps."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    pos_a = [0]
    for tok in a:
        pos_a.append(pos_a[-1] + len(tok))
    pos_b = [0]
    for tok in b:
        pos_b.append(pos_b[-1] + len(tok))
    runs: list[tuple[int, int, int]] = []
    for i, j in _patience(a, b):
        s, e, nj = pos_a[i], pos_a[i + 1], pos_b[j]
        if runs and runs[-1][1] == s and runs[-1][2] + (runs[-1][1] - runs[-1][0]) == nj:
            runs[-1] = (runs[-1][0], e, runs[-1][2])
        else:
            runs.append((s, e, nj))
    return runs


def reanchor(old: str, new: str, spans: list[tuple[int, int, int]]) -> list[Anchored]:
    """Map (id, start, end) spans of `old` onto `new`."""
    runs = _equal_runs(old, new)
    out = []
    for cid, s, e in spans:
        surviving = 0
        new_s = new_e = None
        old_lo = old_hi = None
        for a, b, nj in runs:
            lo, hi = max(a, s), min(b, e)
            if lo >= hi:
                if a >= e:
                    break
                continue
            surviving += hi - lo
            if new_s is None:
                new_s, old_lo = nj + (lo - a), lo
            new_e, old_hi = nj + (hi - a), hi
        quote = old[s:e]
        if new_s is not None and new_e is not None and surviving == e - s \
                and new[new_s:new_e] == quote:
            out.append(Anchored(cid, new_s, new_e, "ok"))
            continue
        if new_s is not None and new_e is not None and old_lo is not None \
                and old_hi is not None:
            # The diff may pair a passage's edge token (its final full stop, an opening
            # quote) with an equal token elsewhere: the texts share it either way. When
            # the new text has that edge right beside what survives, it belongs here.
            head, tail = old[s:old_lo], old[old_hi:e]
            if head and new_s >= len(head) and new[new_s - len(head):new_s] == head:
                new_s -= len(head)
                surviving += len(head)
            if tail and new.startswith(tail, new_e):
                new_e += len(tail)
                surviving += len(tail)
            elif tail and (end_mark := _END_MARK.search(tail)):
                # the passage's last words were edited: it still ends at its own
                # closing punctuation, if that follows within the same sentence
                limit = len(tail) + 40
                found = re.compile(rf"[^.!?…\n]{{0,{limit}}}?{re.escape(end_mark.group())}"
                                   ).match(new, new_e)
                if found:
                    new_e = found.end()
            if new[new_s:new_e] == quote:
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
