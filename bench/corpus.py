"""Synthetic corpora and codebooks for the benchmarks (deterministic, seeded)."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

WORDS = (
    "the army partners government officers soldiers training support security would "
    "could people think because region border mission equipment said never really "
    "always village market money years country president minister problem time work "
    "know want make good about their there after before between during without under "
    "against among political economic military civilian foreign local national "
    "public private small large young old new many few much some every other such "
    "only also very often still already again here where when how why what which who "
    "whose them they we you our your his her its my me him us trusted trusting "
    "trusts rumours circulating operations convoys patrols meetings seminars "
    "workshops programmes offers needs decided asked answered believed "
).split()


def phrases(n: int, seed: int = 7) -> list[str]:
    """n distinct two-word rule phrases built from an invented vocabulary."""
    rng = random.Random(seed)
    out: set[str] = set()
    while len(out) < n:
        out.add(f"{rng.choice(WORDS)} zq{rng.randrange(10_000)}")
    return sorted(out)


def write_codebook(folder: Path, rules: list[str], codes: int = 10) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["codebook: bench", "version: 1", "codes:"]
    per = max(1, len(rules) // codes)
    for c in range(codes):
        chunk = rules[c * per:(c + 1) * per] if c < codes - 1 else rules[c * per:]
        lines += [f"  - id: code{c}", f"    name: Code {c}", "    rules:", "      en:"]
        lines += [f'        - "{r}"' for r in chunk]
    (folder / "bench.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_corpus(folder: Path, docs: int, words_per_doc: int, rules: list[str],
                 seed: int = 11) -> int:
    """Transcripts with interviewer and respondent turns; rule phrases sprinkled in."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    for d in range(docs):
        turns, n = [], 0
        while n < words_per_doc:
            length = rng.randint(40, 160)
            words = [rng.choice(WORDS) for _ in range(length)]
            for _ in range(rng.randint(0, 2)):
                pos = rng.randrange(len(words))
                words[pos:pos] = rng.choice(rules).split()
            sentence_breaks = range(12, len(words), rng.randint(10, 20))
            for i in reversed(list(sentence_breaks)):
                words[i] = words[i] + "."
            text = " ".join(words).capitalize() + "."
            speaker = "Interviewer" if len(turns) % 2 == 0 else "R"
            turns.append(f"{speaker}: {text}")
            n += len(words)
        total += n
        (folder / f"doc{d:05d}.md").write_text(
            f"---\nid: doc{d:05d}\ngroup: g{d % 4}\n---\n" + "\n\n".join(turns) + "\n",
            encoding="utf-8")
    return total


def copy_example(root: Path) -> Path:
    """The repository's example study (settings, codebook, interviews) copied to `root`."""
    root.mkdir(parents=True, exist_ok=True)
    for name in ("qualcode.toml", "codebook", "interviews"):
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, root / name)
    return root
