"""Agreement coefficients: percent agreement, Cohen's and Fleiss' kappa, Brennan-Prediger
kappa, Krippendorff's alpha (through the `krippendorff` package)."""

from __future__ import annotations

import math

import numpy as np


def cohen_kappa_table(table: np.ndarray) -> tuple[float, float, float]:
    """Cohen's kappa from a square contingency table: (kappa, p_observed, p_expected)."""
    table = np.asarray(table, dtype=float)
    n = table.sum()
    if n == 0:
        return math.nan, math.nan, math.nan
    po = np.trace(table) / n
    pe = float((table.sum(axis=0) * table.sum(axis=1)).sum() / (n * n))
    kappa = (po - pe) / (1 - pe) if pe < 1 else (1.0 if po == 1 else math.nan)
    return float(kappa), float(po), pe


def cohen_kappa(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Cohen's kappa and percent agreement of two raters' labels (same length)."""
    a, b = np.asarray(a), np.asarray(b)
    labels = np.unique(np.concatenate([a, b]))
    index = {v: i for i, v in enumerate(labels)}
    table = np.zeros((len(labels), len(labels)))
    np.add.at(table, (np.vectorize(index.get)(a), np.vectorize(index.get)(b)), 1)
    kappa, po, _ = cohen_kappa_table(table)
    return kappa, po


def binary_kappa(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Cohen's kappa and percent agreement for two boolean vectors (fast, for characters)."""
    a = np.asarray(a, dtype=bool)
    b = np.asarray(b, dtype=bool)
    n = a.size
    if n == 0:
        return math.nan, math.nan
    both = int(np.count_nonzero(a & b))
    pa, pb = np.count_nonzero(a), np.count_nonzero(b)
    neither = n - pa - pb + both
    table = np.array([[both, pa - both], [pb - both, neither]])
    kappa, po, _ = cohen_kappa_table(table)
    return kappa, po


def fleiss_kappa_counts(counts: np.ndarray) -> float:
    """Fleiss' kappa from a subjects x categories matrix of rater counts."""
    counts = np.asarray(counts, dtype=float)
    n_sub, _ = counts.shape
    raters = counts.sum(axis=1)
    if n_sub == 0 or not np.all(raters == raters[0]) or raters[0] < 2:
        return math.nan
    m = raters[0]
    p_j = counts.sum(axis=0) / (n_sub * m)
    p_i = ((counts * counts).sum(axis=1) - m) / (m * (m - 1))
    pbar, pe = p_i.mean(), (p_j * p_j).sum()
    return float((pbar - pe) / (1 - pe)) if pe < 1 else math.nan


def fleiss_kappa(ratings: np.ndarray) -> float:
    """Fleiss' kappa from a subjects x raters matrix of labels (no missing values)."""
    ratings = np.asarray(ratings)
    labels = np.unique(ratings)
    counts = np.stack([(ratings == v).sum(axis=1) for v in labels], axis=1)
    return fleiss_kappa_counts(counts)


def krippendorff_alpha(data: np.ndarray, level: str = "nominal") -> float:
    """Krippendorff's alpha for a coders x units matrix (NaN = missing)."""
    import krippendorff

    data = np.asarray(data, dtype=float)
    pairable = (~np.isnan(data)).sum(axis=0) >= 2
    if pairable.sum() == 0 or len(np.unique(data[:, pairable][~np.isnan(data[:, pairable])])) < 2:
        return math.nan
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))


def brennan_prediger(p_observed: float, categories: int) -> float:
    """Brennan-Prediger kappa: chance agreement 1/k for k categories."""
    if categories < 2 or math.isnan(p_observed):
        return math.nan
    return (p_observed - 1 / categories) / (1 - 1 / categories)
