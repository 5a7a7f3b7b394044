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
    from qualcode.autocode.pipeline import make_nlp, matchable

    out = [""] * len(texts)
    by_lang: dict[str, list[int]] = {}
    for i, lang in enumerate(languages):
        by_lang.setdefault(str(lang), []).append(i)
    for lang, rows in sorted(by_lang.items()):
        nlp = make_nlp(lang)
        docs = nlp.tokenizer.pipe(matchable(texts[i]) for i in rows)
        for i, doc in zip(rows, docs, strict=True):
            out[i] = " ".join(t.norm_ for t in doc if t.is_alpha)
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

    import wordllama

    try:
        return wordllama.WordLlama.load(dim=EMBEDDING_DIM, disable_download=True,
                                        cache_dir=Path(wordllama.__file__).parent)
    except (FileNotFoundError, OSError, ValueError) as exc:
        raise QualcodeError(f"wordllama's shipped weights cannot be loaded ({type(exc).__name__})"
                            " - reinstall it with pip install --force-reinstall wordllama, "
                            "or train without embeddings") from None


def embed(texts: Sequence[str]) -> np.ndarray:
    """Unit-length static sentence embeddings (n x 256, float32)."""
    if not len(texts):
        return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    vectors = _wordllama().embed(list(texts), norm=True, batch_size=256)
    return np.asarray(vectors, dtype=np.float32)


class Featurizer:
    """TF-IDF of lemma uni- and bigrams and of character 2-5-grams (within words), plus
    the static embeddings (scaled by `embedding_weight`); fitted on training text only."""

    def __init__(self, embedding_weight: float = 1.0, min_df: int = 2) -> None:
        self.embedding_weight = embedding_weight
        self.min_df = min_df
        self.word: Any = None
        self.char: Any = None

    def fit(self, lemmas: Sequence[str]) -> Featurizer:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.word = TfidfVectorizer(ngram_range=(1, 2), min_df=self.min_df, sublinear_tf=True,
                                    token_pattern=r"\S+", dtype=np.float32)
        self.char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5),
                                    min_df=self.min_df, sublinear_tf=True, dtype=np.float32)
        self.word.fit(lemmas)
        self.char.fit(lemmas)
        return self

    def transform(self, lemmas: Sequence[str], vectors: np.ndarray | None) -> csr_matrix:
        from scipy.sparse import csr_matrix, hstack

        parts = [self.word.transform(lemmas), self.char.transform(lemmas)]
        if vectors is not None and self.embedding_weight:
            parts.append(csr_matrix(vectors * self.embedding_weight))
        return hstack(parts, format="csr")

    def state(self) -> dict[str, Any]:
        """Vocabularies and IDF weights: plain data (JSON lists and arrays), no pickle."""
        return {"embedding_weight": self.embedding_weight, "min_df": self.min_df,
                "word_vocabulary": _vocab_list(self.word), "word_idf": self.word.idf_,
                "char_vocabulary": _vocab_list(self.char), "char_idf": self.char.idf_}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Featurizer:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self = cls(float(state["embedding_weight"]), int(state["min_df"]))
        self.word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"\S+",
                                    dtype=np.float32, vocabulary=list(state["word_vocabulary"]))
        self.char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                    dtype=np.float32, vocabulary=list(state["char_vocabulary"]))
        for vec, idf in ((self.word, state["word_idf"]), (self.char, state["char_idf"])):
            vec.fit([" "])  # sets up the fixed vocabulary; IDF replaced below
            vec.idf_ = np.asarray(idf, dtype=np.float64)
        return self


def _vocab_list(vec: Any) -> list[str]:
    """The vectorizer's vocabulary as a list ordered by column."""
    vocab = vec.vocabulary_
    out = [""] * len(vocab)
    for term, col in vocab.items():
        out[col] = term
    return out
