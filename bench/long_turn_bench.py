"""Auto-coding one long unpunctuated turn (speech-recognition output), as issue 12 (17).

    python bench/long_turn_bench.py                      # 10k, 20k, 40k, 200k words
    python bench/long_turn_bench.py --words 10000 40000  # some sizes only

For each size: a project with the example study's codebook (its English rules: phrases,
near, unless) and one transcript whose respondent turn is N words of the example's
English respondent speech, lower-cased, without any punctuation; and the same words
with a full stop every 20 words, for comparison. Times `project.autocode_run()` in this
process (pipelines built and cached beforehand), and reports the longest suggestion in
words. docs/performance.md holds the figures of the last run.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def speech_words() -> list[str]:
    """The example study's English respondent speech as bare lower-case words."""
    from qualcode.transcripts import read_transcript

    words: list[str] = []
    for path in sorted((REPO / "interviews").glob("*.md")):
        if path.stem.lower() == "readme":
            continue
        tr = read_transcript(path)
        if tr.language != "en":
            continue
        for turn in tr.turns:
            if turn.role == "respondent":
                words += re.findall(r"[\w']+", tr.text[turn.start:turn.end].lower())
    return words


def project_with(root: Path, words: list[str], n: int, stop_every: int | None) -> Path:
    root.mkdir(parents=True)
    shutil.copy2(REPO / "qualcode.toml", root / "qualcode.toml")
    shutil.copytree(REPO / "codebook", root / "codebook")
    body = [words[i % len(words)] for i in range(n)]
    if stop_every:
        for i in range(stop_every - 1, n, stop_every):
            body[i] += "."
    (root / "interviews").mkdir()
    (root / "interviews" / "asr.md").write_text(
        "---\nid: asr\nrespondent: R1\nlanguage: en\n---\nInterviewer: Tell me.\n\n"
        "R1: " + " ".join(body) + "\n", encoding="utf-8")
    return root


def run(root: Path) -> tuple[float, int, int]:
    from qualcode.project import open_project

    proj = open_project(root)
    proj.import_interviews()
    started = time.perf_counter()
    result = proj.autocode_run()
    seconds = time.perf_counter() - started
    longest = 0
    for r in proj.codings().itertuples():
        longest = max(longest, len(str(r.text).split()))
    proj.close()
    return seconds, result.added, longest


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--words", type=int, nargs="*", default=[10_000, 20_000, 40_000,
                                                                 200_000])
    args = parser.parse_args()
    words = speech_words()
    with tempfile.TemporaryDirectory() as tmp:
        run(project_with(Path(tmp) / "warm", words, 2_000, None))  # build caches
        print("| words | unpunctuated s | suggestions | longest (words) "
              "| full stop every 20 words s | suggestions | longest (words) |")
        print("|---|---|---|---|---|---|---|")
        for n in args.words:
            a = run(project_with(Path(tmp) / f"flat{n}", words, n, None))
            b = run(project_with(Path(tmp) / f"stops{n}", words, n, 20))
            print(f"| {n:,} | {a[0]:.1f} | {a[1]:,} | {a[2]:,} | {b[0]:.1f} | {b[1]:,} "
                  f"| {b[2]:,} |", flush=True)


if __name__ == "__main__":
    main()
