"""Sentence features that need no download: lemmas from the offline spaCy pipelines,
TF-IDF n-grams, and wordllama's static embeddings (256 dimensions, shipped in its wheel).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

EMBEDDING = "wordllama l2_supercat 256"
EMBEDDING_DIM = 256


def lemma_texts(texts: Sequence[str], languages: Sequence[str]) -> list[str]:
    """Each text as its lower-cased lookup lemmas, space-separated (punctuation and
    numbers dropped), lemmatised with the text's language."""
    from spacy.attrs import IS_ALPHA, NORM

    from qualcode.autocode.pipeline import make_nlp, matchable

    out = [""] * len(texts)
    by_lang: dict[str, list[int]] = {}
    for i, lang in enumerate(languages):
        by_lang.setdefault(str(lang), []).append(i)
    for lang, rows in sorted(by_lang.items()):
        nlp = make_nlp(lang)
        strings = nlp.vocab.strings
        docs = nlp.tokenizer.pipe(matchable(texts[i]) for i in rows)
        for i, doc in zip(rows, docs, strict=True):
            arr = doc.to_array([IS_ALPHA, NORM])
            out[i] = " ".join(strings[int(h)] for a, h in arr if a)
    return out


def embeddings_available() -> bool:
    """Whether the wordllama package (and so its shipped weights) is installed."""
    import importlib.util

    return importlib.util.find_spec("wordllama") is not None


@lru_cache(maxsize=1)
def _wordllama() -> Any:
    """wordllama's 256-dimension model, loaded from the files inside its wheel only.

    `WordLlama.load()` alone looks for the tokenizer where the wheel does not put it and
    tries the network; pointing `cache_dir` at the package folder finds both the weights
    and the tokenizer there, and `disable_download` makes a missing file an error."""
    from pathlib import Path

    if not embeddings_available():
        raise QualcodeError("this model uses wordllama embeddings, which are not installed - "
                            "pip install wordllama, or run qualcode train again")
    import wordllama

    try:
        return wordllama.WordLlama.load(dim=EMBEDDING_DIM, disable_download=True,
                                        cache_dir=Path(wordllama.__file__).parent)
    except (FileNotFoundError, OSError, ValueError) as exc:
        raise QualcodeError(f"wordllama's shipped weights cannot be loaded ({type(exc).__name__})"
                            " - reinstall it with pip install --force-reinstall wordllama, "
                            "or train without embeddings") from None


def embed(texts: Sequence[str]) -> np.ndarray:
    """Unit-length static sentence embeddings (n x 256, float32): the mean of the
    texts' token vectors, as `WordLlama.embed(norm=True)` computes them, but without
    padding every batch (a sparse token-count matrix times the embedding table)."""
    import itertools

    from scipy.sparse import csr_matrix

    if not len(texts):
        return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    table, tokenizer = _table_and_tokenizer()
    ids = [e.ids for e in tokenizer.encode_batch(list(texts), add_special_tokens=False)]
    lens = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
    flat = np.fromiter(itertools.chain.from_iterable(ids), dtype=np.int64,
                       count=int(lens.sum()))
    np.clip(flat, 0, table.shape[0] - 1, out=flat)
    weights = np.repeat(1.0 / np.maximum(lens, 1), lens).astype(np.float32)
    counts = csr_matrix((weights, flat, np.r_[0, np.cumsum(lens)]),
                        shape=(len(ids), table.shape[0]))
    out = np.asarray(counts @ table, dtype=np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms == 0, 1, norms)


@lru_cache(maxsize=1)
def _table_and_tokenizer() -> tuple[np.ndarray, Any]:
    """wordllama's embedding table and a copy of its tokenizer without padding."""
    from tokenizers import Tokenizer

    model = _wordllama()
    tokenizer = Tokenizer.from_str(model.tokenizer.to_str())
    tokenizer.no_padding()
    return np.asarray(model.embedding, dtype=np.float32), tokenizer


