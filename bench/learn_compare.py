"""Which model learns best from the example study's decisions? Grouped nested CV.

    python bench/learn_compare.py              # linear candidates (~1 min)
    python bench/learn_compare.py --textcat    # + spaCy textcat_multilabel (~3 more min)
    python bench/learn_compare.py --curve      # + learning curve of the shipped model

Copies the example project to a temporary folder, imports and auto-codes it, builds
the label matrix from amina's and lukas's codings (qualcode.learn.data), and runs
every candidate through the same grouped nested cross-validation
(qualcode.learn.evaluate.nested_cv, seed 0). Prints markdown tables: per-theme F1 of
rules, model and both (rules or model), micro-F1 over the four themes, and seconds.
docs/quality.md holds the figures of the last run.
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
from corpus import copy_example  # noqa: E402

sys.path.insert(0, str(REPO))


def example_labels(root: Path):  # noqa: ANN201
    from qualcode.learn.data import label_matrix, rule_matrix, training_frames
    from qualcode.project import open_project

    copy_example(root)
    proj = open_project(root)
    proj.import_interviews()
    proj.autocode()
    sentences, codings = training_frames(proj.workspace)
    book = proj.codebook
    codes = [c.id for c, _, _ in book.walk()]
    labels = label_matrix(sentences, codings, book.lineage, codes)
    rules = rule_matrix(labels.sentences, codings, book.lineage, codes)
    return proj, labels, rules, [c.id for c in book.codes]


def linear(labels, settings, vectors, per_language: bool = False):  # noqa: ANN001, ANN201
    from qualcode.learn.classifier import LinearModel
    from qualcode.learn.features import lemma_texts

    lemmas = lemma_texts(labels.texts, labels.sentences["language"].tolist())
    langs = labels.sentences["language"].to_numpy()
    trainable = (labels.y == 1).sum(axis=0) >= 8

    def fit(train, test):  # noqa: ANN001, ANN202
        m = LinearModel(labels.codes, settings).fit(
            [lemmas[i] for i in train], None if vectors is None else vectors[train],
            labels.y[train], trainable)
        return m.scores([lemmas[i] for i in test], None if vectors is None else vectors[test])

    def fit_per_language(train, test):  # noqa: ANN001, ANN202
        out = np.full((len(test), len(labels.codes)), np.nan)
        for lang in np.unique(langs):
            a, b = train[langs[train] == lang], np.flatnonzero(langs[test] == lang)
            if len(a) and len(b):
                out[b] = fit(a, test[b])
        return out

    return fit_per_language if per_language else fit


def textcat(labels, epochs: int = 10):  # noqa: ANN001, ANN201
    """spaCy's textcat_multilabel (bag of words, uni+bigrams) on our lemmas."""
    import random

    import spacy
    from spacy.training import Example
    from spacy.util import fix_random_seed, minibatch

    from qualcode.learn.features import lemma_texts

    lemmas = [t or "_" for t in lemma_texts(labels.texts,
                                            labels.sentences["language"].tolist())]
    trainable = (labels.y == 1).sum(axis=0) >= 8
    wanted = [j for j in range(len(labels.codes)) if trainable[j]]

    def fit(train, test):  # noqa: ANN001, ANN202
        fix_random_seed(0)
        nlp = spacy.blank("xx")
        tc = nlp.add_pipe("textcat_multilabel", config={"model": {
            "@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": False,
            "ngram_size": 2, "no_output_layer": False}})
        for j in wanted:
            tc.add_label(labels.codes[j])
        examples = [Example.from_dict(nlp.make_doc(lemmas[i]), {"cats": {
            labels.codes[j]: float(labels.y[i, j]) for j in wanted if labels.y[i, j] >= 0}})
            for i in train]
        optimizer = nlp.initialize(lambda: examples)
        rng = random.Random(0)
        for _ in range(epochs):
            rng.shuffle(examples)
            for batch in minibatch(examples, size=16):
                nlp.update(batch, sgd=optimizer, drop=0.0)
        out = np.full((len(test), len(labels.codes)), np.nan)
        for r, doc in enumerate(nlp.pipe([lemmas[i] for i in test])):
            for j in wanted:
                out[r, j] = doc.cats[labels.codes[j]]
        return out

    return fit


