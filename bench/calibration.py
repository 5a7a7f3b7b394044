"""Are the model's scores probabilities? The reliability diagram of the example study.

    python bench/calibration.py                       # tables
    python bench/calibration.py --plot docs/reliability.png

Trains the shipped model on the example study (as `qualcode train`, not saved) and
tabulates, over the codes it predicts, the cross-validated scores of the labelled
sentences in ten bins: how many sentence-code pairs, their mean score and the share that
a coder coded - raw (the logistic regression's own probability) and calibrated (Platt
scaling fitted, inside each outer fold, on that fold's training documents only), with
the Brier score and the expected calibration error (ECE) of each.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(REPO))
from corpus import copy_example  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--plot", type=Path, help="also draw the diagram to this PNG")
    args = ap.parse_args()
    import numpy as np

    from qualcode.learn.evaluate import reliability
    from qualcode.project import open_project

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "study"
        copy_example(root)
        proj = open_project(root)
        proj.import_interviews()
        proj.autocode()
        result = proj.train(save=False)
        model = result.model
        cols = np.flatnonzero(model.predicted)
        y = model.cv.scores[:, cols], model.cv.calibrated[:, cols]
        # the same labels train used (its rows: the labelled sentences, sorted)
        from qualcode.learn.data import label_matrix, training_frames

        sentences, codings = training_frames(proj.workspace)
        book = proj.codebook
        codes = result.model.codes
        truth = label_matrix(sentences, codings, book.lineage, codes).y[:, cols]
        raw = reliability(y[0], truth)
        cal = reliability(y[1], truth)
        proj.close()
    print(f"codes: {', '.join(codes[j] for j in cols)}; {len(truth)} labelled sentences\n")
    print("| score bin | pairs (raw) | mean raw score | share coded | pairs (calibrated) | "
          "mean calibrated score | share coded |")
    print("|---|---|---|---|---|---|---|")
    for a, b in zip(raw.itertuples(index=False), cal.itertuples(index=False), strict=True):
        def cell(v: float) -> str:
            return "" if v != v else f"{v:.2f}"
        print(f"| {a.bin} | {a.pairs} | {cell(a.mean_score)} | {cell(a.share_positive)} | "
              f"{b.pairs} | {cell(b.mean_score)} | {cell(b.share_positive)} |")
    print(f"\nraw: Brier {raw.attrs['brier']:.4f}, ECE {raw.attrs['ece']:.4f}; calibrated: "
          f"Brier {cal.attrs['brier']:.4f}, ECE {cal.attrs['ece']:.4f}")
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(5, 5), dpi=100)
        ax.plot([0, 1], [0, 1], color="0.6", linestyle="--", label="perfectly calibrated")
        for table, name, marker in ((raw, "raw", "o"), (cal, "calibrated (Platt)", "s")):
            ok = table["pairs"] > 0
            ax.plot(table.loc[ok, "mean_score"], table.loc[ok, "share_positive"],
                    marker=marker, label=f"{name}: ECE {table.attrs['ece']:.3f}")
            for r in table[ok].itertuples(index=False):
                ax.annotate(str(r.pairs), (r.mean_score, r.share_positive), fontsize=7,
                            textcoords="offset points", xytext=(4, -8))
        ax.set_xlabel("mean score in bin")
        ax.set_ylabel("share of sentence-code pairs a coder coded")
        ax.set_title("Reliability of the model's scores (example study, grouped CV)",
                     fontsize=9)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.legend(fontsize=8, loc="upper left")
        fig.tight_layout()
        fig.savefig(args.plot)
        print(f"wrote {args.plot}")


if __name__ == "__main__":
    main()