class Featurizer:
    """TF-IDF of lemma uni- and bigrams and of character n-grams within words (when
    `char_ngrams` is a range), plus the static embeddings scaled by `embedding_weight`;
    the TF-IDF parts are fitted on training text only."""

    def __init__(self, embedding_weight: float = 1.0, min_df: int = 2,
                 char_ngrams: tuple[int, int] | None = (2, 5)) -> None:
        self.embedding_weight = embedding_weight
        self.min_df = min_df
        self.char_ngrams = tuple(char_ngrams) if char_ngrams else None
        self.word: Any = None
        self.char: Any = None

    def _vectorizers(self, **fixed: Any) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        common = {"sublinear_tf": True, "dtype": np.float32}
        self.word = TfidfVectorizer(ngram_range=(1, 2), token_pattern=r"\S+",
                                    vocabulary=fixed.get("word"), **common)
        self.char = TfidfVectorizer(analyzer="char_wb", ngram_range=self.char_ngrams,
                                    vocabulary=fixed.get("char"), **common) \
            if self.char_ngrams else None

    def fit(self, lemmas: Sequence[str]) -> Featurizer:
        self._vectorizers()
        for vec in self._parts():
            vec.min_df = self.min_df
            vec.fit(lemmas)
        return self

    def _parts(self) -> list[Any]:
        return [v for v in (self.word, self.char) if v is not None]

    @property
    def n_sparse(self) -> int:
        return sum(len(v.vocabulary_) for v in self._parts())

    def sparse(self, lemmas: Sequence[str]) -> csr_matrix:
        """The TF-IDF columns."""
        from scipy.sparse import hstack

        parts = [self.word.transform(lemmas)]
        if self.char is not None:
            parts.append(self._char_tfidf(lemmas))
        return hstack(parts, format="csr")

    def _char_tfidf(self, lemmas: Sequence[str]) -> csr_matrix:
        """The character n-gram TF-IDF, equal to `self.char.transform(lemmas)` but fast:
        n-grams never cross a space (char_wb), so a text's counts are the sum of its
        words' counts, and each distinct word is analysed once."""
        from scipy.sparse import csr_matrix
        from sklearn.feature_extraction.text import CountVectorizer
        from sklearn.preprocessing import normalize

        index: dict[str, int] = {}
        cols: list[int] = []
        indptr = [0]
        for text in lemmas:
            cols.extend(index.setdefault(w, len(index)) for w in text.split())
            indptr.append(len(cols))
        words = csr_matrix((np.ones(len(cols), dtype=np.float32), cols, indptr),
                           shape=(len(lemmas), len(index)))
        grams = CountVectorizer(analyzer="char_wb", ngram_range=self.char_ngrams,
                                vocabulary=self.char.vocabulary_, dtype=np.float32)
        counts = (words @ grams.transform(list(index))).tocsr() if index else \
            csr_matrix((len(lemmas), len(self.char.vocabulary_)), dtype=np.float32)
        counts.sum_duplicates()
        np.log(counts.data, out=counts.data)
        counts.data += 1  # sublinear tf
        counts.data *= self.char.idf_[counts.indices].astype(np.float32)
        return normalize(counts, norm="l2", copy=False)

    def dense(self, vectors: np.ndarray | None) -> np.ndarray | None:
        """The embedding columns (None without embeddings)."""
        if vectors is None or not self.embedding_weight:
            return None
        return vectors * np.float32(self.embedding_weight)

    def transform(self, lemmas: Sequence[str], vectors: np.ndarray | None) -> csr_matrix:
        """All columns in one sparse matrix (for fitting)."""
        from scipy.sparse import csr_matrix, hstack

        dense = self.dense(vectors)
        parts = [self.sparse(lemmas)] + ([csr_matrix(dense)] if dense is not None else [])
        return hstack(parts, format="csr")

    def state(self) -> dict[str, Any]:
        """Settings, vocabularies and IDF weights: plain data (lists and arrays)."""
        out: dict[str, Any] = {"embedding_weight": self.embedding_weight,
                               "min_df": self.min_df,
                               "char_ngrams": list(self.char_ngrams or []),
                               "word_vocabulary": _vocab_list(self.word),
                               "word_idf": self.word.idf_}
        if self.char is not None:
            out.update(char_vocabulary=_vocab_list(self.char), char_idf=self.char.idf_)
        return out

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Featurizer:
        self = cls(float(state["embedding_weight"]), int(state["min_df"]),
                   tuple(state["char_ngrams"]) or None)
        self._vectorizers(word=list(state["word_vocabulary"]),
                          char=list(state.get("char_vocabulary", [])) or None)
        for vec, idf in ((self.word, state["word_idf"]), (self.char, state.get("char_idf"))):
            if vec is not None:
                vec.fit(["x"])  # sets up the fixed vocabulary; the IDF is replaced below
                vec.idf_ = np.asarray(idf, dtype=np.float64)
        return self


def _vocab_list(vec: Any) -> list[str]:
    """The vectorizer's vocabulary as a list ordered by column."""
    vocab = vec.vocabulary_
    out = [""] * len(vocab)
    for term, col in vocab.items():
        out[col] = term
    return out
