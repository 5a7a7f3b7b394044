"""What training needs, as plain frames: the one adapter to the project, and pure
functions that turn sentences and codings into a label matrix.

Labels (docs/learn.md): a respondent sentence overlapped by an accepted coding (manual,
imported, or an accepted suggestion) is a positive for that code and its ancestors; the
other respondent sentences of a document a chosen coder coded are negatives; a sentence
under a rejected suggestion is an explicit negative for the suggested code. A positive
wins over a negative (two coders: the union of what they coded).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from qualcode import datasets

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.codebook import Codebook
    from qualcode.workspace import Workspace

AUTO = "auto"
POSITIVE, NEGATIVE, UNKNOWN = 1, 0, -1
NOT_RULES = ("model", "codebook")  # `rule` of suggestions that did not come from a rule
SENTENCE_COLUMNS = ["document", "start", "end", "language", "text"]


@dataclass
class LabelMatrix:
    """Labelled sentences: row i of `sentences` has texts[i], y[i], groups[i]."""

    sentences: pd.DataFrame  # document, start, end, language, text
    codes: list[str]
    y: np.ndarray  # int8 (sentences x codes): 1 positive, 0 negative, -1 unknown
    explicit: np.ndarray  # bool: a negative that comes from a rejected suggestion

    @property
    def texts(self) -> list[str]:
        return self.sentences["text"].tolist()

    @property
    def groups(self) -> np.ndarray:
        """The document of each sentence (cross-validation groups)."""
        return self.sentences["document"].to_numpy()

    def positives(self) -> dict[str, int]:
        return {c: int((self.y[:, k] == POSITIVE).sum()) for k, c in enumerate(self.codes)}

    def negatives(self) -> dict[str, int]:
        return {c: int((self.y[:, k] == NEGATIVE).sum()) for k, c in enumerate(self.codes)}


@dataclass
class CodebookRows:
    """The codebook's own texts as extra positives: texts[i] is a positive for the codes
    where y[i] is 1 (a code and its ancestors), unknown (-1) for the others."""

    texts: list[str]
    y: np.ndarray  # int8 (texts x codes)
    language: str


def codebook_rows(book: Codebook, codes: Sequence[str], language: str) -> CodebookRows:
    """Each active code's description, include text and examples as a positive for the
    code and its ancestors among `codes` (duplicates merged; exclude texts are not
    used: they say what a code is not, often by describing another code)."""
    index = {c: k for k, c in enumerate(codes)}
    labels: dict[str, np.ndarray] = {}
    for code, _, _ in book.walk():
        if code.retired or code.id not in index:
            continue
        for text in (code.description, code.include, *code.examples):
            text = (text or "").strip()
            if not text:
                continue
            row = labels.setdefault(text, np.full(len(index), UNKNOWN, dtype=np.int8))
            for c in book.lineage(code.id):
                if c in index:
                    row[index[c]] = POSITIVE
    y = np.array(list(labels.values()), dtype=np.int8).reshape(len(labels), len(index))
    return CodebookRows(texts=list(labels), y=y, language=language)


def training_frames(ws: Workspace, documents: Sequence[str] | None = None
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(sentences, codings) from the project's public API: respondent sentences with
    language and text, and every coding of respondent speech that is not orphaned.

    Only documents with a decision (or the given `documents`) are segmented."""
    codings = datasets.codings(ws, include_orphaned=False)
    codings = codings[codings["case"].notna()].reset_index(drop=True)
    if documents is None:
        documents = sorted(set(decisions(codings)["document"]))
    docs = datasets.documents(ws)
    docs = docs[docs["document"].isin(list(documents))]
    if not len(docs):
        return with_text(_empty_sentences(), docs), codings
    sentences = datasets.sentences(ws, list(docs["document"]))
    return with_text(sentences, docs), codings


def with_context(ws: Workspace, units: pd.DataFrame, pool: pd.DataFrame | None = None
                 ) -> pd.DataFrame:
    """`units` (document, start, end, ...) with `before`, `after` and `question`
    (learn.context.add_context), the neighbours taken from `pool` (default: the
    documents' respondent sentences)."""
    from qualcode.learn.context import CONTEXT_COLUMNS, add_context

    documents = sorted(set(units["document"])) if len(units) else []
    if not documents:
        out = units.copy()
        for column in CONTEXT_COLUMNS:
            out[column] = []
        return out
    if pool is None:
        pool = datasets.sentences(ws, documents)
    return add_context(units, pool, datasets.turns(ws, documents),
                       datasets.texts(ws, documents))


