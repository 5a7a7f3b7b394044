"""Keyness: which words one group of respondents uses more than another.

For each lemma, with a and b its frequencies in the two corpora of c and d words:
- log-likelihood G2 (Rayson & Garside 2000, "Comparing corpora using frequency
  profiling"; the UCREL calculator's formula): E1 = c(a+b)/(c+d), E2 = d(a+b)/(c+d),
  G2 = 2 (a ln(a/E1) + b ln(b/E2)), a term with zero frequency counting 0; p from the
  chi-square distribution with 1 degree of freedom, adjusted over all lemmas tested in
  one comparison (Benjamini-Hochberg);
- log ratio (Hardie 2014), the effect size: log2((a/c) / (b/d)), a zero frequency
  taken as 0.5 so the ratio stays finite: +1 means twice as frequent in the group.
Only lemmas seen at least `min_count` times in the two groups together are tested.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qualcode.errors import UsageError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

KEYNESS_COLUMNS = ["group", "versus", "lemma", "count", "count_versus", "per_10k",
                   "per_10k_versus", "log_ratio", "g2", "p_value", "p_adjusted"]


def log_likelihood(a: np.ndarray, b: np.ndarray, c: float, d: float) -> np.ndarray:
    """G2 of Rayson & Garside (2000) for frequencies a, b in corpora of c, d words."""
    import numpy as np

    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    e1 = c * (a + b) / (c + d)
    e2 = d * (a + b) / (c + d)
    with np.errstate(divide="ignore", invalid="ignore"):
        t1 = np.where(a > 0, a * np.log(a / e1), 0.0)
        t2 = np.where(b > 0, b * np.log(b / e2), 0.0)
    return 2 * (t1 + t2)


def log_ratio(a: np.ndarray, b: np.ndarray, c: float, d: float) -> np.ndarray:
    """Hardie's log ratio, log2 of the ratio of relative frequencies (0 read as 0.5)."""
    import numpy as np

    a = np.where(np.asarray(a) == 0, 0.5, a).astype(float)
    b = np.where(np.asarray(b) == 0, 0.5, b).astype(float)
    return np.log2((a / c) / (b / d))


def compare_counts(a: pd.Series, b: pd.Series, c: int, d: int, min_count: int = 5
                   ) -> pd.DataFrame:
    """Keyness of every lemma of two frequency lists (lemma -> count) of corpora of c and
    d words: count, count_versus, per_10k, per_10k_versus, log_ratio, g2, p_value,
    p_adjusted; strongest first."""
    import pandas as pd
    from scipy.stats import chi2

    from qualcode.analysis.stats import benjamini_hochberg

    both = pd.concat([a.rename("count"), b.rename("count_versus")], axis=1).fillna(0)
    both = both.astype(int)
    both = both[(both["count"] + both["count_versus"]) >= min_count]
    out = both.rename_axis("lemma").reset_index()
    if out.empty or not c or not d:
        return pd.DataFrame(columns=KEYNESS_COLUMNS[2:])
    out["per_10k"] = (out["count"] * 10_000 / c).round(2)
    out["per_10k_versus"] = (out["count_versus"] * 10_000 / d).round(2)
    out["log_ratio"] = log_ratio(out["count"].to_numpy(), out["count_versus"].to_numpy(),
                                 c, d)
    out["g2"] = log_likelihood(out["count"].to_numpy(), out["count_versus"].to_numpy(), c, d)
    out["p_value"] = chi2.sf(out["g2"].to_numpy(), 1)
    out["p_adjusted"] = benjamini_hochberg(list(out["p_value"]))
    out = out.sort_values(["g2", "lemma"], ascending=[False, True], kind="stable")
    return out[KEYNESS_COLUMNS[2:]].reset_index(drop=True)


def keyness(counts: pd.DataFrame, totals: dict[str, int], groups: list[str] | None = None,
            min_count: int = 5) -> pd.DataFrame:
    """Keyness by group. `counts`: group, lemma, count (tidy); `totals`: words per group.
    Two groups: the first against the second. More: each group against all the others
    together ("rest"). One row per group and lemma, strongest first within a group."""
    import pandas as pd

    have = [g for g in totals if totals[g] > 0]
    if groups:
        unknown = [g for g in groups if g not in totals]
        if unknown:
            raise UsageError(f"no respondent speech in group(s) {', '.join(unknown)} - "
                             f"groups: {', '.join(map(str, totals))}")
        have = list(groups)
    if len(have) < 2:
        raise UsageError("keyness needs at least two groups with respondent speech - "
                         f"found {', '.join(map(str, have)) or 'none'}")
    if min_count < 1:
        raise UsageError(f"--min-count {min_count}: give 1 or more")
    by_group = {g: df.set_index("lemma")["count"] for g, df in counts.groupby("group")}
    empty = pd.Series(dtype=int)
    frames = []
    pairs = ([(have[0], have[1])] if len(have) == 2 else [(g, None) for g in have])
    for g, other in pairs:
        a = by_group.get(g, empty)
        if other is not None:
            b, d, versus = by_group.get(other, empty), totals[other], other
        else:
            rest = [by_group.get(h, empty) for h in have if h != g]
            b = pd.concat(rest).groupby(level=0).sum() if rest else empty
            d, versus = sum(totals[h] for h in have if h != g), "rest"
        table = compare_counts(a, b, totals[g], d, min_count)
        table.insert(0, "versus", versus)
        table.insert(0, "group", g)
        frames.append(table)
    out = pd.concat(frames, ignore_index=True)
    return out[KEYNESS_COLUMNS]
