"""`qualcode compare`: do groups of respondents differ in raising each code?

Respondent-level presence (at least one accepted coding) by group; Fisher's exact
test for two groups, chi-square (or a permutation test when expected counts are
small) for more, a linear-by-linear trend test when the attribute is ordered;
Benjamini-Hochberg across codes; risk difference (Newcombe), odds ratio (exact),
Cramér's V; warnings for small samples.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from qualcode.analysis import stats
from qualcode.analysis.filters import apply_filters, fold
from qualcode.analysis.units import (
    MISSING,
    check_attributes,
    code_list,
    count_units,
    expand_codes,
    with_units,
)
from qualcode.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.codebook import Codebook

SMALL_N = 5  # a group smaller than this gets a warning
MIN_EXPECTED = 5  # below this expected count, the permutation test replaces chi-square
CONFIDENCE = 0.95


def compare(
    respondents: pd.DataFrame,
    codings: pd.DataFrame,
    attr: str,
    groups: list[str] | None = None,
    by: str | None = None,
    codebook: Codebook | None = None,
    rollup: bool = True,
    codes: list[str] | None = None,
    where: list[str] | None = None,
    confidence: float = CONFIDENCE,
    order: list[str] | None = None,
    include_missing: bool = False,
) -> pd.DataFrame:
    """One row per code (and per level of `by`): each group's n and count, p_value,
    p_adjusted (BH across codes), test, risk_difference with ci_low/ci_high (first group
    minus second), odds_ratio with or_low/or_high and or_method (exact up to 2,000
    respondents, else Woolf), cramers_v, trend_z/trend_p for ordered
    attributes, and a warning for small samples.

    `respondents` and `codings` as in `summary`; `order` lists the levels of `attr` in
    their natural order (a trend test runs when every compared level is in it).
    Respondents without a value of `attr` are left out of the tests unless
    `include_missing` (then "(missing)" is a group); `excluded_missing` says how many
    were left out, and the warning says so."""
    import pandas as pd

    respondents = with_units(respondents)
    units = apply_filters(respondents, where)
    check_attributes(units, [attr] + ([by] if by else []))
    if not include_missing:
        missing = units[units[attr] == MISSING]
        units = units[units[attr] != MISSING]
    else:
        missing = units.iloc[:0]
    levels = _levels(units, attr, groups, order)
    units = units[units[attr].isin(levels)]
    coded = count_units(codings, respondents, codebook, rollup, codes)
    keep = ["unit", *[a for a in dict.fromkeys([attr] + ([by] if by else []))
                      if a not in ("document", "case")]]
    present = coded[["unit", "document", "case", "code"]].merge(units[keep], on="unit")
    # a trend test only where every compared level has a declared place in the order
    ordered = order is not None and len(levels) > 2 and set(levels) <= set(order)
    wanted = (expand_codes(codebook, codes, rollup) if codes
              else code_list(codebook, coded.code.unique()))
    strata = sorted(units[by].unique()) if by else [None]
    rows = []
    for stratum in strata:
        su = units if stratum is None else units[units[by] == stratum]
        sp = present if stratum is None else present[present[by] == stratum]
        n = su.groupby(attr).size().reindex(levels, fill_value=0)
        cnt = sp.groupby(["code", attr]).size()
        excluded = len(missing) if stratum is None else int((missing[by] == stratum).sum())
        for code in wanted:
            x = [int(cnt.get((code, g), 0)) for g in levels]
            row = _row(code, stratum, by, levels, x, list(map(int, n)), ordered, confidence)
            row["excluded_missing"] = excluded
            if excluded:
                note = (f"{excluded} respondent(s) without {attr} excluded "
                        "(--include-missing keeps them as a group)")
                row["warning"] = "; ".join(filter(None, [note, row["warning"]]))
            rows.append(row)
    df = pd.DataFrame(rows)
    key = [by] if by else []
    if not df.empty:
        df["p_adjusted"] = (df.groupby(key, group_keys=False)["p_value"].transform(
            lambda s: pd.Series(stats.benjamini_hochberg(s.tolist()), index=s.index))
            if key else stats.benjamini_hochberg(df["p_value"].tolist()))
    cols = ["code", *key]
    for g in levels:
        cols += [f"n_{g}", f"count_{g}"]
    cols += ["p_value", "p_adjusted", "test", "risk_difference", "ci_low", "ci_high",
             "odds_ratio", "or_low", "or_high", "or_method", "cramers_v"]
    if ordered:
        cols += ["trend_z", "trend_p"]
    cols += ["excluded_missing", "warning"]
    return df.reindex(columns=cols)


def _levels(units: pd.DataFrame, attr: str, groups: list[str] | None,
            order: list[str] | None) -> list[str]:
    present = sorted(units[attr].unique(), key=str)
    if order:
        present = [v for v in order if v in set(present)] + [v for v in present
                                                              if v not in set(order)]
    if not groups:
        if len(present) < 2:
            raise UsageError(f"{attr!r} has fewer than two groups ({', '.join(present)})")
        return present
    by_fold = {fold(v): v for v in present}
    chosen = []
    for g in groups:
        if fold(g) not in by_fold:
            raise UsageError(f"no group {g!r} in {attr} - groups are: {', '.join(present)}")
        chosen.append(by_fold[fold(g)])
    if len(chosen) < 2:
        raise UsageError("compare needs at least two groups")
    return chosen


def _row(code: str, stratum: object, by: str | None, levels: list[str], x: list[int],
         n: list[int], ordered: bool, confidence: float) -> dict:
    row: dict = {"code": code}
    if by:
        row[by] = stratum
    for g, xi, ni in zip(levels, x, n, strict=True):
        row[f"n_{g}"], row[f"count_{g}"] = ni, xi
    warnings = []
    if min(n) < SMALL_N:
        warnings.append(f"a group has fewer than {SMALL_N} respondents")
    table = np.array([[xi, ni - xi] for xi, ni in zip(x, n, strict=True)])
    if len(levels) == 2:
        r = stats.two_groups(x[0], n[0], x[1], n[1], confidence)
        row.update(test="fisher", p_value=r.p_value, risk_difference=r.risk_difference,
                   ci_low=r.ci_low, ci_high=r.ci_high, odds_ratio=r.odds_ratio,
                   or_low=r.or_low, or_high=r.or_high, or_method=r.or_method,
                   cramers_v=r.cramers_v)
    else:
        chi2, _dof, p, min_expected = stats.chi_square(table)
        if not math.isnan(min_expected) and min_expected < MIN_EXPECTED:
            p = stats.permutation_p(table)
            row["test"] = "permutation"
            warnings.append(f"expected counts below {MIN_EXPECTED}: permutation test used")
        else:
            row["test"] = "chi-square"
        row.update(p_value=p, cramers_v=stats.cramers_v(table))
        if ordered:
            row["trend_z"], row["trend_p"] = stats.linear_by_linear(x, n)
    if sum(x) == 0:
        warnings.append("no respondent has this code")
    row["warning"] = "; ".join(warnings)
    return row
