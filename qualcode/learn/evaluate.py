"""Honest quality: cross-validation grouped by document, thresholds chosen on the
training part only (nested), precision / recall / F1 for rules, model and both.

`fit_score(train_rows, test_rows)` is any function that trains on some rows of the
label matrix and returns scores (test rows x codes, NaN: no prediction), so the same
procedure compares candidate models.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

FitScore = Callable[[np.ndarray, np.ndarray], np.ndarray]
OUTER_FOLDS = 5
INNER_FOLDS = 4
DEFAULT_THRESHOLD = 0.5


def group_folds(groups: np.ndarray, n_folds: int, seed: int = 0
                ) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train rows, test rows) per fold; all rows of a group (document) fall in the same
    test fold. Groups are shuffled with `seed`, then each goes to the fold with the
    fewest rows so far, so folds have similar sizes."""
    groups = np.asarray(groups)
    names, inverse, sizes = np.unique(groups, return_inverse=True, return_counts=True)
    n_folds = min(n_folds, len(names))
    if n_folds < 2:
        return []
    order = np.random.RandomState(seed).permutation(len(names))
    load = np.zeros(n_folds, dtype=int)
    fold_of = np.empty(len(names), dtype=int)
    for g in order:
        f = int(np.argmin(load))
        fold_of[g] = f
        load[f] += sizes[g]
    row_fold = fold_of[inverse]
    return [(np.flatnonzero(row_fold != f), np.flatnonzero(row_fold == f))
            for f in range(n_folds)]


def best_threshold(scores: np.ndarray, y: np.ndarray, base: np.ndarray | None = None
                   ) -> float:
    """The score threshold with the best F1 on (scores, y) (known labels only), the
    prediction being `score >= threshold`, or'ed with `base` (the rules) when given.
    Ties go to the higher threshold; the threshold sits halfway to the next lower score.
    inf means predict nothing (when that is best, or nothing can be learnt)."""
    known = (y >= 0) & np.isfinite(scores)
    s, t = scores[known], y[known] == 1
    b = base[known] if base is not None else np.zeros(len(s), dtype=bool)
    if not t.any() or not len(s):
        return math.inf
    tp0, fp0 = int((b & t).sum()), int((b & ~t).sum())
    positives = int(t.sum())
    rest = ~b
    order = np.argsort(-s[rest], kind="stable")
    rs, rt = s[rest][order], t[rest][order]
    if not len(rs):
        return math.inf
    tp = tp0 + np.cumsum(rt)
    fp = fp0 + np.cumsum(~rt)
    last = np.r_[rs[1:] != rs[:-1], True]  # a cut is only possible after a run of ties
    f1 = np.where(last, 2 * tp / (tp + fp + positives), -1.0)
    none_f1 = 2 * tp0 / (tp0 + fp0 + positives)
    i = int(np.argmax(f1))
    if f1[i] <= none_f1:
        return math.inf
    below = rs[i + 1] if i + 1 < len(rs) else 0.0
    return float((rs[i] + below) / 2)


@dataclass
class CVResult:
    """Out-of-fold scores and predictions over all labelled rows."""

    scores: np.ndarray  # rows x codes, NaN where no prediction
    model: np.ndarray  # bool: score >= the fold's model threshold
    both: np.ndarray  # bool: rules or score >= the fold's "both" threshold
    folds: list[tuple[np.ndarray, np.ndarray]]
    # the scores calibrated by a map fitted on the training part's out-of-fold scores
    calibrated: np.ndarray | None = None


IDENTITY = (1.0, 0.0)
EPS = 1e-6


def platt(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling of one code's scores: (a, b) of p = 1 / (1 + exp(-(a * logit(score)
    + b))), fitted by logistic regression on the known labels. The identity (1, 0) when
    there is nothing to fit (one class only) or the fit would not be increasing, so a
    calibrated score keeps the order of the raw one and thresholds map across."""
    from sklearn.linear_model import LogisticRegression

    known = (y >= 0) & np.isfinite(scores)
    target = y[known] == 1
    if target.all() or not target.any():
        return IDENTITY
    # Platt's (1999) smoothed targets, (N+ + 1) / (N+ + 2) and 1 / (N- + 2), keep a few
    # labelled sentences from giving scores of 0 or 1: each sentence counts as a
    # positive and a negative with those weights
    pos, neg = int(target.sum()), int((~target).sum())
    soft = np.where(target, (pos + 1) / (pos + 2), 1 / (neg + 2))
    x = np.tile(_logit(scores[known]), 2).reshape(-1, 1)
    fit = LogisticRegression(C=1e4, solver="lbfgs", max_iter=1000).fit(
        x, np.r_[np.ones(len(soft)), np.zeros(len(soft))], sample_weight=np.r_[soft, 1 - soft])
    a, b = float(fit.coef_[0][0]), float(fit.intercept_[0])
    return (a, b) if a > 0 and math.isfinite(a) and math.isfinite(b) else IDENTITY


def calibrations(scores: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Platt parameters per code (codes x 2)."""
    return np.array([platt(scores[:, j], y[:, j]) for j in range(y.shape[1])], dtype=float)


