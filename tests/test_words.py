"""Word frequencies and keyness: G2 against published worked examples and an independent
implementation, log ratio, BH, minimum frequency, stop words, groups, EN and FR."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qualcode.analysis.keyness import compare_counts, keyness, log_likelihood, log_ratio
from qualcode.errors import UsageError
from qualcode.project import open_project

from .conftest import write


def test_g2_matches_published_worked_examples(refdata: Path):
    with (refdata / "keyness_loglikelihood.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 6
    for r in rows:
        g2 = log_likelihood(np.array([int(r["freq_1"])]), np.array([int(r["freq_2"])]),
                            int(r["size_1"]), int(r["size_2"]))[0]
        assert round(g2, int(r["decimals"])) == float(r["ll_published"]), r["item"]


def test_g2_matches_scipy_power_divergence():
    from scipy.stats import power_divergence

    rng = np.random.default_rng(7)
    a, b = rng.integers(0, 400, 50), rng.integers(0, 400, 50)
    c, d = 120_000, 75_000
    ours = log_likelihood(a, b, c, d)
    for i in range(50):
        total = a[i] + b[i]
        exp = [c * total / (c + d), d * total / (c + d)]
        if total == 0:
            assert ours[i] == 0
            continue
        ref = power_divergence([a[i], b[i]], exp, lambda_="log-likelihood").statistic
        assert ours[i] == pytest.approx(ref, rel=1e-12, abs=1e-12)


def test_log_ratio_bh_and_minimum_frequency():
    # Hardie's log ratio: twice as frequent per word -> +1; a zero frequency reads 0.5
    assert log_ratio(np.array([20]), np.array([10]), 1000, 1000)[0] == pytest.approx(1.0)
    assert log_ratio(np.array([0]), np.array([8]), 1000, 1000)[0] == pytest.approx(-4.0)
    a = pd.Series({"army": 40, "vote": 3, "sun": 1, "rain": 10})
    b = pd.Series({"army": 10, "vote": 2, "rain": 10, "snow": 6})
    out = compare_counts(a, b, 5000, 5000, min_count=5)
    assert list(out.lemma) == ["army", "snow", "vote", "rain"]  # sun: 1 < 5, left out
    from scipy.stats import chi2, false_discovery_control

    p = chi2.sf(log_likelihood(out["count"], out["count_versus"], 5000, 5000), 1)
    assert list(out.p_value) == pytest.approx(list(p))
    assert list(out.p_adjusted) == pytest.approx(list(false_discovery_control(p)))
    assert out.set_index("lemma").loc["rain", "g2"] == 0


def test_more_groups_each_against_the_rest():
    counts = pd.DataFrame([("A", "x", 30), ("B", "x", 5), ("C", "x", 5), ("B", "y", 20)],
                          columns=["group", "lemma", "count"])
    out = keyness(counts, {"A": 1000, "B": 1000, "C": 1000}, min_count=5)
    assert set(out.versus) == {"rest"}
    a_x = out[(out.group == "A") & (out.lemma == "x")].iloc[0]
    assert (a_x["count"], a_x.count_versus) == (30, 10)
    assert a_x.g2 == pytest.approx(log_likelihood(np.array([30]), np.array([10]), 1000,
                                                  2000)[0])
    with pytest.raises(UsageError, match="at least two groups"):
        keyness(counts, {"A": 1000})
    with pytest.raises(UsageError, match="no respondent speech in group"):
        keyness(counts, {"A": 1000, "B": 1000}, groups=["A", "Z"])


EN = """
---
id: w1
respondent: W1
origin: Western
---
Interviewer: What about the army? The army, the army.

W1: The mission trained the army. The mission was a good mission, and the trainers
were good. Missions matter: 2023 was a year of missions.
"""
FR = """
---
id: n1
respondent: N1
language: fr
origin: Nigérien
interviewer: [Intervieweur]
---
Intervieweur : Et la souveraineté ?

N1 : La souveraineté d’abord ! L’armée défend la souveraineté ; l'armée du Niger, nos \
armées et notre souveraineté.
"""


@pytest.fixture
def study(project_dir: Path):
    write(project_dir / "interviews" / "w1.md", EN)
    write(project_dir / "interviews" / "n1.md", FR)
    proj = open_project(project_dir, coder="ana")
    proj.import_interviews()
    return proj


def test_frequencies_of_respondent_lemmas_without_stop_words(study):
    df = study.words(top=5)
    top = dict(zip(df.lemma, df["count"], strict=True))
    # lemmas (missions -> mission), respondent speech only (the interviewer's armies and
    # souveraineté are not counted), no stop words (the, la, l', d'), no numbers
    assert top["mission"] == 5 and top["souveraineté"] == 3
    assert top["armée"] == 2  # L’armée, l'armée: the elided article is a stop word
    assert not {"the", "la", "le", "l'", "d'", "2023", "!"} & set(df.lemma)
    words = study.respondents().words.sum()
    assert words > 0
    assert df.set_index("lemma").loc["mission", "documents"] == 1


def test_keyness_of_two_groups_and_the_projects_stop_words(study, project_dir: Path):
    df = study.words(by="origin", min_count=2, top=50)
    assert set(df.group) == {"Nigérien"} and set(df.versus) == {"Western"}
    row = df.set_index("lemma").loc["mission"]
    assert (row["count"], row.count_versus) == (0, 5)
    assert row.log_ratio < 0
    mine = df.set_index("lemma").loc["souveraineté"]
    assert mine.g2 > 0 and mine.log_ratio > 0
    write(project_dir / "qualcode.toml", 'name = "t"\nlanguage = "en"\n'
                                         'stop_words = ["mission", "Souveraineté"]\n')
    again = open_project(project_dir, coder="ana").words(by="origin", min_count=2, top=50)
    assert not {"mission", "souveraineté"} & set(again.lemma)


def test_words_bad_input(study):
    with pytest.raises(UsageError, match="unknown attribute 'nope' for --by"):
        study.words(by="nope")
    with pytest.raises(UsageError, match="at least two groups"):
        study.words(by="origin", where=["origin=Western"])
    with pytest.raises(UsageError, match="--top 0"):
        study.words(top=0)
    with pytest.raises(UsageError, match="unknown code"):
        study.words(codes=["nope"])
