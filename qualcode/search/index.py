"""A token index of each document, for search and word counts: the tokens auto-coding
sees (the same spaCy pipelines, the same lookup lemmas as NORM), as numpy arrays.

Built once per document and kept in `.qualcode/cache/tokens/` (keyed by the text, its
turns, the language and the pipeline), so a second search over ten million words reads
arrays instead of running spaCy again. Every turn is indexed (interviewer speech too:
search can look there); word counts keep respondent turns only.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from qualcode.workspace import Workspace

VERSION = 1  # bump when what the index holds changes


@dataclass
class DocIndex:
    """The tokens of one document. Arrays are parallel, one entry per token, in text order:
    start, end (offsets into the document's text), norm and lower (ids into `vocab`),
    sent (bounded sentence, numbered within the document), turn (the stored turn index).
    `cut[k]`: sentence k is a piece of an over-long sentence that does not start one."""

    document: str
    language: str
    vocab: list[str]
    start: np.ndarray
    end: np.ndarray
    norm: np.ndarray
    lower: np.ndarray
    sent: np.ndarray
    turn: np.ndarray
    cut: np.ndarray
    _ids: dict[str, int] | None = field(default=None, repr=False)

    def id_of(self, s: str) -> int | None:
        if self._ids is None:
            self._ids = {w: i for i, w in enumerate(self.vocab)}
        return self._ids.get(s)

    def __len__(self) -> int:
        return len(self.start)


def build(document: str, language: str, text: str, turns: list[tuple[int, int, int]],
          package: str | None = None) -> DocIndex:
    """Tokenize every turn (index, start, end) of one document as auto-coding does."""
    import numpy as np

    from qualcode.autocode.pipeline import bounded_sentences, make_nlp, matchable

    nlp = make_nlp(language, package)
    vocab: dict[str, int] = {}
    cols: dict[str, list[int]] = {k: [] for k in ("start", "end", "norm", "lower", "sent",
                                                  "turn")}
    cut: list[bool] = []
    sent_base = 0
    spans = sorted(turns, key=lambda t: t[1])
    docs = nlp.pipe((matchable(text[s:e]) for _, s, e in spans), batch_size=256)
    for (idx, offset, _), doc in zip(spans, docs, strict=True):
        sentences = bounded_sentences(doc)
        for k, (a, b) in enumerate(sentences):
            cut.append(bool(k and not doc[a].is_sent_start))
            for tok in doc[a:b]:
                cols["start"].append(offset + tok.idx)
                cols["end"].append(offset + tok.idx + len(tok.text))
                cols["norm"].append(vocab.setdefault(tok.norm_, len(vocab)))
                cols["lower"].append(vocab.setdefault(tok.lower_, len(vocab)))
                cols["sent"].append(sent_base + k)
                cols["turn"].append(idx)
        sent_base += len(sentences)
    arrays = {k: np.asarray(v, dtype=np.int32) for k, v in cols.items()}
    return DocIndex(document=document, language=language, vocab=list(vocab),
                    cut=np.asarray(cut, dtype=bool), **arrays)


def _key(doc: str, language: str, text_hash: str, turns: list[tuple[int, int, int]],
         package: str | None) -> str:
    import spacy

    raw = repr((VERSION, spacy.__version__, doc, language, text_hash, tuple(turns), package))
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


def document_indexes(ws: Workspace, documents: list[str] | None = None,
                     turns: pd.DataFrame | None = None) -> dict[str, DocIndex]:
    """document -> DocIndex for these documents (all when None): from memory, else the
    cache folder, else built now (and cached)."""
    from qualcode import datasets
    from qualcode.store.documents import document_briefs, document_index, document_texts

    with ws.engine.connect() as conn:
        briefs = document_briefs(conn, documents)
        stamps = {r.id: r.hash for r in document_index(
            conn, None if documents is None else [b.id for b in briefs]).values()}
    if turns is None:
        turns = datasets.turns(ws, [b.id for b in briefs])
    by_doc: dict[str, list[tuple[int, int, int]]] = {}
    for doc, idx, s, e in turns[["document", "turn", "start", "end"]].itertuples(index=False):
        by_doc.setdefault(doc, []).append((int(idx), int(s), int(e)))
    memory: dict[str, tuple[str, DocIndex]] = ws.cache.setdefault("token_index", {})
    folder = ws.root / ".qualcode" / "cache" / "tokens"
    out: dict[str, DocIndex] = {}
    todo: list[tuple[Any, str]] = []
    for b in briefs:
        spans = sorted(by_doc.get(b.id, []))
        package = ws.settings.pipelines.get(b.language)
        key = _key(b.id, b.language, stamps.get(b.id, ""), spans, package)
        held = memory.get(b.id)
        if held is not None and held[0] == key:
            out[b.id] = held[1]
            continue
        path = folder / f"{key}.pickle"
        index = _read(path)
        if index is None:
            todo.append((b, key))
            continue
        memory[b.id] = (key, index)
        out[b.id] = index
    if todo:
        with ws.engine.connect() as conn:
            text_of = document_texts(conn, [b.id for b, _ in todo])
        for b, key in todo:
            index = build(b.id, b.language, text_of[b.id], sorted(by_doc.get(b.id, [])),
                          ws.settings.pipelines.get(b.language))
            _write(folder / f"{key}.pickle", index)
            memory[b.id] = (key, index)
            out[b.id] = index
    return {b.id: out[b.id] for b in briefs}


def _read(path: Any) -> DocIndex | None:
    if not path.is_file():
        return None
    try:
        with path.open("rb") as fh:
            data = pickle.load(fh)  # noqa: S301 - our own cache file
        return DocIndex(**data)
    except Exception:  # noqa: BLE001 - a damaged cache is rebuilt
        return None


def _write(path: Any, index: DocIndex) -> None:
    data = {k: getattr(index, k) for k in ("document", "language", "vocab", "start", "end",
                                           "norm", "lower", "sent", "turn", "cut")}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only project only costs time
