"""The model on disk: `.qualcode/models/model-<hash>.npz` (arrays and vocabularies,
loaded without pickle) and `card.json` (what it learnt from, its quality, its
thresholds, and which model file is its own).

A new model is written under a new name first and the card, replaced atomically, then
points at it, so a process killed at any moment leaves either the old pair or the new
one; older projects' `model.npz` is read as before."""

from __future__ import annotations

import hashlib
import io
import json
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode import datasets
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from qualcode.learn.model import TrainedModel
    from qualcode.workspace import Workspace

MODEL_FILE = "model.npz"
CARD_FILE = "card.json"


def models_dir(ws: Workspace) -> Path:
    return ws.root / ".qualcode" / "models"


def save_model(ws: Workspace, model: TrainedModel) -> Path:
    """Write the model and its card (each atomically); returns the folder."""
    import numpy as np

    folder = models_dir(ws)
    folder.mkdir(parents=True, exist_ok=True)
    feat = model.linear.featurizer
    assert feat is not None and model.linear.coef is not None
    state = feat.state()
    buf = io.BytesIO()
    np.savez_compressed(
        buf, codes=np.asarray(model.codes, dtype=str), predicted=model.predicted,
        thresholds=model.thresholds, thresholds_both=model.thresholds_both,
        embeddings=np.asarray(model.embeddings), coef=model.linear.coef,
        intercept=model.linear.intercept,
        settings=np.asarray(json.dumps(model.linear.settings.as_dict())),
        featurizer=np.asarray(json.dumps({k: state[k] for k in (
            "embedding_weight", "min_df", "char_ngrams", "context", "question_weight",
            "neighbour_weight")})),
        question_vocabulary=np.asarray(state["question_vocabulary"], dtype=str),
        question_idf=state["question_idf"],
        calibration=np.asarray(model.calibration if model.calibration is not None
                               else np.zeros((0, 2))),
        word_vocabulary=np.asarray(state["word_vocabulary"], dtype=str),
        word_idf=state["word_idf"],
        char_vocabulary=np.asarray(state.get("char_vocabulary", []), dtype=str),
        char_idf=state.get("char_idf", np.zeros(0)))
    _commit(folder, model.card, buf.getvalue())
    return folder


def _commit(folder: Path, card: dict[str, Any], data: bytes) -> None:
    """Write the model file under its own name, then the card that names it (the
    switch), then remove model files no card names."""
    sha = hashlib.sha256(data).hexdigest()
    name = f"model-{sha[:16]}.npz"
    card["model_sha256"], card["model_file"] = sha, name
    _write(folder / name, data)
    _write(folder / CARD_FILE, (json.dumps(card, indent=1, ensure_ascii=False) + "\n")
           .encode("utf-8"))
    for old in [*folder.glob("model-*.npz"), folder / MODEL_FILE]:
        if old.name != name and old.is_file():
            old.unlink(missing_ok=True)


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def relabel(ws: Workspace, mapping: dict[str, str]) -> bool:
    """Carry the saved model's code labels to new ids (a codebook rename or merge);
    returns whether there was a model. Merged codes keep one column each (predict keeps
    the higher score); the card keeps the first code's entry."""
    import numpy as np

    folder = models_dir(ws)
    try:
        card = read_card(ws)
    except QualcodeError:
        return False  # a damaged card is reported by load_model and status
    path = model_path(ws, card) if card is not None else None
    if card is None or path is None or not path.is_file() or not mapping:
        return False
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != card.get("model_sha256"):
        return False  # a damaged model is reported by load_model; leave it as it is
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    codes = [mapping.get(c, c) for c in arrays["codes"].tolist()]
    if codes == arrays["codes"].tolist():
        return True
    arrays["codes"] = np.asarray(codes, dtype=str)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    entries: dict[str, Any] = {}
    for code, entry in (card.get("codes") or {}).items():
        entries.setdefault(mapping.get(code, code), entry)
    card = {**card, "codes": entries, "relabelled": [*card.get("relabelled", []), mapping]}
    _commit(folder, card, buf.getvalue())
    return True


def read_card(ws: Workspace) -> dict[str, Any] | None:
    """The model card, or None when no model was trained (an error naming the file
    when it cannot be read)."""
    path = models_dir(ws) / CARD_FILE
    if not path.is_file():
        return None
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError, OSError) as exc:
        raise QualcodeError(f"{path} cannot be read ({type(exc).__name__}) - run qualcode "
                            "train again") from None
    if not isinstance(card, dict):
        raise QualcodeError(f"{path} is not a model card - run qualcode train again")
    return card


def model_path(ws: Workspace, card: dict[str, Any]) -> Path:
    """The model file the card belongs to (cards before named files: model.npz)."""
    name = str(card.get("model_file") or MODEL_FILE)
    return models_dir(ws) / Path(name).name


