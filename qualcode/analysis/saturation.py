"""`qualcode saturation`: did we interview enough people? (Guest, Namey & Chen 2020)

The method of Guest, Namey and Chen (2020, PLOS ONE 15(5): e0232076, "A simple method
to assess and report thematic saturation in qualitative research"): put the interviews
in order; the *base* is the number of unique codes in the first `base` interviews; for
each *run* of `run` consecutive interviews after the base (sliding: the runs start at
interview base+1, base+2, ...), new information = the codes first seen in that run /
the codes of the base. Saturation is reached at the end of the first run whose new
information is at most the `threshold` (the paper's "≤5%"). The base does not move.

An interview is a document; in a focus group the codes of every speaker count for the
one document. With `by`, each group's interviews are the documents restricted to the
group's respondents. Frames in, frames out: no store, no project.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from qualcode.analysis.filters import apply_filters
from qualcode.analysis.units import MISSING, check_attributes, count_units, with_units
from qualcode.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.codebook import Codebook

BASE = 4
RUN = 2
THRESHOLD = 0.05
ORDER = "date"
RANDOM_ORDERS = 1000
RANDOM_SEED = 2020
ALL = "All"
# new information is compared with the threshold with this slack, so that 0.05 given
# as a decimal still counts 1 new code against a base of 20 as exactly 5%
TOLERANCE = 1e-9

CURVE_COLUMNS = ["position", "document", "order_value", "respondents", "codes",
                 "new_codes", "cumulative_codes", "in_base", "run_start", "run_new",
                 "run_share", "saturated"]
VERDICT_COLUMNS = ["interviews", "base", "run", "threshold", "order", "base_codes",
                   "total_codes", "reached", "reached_at", "reached_document",
                   "before_run", "run_new", "run_share", "reported", "codes_after",
                   "random_orders", "random_seed", "random_reached", "random_median_at",
                   "excluded_missing", "excluded_uncoded", "reason", "warning"]
RANDOM_COLUMNS = ["k", "share", "orders", "seed"]


@dataclass
class SaturationResult:
    """The curve (one row per interview in order, per group), the verdict (one row per
    group) and the random-order check (per group and k: the share of random orders that
    reach saturation by interview k)."""

    curve: pd.DataFrame
    verdict: pd.DataFrame
    random: pd.DataFrame
    by: str | None = None


def check_parameters(base: int, run: int, threshold: float) -> None:
    """One-line errors for parameters the method cannot use."""
    if isinstance(base, bool) or not isinstance(base, int | np.integer) or base < 1:
        raise UsageError(f"--base must be a whole number of interviews, at least 1 (got "
                         f"{base!r})")
    if isinstance(run, bool) or not isinstance(run, int | np.integer) or run < 1:
        raise UsageError(f"--run must be a whole number of interviews, at least 1 (got "
                         f"{run!r})")
    try:
        t = float(threshold)
    except (TypeError, ValueError):
        t = float("nan")
    if not 0 <= t < 1:
        raise UsageError(f"--threshold must be a share from 0 up to (not including) 1, "
                         f"e.g. 0.05 for 5% (got {threshold!r})")


def saturation(
    respondents: pd.DataFrame,
    codings: pd.DataFrame,
    order: str | list[str] = ORDER,
    base: int = BASE,
    run: int = RUN,
    threshold: float = THRESHOLD,
    by: str | None = None,
    codebook: Codebook | None = None,
    themes: bool = False,
    where: list[str] | None = None,
    levels: list[str] | None = None,
    random_orders: int = RANDOM_ORDERS,
    seed: int = RANDOM_SEED,
) -> SaturationResult:
    """Thematic saturation after Guest, Namey & Chen (2020).

    `respondents`: one row per respondent (document, case, attributes; `unit` optional);
    `codings`: the counted codings (code plus unit, or document and case), already
    limited to the coders and statuses wanted. `order`: the attribute that orders the
    interviews (default `date`; ties by document id), or a list of document ids in
    interview order. `levels`: the declared order of the attribute's values (qualcode.toml
    [order]); otherwise numbers sort as numbers and anything else as text (ISO dates
    sort by time). A code is each code as coded (sub-codes are codes of their own, a
    parent counts only when coded itself); `themes` counts top-level codes only, each
    sub-code as its theme.

    Interviews without a value of the order attribute (or not in the list), respondents
    without a value of `by`, and documents with no counted coding are left out, counted
    in `excluded_missing` / `excluded_uncoded` and named in `warning`."""
    import pandas as pd

    check_parameters(base, run, threshold)
    threshold = float(threshold)
    respondents = with_units(respondents)
    units = apply_filters(respondents, where)
    explicit = not isinstance(order, str)
    check_attributes(units, ([] if explicit else [order]) + ([by] if by else []))
    if explicit:
        order = _check_sequence(list(order), respondents)
    if codings is None or len(codings) == 0:
        raise UsageError("no counted codings - code passages (qualcode code), or count "
                         "unreviewed suggestions with --include-suggestions")
    coded = count_units(codings, respondents, codebook, rollup=themes)
    if themes and codebook is not None:
        top = {c.id for c in codebook.codes}
        coded = coded[coded.code.isin(top)]
    if coded.empty:
        raise UsageError("no counted coding of respondent speech - code passages (qualcode "
                         "code), or count unreviewed suggestions with --include-suggestions")
    # an interview (document) within a group: its respondents in the group
    strata = [ALL] if by is None else None
    units = units.assign(_group=ALL if by is None else units[by])
    missing_group = units[units._group == MISSING] if by else units.iloc[:0]
    units = units[units._group != MISSING]
    if strata is None:
        strata = sorted(units._group.unique(), key=str)
    curves, verdicts, randoms = [], [], []
    for group in strata:
        gu = units[units._group == group]
        interviews, no_value, uncoded = _interviews(gu, coded, order, explicit, levels)
        codes_per = interviews["codes"].tolist()
        curve, verdict = _assess(interviews, codes_per, base, run, threshold)
        verdict["order"] = "explicit list" if explicit else order
        rand = _random(codes_per, base, run, threshold, random_orders, seed)
        verdict.update(random_orders=random_orders if len(codes_per) else 0,
                       random_seed=seed,
                       random_reached=(float(np.isfinite(rand).mean()) if len(rand)
                                       else float("nan")),
                       random_median_at=(float(np.median(rand)) if len(rand) and
                                         np.isfinite(np.median(rand)) else float("nan")))
        excluded = no_value + (int(missing_group.document.nunique()) if by else 0)
        verdict["excluded_missing"] = excluded
        verdict["excluded_uncoded"] = uncoded
        warnings = []
        if no_value:
            what = ("not in the given order" if explicit
                    else f"without {order}")
            warnings.append(f"{no_value} interview(s) {what} left out")
        if by and len(missing_group):
            warnings.append(f"{missing_group.document.nunique()} interview(s) with "
                            f"respondent(s) without {by} left out")
        if uncoded:
            warnings.append(f"{uncoded} interview(s) with no counted coding left out "
                            "(not coded yet, or nothing counted)")
        verdict["warning"] = "; ".join(warnings)
        k = np.arange(1, len(codes_per) + 1)
        share = [(float((rand <= kk).mean()) if len(rand) else float("nan")) for kk in k]
        rframe = pd.DataFrame({"k": k, "share": share, "orders": random_orders,
                               "seed": seed})
        if by:
            curve.insert(0, by, group)
            rframe.insert(0, by, group)
            verdict = {by: group, **verdict}
        curves.append(curve)
        verdicts.append(verdict)
        randoms.append(rframe if random_orders else rframe.iloc[:0])
    key = [by] if by else []
    curve = pd.concat(curves, ignore_index=True).reindex(columns=key + CURVE_COLUMNS)
    verdict = pd.DataFrame(verdicts).reindex(columns=key + VERDICT_COLUMNS)
    for frame, cols in ((curve, ["run_start", "run_new"]),
                        (verdict, ["reached_at", "before_run", "run_new", "codes_after"])):
        for col in cols:
            # whole numbers, or None where there is none (json null, an empty csv cell)
            frame[col] = pd.Series([None if pd.isna(v) else int(v) for v in frame[col]],
                                   index=frame.index, dtype=object)
    return SaturationResult(curve, verdict, pd.concat(randoms, ignore_index=True).reindex(
        columns=key + RANDOM_COLUMNS), by)


def _check_sequence(sequence: list[str], respondents: pd.DataFrame) -> list[str]:
    known = set(respondents.document.astype(str))
    unknown = [d for d in sequence if d not in known]
    if unknown:
        raise UsageError(f"--sequence: no document {', '.join(unknown)} - documents: "
                         f"{', '.join(sorted(known)[:20])}")
    twice = sorted({d for d in sequence if sequence.count(d) > 1})
    if twice:
        raise UsageError(f"--sequence names {', '.join(twice)} more than once")
    if not sequence:
        raise UsageError("--sequence is empty - list the documents in interview order")
    return sequence


def _sort_key(values: list[str], levels: list[str] | None):  # noqa: ANN202
    """How the order attribute's values sort: declared order, else numbers, else text."""
    if levels:
        rank = {v: i for i, v in enumerate(levels)}
        return lambda v: (v not in rank, rank.get(v, 0), str(v))
    try:
        [float(v) for v in values]
    except (TypeError, ValueError):
        return lambda v: (False, 0, str(v))
    return lambda v: (False, float(v), "")


