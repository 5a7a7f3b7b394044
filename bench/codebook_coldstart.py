"""How close are the cold-start suggestions (`autocode --source codebook`) to each coder?

    python bench/codebook_coldstart.py

Copies the example project, imports it (amina's and lukas's codings come with it),
runs `autocode --source codebook` only (no rule, no model, no coding used), and compares
its suggestions with each coder per theme at sentence level, sub-codes counted in
(qualcode.analysis.agreement.rule_quality). Prints a markdown table and the micro
precision / recall / F1 over the four themes and both coders; docs/learn.md holds the
figures of the last run. The rules' figures, measured the same way, follow.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
from corpus import copy_example  # noqa: E402

sys.path.insert(0, str(REPO))


def main() -> None:
    from qualcode import datasets
    from qualcode.analysis.agreement import rule_quality
    from qualcode.project import open_project

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "example"
        copy_example(root)
        proj = open_project(root)
        proj.import_interviews()
        t0 = time.perf_counter()
        res = proj.autocode_run(source="codebook")
        seconds = time.perf_counter() - t0
        ws = proj.workspace
        codings = datasets.codings(ws, include_orphaned=False)
        table = rule_quality(codings, ["amina", "lukas"], unit="sentence",
                             spans=datasets.sentences(ws), codebook=ws.codebook)
        print(f"{res.added} codebook suggestions for {res.documents} documents in "
              f"{seconds:.1f} s\n")
        print("| coder | theme | coded | suggested | precision | recall | F1 | kappa |")
        print("|---|---|---|---|---|---|---|---|")
        for r in table.itertuples():
            print(f"| {r.coder} | {r.code} | {r.coder_units} | {r.auto_units} | "
                  f"{r.precision:.2f} | {r.recall:.2f} | {r.f1:.2f} | {r.kappa:.2f} |")
        tp = (table.precision * table.auto_units).sum()
        p = tp / table.auto_units.sum()
        r = tp / table.coder_units.sum()
        print(f"\nmicro over themes and coders: precision {p:.2f}, recall {r:.2f}, "
              f"F1 {2 * p * r / (p + r):.2f}")
        proj.autocode_run(source="rules")  # for comparison: the rules, the same way
        codings = datasets.codings(ws, include_orphaned=False)
        rules = rule_quality(codings[codings.rule.fillna("") != "codebook"],
                             ["amina", "lukas"], unit="sentence",
                             spans=datasets.sentences(ws), codebook=ws.codebook)
        tp = (rules.precision.fillna(0) * rules.auto_units).sum()
        p, r = tp / rules.auto_units.sum(), tp / rules.coder_units.sum()
        print(f"the rules, the same way: precision {p:.2f}, recall {r:.2f}, "
              f"F1 {2 * p * r / (p + r):.2f}")
        proj.close()


if __name__ == "__main__":
    main()