def calibrate(scores: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Scores (rows x codes) through each code's Platt map; NaN stays NaN; the map is
    increasing, so calibrate(threshold) separates the same scores."""
    params = np.asarray(params, dtype=float).reshape(-1, 2)
    with np.errstate(over="ignore", invalid="ignore"):
        z = params[:, 0] * _logit(np.asarray(scores, dtype=float)) + params[:, 1]
        return 1.0 / (1.0 + np.exp(-z))


def calibrate_thresholds(thresholds: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Thresholds on the calibrated scale (inf stays inf)."""
    t = np.asarray(thresholds, dtype=float)
    out = calibrate(np.where(np.isfinite(t), t, 0.5)[None, :], params)[0]
    return np.where(np.isfinite(t), out, t)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, EPS, 1 - EPS)
    return np.log(p) - np.log1p(-p)


def reliability(scores: np.ndarray, y: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """The reliability diagram's table over all codes' known labels: per score bin
    (width 1/bins), the number of sentence-code pairs, their mean score and the share
    that are positive; and, in the frame's `attrs`, the Brier score and the expected
    calibration error (ECE: the bins' |mean score - share positive|, weighted by size)."""
    import pandas as pd

    known = (y >= 0) & np.isfinite(scores)
    s, t = scores[known], (y[known] == 1).astype(float)
    which = np.minimum((s * bins).astype(int), bins - 1)
    rows = []
    for b in range(bins):
        m = which == b
        n = int(m.sum())
        rows.append({"bin": f"{b / bins:.1f}-{(b + 1) / bins:.1f}", "pairs": n,
                     "mean_score": float(s[m].mean()) if n else math.nan,
                     "share_positive": float(t[m].mean()) if n else math.nan})
    out = pd.DataFrame(rows)
    weights = out["pairs"] / max(len(s), 1)
    out.attrs["brier"] = float(np.mean((s - t) ** 2)) if len(s) else math.nan
    out.attrs["ece"] = float(np.nansum(weights * (out["mean_score"] - out["share_positive"])
                                       .abs())) if len(s) else math.nan
    return out


def thresholds(scores: np.ndarray, y: np.ndarray, rules: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """Per code: the best threshold for the model alone, and for the model or'ed with
    the rules."""
    k = y.shape[1]
    alone = np.array([best_threshold(scores[:, j], y[:, j]) for j in range(k)])
    both = np.array([best_threshold(scores[:, j], y[:, j], rules[:, j]) for j in range(k)])
    return alone, both


def out_of_fold(fit_score: FitScore, rows: np.ndarray, groups: np.ndarray, n_codes: int,
                n_folds: int, seed: int) -> np.ndarray:
    """Scores for `rows`, each from a model trained on the other documents of `rows`."""
    out = np.full((len(rows), n_codes), np.nan)
    for train, test in group_folds(groups[rows], n_folds, seed):
        out[test] = fit_score(rows[train], rows[test])
    return out


def nested_cv(fit_score: FitScore, y: np.ndarray, groups: np.ndarray, rules: np.ndarray,
              outer: int = OUTER_FOLDS, inner: int = INNER_FOLDS, seed: int = 0) -> CVResult:
    """Grouped outer CV; inside each outer fold the thresholds are chosen on out-of-fold
    scores of the training part (inner grouped CV), never on the test documents."""
    n, k = y.shape
    scores = np.full((n, k), np.nan)
    calibrated = np.full((n, k), np.nan)
    model = np.zeros((n, k), dtype=bool)
    both = np.zeros((n, k), dtype=bool)
    folds = group_folds(groups, outer, seed)
    for train, test in folds:
        inner_scores = out_of_fold(fit_score, train, groups, k, inner, seed)
        t_alone, t_both = thresholds(inner_scores, y[train], rules[train])
        s = fit_score(train, test)
        scores[test] = s
        calibrated[test] = calibrate(s, calibrations(inner_scores, y[train]))
        with np.errstate(invalid="ignore"):
            model[test] = s >= t_alone
            both[test] = rules[test] | (s >= t_both)
    return CVResult(scores=scores, model=model, both=both, folds=folds, calibrated=calibrated)


def prf(y: np.ndarray, pred: np.ndarray) -> tuple[float, float, float]:
    """Precision, recall, F1 of predictions over the rows with a known label."""
    known = y >= 0
    t, p = y[known] == 1, pred[known]
    tp, fp, fn = int((t & p).sum()), int((~t & p).sum()), int((t & ~p).sum())
    precision = tp / (tp + fp) if tp + fp else math.nan
    recall = tp / (tp + fn) if tp + fn else math.nan
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else math.nan
    return precision, recall, f1


def quality_table(codes: list[str], y: np.ndarray, rules: np.ndarray, cv: CVResult | None,
                  trained: np.ndarray) -> pd.DataFrame:
    """Per code: positives, negatives, and precision / recall / F1 of rules, model and
    both over the labelled sentences (grouped-CV predictions). Codes not `trained` have
    no model figures, and "both" is the rules alone."""
    import pandas as pd

    rows = []
    for j, code in enumerate(codes):
        rec: dict = {"code": code, "positives": int((y[:, j] == 1).sum()),
                     "negatives": int((y[:, j] == 0).sum())}
        learnt = cv is not None and trained[j]
        for name, pred in (("rules", rules), ("model", cv.model if learnt else None),
                           ("both", cv.both if learnt else rules)):
            p, r, f = prf(y[:, j], pred[:, j]) if pred is not None else (math.nan,) * 3
            rec.update({f"{name}_precision": p, f"{name}_recall": r, f"{name}_f1": f})
        rows.append(rec)
    return pd.DataFrame(rows)
