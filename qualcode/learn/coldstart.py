"""Suggestions from the codebook alone (`autocode --source codebook`): no coding needed.

Each code is described by its description, include text and examples (with those of
its sub-codes). A respondent sentence's score for a code is its mean cosine similarity
to them in the encoder's space, standardised over the project's respondent sentences
(z: how much closer than a typical sentence), so a code whose texts resemble
everything does not win everywhere. Each sentence gets at most one theme: the theme
with the highest z, when z reaches a threshold calibrated on the codebook's own
examples (leave one example out, score it against every theme with the same rule, and
take the threshold with the best F1); inside that theme, the code (theme or sub-code)
with the highest z is suggested. A sentence closer to a code's exclude text than to
any of its own texts is not suggested for that code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from qualcode.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.codebook import Codebook
    from qualcode.workspace import Workspace

RULE = "codebook"  # the `rule` of a codebook suggestion
COLUMNS = ["document", "start", "end", "code", "score", "matched"]
POSITIVE_PARTS = ("description", "include", "examples")


@dataclass
class CodeTexts:
    code: str
    theme: str
    positive: list[str]  # description, include, examples (own and sub-codes')
    exclude: list[str]
    examples: list[str]  # own and sub-codes' examples (calibration)


def code_texts(book: Codebook) -> list[CodeTexts]:
    """What each code (not retired) says about itself, sub-codes' texts counted in."""
    by_id = book.by_id()
    out = []
    for code, _, _ in book.walk():
        if code.retired:
            continue
        theme = book.lineage(code.id)[-1]
        pos: list[str] = []
        examples: list[str] = []
        for d in book.descendants(code.id):
            c = by_id[d]
            if c.retired:
                continue
            pos += [t.strip() for t in (c.description, c.include) if t and t.strip()]
            examples += [e.strip() for e in c.examples if e and e.strip()]
        pos += examples
        if pos:
            out.append(CodeTexts(code.id, theme, pos, [code.exclude.strip()]
                                 if code.exclude and code.exclude.strip() else [], examples))
    return out


@dataclass
class CodebookScorer:
    """Encoded code texts, the corpus statistics and the calibrated threshold."""

    codes: list[CodeTexts]
    positive: list[np.ndarray]  # per code: texts x dim
    exclude: list[np.ndarray | None]
    mean: np.ndarray  # per code, over the corpus
    std: np.ndarray
    threshold: float

    def raw(self, vectors: np.ndarray, skip: str | None = None) -> np.ndarray:
        """Mean cosine similarity (sentences x codes); `skip` leaves one text out."""
        out = np.empty((len(vectors), len(self.codes)))
        for j, (ct, pos) in enumerate(zip(self.codes, self.positive, strict=True)):
            keep = [i for i, t in enumerate(ct.positive) if t != skip]
            out[:, j] = (vectors @ pos[keep].T).mean(axis=1) if keep else np.nan
        return out

    def z(self, vectors: np.ndarray, skip: str | None = None) -> np.ndarray:
        return (self.raw(vectors, skip) - self.mean) / self.std

    def vetoed(self, vectors: np.ndarray) -> np.ndarray:
        """Whether a sentence is closer to a code's exclude text than to any own text."""
        out = np.zeros((len(vectors), len(self.codes)), dtype=bool)
        for j, (pos, exc) in enumerate(zip(self.positive, self.exclude, strict=True)):
            if exc is not None:
                out[:, j] = (vectors @ exc.T).max(axis=1) > (vectors @ pos.T).max(axis=1)
        return out

    def themes(self) -> list[str]:
        return list(dict.fromkeys(ct.theme for ct in self.codes))

    def theme_z(self, z: np.ndarray) -> np.ndarray:
        """Each theme's own z (sentences x themes)."""
        col = {ct.code: j for j, ct in enumerate(self.codes)}
        return np.stack([z[:, col[t]] if t in col else np.full(len(z), -np.inf)
                         for t in self.themes()], axis=1)

    def predict(self, vectors: np.ndarray) -> list[tuple[int, int, float]]:
        """(sentence row, code column, z) of the suggestions."""
        z = self.z(vectors)
        z = np.where(self.vetoed(vectors), -np.inf, np.nan_to_num(z, nan=-np.inf))
        tz = self.theme_z(z)
        themes = self.themes()
        out = []
        for i in range(len(vectors)):
            t = int(np.argmax(tz[i]))
            if not tz[i, t] >= self.threshold:
                continue
            cols = [j for j, ct in enumerate(self.codes) if ct.theme == themes[t]]
            j = max(cols, key=lambda c: z[i, c])
            out.append((i, j, float(z[i, j])))
        return out

    def nearest(self, vector: np.ndarray, j: int) -> str:
        """The code's own text closest to a sentence (shown in review)."""
        return self.codes[j].positive[int(np.argmax(self.positive[j] @ vector))]


