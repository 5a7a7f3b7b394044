"""Summary and compare at scale: 10,000 documents and 1,000,000 codings.

    python bench/analysis_bench.py [--docs 10000 --codings 1000000]

Builds a synthetic store with the real schema (rows inserted directly; importing
10,000 transcripts is measured separately by import_bench.py), then times
`project.summary` and `project.compare` in-process (libraries already imported) and
the CLI commands end to end in fresh processes, with their peak memory.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

CODEBOOK = """codebook: bench
version: 1
codes:
""" + "".join(
    f"  - id: theme{t}\n    name: Theme {t}\n    children:\n"
    + "".join(f"      - id: theme{t}_sub{s}\n        name: Sub {t}.{s}\n" for s in range(3))
    for t in range(4))

CHILD = """
import json, resource, sys, time
t0 = time.perf_counter()
from qualcode.cli.app import main
sys.argv = ["qualcode", "-p", sys.argv[1], *sys.argv[2:], "-f", "csv", "-o", "/dev/null"]
try:
    main()
except SystemExit:
    pass
print(json.dumps({"seconds": time.perf_counter() - t0,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def build(root: Path, docs: int, codings: int) -> None:
    from sqlalchemy import insert

    from qualcode.project import open_project
    from qualcode.store import schema as t

    (root / "qualcode.toml").write_text(
        'name = "bench"\n[order]\nrank = ["junior", "mid", "senior"]\n', encoding="utf-8")
    (root / "codebook").mkdir()
    (root / "codebook" / "bench.yaml").write_text(CODEBOOK, encoding="utf-8")
    (root / "interviews").mkdir()
    proj = open_project(root)
    rng = random.Random(3)
    now = datetime.now(UTC)
    codes = [c.id for c, _, _ in proj.codebook.walk()]
    text = "word " * 400
    with proj.engine.begin() as conn:
        from qualcode.store.codes import sync_codes

        sync_codes(conn, proj.codebook)
        for lo in range(0, docs, 2000):
            ids = range(lo, min(docs, lo + 2000))
            conn.execute(insert(t.documents), [dict(
                id=f"d{i}", path=f"interviews/d{i}.md", case_id=f"c{i}", language="en",
                text=text, hash="h", file_hash="f", words=400, respondent_words=300,
                attributes={"origin": rng.choice(["Western", "Local"]),
                            "rank": rng.choice(["junior", "mid", "senior"]),
                            "phase": rng.choice(["pre", "post"])},
                imported_at=now) for i in ids])
            conn.execute(insert(t.speakers), [dict(
                document_id=f"d{i}", label="R", case_id=f"c{i}", role="respondent",
                attributes={}, words=300) for i in ids])
            conn.execute(insert(t.units), [dict(id=i + 1, document_id=f"d{i}", case_id=f"c{i}")
                                           for i in ids])
            conn.execute(insert(t.turns), [dict(
                document_id=f"d{i}", idx=0, speaker="R", case_id=f"c{i}", role="respondent",
                start=0, end=len(text)) for i in ids])
        batch = []
        for _ in range(codings):
            d = rng.randrange(docs)
            s = rng.randrange(0, 1900)
            batch.append(dict(document_id=f"d{d}", start=s, end=s + 40, text="word " * 8,
                              code_id=rng.choice(codes), speaker="R", case_id=f"c{d}",
                              unit_id=d + 1,
                              coder=rng.choice(["ana", "ben", "auto"]),
                              origin="manual", status=rng.choice(["accepted"] * 4
                                                                 + ["suggested"]),
                              anchor="ok", created_at=now, updated_at=now))
            if len(batch) == 50_000:
                conn.execute(insert(t.codings), batch)
                batch = []
        if batch:
            conn.execute(insert(t.codings), batch)
    proj.close()


def timed(fn):  # noqa: ANN001, ANN201
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--codings", type=int, default=1_000_000)
    args = ap.parse_args()
    from qualcode.project import open_project

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "big"
        root.mkdir()
        t0 = time.perf_counter()
        build(root, args.docs, args.codings)
        build_s = time.perf_counter() - t0
        proj = open_project(root)
        proj.summary(by=["origin"])  # warm: imports (pandas, scipy), codebook
        proj.compare("phase")
        rows = {
            "summary --by origin --by rank": timed(lambda: proj.summary(by=["origin", "rank"])),
            "summary --unit segment --value per1000": timed(
                lambda: proj.summary(by=["origin"], unit="segment", value="per1000")),
            "compare origin": timed(lambda: proj.compare("origin")),
            "compare rank (3 ordered groups)": timed(lambda: proj.compare("rank")),
        }
        rss_in = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        cli = {}
        for name, argv in (("summary", ["summary", "--by", "origin", "--by", "rank"]),
                           ("compare", ["compare", "origin"])):
            out = subprocess.run([sys.executable, "-c", CHILD, str(root), *argv],
                                 capture_output=True, text=True, check=True)
            cli[name] = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"store: {args.docs:,} documents, {args.codings:,} codings (built in {build_s:.0f} s)")
    print()
    print("| in-process call | seconds |")
    print("|---|---|")
    for k, v in rows.items():
        print(f"| `{k}` | {v:.2f} |")
    print(f"\npeak RSS of the in-process run: {rss_in:.0f} MB\n")
    print("| CLI end to end (fresh process, imports included) | seconds | peak RSS MB |")
    print("|---|---|---|")
    for k, v in cli.items():
        print(f"| `qualcode {k}` | {v['seconds']:.2f} | {v['rss_mb']:.0f} |")


if __name__ == "__main__":
    main()
