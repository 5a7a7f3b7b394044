"""How honest the learned model is about itself: calibrated scores (Platt), the
reliability table, the model's and rules' agreement with each coder next to the coders'
agreement with each other, and the codebook's texts as training rows."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qualcode.codebook import Codebook
from qualcode.learn.data import LabelMatrix, codebook_rows
from qualcode.learn.evaluate import (
    CVResult,
    calibrate,
    calibrate_thresholds,
    calibrations,
    platt,
    reliability,
)
from qualcode.learn.honesty import coder_agreement

DATA = Path(__file__).parent / "data"


def overconfident(n: int = 4000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Scores sigmoid(3 z) where the true probability is sigmoid(z - 1): too sure and
    too high, as an over-fitted classifier's."""
    rng = np.random.RandomState(seed)
    z = rng.normal(0, 1.5, n)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(z - 1)))).astype(np.int8)
    return 1 / (1 + np.exp(-3 * z)), y


def test_platt_scaling_makes_overconfident_scores_honest():
    scores, y = overconfident()
    a, b = platt(scores, y)
    assert a == pytest.approx(1 / 3, abs=0.05) and b == pytest.approx(-1, abs=0.15)
    raw = reliability(scores[:, None], y[:, None])
    fitted = reliability(calibrate(scores[:, None], np.array([[a, b]])), y[:, None])
    assert raw.attrs["ece"] > 0.1 and fitted.attrs["ece"] < 0.03
    assert fitted.attrs["brier"] < raw.attrs["brier"]
    # fitted on one sample, honest on another
    test_scores, test_y = overconfident(seed=1)
    held = reliability(calibrate(test_scores[:, None], np.array([[a, b]])), test_y[:, None])
    assert held.attrs["ece"] < 0.04


def test_calibration_keeps_the_order_so_the_same_sentences_pass_the_threshold():
    scores, y = overconfident(500)
    params = calibrations(scores[:, None], y[:, None])
    for t in (0.2, 0.5, 0.9, math.inf):
        ct = calibrate_thresholds(np.array([t]), params)[0]
        assert ((scores >= t) == (calibrate(scores[:, None], params)[:, 0] >= ct)).all()
    assert np.isnan(calibrate(np.array([[np.nan]]), params)[0, 0])


def test_nothing_to_fit_is_the_identity_and_few_labels_never_give_certainty():
    assert platt(np.array([0.2, 0.9]), np.array([1, 1])) == (1.0, 0.0)
    assert platt(np.array([0.2, 0.9]), np.array([-1, -1])) == (1.0, 0.0)
    # four perfectly separated sentences: Platt's smoothed targets keep it below 1
    a, b = platt(np.array([0.1, 0.2, 0.8, 0.9]), np.array([0, 0, 1, 1]))
    top = calibrate(np.array([[0.9]]), np.array([[a, b]]))[0, 0]
    assert 0.5 < top < 0.9


def test_the_reliability_table_counts_every_known_pair():
    scores = np.array([[0.05, 0.15], [0.95, np.nan], [0.55, 0.15], [0.5, 0.3]])
    y = np.array([[0, 1], [1, -1], [0, 0], [1, -1]], dtype=np.int8)
    out = reliability(scores, y)
    assert out["pairs"].sum() == 6 and len(out) == 10
    row = out.set_index("bin").loc["0.1-0.2"]
    assert (row["pairs"], row["mean_score"], row["share_positive"]) == (2, 0.15, 0.5)
    known = np.array([0.05, 0.15, 0.95, 0.55, 0.15, 0.5])
    truth = np.array([0, 1, 1, 0, 0, 1])
    assert out.attrs["brier"] == pytest.approx(np.mean((known - truth) ** 2))
    nothing = reliability(np.zeros((0, 1)), np.zeros((0, 1), dtype=np.int8))
    assert math.isnan(nothing.attrs["ece"]) and math.isnan(nothing.attrs["brier"])


def labels_of(y: np.ndarray, docs: list[str]) -> LabelMatrix:
    sentences = pd.DataFrame({"document": docs, "start": range(len(docs)),
                              "end": range(1, len(docs) + 1), "language": "en",
                              "text": ["s"] * len(docs)})
    y = np.asarray(y, dtype=np.int8).reshape(len(docs), -1)
    return LabelMatrix(sentences, ["theme"], y, np.zeros_like(y, dtype=bool))


