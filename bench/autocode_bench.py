"""Auto-coding throughput: bare spaCy vs `qualcode autocode` vs a naive regex loop.

    python bench/autocode_bench.py            # ~2M words in 400 documents
    python bench/autocode_bench.py --docs 40  # a quick run

Prints a markdown table; docs/performance.md holds the figures of the last full run.
(a) bare spaCy: spacy.blank("en") + sentencizer + lookup lemmatizer + PhraseMatcher on
    LEMMA over the same respondent turns, one process, batch 256;
(b) `qualcode autocode` end to end: reading the store, matching, writing suggestions;
(c) naive: for each rule, re.finditer(r"\\bphrase\\b", IGNORECASE) over every document
    (on the first 10% of documents: it is slow).
Peak memory of (b) is measured in child processes at 25%, 50% and 100% of the corpus.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from corpus import phrases, write_codebook, write_corpus  # noqa: E402


def make_project(root: Path, docs: int, words: int, rules: list[str]) -> int:
    (root / "qualcode.toml").write_text('name = "bench"\n', encoding="utf-8")
    write_codebook(root / "codebook", rules)
    return write_corpus(root / "interviews", docs, words, rules)


def respondent_turns(project) -> list[str]:  # noqa: ANN001
    from sqlalchemy import select

    from qualcode.store import schema as t

    with project.engine.connect() as conn:
        docs = dict(conn.execute(select(t.documents.c.id, t.documents.c.text)).all())
        rows = conn.execute(select(t.turns.c.document_id, t.turns.c.start, t.turns.c.end)
                            .where(t.turns.c.role == "respondent")).all()
    return [docs[d][s:e] for d, s, e in rows]


def bare_spacy(texts: list[str], rules: list[str]) -> tuple[float, int]:
    import spacy
    from spacy.matcher import PhraseMatcher

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    matcher = PhraseMatcher(nlp.vocab, attr="LEMMA")
    for i, r in enumerate(rules):
        matcher.add(f"r{i}", [nlp(r)])
    t0 = time.perf_counter()
    hits = 0
    for doc in nlp.pipe(texts, batch_size=256):
        for _, s, _ in matcher(doc):
            _ = doc[s].sent
            hits += 1
    return time.perf_counter() - t0, hits


def naive(texts: list[str], rules: list[str]) -> tuple[float, int]:
    t0 = time.perf_counter()
    hits = 0
    for r in rules:
        pat = re.compile(r"\b" + re.escape(r) + r"\b", re.IGNORECASE)
        for text in texts:
            hits += sum(1 for _ in pat.finditer(text))
    return time.perf_counter() - t0, hits


CHILD = """
import json, resource, sys, time
from qualcode.project import open_project
p = open_project(sys.argv[1])
t0 = time.perf_counter()
r = p.autocode_run(documents=sys.argv[2].split(",") if len(sys.argv) > 2 else None)
dt = time.perf_counter() - t0
print(json.dumps({"seconds": dt, "added": r.added, "words": r.words,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_child(root: Path, docs: list[str] | None) -> dict:
    args = [sys.executable, "-c", CHILD, str(root)] + ([",".join(docs)] if docs else [])
    out = subprocess.run(args, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def words_of(texts: list[str]) -> int:
    return sum(len(t.split()) for t in texts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=400)
    ap.add_argument("--words", type=int, default=5000)
    args = ap.parse_args()
    from qualcode.project import open_project

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n_rules in (50, 500):
            rules = phrases(n_rules)
            root = Path(tmp) / f"r{n_rules}"
            root.mkdir()
            total = make_project(root, args.docs, args.words, rules)
            proj = open_project(root)
            t0 = time.perf_counter()
            proj.import_interviews()
            import_s = time.perf_counter() - t0
            texts = respondent_turns(proj)
            resp_words = words_of(texts)
            run_child(root, ["doc00000"])  # warm the pipeline cache, as a user's 2nd run
            a_s, a_hits = bare_spacy(texts, rules)
            ids = sorted(p.stem for p in (root / "interviews").glob("*.md"))
            mem = {}
            for share in (0.25, 0.5):
                mem[share] = run_child(root, ids[: int(len(ids) * share)])["rss_mb"]
            b = run_child(root, None)
            mem[1.0] = b["rss_mb"]
            subset = texts[: max(1, len(texts) // 10)]
            c_s, _ = naive(subset, rules)
            c_rate = words_of(subset) / c_s
            results.append({
                "rules": n_rules, "documents": args.docs, "words": total,
                "respondent_words": resp_words, "import_s": round(import_s, 1),
                "a_words_per_s": round(resp_words / a_s), "a_hits": a_hits,
                "b_words_per_s": round(resp_words / b["seconds"]),
                "b_seconds": round(b["seconds"], 1), "b_suggestions": b["added"],
                "c_words_per_s": round(c_rate),
                "b_over_a": round(a_s / b["seconds"], 2),
                "b_over_c": round((resp_words / b["seconds"]) / c_rate, 1),
                "rss_mb_25_50_100": [round(mem[k]) for k in (0.25, 0.5, 1.0)],
            })
            proj.close()
    print(json.dumps(results, indent=1))
    print()
    print("| rules | respondent words | (a) bare spaCy w/s | (b) qualcode autocode w/s | "
          "(c) naive regex w/s | b/a | b/c | peak RSS MB at 25/50/100% |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['rules']} | {r['respondent_words']:,} | {r['a_words_per_s']:,} | "
              f"{r['b_words_per_s']:,} | {r['c_words_per_s']:,} | {r['b_over_a']} | "
              f"{r['b_over_c']} | {'/'.join(map(str, r['rss_mb_25_50_100']))} |")


if __name__ == "__main__":
    main()
