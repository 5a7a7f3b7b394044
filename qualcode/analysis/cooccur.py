"""`qualcode cooccur`: code-by-code co-occurrence counts and Jaccard, in one pass."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from qualcode.analysis.units import code_list, with_ancestors
from qualcode.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.codebook import Codebook

UNITS = ("sentence", "turn", "overlap")


def cooccur(codings: pd.DataFrame, spans: pd.DataFrame | None = None, unit: str = "turn",
            codebook: Codebook | None = None, rollup: bool = True) -> pd.DataFrame:
    """One row per pair of codes (a <= b): units with both, with either, Jaccard.

    unit=turn or sentence: a unit of respondent speech has a code when a coding overlaps
    it; the unit x code matrix is built once and multiplied (M^T M). unit=overlap: two
    codings co-occur when their spans overlap; `both` counts overlapping pairs and
    Jaccard is shared characters over characters coded with either code.

    `codings`: document, start, end, code (and case: rows without one, interviewer
    speech, are left out), already filtered to the coders and statuses wanted;
    `spans`: the units (document, start, end) for unit=turn or sentence.
    """
    import pandas as pd

    if unit not in UNITS:
        raise UsageError(f"unknown unit {unit!r} - use sentence, turn or overlap")
    if "case" in codings.columns:
        codings = codings[codings.case.notna()]
    codings = codings[["document", "start", "end", "code"]]
    if rollup:
        codings = with_ancestors(codings, codebook)
    codings = codings.drop_duplicates().reset_index(drop=True)
    order = code_list(codebook, codings.code.unique())
    if unit == "overlap":
        return _overlap(codings, order)
    if spans is None:
        raise UsageError(f"unit {unit} needs the spans of the units")
    hits = _assign(codings, spans)
    if hits.empty:
        return pd.DataFrame(columns=["code_a", "code_b", "both", "either", "jaccard"])
    present = [c for c in order if c in set(hits.code)]
    matrix = pd.crosstab(hits.unit, hits.code).reindex(columns=present, fill_value=0)
    m = (matrix.to_numpy() > 0).astype(np.int64)
    both = m.T @ m
    totals = np.diag(both)
    rows = []
    for i, a in enumerate(present):
        for j in range(i, len(present)):
            either = totals[i] + totals[j] - both[i, j]
            rows.append({"code_a": a, "code_b": present[j], "both": int(both[i, j]),
                         "either": int(either),
                         "jaccard": both[i, j] / either if either else float("nan")})
    return pd.DataFrame(rows)


def _assign(codings: pd.DataFrame, spans: pd.DataFrame) -> pd.DataFrame:
    """(unit, code) for every unit a coding overlaps (vectorised per document)."""
    import pandas as pd

    out = []
    spans = spans.reset_index(drop=True).assign(unit=lambda d: d.index)
    for doc, group in codings.groupby("document"):
        s = spans[spans.document == doc]
        if s.empty:
            continue
        starts, ends, ids = s.start.to_numpy(), s.end.to_numpy(), s.unit.to_numpy()
        order = np.argsort(starts)
        starts, ends, ids = starts[order], ends[order], ids[order]
        for start, end, code in group[["start", "end", "code"]].itertuples(index=False):
            lo = np.searchsorted(ends, start, side="right")
            hi = np.searchsorted(starts, end, side="left")
            for k in range(lo, hi):
                out.append((ids[k], code))
    return pd.DataFrame(out, columns=["unit", "code"]).drop_duplicates()


def _merge(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _length(intervals: list[tuple[int, int]]) -> int:
    return sum(e - s for s, e in intervals)


def _intersection(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> int:
    i = j = total = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        total += max(0, hi - lo)
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


def _overlap(codings: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """both: pairs of overlapping codings (a != b) or codings of a (a == b);
    either: characters coded with a or b; jaccard: shared / either characters."""
    import pandas as pd

    present = [c for c in order if c in set(codings.code)]
    rank = {c: i for i, c in enumerate(present)}
    k = len(present)
    pairs = np.zeros((k, k), dtype=np.int64)
    shared = np.zeros((k, k), dtype=np.int64)
    length = np.zeros(k, dtype=np.int64)
    for _doc, group in codings.groupby("document"):
        items = sorted(group[["start", "end", "code"]].itertuples(index=False, name=None))
        active: list[tuple[int, int, str]] = []
        for start, end, code in items:
            active = [x for x in active if x[1] > start]
            for _s, _e, other in active:
                i, j = sorted((rank[other], rank[code]))
                if i != j:
                    pairs[i, j] += 1
            active.append((start, end, code))
            pairs[rank[code], rank[code]] += 1
        merged = {c: _merge([(s, e) for s, e, x in items if x == c]) for c in
                  {x for _, _, x in items}}
        for a, ia in merged.items():
            length[rank[a]] += _length(ia)
            for b, ib in merged.items():
                if rank[a] <= rank[b]:
                    shared[rank[a], rank[b]] += ia and ib and _intersection(ia, ib) or 0
    rows = []
    for i, a in enumerate(present):
        for j in range(i, k):
            union = length[i] + length[j] - shared[i, j]
            rows.append({"code_a": a, "code_b": present[j], "both": int(pairs[i, j]),
                         "either": int(union),
                         "jaccard": shared[i, j] / union if union else float("nan")})
    return pd.DataFrame(rows, columns=["code_a", "code_b", "both", "either", "jaccard"])