def fit_scorer(book: Codebook, corpus: np.ndarray, encoder: str = "wordllama"
               ) -> CodebookScorer:
    """Encode the code texts, standardise on `corpus` (the respondent sentences'
    vectors) and calibrate the threshold on the examples (leave one out)."""
    from qualcode.learn.evaluate import best_threshold
    from qualcode.learn.features import embed

    codes = code_texts(book)
    if not codes:
        raise UsageError("no code has a description, include text or examples - "
                         "--source codebook needs them; add some to codebook/*.yaml")
    positive = [embed(ct.positive, encoder) for ct in codes]
    exclude = [embed(ct.exclude, encoder) if ct.exclude else None for ct in codes]
    scorer = CodebookScorer(codes, positive, exclude, np.zeros(len(codes)),
                            np.ones(len(codes)), np.inf)
    if len(corpus) >= 2:
        raw = scorer.raw(corpus)
        scorer.mean = raw.mean(axis=0)
        std = raw.std(axis=0)
        scorer.std = np.where(std > 0, std, 1.0)
    scorer.threshold = _calibrate(scorer, best_threshold, encoder)
    return scorer


def _calibrate(scorer: CodebookScorer, best_threshold,  # noqa: ANN001
               encoder: str = "wordllama") -> float:
    """The threshold on a sentence's top theme z with the best F1 over the examples,
    each scored with itself left out (its theme: the one it belongs to)."""
    from qualcode.learn.features import embed

    themes = scorer.themes()
    pairs = list(dict.fromkeys((e, ct.theme) for ct in scorer.codes
                               if ct.code == ct.theme for e in ct.examples))
    if len(themes) < 2 or not pairs:
        return 0.0  # nothing to calibrate on: above the corpus mean
    vectors = embed([e for e, _ in pairs], encoder)
    scores, labels = [], []
    for (text, theme), v in zip(pairs, vectors, strict=True):
        tz = scorer.theme_z(np.nan_to_num(scorer.z(v[None, :], skip=text), nan=-np.inf))[0]
        top = tz == tz.max()
        scores.append(np.where(top, tz, -np.inf))
        labels.append([t == theme for t in themes])
    s, y = np.concatenate(scores), np.concatenate(labels).astype(np.int8)
    t = best_threshold(np.where(np.isfinite(s), s, -1e9), y)
    return float(t) if np.isfinite(t) else 0.0


def score_sentences(book: Codebook, sentences: pd.DataFrame, encoder: str = "wordllama"
                    ) -> pd.DataFrame:
    """Codebook suggestions for `sentences` (document, start, end, text: respondent
    speech), calibrated on the sentences themselves: document, start, end, code, score
    (z), matched (the code's text closest to the sentence)."""
    import pandas as pd

    from qualcode.learn.features import embed

    if not len(sentences):
        return pd.DataFrame(columns=COLUMNS)
    vectors = embed(sentences["text"].tolist(), encoder)
    scorer = fit_scorer(book, vectors, encoder)
    rows = sentences[["document", "start", "end"]].reset_index(drop=True)
    out = []
    for i, j, z in scorer.predict(vectors):
        d, a, b = rows.iloc[i]
        out.append((d, int(a), int(b), scorer.codes[j].code, round(z, 4),
                    scorer.nearest(vectors[i], j)[:200]))
    return pd.DataFrame(out, columns=COLUMNS)


def codebook_suggestions(ws: Workspace, documents: Sequence[str] | None = None
                         ) -> pd.DataFrame:
    """One call for `autocode --source codebook`: suggestions for the respondent
    sentences of `documents` (default: all), standardised over all the project's
    respondent sentences (so a run on some documents scores them as a full run does)."""
    from qualcode import datasets
    from qualcode.learn.data import with_text

    if ws.settings.learn.encoder == "none":
        raise UsageError('--source codebook needs a sentence encoder - set [learn] encoder '
                         '= "wordllama" in qualcode.toml')

    docs = datasets.text_frame(ws)
    sentences = with_text(datasets.sentences(ws), docs)
    out = score_sentences(ws.codebook, sentences, ws.settings.learn.encoder)
    if documents:
        out = out[out["document"].isin(list(documents))].reset_index(drop=True)
    return out
