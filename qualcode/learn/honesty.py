"""How far the model is from a second coder: its agreement (and the rules') with each
coder next to the coders' agreement with each other, and how well its scores are
calibrated (the reliability diagram), all from the cross-validation's out-of-fold
predictions, so every figure is on documents the model did not learn from."""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING

import numpy as np

from qualcode.analysis import reliability as rel

if TYPE_CHECKING:
    from collections.abc import Mapping

    import pandas as pd

    from qualcode.learn.data import LabelMatrix
    from qualcode.learn.evaluate import CVResult

AGREEMENT_COLUMNS = ["code", "source", "coder", "sentences", "kappa", "alpha"]


def coder_agreement(labels: LabelMatrix, rules: np.ndarray, cv: CVResult,
                    by_coder: Mapping[str, LabelMatrix],
                    predicted: np.ndarray | None = None) -> pd.DataFrame:
    """Per code (rows as AGREEMENT_COLUMNS): Cohen's kappa and Krippendorff's alpha at
    sentence level between `source` and `coder`, where source is "rules", "model" (its
    out-of-fold predictions), "both" (rules or model, as `autocode --source both`; the
    rules alone for a code the model does not predict) or another coder. Sentences: those
    of the documents `coder` coded (both coders', for a pair of coders), among the
    labelled ones. `by_coder`: each coder's own label matrix."""
    import pandas as pd

    keys = list(zip(labels.sentences["document"], labels.sentences["start"], strict=True))
    own = {c: _aligned(keys, m, labels.codes) for c, m in by_coder.items()}
    both = cv.both.copy()
    if predicted is not None:
        both[:, ~predicted] = rules[:, ~predicted]
    sources = {"rules": rules, "model": cv.model, "both": both}
    rows = []
    for j, code in enumerate(labels.codes):
        for a, b in itertools.combinations(sorted(own), 2):
            known = (own[a][:, j] >= 0) & (own[b][:, j] >= 0)
            rows.append([code, a, b, *_agree(own[a][known, j] == 1, own[b][known, j] == 1)])
        for name, pred in sources.items():
            for c in sorted(own):
                known = own[c][:, j] >= 0
                rows.append([code, name, c, *_agree(pred[known, j], own[c][known, j] == 1)])
    return pd.DataFrame(rows, columns=AGREEMENT_COLUMNS)


def _aligned(keys: list[tuple], matrix: LabelMatrix, codes: list[str]) -> np.ndarray:
    """A coder's labels on the rows `keys` (document, start): -1 where the coder did not
    label the sentence."""
    index = {k: i for i, k in enumerate(zip(matrix.sentences["document"],
                                            matrix.sentences["start"], strict=True))}
    cols = [matrix.codes.index(c) for c in codes]
    out = np.full((len(keys), len(codes)), -1, dtype=np.int8)
    rows = [(r, index[k]) for r, k in enumerate(keys) if k in index]
    if rows:
        mine, theirs = np.array(rows).T
        out[mine] = matrix.y[theirs][:, cols]
    return out


def _agree(a: np.ndarray, b: np.ndarray) -> tuple[int, float, float]:
    """(sentences, kappa, alpha) of two yes/no vectors; NaN when undefined: no sentence,
    or neither side says yes anywhere (all "no" on both sides is no evidence of
    agreement; Cohen's formula would give 1)."""
    n = int(len(a))
    if not n or not (np.any(a) or np.any(b)):
        return n, math.nan, math.nan
    kappa, _ = rel.binary_kappa(a, b)
    alpha = rel.krippendorff_alpha(np.vstack([a, b]).astype(float))
    return n, float(kappa), float(alpha)


def reliability_table(labels: LabelMatrix, cv: CVResult,
                      predicted: np.ndarray | None = None, bins: int = 10) -> pd.DataFrame:
    """The reliability diagram of the cross-validated calibrated scores of the codes the
    model predicts (evaluate.reliability; each outer fold's calibration fitted on its
    training documents only), with the raw scores' Brier score and ECE in the attrs
    `brier_raw` and `ece_raw` for comparison."""
    from qualcode.learn.evaluate import reliability

    cols = np.flatnonzero(predicted) if predicted is not None else np.arange(len(labels.codes))
    y = labels.y[:, cols]
    calibrated = cv.calibrated if cv.calibrated is not None else cv.scores
    out = reliability(calibrated[:, cols], y, bins)
    raw = reliability(cv.scores[:, cols], y, bins)
    out.attrs["brier_raw"], out.attrs["ece_raw"] = raw.attrs["brier"], raw.attrs["ece"]
    return out
