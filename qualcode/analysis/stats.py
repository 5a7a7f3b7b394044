"""Tests and effect sizes for presence/absence by group (scipy does the heavy lifting).

All functions take counts, so they are checked directly against published examples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

EXACT_OR_MAX_N = 2000  # above this, Woolf's interval (the exact one costs seconds per code)
PERMUTATIONS = 9999  # Monte-Carlo shuffles of the permutation test
PERMUTATION_SEED = 20230726  # fixed, so a permutation p-value is the same on every run


@dataclass(frozen=True)
class TwoGroup:
    p_value: float
    odds_ratio: float
    or_low: float
    or_high: float
    or_method: str
    risk_difference: float
    ci_low: float
    ci_high: float
    cramers_v: float


def wilson(x: int, n: int, z: float) -> tuple[float, float]:
    """Wilson score interval for a proportion x/n."""
    if n == 0:
        return (math.nan, math.nan)
    p = x / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe(x1: int, n1: int, x2: int, n2: int, confidence: float = 0.95
             ) -> tuple[float, float, float]:
    """Risk difference p1 - p2 with Newcombe's hybrid score interval (method 10)."""
    from scipy.stats import norm

    if n1 == 0 or n2 == 0:
        return (math.nan, math.nan, math.nan)
    z = float(norm.ppf(1 - (1 - confidence) / 2))
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson(x1, n1, z)
    l2, u2 = wilson(x2, n2, z)
    d = p1 - p2
    return d, d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), \
        d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def cramers_v(table: np.ndarray) -> float:
    """Cramér's V from the uncorrected chi-square of an r x c table."""
    from scipy.stats import chi2_contingency

    table = _drop_empty(table)
    n = table.sum()
    k = min(table.shape) - 1
    if n == 0 or k < 1:
        return math.nan
    chi2 = chi2_contingency(table, correction=False)[0]
    return math.sqrt(chi2 / (n * k))


def _drop_empty(table: np.ndarray) -> np.ndarray:
    table = np.asarray(table, dtype=float)
    table = table[table.sum(axis=1) > 0]
    return table[:, table.sum(axis=0) > 0]


def two_groups(x1: int, n1: int, x2: int, n2: int, confidence: float = 0.95) -> TwoGroup:
    """Fisher's exact test, odds ratio, risk difference with Newcombe interval and Cramér's V
    for two groups (x with the code out of n). The odds ratio is the conditional MLE with
    its exact interval up to EXACT_OR_MAX_N respondents, above that the sample odds ratio
    with Woolf's (log) interval; `or_method` says which."""
    from scipy.stats import fisher_exact

    table = np.array([[x1, n1 - x1], [x2, n2 - x2]])
    p = float(fisher_exact(table, alternative="two-sided")[1])
    if n1 + n2 <= EXACT_OR_MAX_N:
        or_, lo, hi = _exact_or(table, confidence)
        method = "exact"
    else:
        or_, lo, hi = _woolf_or(table, confidence)
        method = "woolf"
    rd, rlo, rhi = newcombe(x1, n1, x2, n2, confidence)
    return TwoGroup(p, or_, lo, hi, method, rd, rlo, rhi, cramers_v(table))


def _exact_or(table: np.ndarray, confidence: float) -> tuple[float, float, float]:
    from scipy.stats.contingency import odds_ratio

    try:
        res = odds_ratio(table, kind="conditional")
        ci = res.confidence_interval(confidence_level=confidence)
        return float(res.statistic), float(ci.low), float(ci.high)
    except ValueError:
        return math.nan, math.nan, math.nan


def _woolf_or(table: np.ndarray, confidence: float) -> tuple[float, float, float]:
    from scipy.stats import norm

    a, b, c, d = (float(x) for x in table.ravel())
    if min(a, b, c, d) == 0:
        return _exact_or(table, confidence)
    estimate = (a * d) / (b * c)
    se = math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    z = float(norm.ppf(1 - (1 - confidence) / 2))
    return estimate, math.exp(math.log(estimate) - z * se), math.exp(math.log(estimate) + z * se)


def chi_square(table: np.ndarray) -> tuple[float, int, float, float]:
    """Pearson chi-square (no continuity correction): chi2, df, p, smallest expected count."""
    from scipy.stats import chi2_contingency

    table = _drop_empty(table)
    if min(table.shape) < 2:
        return (math.nan, 0, math.nan, math.nan)
    chi2, p, dof, expected = chi2_contingency(table, correction=False)
    return float(chi2), int(dof), float(p), float(expected.min())


def permutation_p(table: np.ndarray, n_resamples: int = PERMUTATIONS,
                  seed: int = PERMUTATION_SEED) -> float:
    """Monte-Carlo permutation p-value of the chi-square statistic for an r x 2 table
    (group labels shuffled over respondents; fixed seed, so results are reproducible)."""
    from scipy.stats import chi2_contingency

    table = _drop_empty(table)
    if min(table.shape) < 2:
        return math.nan
    groups = np.repeat(np.arange(table.shape[0]), table.sum(axis=1).astype(int))
    outcome = np.concatenate([np.r_[np.ones(int(r[0])), np.zeros(int(r[1]))] for r in table])
    observed = chi2_contingency(table, correction=False)[0]
    rng = np.random.default_rng(seed)
    k = table.shape[0]
    sizes = np.bincount(groups, minlength=k)
    totals = outcome.sum()
    n = len(outcome)
    exp_with = sizes * totals / n
    exp_without = sizes * (n - totals) / n
    onehot = np.eye(k)[groups]  # respondents x groups
    hits = 0
    # resamples in blocks (the same random stream as one permutation at a time)
    for done in range(0, n_resamples, 2000):
        block = min(2000, n_resamples - done)
        with_ = rng.permuted(np.tile(outcome, (block, 1)), axis=1) @ onehot
        stat = ((with_ - exp_with) ** 2 / exp_with).sum(axis=1) + \
            (((sizes - with_) - exp_without) ** 2 / exp_without).sum(axis=1)
        hits += int(np.count_nonzero(stat >= observed - 1e-12))
    return (hits + 1) / (n_resamples + 1)


def linear_by_linear(with_: list[int], n: list[int], scores: list[float] | None = None
                     ) -> tuple[float, float]:
    """Linear-by-linear association (Mantel-Haenszel trend) test for ordered groups:
    M^2 = (N-1) r^2; returns the signed z and its two-sided p-value."""
    from scipy.stats import norm

    scores = scores or list(range(1, len(n) + 1))
    u = np.repeat(scores, n).astype(float)
    v = np.concatenate([np.r_[np.ones(w), np.zeros(m - w)] for w, m in zip(with_, n,
                                                                          strict=True)])
    big_n = len(u)
    if big_n < 3 or u.std() == 0 or v.std() == 0:
        return math.nan, math.nan
    r = float(np.corrcoef(u, v)[0, 1])
    z = math.copysign(math.sqrt((big_n - 1) * r * r), r)
    return z, float(2 * norm.sf(abs(z)))


def benjamini_hochberg(p: list[float]) -> list[float]:
    """BH-adjusted p-values (NaN stays NaN)."""
    from scipy.stats import false_discovery_control

    arr = np.asarray(p, dtype=float)
    out = np.full_like(arr, np.nan)
    ok = ~np.isnan(arr)
    if ok.any():
        out[ok] = false_discovery_control(arr[ok], method="bh")
    return out.tolist()