def _interviews(units: pd.DataFrame, coded: pd.DataFrame, order: str | list[str],
                explicit: bool, levels: list[str] | None
                ) -> tuple[pd.DataFrame, int, int]:
    """The group's interviews in order: document, order value, respondents, codes (a
    frozenset); and how many were left out for no order value or no coding."""
    import pandas as pd

    codes = coded[coded.unit.isin(set(units.unit))].groupby("document").code.agg(frozenset)
    key = None if explicit else _sort_key(
        [v for v in units[order].unique() if v != MISSING], levels)
    rows = []
    for doc, part in units.groupby("document", sort=True):
        if explicit:
            value = order.index(doc) + 1 if doc in order else None
        else:  # speakers of one document with different values: the earliest
            present = [v for v in part[order] if v != MISSING]
            value = min(present, key=key) if present else None
        rows.append({"document": str(doc), "order_value": value,
                     "respondents": len(part), "codes": codes.get(doc, frozenset())})
    df = pd.DataFrame(rows, columns=["document", "order_value", "respondents", "codes"])
    no_value = int(df.order_value.isna().sum())
    df = df[df.order_value.notna()]
    uncoded = int((df.codes.map(len) == 0).sum())
    df = df[df.codes.map(len) > 0]
    if explicit:
        df = df.sort_values("order_value", kind="stable")
    else:
        df = df.assign(_k=df.order_value.map(key)).sort_values(["_k", "document"],
                                                                kind="stable")
        df = df.drop(columns="_k")
    return df.reset_index(drop=True), no_value, uncoded


