"""Analysis on plain DataFrames, with no project and no store: what a notebook user does
with codings exported by another tool (issue 11). Expected values by hand."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from qualcode.analysis.agreement import agreement
from qualcode.analysis.compare import compare
from qualcode.analysis.summary import summary
from qualcode.errors import UsageError

RESPONDENTS = pd.read_csv(io.StringIO("""document,case,words,origin
i1,w1,100,western
i2,w2,100,western
i3,w3,100,western
i4,l1,100,local
i5,l2,100,local
i6,l3,100,local
"""))

# one row per coded passage, as another tool exports them (no unit ids, no statuses)
CODINGS = pd.read_csv(io.StringIO("""document,case,code,coder
i1,w1,trust,ana
i1,w1,trust,ana
i2,w2,trust,ana
i4,l1,coup,ana
i5,l2,coup,ana
i6,l3,trust,ana
i6,nobody,coup,ana
"""))


def test_summary_on_plain_frames():
    df = summary(RESPONDENTS, CODINGS, by=["origin"], totals=False)
    got = {(r.code, r.origin): (r.n, r.count) for r in df.itertuples()}
    # codes without a codebook come sorted; the coding of an unknown case is left out
    assert list(df.code.unique()) == ["coup", "trust"]
    assert got == {("coup", "local"): (3, 2), ("coup", "western"): (3, 0),
                   ("trust", "local"): (3, 1), ("trust", "western"): (3, 2)}
    segments = summary(RESPONDENTS, CODINGS, unit="segment", totals=False)
    assert dict(zip(segments.code, segments["count"], strict=True)) == {"coup": 2,
                                                                        "trust": 4}


def test_compare_on_plain_frames():
    df = compare(RESPONDENTS, CODINGS, "origin", groups=["western", "local"]).set_index("code")
    coup = df.loc["coup"]
    assert (coup.test, coup.count_western, coup.count_local) == ("fisher", 0, 2)
    assert coup.p_value == pytest.approx(0.4)  # Fisher: [[0, 3], [2, 1]]
    assert coup.risk_difference == pytest.approx(-2 / 3)
    assert df.loc["trust", "p_value"] == pytest.approx(1.0)


def test_agreement_on_plain_frames():
    spans = pd.DataFrame({"document": ["i1"] * 4, "start": [0, 10, 20, 30],
                          "end": [9, 19, 29, 39]})
    codings = pd.DataFrame({
        "document": ["i1"] * 4, "case": ["w1"] * 4, "start": [0, 10, 10, 20],
        "end": [9, 19, 19, 29], "code": ["trust"] * 4, "coder": ["a", "a", "b", "b"],
        "text": ["x"] * 4})
    res = agreement(codings, ["a", "b"], unit="turn", spans=spans)
    row = res.table.set_index("code").loc["trust"]
    # units: (yes, no), (yes, yes), (no, yes), (no, no): agree on 2 of 4, kappa 0
    assert (row.n_units, row.percent_agreement, row.kappa) == (4, 0.5, 0.0)
    assert len(res.disagreements) == 2


def test_plain_frames_errors_name_what_is_missing():
    with pytest.raises(UsageError, match="codings need the column"):
        summary(RESPONDENTS, CODINGS.drop(columns="case"))
    with pytest.raises(UsageError, match="unknown attribute 'rank'"):
        compare(RESPONDENTS, CODINGS, "rank")


def test_respondents_need_document_and_case():
    with pytest.raises(UsageError, match=r"respondents need the column\(s\) document"):
        summary(RESPONDENTS.drop(columns="document"), CODINGS)
    # without words, shares still work
    df = summary(RESPONDENTS.drop(columns="words"), CODINGS, by=["origin"], totals=False)
    assert df.set_index(["code", "origin"]).loc[("trust", "western"), "count"] == 2