def test_agreement_with_each_coder_reproduces_a_published_kappa():
    """Wikipedia's 2x2 example (tests/data/wikipedia_cohen_2x2_table.csv): A and B agree
    yes 20, no 15, disagree 5 + 10 - kappa .40."""
    with open(DATA / "wikipedia_cohen_2x2_table.csv", encoding="utf-8") as f:
        table = {r["A\\B"]: r for r in csv.DictReader(f)}
    pairs = [(1, 1)] * int(table["yes"]["yes"]) + [(1, 0)] * int(table["yes"]["no"]) + \
        [(0, 1)] * int(table["no"]["yes"]) + [(0, 0)] * int(table["no"]["no"])
    a = np.array([p[0] for p in pairs])
    b = np.array([p[1] for p in pairs])
    docs = [f"D{i % 5}" for i in range(len(pairs))]
    union = labels_of(np.maximum(a, b), docs)
    by_coder = {"amina": labels_of(a, docs), "lukas": labels_of(b, docs)}
    model = a.astype(bool)[:, None]  # a "model" that says what amina says
    rules = np.zeros((len(pairs), 1), dtype=bool)
    cv = CVResult(scores=model.astype(float), model=model, both=model, folds=[])
    out = coder_agreement(union, rules, cv, by_coder).set_index(["source", "coder"])
    assert out.loc[("amina", "lukas"), "kappa"] == pytest.approx(0.40)
    assert out.loc[("amina", "lukas"), "sentences"] == 50
    assert out.loc[("model", "lukas"), "kappa"] == pytest.approx(0.40)
    assert out.loc[("model", "amina"), "kappa"] == pytest.approx(1.0)
    assert out.loc[("model", "amina"), "alpha"] == pytest.approx(1.0)
    # rules that never say yes against a coder who does: no agreement beyond chance
    assert out.loc[("rules", "amina"), "kappa"] == pytest.approx(0.0)


def test_agreement_counts_only_the_documents_a_coder_coded_and_never_all_no_as_perfect():
    docs = ["D1"] * 4 + ["D2"] * 4
    amina = labels_of([1, 0, 1, 0, -1, -1, -1, -1], docs)  # amina did not code D2
    lukas = labels_of([1, 0, 0, 0, 0, 0, 0, 0], docs)
    union = labels_of([1, 0, 1, 0, 0, 0, 0, 0], docs)
    none = np.zeros((8, 1), dtype=bool)
    cv = CVResult(scores=np.zeros((8, 1)), model=none, both=none, folds=[])
    out = coder_agreement(union, none, cv, {"amina": amina, "lukas": lukas})
    out = out.set_index(["source", "coder"])
    assert out.loc[("amina", "lukas"), "sentences"] == 4
    assert out.loc[("model", "amina"), "sentences"] == 4
    assert out.loc[("model", "lukas"), "sentences"] == 8
    # where neither side ever says yes, kappa is undefined - not 1
    quiet = coder_agreement(union, none, cv, {"lukas": labels_of([0] * 8, docs)})
    assert quiet.set_index(["source", "coder"])["kappa"].isna().all()


def test_codebook_texts_are_positives_for_the_code_and_its_ancestors():
    book = Codebook.model_validate({"codebook": "t", "codes": [
        {"id": "trust", "name": "Trust", "description": "Doubt about partners.",
         "examples": ["They never tell us anything."],
         "children": [{"id": "lies", "name": "Lies", "include": "Partners lying.",
                       "examples": ["They never tell us anything."]},
                      {"id": "old", "name": "Old", "examples": ["Gone."], "retired": True}]},
        {"id": "coup", "name": "Coup", "exclude": "Trust talk.", "examples": ["A putsch."]}]})
    rows = codebook_rows(book, ["trust", "lies", "coup"], "en")
    got = {t: rows.y[i].tolist() for i, t in enumerate(rows.texts)}
    assert got == {"Doubt about partners.": [1, -1, -1],
                   "They never tell us anything.": [1, 1, -1],  # one row for both codes
                   "Partners lying.": [1, 1, -1],
                   "A putsch.": [-1, -1, 1]}
    assert "Trust talk." not in got and "Gone." not in got
    assert rows.language == "en"
    assert codebook_rows(book, ["coup"], "fr").texts == ["A putsch."]