def new_counts(codes_per: list[frozenset]) -> list[int]:
    """New codes at each interview: codes no earlier interview had."""
    seen: set = set()
    out = []
    for codes in codes_per:
        fresh = codes - seen
        out.append(len(fresh))
        seen |= fresh
    return out


def first_run(new: list[int], base: int, run: int, threshold: float
              ) -> tuple[int | None, list[tuple[int, int, float]]]:
    """(end position of the first run at or under the threshold or None, every run as
    (start position, new codes, share of the base)); positions count from 1."""
    n = len(new)
    base_codes = sum(new[:base])
    runs = []
    reached = None
    if n < base + run or base_codes == 0:
        return None, runs
    for start in range(base + 1, n - run + 2):
        fresh = sum(new[start - 1:start - 1 + run])
        share = fresh / base_codes
        runs.append((start, fresh, share))
        if reached is None and share <= threshold + TOLERANCE:
            reached = start + run - 1
    return reached, runs


def _assess(interviews: pd.DataFrame, codes_per: list[frozenset], base: int, run: int,
            threshold: float) -> tuple[pd.DataFrame, dict]:
    new = new_counts(codes_per)
    n = len(new)
    reached, runs = first_run(new, base, run, threshold)
    by_end = {start + run - 1: (start, fresh, share) for start, fresh, share in runs}
    curve = interviews.assign(
        position=range(1, n + 1),
        codes=[len(c) for c in codes_per],
        new_codes=new,
        cumulative_codes=np.cumsum(new, dtype=np.int64) if n else [],
        in_base=[i < base for i in range(n)],
        run_start=[by_end.get(i + 1, (None,) * 3)[0] for i in range(n)],
        run_new=[by_end.get(i + 1, (None,) * 3)[1] for i in range(n)],
        run_share=[by_end.get(i + 1, (None, None, float("nan")))[2] for i in range(n)],
        saturated=[reached is not None and i + 1 == reached for i in range(n)])
    curve["order_value"] = curve.order_value.astype(object)
    base_codes = sum(new[:base])
    verdict: dict = {"interviews": n, "base": base, "run": run, "threshold": threshold,
                     "base_codes": base_codes, "total_codes": sum(new),
                     "reached": reached is not None}
    if reached is not None:
        start, fresh, share = by_end[reached]
        verdict.update(reached_at=reached, reached_document=curve.document[reached - 1],
                       before_run=start - 1, run_new=fresh, run_share=share,
                       reported=f"{start - 1}+{run}", codes_after=sum(new[reached:]),
                       reason="")
    else:
        verdict.update(reached_at=None, reached_document=None, before_run=None,
                       run_new=None, run_share=float("nan"), reported="",
                       codes_after=None, reason=_why_not(n, base, run, threshold,
                                                         base_codes, runs))
    return curve.reindex(columns=CURVE_COLUMNS), verdict


