"""Intercoder agreement: published reference values and a hand-computed project."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qualcode.analysis import reliability as rel
from qualcode.errors import UsageError
from qualcode.project import open_project

from .conftest import write


def ref(refdata: Path, name: str, **kw) -> pd.DataFrame:
    return pd.read_csv(refdata / name, **kw)


def test_krippendorff_2011_all_levels(refdata: Path):
    data = ref(refdata, "krippendorff2011_observers_x_units.csv", index_col=0).to_numpy(float)
    got = [round(rel.krippendorff_alpha(data, lvl), 3)
           for lvl in ("nominal", "ordinal", "interval", "ratio")]
    assert got == [0.743, 0.815, 0.849, 0.797]
    filled = data[:, ~np.isnan(data).any(axis=0)]
    assert not np.isnan(rel.fleiss_kappa(filled.T))


def test_other_alpha_references(refdata: Path):
    w = ref(refdata, "wikipedia_alpha_coders_x_units.csv", index_col=0).to_numpy(float)
    assert [round(rel.krippendorff_alpha(w, lv), 3) for lv in ("nominal", "interval")] == [
        0.691, 0.811]
    h = ref(refdata, "hayes_krippendorff2007_units_x_observers.csv", index_col=0).to_numpy(
        float).T
    assert round(rel.krippendorff_alpha(h, "ordinal"), 4) == 0.7598
    b = ref(refdata, "krippendorff2004_p224_binary.csv", index_col=0)
    assert round(rel.krippendorff_alpha(b.to_numpy(float).T), 3) == 0.095
    kappa, po = rel.cohen_kappa(b.coder1, b.coder2)
    assert (round(kappa, 3), po) == (0.091, 0.6)
    n = ref(refdata, "krippendorff2004_p227_nominal.csv", index_col=0)
    codes = {v: i for i, v in enumerate(sorted(set(n.coder1) | set(n.coder2)))}
    assert round(rel.krippendorff_alpha(n.replace(codes).to_numpy(float).T), 3) == 0.734


@pytest.mark.parametrize(("name", "kappa", "po"), [
    ("cohen1960_p45_table.csv", 0.492, 0.70),
    ("wikipedia_cohen_2x2_table.csv", 0.40, 0.70),
    ("sas_statsmodels_cohen_3x3_table.csv", 0.4842, None),
    ("gwet_cont3x3abstractors_table.csv", 0.7964094, None),
])
def test_cohen_kappa_tables(refdata: Path, name: str, kappa: float, po: float | None):
    table = ref(refdata, name, index_col=0).to_numpy()
    k, p, _ = rel.cohen_kappa_table(table)
    assert round(k, len(str(kappa)) - 2) == kappa
    if po is not None:
        assert round(p, 2) == po


def test_fleiss_references(refdata: Path):
    raw = ref(refdata, "fleiss1971_30x6_raw.csv", index_col=0).to_numpy()
    assert round(rel.fleiss_kappa(raw), 3) == 0.430
    counts = ref(refdata, "wikipedia_fleiss_10x5_counts.csv", index_col=0).to_numpy()
    assert round(rel.fleiss_kappa_counts(counts), 3) == 0.210


def test_maxqda_segment_toy(refdata: Path, project_dir: Path):
    """The constructed MAXQDA example, through the real store and command."""
    seg = ref(refdata, "maxqda_segment_toy.csv")
    write(project_dir / "codebook" / "codes.yaml",
          "codes:\n  - {id: x, name: X}\n  - {id: y, name: Y}\n")
    write(project_dir / "interviews" / "d.md", "R: " + "word " * 150 + "\n")
    for coder in ("A", "B"):
        proj = open_project(project_dir, coder=coder)
        proj.import_interviews()
        for r in seg[seg.coder == coder].itertuples():
            proj.code("d", r.code.lower(), span=(r.start + 3, r.end + 3))
    res = proj.agreement_run(["A", "B"], unit="segment", overlap=90)
    overall = res.table.set_index("code").loc["(overall)"]
    assert (overall.n_units, round(overall.percent_agreement, 4), round(overall.kappa, 4)) \
        == (7, 0.5714, 0.1429)
    assert len(res.disagreements) == 3
    own = proj.agreement(["A", "B"], unit="segment", overlap=50, denominator="segment")
    assert own.set_index("code").loc["(overall)", "percent_agreement"] == pytest.approx(6 / 7)


DOC = ("---\nid: d{n}\n---\nQ: Tell me.\n\n"
       "R: One trust here. Two nothing. Three trust there.\n\nQ: More?\n\n"
       "R: Four coup now. Five trust and coup.\n")


@pytest.fixture
def coded(project_dir: Path):
    for n in (1, 2):
        write(project_dir / "interviews" / f"d{n}.md", DOC.format(n=n))
    ana = open_project(project_dir, coder="ana")
    ana.import_interviews()
    ben = open_project(project_dir, coder="ben")
    for doc in ("d1", "d2"):
        ana.code(doc, "trust", quote="One trust here.")
        ana.code(doc, "trust", quote="Three trust there.")
        ana.code(doc, "coup", quote="Four coup now.")
        ben.code(doc, "trust", quote="One trust here. Two nothing.")
        ben.code(doc, "coup", quote="Four coup now. Five trust and coup.")
    ana.code("d1", "distrust", quote="Five trust and coup.")
    return ana


def test_sentence_level_values(coded):
    t = coded.agreement(["ana", "ben"], unit="sentence", rollup=False).set_index("code")
    # 10 sentences; trust: ana {1,3}, ben {1,2} per doc -> agree on 1,4,5 x2 = 6/10
    assert t.loc["trust", "n_units"] == 10
    assert t.loc["trust", "percent_agreement"] == pytest.approx(0.6)
    a = np.array([1, 0, 1, 0, 0] * 2)
    b = np.array([1, 1, 0, 0, 0] * 2)
    assert t.loc["trust", "kappa"] == pytest.approx(rel.cohen_kappa(a, b)[0])
    assert t.loc["trust", "alpha"] == pytest.approx(rel.krippendorff_alpha(np.vstack([a, b])))
    # coup: ana {4}, ben {4,5}
    assert t.loc["coup", "percent_agreement"] == pytest.approx(0.8)
    assert t.loc["(overall)", "n_units"] == 30


def test_turn_document_and_rollup(coded):
    turn = coded.agreement(["ana", "ben"], unit="turn").set_index("code")
    # d1 turn 2: ana's distrust rolls up into trust, ben has none -> 3 of 4 turns agree
    assert turn.loc["trust", ["n_units", "percent_agreement"]].tolist() == [4, 0.75]
    doc = coded.agreement(["ana", "ben"], unit="document").set_index("code")
    assert doc.loc["coup", "percent_agreement"] == 1.0
    assert doc.loc["distrust", "percent_agreement"] == 0.5


def test_char_level_per_document_and_pooled(coded):
    t = coded.agreement(["ana", "ben"], unit="char", codes=["coup"], rollup=False)
    text = coded.documents().set_index("document").loc["d1", "text"]
    n = len(text)
    ana = np.zeros(n, bool)
    ben = np.zeros(n, bool)
    s = text.index("Four coup now.")
    ana[s:s + 14] = True
    ben[s:text.index("Five trust and coup.") + 20] = True
    kappa, po = rel.binary_kappa(ana, ben)
    d1 = t[(t.code == "coup") & (t.document == "d1")].iloc[0]
    assert (d1.n_units, d1.percent_agreement, d1.kappa) == (n, pytest.approx(po),
                                                            pytest.approx(kappa))
    pooled = t[(t.code == "coup") & t.document.isna()].iloc[0]
    assert pooled.n_units == 2 * n and pooled.kappa == pytest.approx(kappa)


def test_auto_coder_and_three_coders(coded):
    coded.autocode()
    three = coded.agreement(["ana", "ben", "auto"], unit="sentence", rollup=False)
    row = three.set_index("code").loc["coup"]
    assert 0 <= row.percent_agreement <= 1 and not np.isnan(row.alpha)


def test_disagreements_list_both_codings(coded):
    res = coded.agreement_run(["ana", "ben"], unit="sentence", rollup=False, codes=["trust"])
    rows = res.disagreements[res.disagreements.document == "d1"]
    assert rows[["code", "ana", "ben"]].values.tolist() == [
        ["trust", "", "One trust here. Two nothing."],
        ["trust", "Three trust there.", ""]]


def test_cli_agreement_json_and_errors(cli, coded):
    rows = json.loads(cli("agreement", "--coders", "ana,ben", "--unit", "turn", "-f",
                          "json").stdout)
    assert list(rows[0]) == ["code", "document", "unit", "n_units", "percent_agreement",
                             "kappa", "alpha"]
    res = cli("agreement", "--coders", "ana")
    assert (res.exit_code, res.stderr) == (1, "Error: agreement needs at least two coders, "
                                              "e.g. --coders ana,ben\n")
    res = cli("agreement", "--coders", "ana,ben,auto", "--unit", "char")
    assert res.stderr == "Error: --unit char compares exactly two coders\n"
    with pytest.raises(UsageError, match=r"unknown coder\(s\) zed - known: ana, ben"):
        coded.agreement(["ana", "zed"])
