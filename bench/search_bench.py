"""Search and words at scale (issue 21): a generated corpus of N words (default ten
million, half of it respondent speech) in 2,000 documents, four groups.

Timed in fresh processes (imports included), as users run them:
  1. `autocode` (50 phrase rules), which writes the search index of respondent turns on
     the way;
  2. `search` the first time after autocode: reads that index, no tokenizer;
  3. `search` the first time in a copy of the project that was never auto-coded: builds
     the index with spaCy (two processes where there are two cores;
     QUALCODE_INDEX_WORKERS=1 to compare);
  4. `search` again in a new process (the warm path);
  5. `words --by group` (keyness of four groups, each against the rest), cached index;
  6. the browser's search: GET /api/documents/{doc}/search on one 20,000-word transcript,
     in process (the server's path), median of 20 after the first.
Run: python bench/search_bench.py [--words 10000000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from corpus import phrases, write_codebook, write_corpus  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def timed(root: Path, code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root,
                   env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin",
                        "QUALCODE_CACHE": str(root.parent / "spacy-cache"),
                        **{k: v for k, v in os.environ.items()
                           if k == "QUALCODE_INDEX_WORKERS"}})
    return round(time.perf_counter() - start, 2)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--words", type=int, default=10_000_000)
    args = ap.parse_args()
    docs = 2000
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "study"
        (root / "interviews").mkdir(parents=True)
        (root / "qualcode.toml").write_text('name = "bench"\nlanguage = "en"\n')
        rules = phrases(50)
        write_codebook(root / "codebook", rules)
        total = write_corpus(root / "interviews", docs, args.words // docs, rules)
        # one long transcript for the browser's search
        write_corpus(root / "long", 1, 20_000, rules, seed=5)
        (root / "long" / "doc00000.md").rename(root / "interviews" / "long.md")
        text = (root / "interviews" / "long.md").read_text().replace("id: doc00000",
                                                                       "id: long")
        (root / "interviews" / "long.md").write_text(text)
        imp = timed(root, "from qualcode.project import open_project as o; "
                          "o('.').import_interviews()")
        bare = Path(tmp) / "never-autocoded"
        shutil.copytree(root, bare)
        q = ("import time; from qualcode.project import open_project as o; p = o('.'); "
             "t = time.perf_counter(); df = p.search('army partners'); "
             "print('search', len(df), round(time.perf_counter() - t, 2))")
        first_bare = timed(bare, q)
        shutil.rmtree(bare)
        auto = timed(root, "from qualcode.project import open_project as o; "
                           "o('.').autocode_run()")
        first = timed(root, q)
        second = timed(root, q)
        w = ("import time; from qualcode.project import open_project as o; p = o('.'); "
             "t = time.perf_counter(); df = p.words(by='group'); "
             "print('words', len(df), round(time.perf_counter() - t, 2))")
        words = timed(root, w)
        sys.path.insert(0, str(REPO))

        os.environ["QUALCODE_CACHE"] = str(root.parent / "spacy-cache")
        from qualcode.project import open_project
        from qualcode.server.reads import Texts, search_hits

        proj = open_project(root)
        texts = Texts()
        times = []
        for i in range(21):
            t = time.perf_counter()
            res = search_hits(proj, texts, "long", "officers" if i % 2 else "army", "lemma")
            times.append((time.perf_counter() - t) * 1000)
        out = {"words": total, "documents": docs, "import_s": imp, "autocode_s": auto,
               "search_first_after_autocode_s": first,
               "search_first_without_autocode_s": first_bare,
               "search_warm_s": second, "words_by_group_s": words,
               "load_before_after": [load, os.getloadavg()[0]],
               "browser_search_first_ms": round(times[0], 1),
               "browser_search_median_ms": round(statistics.median(times[1:]), 1),
               "browser_hits": res["count"]}
        print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