def report(name: str, labels, rules, themes, cv, seconds: float) -> str:  # noqa: ANN001
    from qualcode.learn.evaluate import prf

    ti = [labels.codes.index(c) for c in themes]
    cells = []
    for pred in (rules, cv.model, cv.both):
        f1 = [prf(labels.y[:, j], pred[:, j])[2] for j in ti]
        micro = prf(labels.y[:, ti].ravel(), pred[:, ti].ravel())[2]
        cells.append(" ".join(f"{f:.2f}" for f in f1) + f" ({micro:.2f})")
    return f"| {name} | {' | '.join(cells)} | {seconds:.0f} |"


def learning_curve(labels, rules, themes, vectors) -> list[str]:  # noqa: ANN001
    """Micro-F1 over themes on held-out documents when training on k coded documents
    (every split of the 10 documents into k training and the rest, k = 2..8, capped
    at 12 random splits per k; thresholds from inner CV on the training documents)."""
    from qualcode.learn.classifier import Settings
    from qualcode.learn.evaluate import out_of_fold, prf, thresholds

    docs = np.array(sorted(set(labels.groups)))
    ti = [labels.codes.index(c) for c in themes]
    fit = linear(labels, Settings(), vectors)
    rng = np.random.RandomState(0)
    lines = ["| coded documents | model micro-F1 | both micro-F1 | rules micro-F1 |",
             "|---|---|---|---|"]
    for k in (2, 4, 6, 8):
        scores = {"model": [], "both": [], "rules": []}
        for _ in range(12):
            chosen = rng.permutation(len(docs))[:k]
            tr = np.flatnonzero(np.isin(labels.groups, docs[chosen]))
            te = np.flatnonzero(~np.isin(labels.groups, docs[chosen]))
            inner = out_of_fold(fit, tr, labels.groups, len(labels.codes), 4, 0)
            t_alone, t_both = thresholds(inner, labels.y[tr], rules[tr])
            s = fit(tr, te)
            with np.errstate(invalid="ignore"):
                preds = {"model": s >= t_alone, "both": rules[te] | (s >= t_both),
                         "rules": rules[te]}
            for name, p in preds.items():
                scores[name].append(prf(labels.y[te][:, ti].ravel(), p[:, ti].ravel())[2])
        lines.append(f"| {k} | " + " | ".join(f"{np.nanmean(scores[n]):.2f}"
                                               for n in ("model", "both", "rules")) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--textcat", action="store_true")
    parser.add_argument("--curve", action="store_true")
    args = parser.parse_args()
    from qualcode.learn.classifier import Settings
    from qualcode.learn.evaluate import nested_cv
    from qualcode.learn.features import embed

    with tempfile.TemporaryDirectory() as tmp:
        proj, labels, rules, themes = example_labels(Path(tmp))
        vectors = embed(labels.texts)
        print(f"{len(labels.sentences)} labelled sentences in {len(set(labels.groups))} "
              f"documents; positives {labels.positives()}\n")
        print("| candidate | rules F1 per theme (micro) | model | both | seconds |")
        print("|---|---|---|---|---|")
        candidates = [
            ("shipped: TF-IDF (lemma 1-2-grams, char 2-5-grams) + wordllama, one model "
             "across languages", linear(labels, Settings(), vectors)),
            ("TF-IDF alone (no embeddings)", linear(labels, Settings(), None)),
            ("lemma 1-2-gram TF-IDF + wordllama (no char n-grams)",
             linear(labels, Settings(char_ngrams=None), vectors)),
            ("shipped, char 3-5-grams", linear(labels, Settings(char_ngrams=(3, 5)), vectors)),
            ("shipped, class_weight=balanced",
             linear(labels, Settings(class_weight="balanced"), vectors)),
            ("shipped, one model per language",
             linear(labels, Settings(), vectors, per_language=True)),
        ]
        if args.textcat:
            candidates.append(("spaCy textcat_multilabel (BOW 1-2-grams, lemmas)",
                               textcat(labels)))
        for name, fit in candidates:
            t = time.perf_counter()
            cv = nested_cv(fit, labels.y, labels.groups, rules, seed=0)
            print(report(name, labels, rules, themes, cv, time.perf_counter() - t), flush=True)
        if args.curve:
            print()
            print("\n".join(learning_curve(labels, rules, themes, vectors)))
        proj.close()


if __name__ == "__main__":
    main()
