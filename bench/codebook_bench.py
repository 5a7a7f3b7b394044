"""Renaming and merging a code with 100,000 codings on the 10,000-document store.

    python bench/codebook_bench.py [--docs 10000 --codings 1000000 --on-code 100000]

Builds the synthetic store of analysis_bench.py (real schema, rows inserted directly),
puts `--on-code` codings on one theme, then times `project.rename_code`, the undo, and
`project.merge_codes` (in-process, libraries already imported). Issue 20's target:
under 2 s each.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from analysis_bench import build


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--codings", type=int, default=1_000_000)
    ap.add_argument("--on-code", type=int, default=100_000)
    args = ap.parse_args()
    from sqlalchemy import func, select, update

    from qualcode.project import open_project
    from qualcode.store import schema as t

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "big"
        root.mkdir()
        build(root, args.docs, args.codings)
        proj = open_project(root, coder="bench")
        c = t.codings.c
        with proj.engine.begin() as conn:  # exactly --on-code codings on theme0
            conn.execute(update(t.codings).where(c.code_id == "theme0")
                         .values(code_id="theme0_sub0"))
            conn.execute(update(t.codings).where(c.id <= args.on_code).values(code_id="theme0"))
            n0 = conn.execute(select(func.count()).where(c.code_id == "theme0")).scalar_one()
            n1 = conn.execute(select(func.count()).where(c.code_id == "theme1")).scalar_one()
        proj.summary()  # warm: imports, codebook
        rows = []
        for label, fn in (
                (f"rename theme0 ({n0:,} codings)", lambda: proj.rename_code("theme0", "zero")),
                ("undo the rename", proj.undo_codebook),
                (f"merge theme1 ({n1:,}) into theme0 ({n0:,})",
                 lambda: proj.merge_codes(["theme1"], into="theme0")),
                ("undo the merge", proj.undo_codebook)):
            t0 = time.perf_counter()
            change = fn()
            rows.append((label, time.perf_counter() - t0, change.message))
    print(f"store: {args.docs:,} documents, {args.codings:,} codings")
    print()
    print("| change | seconds |")
    print("|---|---|")
    for label, s, _ in rows:
        print(f"| {label} | {s:.2f} |")


if __name__ == "__main__":
    main()
