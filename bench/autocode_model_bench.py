"""Auto-coding with the learned model against the rules alone, on the same corpus.

    python bench/autocode_model_bench.py [--copies 10] [--encoder fast-use]

Copies the example study, imports it, auto-codes it with the rules and trains the model
on the two coders' codings; then adds `--copies` renamed copies of every transcript
(26 x copies more documents), imports them and times, in fresh processes (imports
included, as a user runs them), `qualcode autocode --dry-run` with `--source rules`,
`--source model` and `--source both`, three runs each. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
from corpus import copy_example  # noqa: E402


def qualcode(root: Path, *args: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "qualcode", "-p", str(root), *args], check=True,
                   capture_output=True)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=10)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--encoder", default=None,
                    help="[learn] encoder for train and autocode (default: the default)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "study"
        copy_example(root)
        if args.encoder:
            toml = root / "qualcode.toml"
            toml.write_text(toml.read_text("utf-8") + f'\n[learn]\nencoder = "{args.encoder}"\n',
                            "utf-8")
        qualcode(root, "import")
        qualcode(root, "autocode", "--source", "rules")
        qualcode(root, "train")
        for k in range(args.copies):
            for path in sorted((REPO / "interviews").glob("*.md")):
                if path.stem.lower() == "readme":
                    continue
                text = path.read_text(encoding="utf-8")
                text = re.sub(r"^id: (.+)$", rf"id: \1-copy{k}", text, count=1, flags=re.M)
                (root / "interviews" / f"{path.stem}-copy{k}.md").write_text(text, "utf-8")
        qualcode(root, "import")
        words = subprocess.run([sys.executable, "-m", "qualcode", "-p", str(root), "status",
                                "-f", "csv"], capture_output=True, text=True).stdout
        total = next(line.split(",")[1] for line in words.splitlines()
                     if line.startswith("respondent words"))
        rows = []
        for source in ("rules", "model", "both"):
            times = [qualcode(root, "autocode", "--dry-run", "--source", source)
                     for _ in range(args.runs)]
            rows.append((source, statistics.median(times), min(times), max(times)))
        base = rows[0][1]
        print(f"corpus: {total} respondent words in the example study and {args.copies} "
              "renamed copies")
        print("| source | median s | min s | max s | x rules |")
        print("|---|---|---|---|---|")
        for source, med, lo, hi in rows:
            print(f"| {source} | {med:.2f} | {lo:.2f} | {hi:.2f} | {med / base:.2f} |")


if __name__ == "__main__":
    main()
