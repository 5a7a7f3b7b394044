"""Do context features and the codebook's texts make the learned model better? Before
and after, by the grouped nested CV `qualcode train` uses, on the example study.

    python bench/learn_features.py               # fold seeds 0-4 (~2 min)
    python bench/learn_features.py --seeds 0     # the seed train uses

Rows (qualcode.learn.model.fit_labels, the shipped code, wordllama embeddings):
- before: Settings(context=False, codebook_texts=False), the model of issue 14;
- + context: the interviewer's question (TF-IDF) and the speaker's previous and next
  sentence (mean embedding);
- + codebook texts: each code's description, include text and examples as extra
  positives in every training part;
- shipped: both.
And one row the product does not ship, to answer the issue's question: + speaker
attributes (origin, role, rank, phase of the sentence's case, one-hot, weight 0.5, on top
of "shipped"), with the mean coefficient of each attribute value per theme.

Cells: F1 per theme (trust_gap, coup_risk, populist_mistrust, bilateral_preference) and
micro-F1 over the four, for the model alone and for both as `train` ships it (rules or
model; a theme whose CV model F1 is under 0.20 is left to the rules). Per seed, then
the mean over seeds.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(REPO))
from learn_compare import example_labels  # noqa: E402

ATTRIBUTES = ("origin", "role", "rank", "phase")


def micro(labels, pred, ti) -> tuple[list[float], float]:  # noqa: ANN001
    from qualcode.learn.evaluate import prf

    f1 = [prf(labels.y[:, j], pred[:, j])[2] for j in ti]
    return f1, prf(labels.y[:, ti].ravel(), pred[:, ti].ravel())[2]


def shipped_both(model, rules):  # noqa: ANN001, ANN201
    both = model.cv.both.copy()
    both[:, ~model.predicted] = rules[:, ~model.predicted]
    return both


def attribute_run(labels, rules, extra, cases, respondents, seed: int):  # noqa: ANN001, ANN201
    """The shipped features plus one-hot speaker attributes, through the same nested CV;
    returns (model predictions, shipped-both predictions, mean coefficients per code)."""
    from scipy.sparse import csr_matrix, hstack
    from sklearn.linear_model import LogisticRegression

    from qualcode.learn.classifier import LinearModel, Settings
    from qualcode.learn.evaluate import nested_cv, prf, thresholds
    from qualcode.learn.features import sentence_inputs
    from qualcode.learn.model import MIN_F1

    names = sorted({f"{a}={respondents.loc[c, a]}" for c in set(cases)
                    if c in respondents.index for a in ATTRIBUTES if a in respondents})
    col = {n: i for i, n in enumerate(names)}
    onehot = np.zeros((len(cases) + len(extra.texts), len(names)), dtype=np.float32)
    for i, c in enumerate(cases):
        if c in respondents.index:
            for a in ATTRIBUTES:
                if a in respondents:
                    onehot[i, col[f"{a}={respondents.loc[c, a]}"]] = 0.5
    import pandas as pd

    n = len(labels.texts)
    ctx = pd.concat([labels.sentences[["before", "after", "question"]],
                     pd.DataFrame("", index=range(len(extra.texts)),
                                  columns=["before", "after", "question"])], ignore_index=True)
    x = sentence_inputs(labels.texts + extra.texts,
                        labels.sentences["language"].tolist() + [extra.language] *
                        len(extra.texts), "wordllama", ctx)
    y_all = np.vstack([labels.y, extra.y])
    added = np.arange(n, n + len(extra.texts))
    trainable = (labels.y == 1).sum(axis=0) >= 8
    coefs: dict[str, list[np.ndarray]] = {}

    def fit_score(train: np.ndarray, test: np.ndarray) -> np.ndarray:
        rows = np.r_[train, added]
        a, b = x.take(rows), x.take(test)
        base = LinearModel(labels.codes, Settings()).fit(
            a.lemmas, a.vectors, y_all[rows], trainable, a.questions, a.neighbours)
        feat = base.featurizer

        def full(inp, r):  # noqa: ANN001, ANN202
            return hstack([feat.transform(inp.lemmas, inp.vectors, inp.questions,
                                          inp.neighbours), csr_matrix(onehot[r])], format="csr")

        xa, xb = full(a, rows), full(b, test)
        out = np.full((len(test), len(labels.codes)), np.nan)
        for j in np.flatnonzero(trainable):
            known = y_all[rows, j] >= 0
            clf = LogisticRegression(C=4.0, solver="liblinear", max_iter=1000, random_state=0)
            clf.fit(xa[known], y_all[rows][known, j])
            out[:, j] = clf.predict_proba(xb)[:, 1]
            coefs.setdefault(labels.codes[j], []).append(clf.coef_[0][-len(names):])
        return out

    cv = nested_cv(fit_score, labels.y, labels.groups, rules, seed=seed)
    t_alone, _ = thresholds(cv.scores, labels.y, rules)
    f1 = np.array([prf(labels.y[:, j], cv.model[:, j])[2] for j in range(len(labels.codes))])
    predicted = trainable & np.isfinite(t_alone) & (np.nan_to_num(f1) >= MIN_F1)
    both = cv.both.copy()
    both[:, ~predicted] = rules[:, ~predicted]
    mean = {c: dict(zip(names, np.mean(v, axis=0).round(2), strict=True))
            for c, v in coefs.items()}
    return cv.model, both, mean


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2, 3, 4])
    ap.add_argument("--no-attributes", action="store_true")
    args = ap.parse_args()
    from qualcode import datasets
    from qualcode.learn.classifier import Settings
    from qualcode.learn.data import codebook_rows, with_context
    from qualcode.learn.model import fit_labels

    with tempfile.TemporaryDirectory() as tmp:
        proj, labels, rules, themes = example_labels(Path(tmp))
        ws = proj.workspace
        ctx = with_context(ws, labels.sentences)
        for column in ("before", "after", "question"):
            labels.sentences[column] = ctx[column].to_numpy()
        extra = codebook_rows(proj.codebook, labels.codes, ws.settings.language)
        ti = [labels.codes.index(c) for c in themes]
        turns = datasets.turns(ws)
        cases = []
        for d, s in zip(labels.sentences["document"], labels.sentences["start"], strict=True):
            t = turns[(turns.document == d) & (turns.start <= s)].sort_values("start")
            cases.append(t["case"].iloc[-1])
        respondents = datasets.respondents(ws).set_index("case")
        print(f"{len(labels.sentences)} labelled sentences in {len(set(labels.groups))} "
              f"documents; {len(extra.texts)} codebook texts; themes {', '.join(themes)}\n")
        print("| configuration | seed | model F1 per theme (micro) | both as shipped | s |")
        print("|---|---|---|---|---|")
        configs = {
            "before (issue 14)": Settings(context=False, codebook_texts=False),
            "+ context": Settings(context=True, codebook_texts=False),
            "+ codebook texts": Settings(context=False, codebook_texts=True),
            "shipped: context + codebook texts": Settings(),
        }
        means: dict[str, list[tuple[float, float]]] = {}
        for name, settings in configs.items():
            for seed in args.seeds:
                t0 = time.perf_counter()
                model, _ = fit_labels(labels, rules, settings=settings, seed=seed,
                                      extra=extra)
                cells = []
                for pred in (model.cv.model, shipped_both(model, rules)):
                    f1, m = micro(labels, pred, ti)
                    cells.append((f1, m))
                means.setdefault(name, []).append((cells[0][1], cells[1][1]))
                print(f"| {name} | {seed} | " + " | ".join(
                    " ".join(f"{f:.2f}" for f in f1) + f" (**{m:.3f}**)" for f1, m in cells)
                    + f" | {time.perf_counter() - t0:.0f} |", flush=True)
        if not args.no_attributes:
            coefs = {}
            for seed in args.seeds:
                t0 = time.perf_counter()
                model_pred, both, coefs = attribute_run(labels, rules, extra, cases,
                                                        respondents, seed)
                cells = [micro(labels, p, ti) for p in (model_pred, both)]
                means.setdefault("+ speaker attributes (not shipped)", []).append(
                    (cells[0][1], cells[1][1]))
                print(f"| + speaker attributes (not shipped) | {seed} | " + " | ".join(
                    " ".join(f"{f:.2f}" for f in f1) + f" (**{m:.3f}**)" for f1, m in cells)
                    + f" | {time.perf_counter() - t0:.0f} |", flush=True)
        print(f"\nMean micro-F1 over seeds {', '.join(map(str, args.seeds))}:\n")
        print("| configuration | model | both as shipped |\n|---|---|---|")
        for name, rows in means.items():
            a = np.array(rows)
            print(f"| {name} | {a[:, 0].mean():.3f} | {a[:, 1].mean():.3f} |")
        if not args.no_attributes:
            print("\nSpeaker attributes: mean coefficient per theme (last seed, over its "
                  "folds; one-hot, so compare the values of one attribute with each other):\n")
            for code in themes:
                w = coefs.get(code, {})
                print(f"- {code}: " + "; ".join(
                    ", ".join(f"{k} {v:+.2f}" for k, v in sorted(w.items())
                              if k.startswith(f"{a}=")) for a in ("origin", "phase")))
        proj.close()


if __name__ == "__main__":
    main()