def _why_not(n: int, base: int, run: int, threshold: float, base_codes: int,
             runs: list[tuple[int, int, float]]) -> str:
    if n < base + run:
        return (f"{n} coded interview(s): the method needs at least base + run = "
                f"{base + run}")
    if base_codes == 0:
        return f"the first {base} interview(s) have no codes: nothing to measure new " \
               "information against"
    start, fresh, share = min(runs, key=lambda r: (r[2], r[0]))
    return (f"no run of {run} interview(s) after the base adds at most {threshold:.0%} new "
            f"codes; the lowest is {share:.0%} ({fresh} new of {base_codes} in the base, "
            f"interviews {start}-{start + run - 1})")


def _random(codes_per: list[frozenset], base: int, run: int, threshold: float,
            orders: int, seed: int) -> np.ndarray:
    """Where saturation is reached (inf: never) in `orders` random orders of the
    interviews, drawn with a fixed seed."""
    n = len(codes_per)
    if not orders or n == 0:
        return np.zeros(0)
    vocab = sorted({c for cs in codes_per for c in cs})
    index = {c: j for j, c in enumerate(vocab)}
    present = np.zeros((n, len(vocab)), dtype=bool)
    for i, cs in enumerate(codes_per):
        present[i, [index[c] for c in cs]] = True
    rng = np.random.default_rng(seed)
    out = np.full(orders, np.inf)
    for r in range(orders):
        perm = rng.permutation(n)
        p = present[perm]
        first = np.where(p.any(axis=0), p.argmax(axis=0), n)
        new = np.bincount(first, minlength=n + 1)[:n].tolist()
        at, _ = first_run(new, base, run, threshold)
        if at is not None:
            out[r] = at
    return out
