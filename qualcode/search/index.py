"""A token index of each document, for search and word counts: the tokens auto-coding
sees (the same spaCy pipelines, the same lookup lemmas as NORM), as numpy arrays.

Built once per document and kept in `.qualcode/cache/tokens/` (keyed by the text, its
turns, the language and the pipeline), so a second search over ten million words reads
arrays instead of running spaCy again. A document's index comes in two parts, each its
own file: the respondents' turns, which auto-coding tokenizes anyway and indexes on the
way (`IndexWriter`), and the other turns (interviewers, unlabelled), built the first time
a search looks there. Word counts read respondent turns only.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    import numpy as np
    import pandas as pd
    from spacy.tokens import Doc

    from qualcode.workspace import Workspace

VERSION = 2  # bump when what the index holds changes
PARTS = ("respondent", "other")
FIELDS = ("document", "language", "vocab", "hashes", "start", "end", "norm", "lower",
          "sent", "turn", "cut")
# build in two processes when there is at least this much text to tokenize
PARALLEL_CHARS = 2_000_000
# indexes built with spaCy / written by auto-coding in this process (tests read them)
COUNTS = {"built": 0, "written_by_autocode": 0}


def part_of(role: str) -> str:
    return "respondent" if role == "respondent" else "other"


@dataclass
class DocIndex:
    """The tokens of one document (or one part of it). Arrays are parallel, one entry per
    token, in text order: start, end (offsets into the document's text), norm and lower
    (ids into `vocab`), sent (bounded sentence, numbered within the index), turn (the
    stored turn index). `hashes[i]` is spaCy's hash of `vocab[i]`, sorted ascending.
    `cut[k]`: sentence k is a piece of an over-long sentence that does not start one."""

    document: str
    language: str
    vocab: list[str]
    hashes: np.ndarray
    start: np.ndarray
    end: np.ndarray
    norm: np.ndarray
    lower: np.ndarray
    sent: np.ndarray
    turn: np.ndarray
    cut: np.ndarray

    def id_of_hash(self, h: int) -> int | None:
        import numpy as np

        i = int(np.searchsorted(self.hashes, np.uint64(h)))
        return i if i < len(self.hashes) and int(self.hashes[i]) == h else None

    def id_of(self, s: str) -> int | None:
        return self.id_of_hash(_hash(s))

    def __len__(self) -> int:
        return len(self.start)


def _hash(s: str) -> int:
    from spacy.strings import hash_string

    return int(hash_string(s))


# --- from spaCy docs to arrays ---------------------------------------------------------

Piece = tuple  # (turn, offset, token attributes, bounded sentence starts or None, cut)


def extract(turn: int, offset: int, doc: Doc) -> Piece | None:
    """What the index needs of one tokenized turn (text at `offset` of the document): one
    `Doc.to_array` call; sentences are looked at only in a turn long enough to hold an
    over-long one. None for a turn without tokens."""
    from spacy.attrs import IDX, LENGTH, LOWER, NORM, SENT_START

    from qualcode.autocode.pipeline import MAX_SENTENCE_TOKENS

    n = len(doc)
    if not n:
        return None
    a = doc.to_array([IDX, LENGTH, NORM, LOWER, SENT_START])
    if n <= MAX_SENTENCE_TOKENS:
        return (turn, offset, a, None, None)
    import numpy as np

    from qualcode.autocode.pipeline import bounded_sentences

    starts = a[:, 4] == 1
    starts[0] = True
    first = np.flatnonzero(starts)
    if int(np.diff(np.append(first, n)).max()) <= MAX_SENTENCE_TOKENS:
        return (turn, offset, a, None, None)
    first = np.asarray([s for s, _ in bounded_sentences(doc)], dtype=np.int64)
    cut = ~starts[first]
    cut[0] = False
    return (turn, offset, a, first, cut)


def assemble(document: str, language: str, strings: Any, pieces: Iterable[Piece | None]
             ) -> DocIndex:
    """One DocIndex from the pieces of its turns (in any order), all turns at once;
    `strings`: the pipeline's StringStore, to name the hashes."""
    import numpy as np

    got = sorted((p for p in pieces if p is not None), key=lambda p: p[1])
    if not got:
        e = np.empty(0, dtype=np.int32)
        return DocIndex(document, language, [], np.empty(0, dtype=np.uint64), e, e, e, e, e,
                        e, np.empty(0, dtype=bool))
    sizes = np.asarray([len(p[2]) for p in got], dtype=np.int64)
    begins = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    a = np.concatenate([p[2] for p in got])
    n = len(a)
    starts = a[:, 4] == 1
    starts[begins] = True  # a turn starts a sentence
    bounded = [(k, p) for k, p in enumerate(got) if p[3] is not None]
    for k, p in bounded:  # over-long sentences cut into pieces
        seg = starts[begins[k]: begins[k] + sizes[k]]
        seg[:] = False
        seg[p[3]] = True
    sent = np.cumsum(starts) - 1
    cut = np.zeros(int(sent[-1]) + 1, dtype=bool)
    for k, p in bounded:
        first = int(sent[begins[k]])
        cut[first: first + len(p[4])] = p[4]
    start = a[:, 0].astype(np.int64) + np.repeat([p[1] for p in got], sizes)
    hashes, ids = np.unique(np.concatenate([a[:, 2], a[:, 3]]), return_inverse=True)
    ids = ids.astype(np.int32).ravel()
    return DocIndex(
        document=document, language=language,
        vocab=[strings[int(h)] for h in hashes], hashes=hashes.astype(np.uint64),
        start=start.astype(np.int32), end=(start + a[:, 1].astype(np.int64)).astype(np.int32),
        norm=ids[:n], lower=ids[n:], sent=sent.astype(np.int32),
        turn=np.repeat(np.asarray([p[0] for p in got], dtype=np.int32), sizes), cut=cut)


def build(document: str, language: str, text: str, turns: list[tuple[int, int, int]],
          package: str | None = None) -> DocIndex:
    """Tokenize turns (index, start, end) of one document as auto-coding does."""
    from qualcode.autocode.pipeline import make_nlp, matchable

    nlp = make_nlp(language, package)
    spans = sorted(turns, key=lambda t: t[1])
    docs = nlp.pipe((matchable(text[s:e]) for _, s, e in spans), batch_size=256)
    pieces = [extract(idx, s, doc) for (idx, s, _), doc in zip(spans, docs, strict=True)]
    return assemble(document, language, nlp.vocab.strings, pieces)


def merge(a: DocIndex, b: DocIndex) -> DocIndex:
    """One index of the tokens of both (parts of one document), in text order."""
    import numpy as np

    if not len(b):
        return a
    if not len(a):
        return b
    hashes, inv = np.unique(np.concatenate([a.hashes, b.hashes]), return_inverse=True)
    inv = inv.astype(np.int32).ravel()
    ra, rb = inv[: len(a.hashes)], inv[len(a.hashes):]
    vocab = [""] * len(hashes)
    for i, w in zip(ra, a.vocab, strict=True):
        vocab[i] = w
    for i, w in zip(rb, b.vocab, strict=True):
        vocab[i] = w
    order = np.argsort(np.concatenate([a.start, b.start]), kind="stable")

    def cat(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.concatenate([x, y])[order]

    old = cat(a.sent.astype(np.int64), b.sent.astype(np.int64) + len(a.cut))
    new_sent = np.concatenate([[True], old[1:] != old[:-1]])
    cut = np.concatenate([a.cut, b.cut])[old[new_sent]]
    return DocIndex(a.document, a.language, vocab, hashes.astype(np.uint64),
                    cat(a.start, b.start), cat(a.end, b.end), cat(ra[a.norm], rb[b.norm]),
                    cat(ra[a.lower], rb[b.lower]),
                    (np.cumsum(new_sent) - 1).astype(np.int32), cat(a.turn, b.turn), cut)


# --- the cache -------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _spacy_version() -> str:
    from importlib.metadata import version

    return version("spacy")


def _key(doc: str, language: str, text_hash: str, part: str,
         turns: list[tuple[int, int, int]], package: str | None) -> str:
    raw = repr((VERSION, _spacy_version(), doc, language, text_hash, part, tuple(turns),
                package))
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


def folder_of(ws: Workspace) -> Path:
    return ws.root / ".qualcode" / "cache" / "tokens"


def _spans_by_part(turns: Iterable[tuple[str, int, str, int, int]]
                   ) -> dict[tuple[str, str], list[tuple[int, int, int]]]:
    """(document, part) -> sorted (turn, start, end), from (document, turn, role, start,
    end) rows."""
    out: dict[tuple[str, str], list[tuple[int, int, int]]] = {}
    for doc, idx, role, s, e in turns:
        out.setdefault((doc, part_of(role)), []).append((int(idx), int(s), int(e)))
    return {k: sorted(v) for k, v in out.items()}


def document_indexes(ws: Workspace, documents: list[str] | None = None,
                     turns: pd.DataFrame | None = None,
                     parts: Iterable[str] = PARTS,
                     progress: Callable[[int, int, str], None] | None = None
                     ) -> dict[str, DocIndex]:
    """document -> DocIndex of these documents' turns in `parts` (all documents when
    None; both parts by default): from memory, else the cache folder, else built now
    (in two processes when there is much to build; `progress(done, total, "")` per
    document built) and cached. Building removes the cache files no stored document
    uses any more."""
    from qualcode import datasets
    from qualcode.store.documents import document_briefs, document_index, document_texts

    parts = tuple(p for p in PARTS if p in set(parts))
    with ws.engine.connect() as conn:
        briefs = document_briefs(conn, documents)
        stamps = {r.id: r.hash for r in document_index(
            conn, None if documents is None else [b.id for b in briefs]).values()}
    if turns is None:
        turns = datasets.turns(ws, [b.id for b in briefs])
    spans_of = _spans_by_part(zip(*(turns[k].tolist() for k in (
        "document", "turn", "role", "start", "end")), strict=True))
    memory: dict[tuple[str, str], tuple[str, DocIndex]] = ws.cache.setdefault(
        "token_index", {})
    folder = folder_of(ws)
    got: dict[tuple[str, str], DocIndex] = {}
    todo: list[tuple[Any, str, str, list[tuple[int, int, int]]]] = []
    for b in briefs:
        for part in parts:
            spans = spans_of.get((b.id, part), [])
            if not spans:
                continue
            key = _key(b.id, b.language, stamps.get(b.id, ""), part, spans,
                       ws.settings.pipelines.get(b.language))
            held = memory.get((b.id, part))
            if held is not None and held[0] == key:
                got[(b.id, part)] = held[1]
                continue
            index = _read(folder / f"{key}.pickle")
            if index is None:
                todo.append((b, part, key, spans))
                continue
            memory[(b.id, part)] = (key, index)
            got[(b.id, part)] = index
    if todo:
        with ws.engine.connect() as conn:
            text_of = document_texts(conn, sorted({b.id for b, *_ in todo}))
        tasks = [(b.id, b.language, ws.settings.pipelines.get(b.language),
                  [(i, s, text_of[b.id][s:e]) for i, s, e in spans])
                 for b, _, _, spans in todo]
        for n, ((b, part, key, _), index) in enumerate(zip(todo, _build_all(tasks),
                                                           strict=True)):
            _write(folder / f"{key}.pickle", index)
            COUNTS["built"] += 1
            memory[(b.id, part)] = (key, index)
            got[(b.id, part)] = index
            if progress:
                progress(n + 1, len(todo), "")
        prune(ws)
    out: dict[str, DocIndex] = {}
    for b in briefs:
        found = [got[(b.id, p)] for p in parts if (b.id, p) in got]
        if not found:
            out[b.id] = assemble(b.id, b.language, None, [])
        elif len(found) == 1:
            out[b.id] = found[0]
        else:
            out[b.id] = merge(*found)
    return out


def _build_task(task: tuple[str, str, str | None, list[tuple[int, int, str]]]) -> DocIndex:
    from qualcode.autocode.pipeline import make_nlp, matchable

    doc_id, language, package, items = task
    nlp = make_nlp(language, package)
    docs = nlp.pipe((matchable(t) for _, _, t in items), batch_size=256)
    pieces = [extract(i, s, d) for (i, s, _), d in zip(items, docs, strict=True)]
    return assemble(doc_id, language, nlp.vocab.strings, pieces)


def workers() -> int:
    """Processes to build the index with: QUALCODE_INDEX_WORKERS, else 2 where there are
    two cores or more and processes can be forked."""
    import multiprocessing

    raw = os.environ.get("QUALCODE_INDEX_WORKERS", "")
    if raw.strip().isdigit():
        return max(1, int(raw))
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return 2 if (os.cpu_count() or 1) >= 2 else 1


def _build_all(tasks: list[tuple[str, str, str | None, list[tuple[int, int, str]]]]
               ) -> Iterable[DocIndex]:
    """The index of each task, in order: in this process, or in a pool of forked
    processes (each builds its own pipelines) when there is enough text to pay for it."""
    size = sum(len(t) for *_, items in tasks for _, _, t in items)
    n = workers()
    if n < 2 or size < PARALLEL_CHARS or len(tasks) < 2 * n:
        for task in tasks:
            yield _build_task(task)
        return
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(n) as pool:
        yield from pool.imap(_build_task, tasks, chunksize=4)


def valid_keys(ws: Workspace) -> set[str]:
    """The cache keys of every stored document's parts, as they are now."""
    from qualcode.store.documents import document_briefs, document_index, turn_rows

    with ws.engine.connect() as conn:
        briefs = document_briefs(conn, None)
        stamps = {r.id: r.hash for r in document_index(conn, None).values()}
        rows = turn_rows(conn, None)
    spans_of = _spans_by_part((r.document_id, r.idx, r.role, r.start, r.end) for r in rows)
    keys = set()
    for b in briefs:
        for part in PARTS:
            spans = spans_of.get((b.id, part))
            if spans:
                keys.add(_key(b.id, b.language, stamps.get(b.id, ""), part, spans,
                              ws.settings.pipelines.get(b.language)))
    return keys


def prune(ws: Workspace) -> int:
    """Remove the cache files no stored document uses any more (an older text, turns,
    pipeline or index version); the number removed."""
    folder = folder_of(ws)
    if not folder.is_dir():
        return 0
    keep = valid_keys(ws)
    removed = 0
    for path in folder.glob("*.pickle"):
        if path.stem not in keep:
            try:
                path.unlink()
                removed += 1
            except OSError:
                pass
    return removed


class IndexWriter:
    """Auto-coding's by-product: the respondent part of each document's index, from the
    spaCy docs the rule matcher tokenized anyway (no second pass). `want` the documents of
    a batch, hand every tokenized turn to `add`, then `flush`."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.folder = folder_of(ws)
        self.wrote = 0
        self._pending: dict[str, tuple[str, str, dict[int, int], list[Piece | None]]] = {}

    def want(self, briefs: list[Any], stamps: dict[str, str],
             turns: Iterable[tuple[str, int, int, int]]) -> None:
        """Note the documents (briefs) whose respondent index is not cached yet; turns:
        (document, turn index, start, end) of their respondent turns."""
        spans: dict[str, list[tuple[int, int, int]]] = {}
        for doc, idx, s, e in turns:
            spans.setdefault(doc, []).append((int(idx), int(s), int(e)))
        for b in briefs:
            got = sorted(spans.get(b.id, []))
            if not got:
                continue
            key = _key(b.id, b.language, stamps.get(b.id, ""), "respondent", got,
                       self.ws.settings.pipelines.get(b.language))
            if not (self.folder / f"{key}.pickle").is_file():
                self._pending[b.id] = (key, b.language, {s: i for i, s, _ in got}, [])

    def add(self, document: str, offset: int, doc: Doc) -> None:
        held = self._pending.get(document)
        if held is not None and offset in held[2]:
            held[3].append(extract(held[2][offset], offset, doc))

    def flush(self, strings: dict[str, Any]) -> None:
        """Write the pending documents whose every respondent turn was seen; `strings`:
        language -> the pipeline's StringStore."""
        for doc, (key, language, turns, pieces) in list(self._pending.items()):
            del self._pending[doc]
            if len(pieces) != len(turns) or language not in strings:
                continue  # not tokenized here (e.g. a language without rules)
            _write(self.folder / f"{key}.pickle",
                   assemble(doc, language, strings[language], pieces))
            self.wrote += 1
            COUNTS["written_by_autocode"] += 1

    def finish(self) -> None:
        if self.wrote:
            prune(self.ws)


def _read(path: Path) -> DocIndex | None:
    if not path.is_file():
        return None
    try:
        with path.open("rb") as fh:
            data = pickle.load(fh)  # noqa: S301 - our own cache file
        return DocIndex(**data)
    except Exception:  # noqa: BLE001 - a damaged cache is rebuilt
        return None


def _write(path: Path, index: DocIndex) -> None:
    from qualcode.outputs import write_cache

    data = {k: getattr(index, k) for k in FIELDS}
    write_cache(path, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
