"""Using a trained model: scores for respondent sentences (auto-coding), and how unsure
the model is about existing suggestions (review order)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from qualcode import datasets

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.learn.model import TrainedModel
    from qualcode.workspace import Workspace

PREDICTION_COLUMNS = ["document", "start", "end", "code", "score"]


def score_texts(model: TrainedModel, texts: Sequence[str], languages: Sequence[str],
                context: pd.DataFrame | None = None) -> np.ndarray:
    """Scores (texts x model codes): calibrated probabilities, NaN for codes the model
    does not predict. `context` (before, after, question per text: learn.context) is
    read by a model trained with context features; without it they are left empty."""
    from qualcode.learn.evaluate import calibrate
    from qualcode.learn.features import sentence_inputs

    if not len(texts):
        return np.zeros((0, len(model.codes)))
    x = sentence_inputs(texts, languages, model.encoder if model.embeddings else None,
                        context if model.context else None)
    scores = model.linear.scores(x.lemmas, x.vectors, x.questions, x.neighbours)
    if model.calibration is not None:
        scores = calibrate(scores, model.calibration)
    scores[:, ~model.predicted] = np.nan
    return scores


def predict_sentences(model: TrainedModel, sentences: pd.DataFrame, texts: pd.DataFrame,
                      with_rules: bool = False, turns: pd.DataFrame | None = None
                      ) -> pd.DataFrame:
    """Codes the model finds in `sentences` (document, start, end: respondent speech
    only - the caller passes respondent sentences), one row per sentence and code whose
    score reaches the code's threshold: document, start, end, code, score.

    `texts` has document, language, text (as `datasets.documents(ws)`). With with_rules,
    the thresholds chosen for use together with the rules (`autocode --source both`).
    `turns` (as `datasets.turns(ws)`) gives a context model each sentence's speaker and
    question; without them, a document's sentences count as one speaker's."""
    import pandas as pd

    from qualcode.learn.context import add_context

    if not len(sentences):
        return pd.DataFrame(columns=PREDICTION_COLUMNS)
    text_of = dict(zip(texts["document"], texts["text"], strict=True))
    language_of = dict(zip(texts["document"], texts["language"], strict=True))
    rows = sentences[["document", "start", "end"]].reset_index(drop=True)
    spans = [text_of[d][a:b] for d, a, b in rows.itertuples(index=False)]
    langs = [language_of[d] for d in rows["document"]]
    context = add_context(rows, rows, turns, text_of) if model.context else None
    scores = score_texts(model, spans, langs, context)
    limit = model.thresholds_both if with_rules else model.thresholds
    with np.errstate(invalid="ignore"):
        hit = scores >= limit
    r, k = np.nonzero(hit)
    out = rows.iloc[r].reset_index(drop=True)
    out["code"] = [model.codes[j] for j in k]
    out["score"] = scores[r, k]
    # after a codebook merge two columns carry one label: the higher score speaks for it
    out = out.sort_values("score", ascending=False, kind="stable").drop_duplicates(
        ["document", "start", "end", "code"])
    return out.sort_values(["document", "start", "code"], kind="stable").reset_index(drop=True)


def uncertainty(model: TrainedModel, suggestions: pd.DataFrame,
                languages: Mapping[str, str] | None = None,
                context: pd.DataFrame | None = None) -> pd.DataFrame:
    """The suggestions (with document, code, text and `language` or a `languages` map
    document -> language), closest to their code's threshold first: adds `score` and
    `margin` (score - threshold; negative: the model would not suggest it). Suggestions
    of codes the model does not predict come last, in their original order. `context`:
    before, after, question per suggestion (row by row), for a context model."""
    if "language" in suggestions:
        langs = suggestions["language"].tolist()
    elif languages is not None:
        langs = [languages[d] for d in suggestions["document"]]
    else:
        raise ValueError("uncertainty needs a language column or a languages mapping")
    out = suggestions.copy()
    index = {c: j for j, c in enumerate(model.codes)}
    scores = score_texts(model, out["text"].tolist(), langs, context) if len(out) else None
    score = np.full(len(out), np.nan)
    margin = np.full(len(out), np.nan)
    for i, code in enumerate(out["code"]):
        j = index.get(code)
        if j is not None and scores is not None and model.predicted[j]:
            score[i] = scores[i, j]
            margin[i] = scores[i, j] - model.thresholds[j]
    out["score"] = score
    out["margin"] = margin
    order = np.lexsort((np.arange(len(out)), np.abs(np.nan_to_num(margin, nan=np.inf))))
    return out.iloc[order].reset_index(drop=True)


def rank_by_uncertainty(ws: Workspace, suggestions: pd.DataFrame,
                        model: TrainedModel | None = None) -> pd.DataFrame:
    """One call for `review --order uncertain`: `uncertainty` with the saved model and
    the documents' languages (suggestions as `datasets.codings(ws, statuses=["suggested"])`;
    their `id` column gives the review order)."""
    from qualcode.learn.data import with_context
    from qualcode.learn.persist import load_model

    model = model or load_model(ws)
    docs = datasets.documents(ws)
    context = with_context(ws, suggestions[["document", "start", "end"]]) \
        if model.context and len(suggestions) else None
    return uncertainty(model, suggestions,
                       dict(zip(docs["document"], docs["language"], strict=True)), context)


def model_suggestions(ws: Workspace, documents: Sequence[str] | None = None,
                      with_rules: bool = False, model: TrainedModel | None = None
                      ) -> pd.DataFrame:
    """One call for `autocode --source model|both`: the saved model's predictions for
    the respondent sentences of `documents` (default: all)."""
    from qualcode.learn.persist import load_model

    model = model or load_model(ws)
    wanted = list(documents) if documents else None
    sentences = datasets.sentences(ws, wanted)
    turns = datasets.turns(ws, wanted) if model.context else None
    return predict_sentences(model, sentences, _texts(ws, documents),
                             with_rules=with_rules, turns=turns)


def _texts(ws: Workspace, documents: Sequence[str] | None) -> pd.DataFrame:
    """document, language, text of these documents (all when None)."""
    from qualcode.datasets import text_frame

    return text_frame(ws, list(documents) if documents else None)