def unusable(ws: Workspace, card: dict[str, Any], data: bytes | None = None) -> str | None:
    """Why the saved model cannot be used with the project's settings (None: it can):
    a missing or damaged model file, or an encoder or context setting that differs from
    the one it was trained with."""
    from qualcode.learn.features import embeddings_available

    path = model_path(ws, card)
    if data is None:
        if not path.is_file():
            return f"{path} is missing - run qualcode train again"
        data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != card.get("model_sha256"):
        return f"{path} does not match its card - run qualcode train again"
    wanted = ws.settings.learn.encoder
    if wanted == "wordllama" and not embeddings_available():
        wanted = "none"  # train falls back to TF-IDF alone, and records it
    if card_encoder(card) != wanted:
        return (f"the model was trained with encoder {card_encoder(card)} but "
                f"qualcode.toml sets [learn] encoder = \"{wanted}\" - run qualcode train "
                "again")
    trained = bool((card.get("classifier") or {}).get("context", False))
    if trained != ws.settings.learn.context:
        return (f"the model was trained with context features {'on' if trained else 'off'}"
                f" but qualcode.toml sets [learn] context = "
                f"{str(ws.settings.learn.context).lower()} - run qualcode train again")
    return None


def load_model(ws: Workspace) -> TrainedModel:
    """The saved model (an error naming the fix when there is none or it is damaged)."""
    import numpy as np

    from qualcode.learn.classifier import LinearModel, Settings
    from qualcode.learn.features import Featurizer
    from qualcode.learn.model import TrainedModel, TrainError

    card = read_card(ws)
    path = model_path(ws, card) if card is not None else None
    if card is None or path is None or not path.is_file():
        raise TrainError("no model yet - run qualcode train")
    data = path.read_bytes()
    problem = unusable(ws, card, data)
    if problem:
        raise TrainError(problem)
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    feat = json.loads(str(arrays["featurizer"]))
    featurizer = Featurizer.from_state({
        **feat, "word_vocabulary": arrays["word_vocabulary"].tolist(),
        "word_idf": arrays["word_idf"], "char_vocabulary": arrays["char_vocabulary"].tolist(),
        "char_idf": arrays["char_idf"] if len(arrays["char_vocabulary"]) else None,
        "question_vocabulary": arrays.get("question_vocabulary", np.zeros(0, dtype=str)).tolist(),
        "question_idf": arrays.get("question_idf", np.zeros(0))})
    calibration = arrays.get("calibration")  # older models: raw scores
    linear = LinearModel(codes=arrays["codes"].tolist(),
                         settings=Settings.from_dict(json.loads(str(arrays["settings"]))),
                         featurizer=featurizer, coef=arrays["coef"],
                         intercept=arrays["intercept"])
    return TrainedModel(linear=linear, predicted=arrays["predicted"].astype(bool),
                        thresholds=arrays["thresholds"],
                        thresholds_both=arrays["thresholds_both"],
                        embeddings=bool(arrays["embeddings"]), card=card,
                        calibration=calibration if calibration is not None
                        and len(calibration) else None,
                        encoder=card_encoder(card) if bool(arrays["embeddings"])
                        else "wordllama")


def card_encoder(card: dict[str, Any]) -> str:
    """The encoder a model was trained with (cards before the setting: from its
    features)."""
    if card.get("encoder"):
        return str(card["encoder"])
    return "wordllama" if (card.get("features") or {}).get("embeddings") else "none"


def model_status(ws: Workspace, latest_decision: str | None = None,
                 card: dict[str, Any] | None = None) -> dict[str, Any]:
    """Whether a model exists and whether it is older than the latest decision.

    `latest_decision` (ISO time) and `card` let `qualcode status` pass what it already
    read; without the time the decisions are read from the store (this imports pandas)."""
    try:
        card = card if card is not None else read_card(ws)
    except QualcodeError as exc:
        return {"model": True, "stale": None, "usable": False, "message": str(exc)}
    if card is None:
        return {"model": False, "stale": None, "message": "no model - run qualcode train"}
    problem = unusable(ws, card)
    if problem:
        return {"model": True, "stale": None, "usable": False, "message": problem,
                "trained_at": card.get("trained_at")}
    seen = card.get("latest_decision")
    changed = None
    if latest_decision is None:
        from qualcode.learn.data import fingerprint
        from qualcode.learn.data import latest_decision as latest

        codings = datasets.codings(ws, include_orphaned=False)
        codings = codings[codings["case"].notna()]
        coders = card.get("coders_chosen", card.get("coders")) or None
        latest_decision = latest(codings, coders)
        changed = fingerprint(codings, coders) != card.get("decisions_fingerprint")
    newer = _after(latest_decision, seen)
    stale = bool(newer or changed)
    predicted = [c for c, v in card.get("codes", {}).items() if v.get("predicted")]
    return {
        "model": True, "stale": stale, "usable": True, "trained_at": card.get("trained_at"),
        "coders": card.get("coders"), "codes_predicted": predicted,
        "latest_decision_seen": seen, "latest_decision": latest_decision,
        "message": ("decisions changed since the model was trained - run qualcode train"
                    if stale else "the model has seen every decision"),
    }


def _after(a: str | None, b: str | None) -> bool:
    """Whether time a is later than time b (ISO strings; None is the earliest)."""
    if a is None:
        return False
    if b is None:
        return True

    def parse(s: str) -> datetime:
        return datetime.fromisoformat(s).replace(tzinfo=None)

    return parse(a) > parse(b)
