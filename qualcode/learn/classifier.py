"""One logistic regression per code (one-vs-rest) on the sentence features.

Each code is fitted on the sentences whose label for it is known; a code whose
training part has too few positives gets no classifier and scores NaN.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qualcode.learn.features import Featurizer

SEED = 0


@dataclass
class Settings:
    """The classifier's settings (stored in the model card)."""

    C: float = 4.0  # noqa: N815 - scikit-learn's name
    embedding_weight: float = 1.0
    min_df: int = 2
    char_ngrams: tuple[int, int] | None = (2, 5)
    class_weight: str | None = None
    min_train_positives: int = 2
    # context features (docs/learn.md): the interviewer's question as TF-IDF, and the
    # mean embedding of the speaker's previous and next sentence
    context: bool = True
    question_weight: float = 0.5
    neighbour_weight: float = 1.0
    # the codebook's descriptions, include texts and examples as extra positives in
    # every training fold (never tested on)
    codebook_texts: bool = True

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["char_ngrams"] = list(self.char_ngrams) if self.char_ngrams else None
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Settings:
        data = dict(data)
        data.setdefault("context", False)  # models saved before context features
        data.setdefault("codebook_texts", False)
        data["char_ngrams"] = tuple(data["char_ngrams"]) if data.get("char_ngrams") else None
        return cls(**data)


@dataclass
class LinearModel:
    """Featurizer + per-code weights; `scores` gives probabilities (NaN: no classifier)."""

    codes: list[str]
    settings: Settings = field(default_factory=Settings)
    featurizer: Featurizer | None = None
    coef: np.ndarray | None = None  # codes x features (float32)
    intercept: np.ndarray | None = None  # codes; NaN where no classifier

    def fit(self, lemmas: list[str], vectors: np.ndarray | None, y: np.ndarray,
            trainable: np.ndarray | None = None, questions: list[str] | None = None,
            neighbours: np.ndarray | None = None) -> LinearModel:
        """Fit on lemma texts, embeddings and labels y (1/0/-1 unknown); `trainable`
        (bool per code) leaves the other codes without a classifier. With
        `settings.context`: `questions` (lemma texts of the questions) and `neighbours`
        (mean embeddings of the neighbouring sentences), row by row."""
        from sklearn.linear_model import LogisticRegression

        s = self.settings
        self.featurizer = Featurizer(s.embedding_weight, s.min_df, s.char_ngrams, s.context,
                                     s.question_weight, s.neighbour_weight
                                     ).fit(lemmas, questions)
        X = self.featurizer.transform(lemmas, vectors, questions, neighbours)
        k = len(self.codes)
        self.coef = np.zeros((k, X.shape[1]), dtype=np.float32)
        self.intercept = np.full(k, np.nan)
        for j in range(k):
            known = y[:, j] >= 0
            target = y[known, j]
            if (trainable is not None and not trainable[j]) \
                    or target.sum() < s.min_train_positives or (target == 0).sum() < 1:
                continue
            clf = LogisticRegression(C=s.C, class_weight=s.class_weight, solver="liblinear",
                                     max_iter=1000, random_state=SEED)
            clf.fit(X[known], target)
            self.coef[j] = clf.coef_[0]
            self.intercept[j] = clf.intercept_[0]
        return self

    def scores(self, lemmas: list[str], vectors: np.ndarray | None,
               questions: list[str] | None = None, neighbours: np.ndarray | None = None
               ) -> np.ndarray:
        """Probabilities (sentences x codes); NaN for codes without a classifier."""
        assert self.featurizer is not None and self.coef is not None
        feat = self.featurizer
        n = feat.n_sparse
        logits = np.asarray(feat.sparse(lemmas, questions) @ self.coef[:, :n].T,
                            dtype=np.float64)
        dense = feat.dense(vectors, neighbours)
        if dense is not None:
            logits += dense @ self.coef[:, n:].T
        logits += self.intercept
        with np.errstate(over="ignore", invalid="ignore"):
            return 1.0 / (1.0 + np.exp(-logits))