def with_text(sentences: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """Sentences (document, start, end) with their language and text, from a documents
    frame (document, language, text); sorted by document and start."""
    import pandas as pd

    if not len(sentences):
        return pd.DataFrame(columns=SENTENCE_COLUMNS)
    docs = documents.set_index("document")
    out = sentences[["document", "start", "end"]].sort_values(["document", "start"])
    out = out.reset_index(drop=True)
    out["language"] = out["document"].map(docs["language"])
    texts = docs["text"]
    out["text"] = [texts[d][a:b] for d, a, b in zip(out["document"], out["start"], out["end"],
                                                     strict=True)]
    return out


def _empty_sentences() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(columns=["document", "start", "end"])


def decisions(codings: pd.DataFrame, coders: Sequence[str] | None = None) -> pd.DataFrame:
    """The human decisions among codings: the coders' own codings, and suggestions a
    person accepted or rejected. With `coders`, only those coders' codings (and, when the
    frame says who decided, only their decisions on suggestions)."""
    human = codings["coder"] != AUTO
    decided = (codings["coder"] == AUTO) & codings["status"].isin(["accepted", "rejected"])
    if coders:
        human &= codings["coder"].isin(list(coders))
        if "decided_by" in codings:
            decided &= codings["decided_by"].isin(list(coders))
    return codings[human | decided]


def label_matrix(sentences: pd.DataFrame, codings: pd.DataFrame,
                 lineage: Callable[[str], list[str]], codes: Sequence[str],
                 coders: Sequence[str] | None = None) -> LabelMatrix:
    """Labels of respondent sentences for `codes` from the human decisions in `codings`.

    `lineage(code)` gives the code and its ancestors. Only sentences with at least one
    known label are kept."""
    codes = list(codes)
    index = {c: k for k, c in enumerate(codes)}
    sentences = sentences.sort_values(["document", "start"]).reset_index(drop=True)
    n = len(sentences)
    y = np.full((n, len(codes)), UNKNOWN, dtype=np.int8)
    explicit = np.zeros((n, len(codes)), dtype=bool)
    dec = decisions(codings, coders)
    accepted = dec[dec["status"] == "accepted"]
    rejected = dec[dec["status"] == "rejected"]
    own = dec[dec["coder"] != AUTO]
    coded_docs = set(own.loc[own["status"] == "accepted", "document"])
    y[sentences["document"].isin(coded_docs).to_numpy()] = NEGATIVE
    locate = _locator(sentences)
    for r in rejected.itertuples(index=False):
        k = index.get(r.code)
        if k is not None:
            rows = locate(r.document, r.start, r.end)
            y[rows, k] = NEGATIVE
            explicit[rows, k] = True
    for r in accepted.itertuples(index=False):
        rows = locate(r.document, r.start, r.end)
        for code in lineage(r.code):
            k = index.get(code)
            if k is not None:
                y[rows, k] = POSITIVE
                explicit[rows, k] = False
    keep = (y != UNKNOWN).any(axis=1)
    return LabelMatrix(sentences=sentences[keep].reset_index(drop=True), codes=codes,
                       y=y[keep], explicit=explicit[keep])


def rule_matrix(sentences: pd.DataFrame, codings: pd.DataFrame,
                lineage: Callable[[str], list[str]], codes: Sequence[str]) -> np.ndarray:
    """Which sentences the auto-coder's rules flag, per code (its suggestions in any
    status, except the learned model's and the codebook source's; a sub-code's
    suggestion counts for its ancestors). Rows follow `sentences`."""
    codes = list(codes)
    index = {c: k for k, c in enumerate(codes)}
    out = np.zeros((len(sentences), len(codes)), dtype=bool)
    locate = _locator(sentences)
    auto = codings["coder"] == AUTO
    if "rule" in codings:  # the other sources' suggestions are not the rules'
        auto &= ~codings["rule"].isin(NOT_RULES)
    for r in codings[auto].itertuples(index=False):
        rows = locate(r.document, r.start, r.end)
        for code in lineage(r.code):
            k = index.get(code)
            if k is not None:
                out[rows, k] = True
    return out


def _locator(sentences: pd.DataFrame) -> Callable[[str, int, int], np.ndarray]:
    """A function giving the row numbers of the sentences a span overlaps."""
    docs = sentences["document"].to_numpy()
    starts = sentences["start"].to_numpy()
    ends = sentences["end"].to_numpy()
    where: dict[str, list[int]] = {}
    for i, d in enumerate(docs):
        where.setdefault(d, []).append(i)
    ordered = {d: np.asarray(sorted(ix, key=lambda i: starts[i])) for d, ix in where.items()}

    def locate(document: str, start: int, end: int) -> np.ndarray:
        order = ordered.get(document)
        if order is None:
            return np.empty(0, dtype=int)
        lo = np.searchsorted(ends[order], start, side="right")
        hi = np.searchsorted(starts[order], end, side="left")
        return order[lo:hi]

    return locate


def latest_decision(codings: pd.DataFrame, coders: Sequence[str] | None = None) -> str | None:
    """When the latest decision was made or changed (ISO time), or None."""
    import pandas as pd

    dec = decisions(codings, coders)
    column = "decided_at" if "decided_at" in dec else "updated_at"
    if not len(dec):
        return None
    stamp = pd.to_datetime(dec[column]).max()
    return None if pd.isna(stamp) else stamp.isoformat()


def fingerprint(codings: pd.DataFrame, coders: Sequence[str] | None = None) -> str:
    """A hash of the decisions (spans, codes, coders, statuses): changes when any
    decision is added, changed or removed."""
    dec = decisions(codings, coders)
    keys = sorted(f"{r.document}\t{r.start}\t{r.end}\t{r.code}\t{r.coder}\t{r.status}"
                  for r in dec.itertuples(index=False))
    return hashlib.sha256("\n".join(keys).encode()).hexdigest()[:16]
