"""`qualcode words`: lemma frequencies of respondent speech, and per group the keyness of
each lemma (qualcode.analysis.keyness), from the token index (qualcode.search.index).

A word counts when it has a letter and neither its form nor its lemma is a stop word
(spaCy's list for the document's language, plus `stop_words` in qualcode.toml). A
group's size, the denominator of keyness, is every word of its respondents (stop words
included, punctuation and numbers not), as corpus linguists count corpus size."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

from qualcode import datasets
from qualcode.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.workspace import Workspace

_LETTER = re.compile(r"[^\W\d_]")
ALL = "all"


@lru_cache(maxsize=32)
def spacy_stop_words(language: str) -> frozenset[str]:
    """spaCy's stop words for a language (empty when it has none), read from spaCy's
    plain `stop_words.py` file without importing spaCy itself (~2 s)."""
    import importlib
    import importlib.util
    from pathlib import Path

    words: set[str] | None = None
    spec = importlib.util.find_spec("spacy")
    if spec is not None and spec.origin is not None and language.isidentifier():
        path = Path(spec.origin).parent / "lang" / language / "stop_words.py"
        if path.is_file():
            try:
                found = importlib.util.spec_from_file_location(
                    f"_qualcode_stop_words_{language}", path)
                module = importlib.util.module_from_spec(found)
                found.loader.exec_module(module)
                words = getattr(module, "STOP_WORDS", None)
            except Exception:  # noqa: BLE001 - a file that needs spaCy: import it below
                words = None
    if words is None:
        try:
            module = importlib.import_module(f"spacy.lang.{language}.stop_words")
        except ImportError:
            return frozenset()
        words = getattr(module, "STOP_WORDS", set())
    return frozenset(w.lower().replace("’", "'") for w in words)


def word_counts(ws: Workspace, by: str | None = None, codes: list[str] | None = None,
                where: list[str] | None = None, documents: list[str] | None = None,
                progress: Callable[[int, int, str], None] | None = None
                ) -> tuple[pd.DataFrame, dict[str, int], pd.DataFrame]:
    """(counts, totals, documents): counts is group, lemma, count over respondent
    speech; totals the words per group; documents the lemma's documents per group
    (group, lemma, documents). `by`: an attribute of the respondents (None: one group,
    "all"); respondents without a value are left out."""
    import numpy as np
    import pandas as pd

    from qualcode.analysis.filters import apply_filters
    from qualcode.search.index import document_indexes
    from qualcode.search.run import _code_spans

    resp = datasets.respondents(ws)
    if by is not None and (by not in resp.columns or by in ("unit", "words")):
        known = ", ".join(sorted(c for c in resp.columns if c not in ("unit", "words")))
        raise UsageError(f"unknown attribute {by!r} for --by - known: {known}")
    if documents:
        datasets.check_values(ws, documents=documents)
        resp = resp[resp.document.isin(documents)]
    resp = apply_filters(resp, where, datasets.respondents(ws))
    if by is not None:
        resp = resp[resp[by].notna() & (resp[by].astype(str).str.strip() != "")]
    group_of = {(d, c): (str(g) if by is not None else ALL) for d, c, g in
                zip(resp.document, resp["case"], resp[by] if by is not None
                    else resp["case"], strict=True)}
    inside = _code_spans(ws, codes, "--code")
    docs = sorted({d for d, _ in group_of})
    turns = datasets.turns(ws, docs)
    indexes = document_indexes(ws, docs, turns, parts=("respondent",), progress=progress)
    names = sorted(set(group_of.values()), key=str)
    gid = {g: i for i, g in enumerate(names)}
    extra = {w.lower() for w in ws.settings.stop_words}
    counts: dict[tuple[int, str], int] = {}
    docs_with: dict[tuple[int, str], int] = {}
    totals = np.zeros(len(names), dtype=np.int64)
    turn_group: dict[str, dict[int, int]] = {}
    for d, idx, case, role in zip(turns.document.tolist(), turns.turn.tolist(),
                                  turns["case"].tolist(), turns.role.tolist(), strict=True):
        g = group_of.get((d, case)) if role == "respondent" else None
        if g is not None:
            turn_group.setdefault(d, {})[int(idx)] = gid[g]
    by_lang: dict[str, list[str]] = {}
    for doc in docs:
        if len(indexes[doc]) and doc in turn_group:
            by_lang.setdefault(indexes[doc].language, []).append(doc)
    n_groups = len(names)
    # one pass per language over all its documents' tokens, on one shared vocabulary
    for lang, lang_docs in by_lang.items():
        hashes = np.unique(np.concatenate([indexes[d].hashes for d in lang_docs]))
        size = len(hashes)
        vocab: list[str] = [""] * size
        named = np.zeros(size, dtype=bool)
        cols: dict[str, list[np.ndarray]] = {"group": [], "norm": [], "lower": [],
                                             "doc": []}
        for n, doc in enumerate(lang_docs):
            index = indexes[doc]
            remap = np.searchsorted(hashes, index.hashes)
            for j in np.flatnonzero(~named[remap]).tolist():
                vocab[int(remap[j])] = index.vocab[j]
            named[remap] = True
            lookup = np.full(int(index.turn.max()) + 1, -1, dtype=np.int64)
            for t, g in turn_group[doc].items():
                if t < len(lookup):
                    lookup[t] = g
            group = lookup[index.turn]
            mask = group >= 0
            if inside is not None:
                spans = np.zeros(len(index), dtype=bool)
                for a, b in inside.get(doc, []):
                    spans |= (index.start >= a) & (index.end <= b)
                mask &= spans
            cols["group"].append(group[mask])
            cols["norm"].append(remap[index.norm[mask]])
            cols["lower"].append(remap[index.lower[mask]])
            cols["doc"].append(np.full(int(mask.sum()), n, dtype=np.int64))
        group, norm, lower, docn = (np.concatenate(cols[k]) for k in ("group", "norm",
                                                                      "lower", "doc"))
        stops = spacy_stop_words(lang) | extra
        letter = np.fromiter((bool(_LETTER.search(w)) for w in vocab), bool, size)
        stop = np.fromiter((w in stops for w in vocab), bool, size)
        keep = letter[lower]
        totals += np.bincount(group[keep], minlength=n_groups)
        content = keep & ~stop[lower] & ~stop[norm]
        if not content.any():
            continue
        key = group[content] * size + norm[content]
        found = np.bincount(key, minlength=n_groups * size)
        per_doc = np.unique(docn[content] * (n_groups * size) + key) % (n_groups * size)
        in_docs_n = np.bincount(per_doc, minlength=n_groups * size)
        for k in np.flatnonzero(found).tolist():
            pair = (k // size, vocab[k % size])
            counts[pair] = counts.get(pair, 0) + int(found[k])
            docs_with[pair] = docs_with.get(pair, 0) + int(in_docs_n[k])
    frame = pd.DataFrame([(names[g], w, n) for (g, w), n in counts.items()],
                         columns=["group", "lemma", "count"])
    in_docs = pd.DataFrame([(names[g], w, n) for (g, w), n in docs_with.items()],
                           columns=["group", "lemma", "documents"])
    return frame, {g: int(totals[i]) for i, g in enumerate(names)}, in_docs


def words(ws: Workspace, by: str | None = None, codes: list[str] | None = None,
          where: list[str] | None = None, top: int = 20, min_count: int = 5,
          groups: list[str] | None = None, documents: list[str] | None = None,
          progress: Callable[[int, int, str], None] | None = None) -> pd.DataFrame:
    """Without `by`: the `top` lemmas of respondent speech (lemma, count, per_10k,
    documents). With `by`: the keyness of each lemma for each group (two groups: the
    first against the second; more: each against the rest), the `top` per group by G2
    among those at least `min_count` times in the groups compared."""
    from qualcode.analysis.keyness import keyness

    if top < 1:
        raise UsageError(f"--top {top}: give 1 or more")
    counts, totals, in_docs = word_counts(ws, by, codes, where, documents, progress)
    if by is None:
        total = totals.get(ALL, 0)
        out = counts.merge(in_docs, on=["group", "lemma"]).drop(columns="group")
        out["per_10k"] = (out["count"] * 10_000 / total).round(2) if total else 0.0
        out = out.sort_values(["count", "lemma"], ascending=[False, True], kind="stable")
        return out[["lemma", "count", "per_10k", "documents"]].head(top).reset_index(drop=True)
    if groups:
        folded = {_fold(g): g for g in totals}
        groups = [folded.get(_fold(g), g) for g in groups]
    table = keyness(counts, totals, groups, min_count)
    return table.groupby("group", sort=False).head(top).reset_index(drop=True)


def _fold(value: str) -> str:
    from qualcode.analysis.filters import fold

    return fold(value)
