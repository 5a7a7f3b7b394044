"""Analysis: exact values on a small hand-computed project, published reference tables,
and consistency with the exported tables."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qualcode.analysis import stats
from qualcode.errors import UsageError
from qualcode.project import open_project

from .conftest import write

# 5 respondents: A, B (Western), C, D, E (Local); D and E speak in one focus group.
FILES = {
    "a.md": "---\nid: a\nrespondent: A\norigin: Western\nrank: junior\n---\n"
            "Q: Trust?\n\nA: I trust them. Really, I trust them a lot.\n",
    "b.md": "---\nid: b\nrespondent: B\norigin: Western\nrank: senior\n---\n"
            "Q: A coup?\n\nB: A coup is possible here. Trust is fine.\n",
    "c.md": "---\nid: c\nrespondent: C\norigin: Local\nrank: junior\n---\n"
            "Q: Partners?\n\nC: I am suspicious of them.\n",
    "fg.md": "---\nid: fg\norigin: Local\nrank: mixed\nspeakers:\n"
             "  D: {case: D, rank: senior}\n  E: {case: E, rank: junior}\n---\n"
             "Q: Go ahead.\nD: The coup will come.\nE: No idea.\nQ: Anything else about a coup?\n"
             "E: Nothing to add.\n",
}


@pytest.fixture
def small(project_dir: Path):
    for name, text in FILES.items():
        write(project_dir / "interviews" / name, text)
    proj = open_project(project_dir, coder="ana")
    proj.import_interviews()
    proj.code("a", "trust", quote="I trust them.")
    proj.code("a", "trust", quote="Really, I trust them a lot.")
    proj.code("b", "coup", quote="A coup is possible here.")
    proj.code("c", "distrust", quote="I am suspicious of them.")
    proj.code("fg", "coup", quote="The coup will come.")
    proj.code("fg", "coup", quote="Anything else about a coup?")  # interviewer: never counts
    proj.autocode(documents=["b"], codes=["trust"])  # a suggestion: "Trust is fine."
    return proj


def cell(df: pd.DataFrame, code: str, **group: str) -> tuple[int, int, float]:
    sel = df[df.code == code]
    for k, v in group.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1
    r = sel.iloc[0]
    return int(r.n), int(r["count"]), round(float(r.value), 4)


def test_summary_share_of_respondents_with_rollup_and_totals(small):
    df = small.summary(by=["origin"])
    assert list(df.columns) == ["code", "origin", "n", "count", "value"]
    assert cell(df, "trust", origin="Western") == (2, 1, 0.5)
    assert cell(df, "trust", origin="Local") == (3, 1, 0.3333)  # C's distrust rolls up
    assert cell(df, "distrust", origin="Local") == (3, 1, 0.3333)
    assert cell(df, "coup", origin="Local") == (3, 1, 0.3333)  # interviewer coding ignored
    assert cell(df, "coup", origin="All") == (5, 2, 0.4)
    assert list(df.code.unique()) == ["trust", "distrust", "coup"]


def test_summary_options(small):
    plain = small.summary(by=["origin"], rollup=False)
    assert cell(plain, "trust", origin="Local") == (3, 0, 0.0)
    sugg = small.summary(by=["origin"], include_suggestions=True)
    assert cell(sugg, "trust", origin="Western") == (2, 2, 1.0)
    speaker_rank = small.summary(by=["rank"])
    assert cell(speaker_rank, "coup", rank="senior") == (2, 2, 1.0)  # B and FG's D
    docs = small.summary(by=["origin"], unit="document")
    assert cell(docs, "coup", origin="Local") == (2, 1, 0.5)
    seg = small.summary(by=["origin"], unit="segment")
    assert cell(seg, "trust", origin="Western") == (2, 2, 2.0)
    per = small.summary(by=["origin"], unit="segment", value="per1000")
    # Western respondents said 9 + 8 = 17 words; 2 trust segments
    assert cell(per, "trust", origin="Western") == (2, 2, round(2000 / 17, 4))
    only = small.summary(by=["origin"], where=["rank=junior"])
    assert cell(only, "trust", origin="All") == (3, 2, 0.6667)
    coders = small.summary(by=["origin"], coders=["auto"], include_suggestions=True)
    assert cell(coders, "trust", origin="Western") == (2, 1, 0.5)


def test_summary_errors(small):
    with pytest.raises(UsageError, match="unknown attribute 'nope' - known: case, language, "
                                         "origin, rank$"):
        small.summary(by=["nope"])
    with pytest.raises(UsageError, match="share needs --unit respondent or document"):
        small.summary(unit="segment", value="share")
    with pytest.raises(UsageError, match="bad filter"):
        small.summary(where=["rank"])


def test_compare_two_groups_exact_values(small):
    df = small.compare("origin", groups=["western", "LOCAL"])
    row = df.set_index("code").loc["trust"]
    assert (row.n_Western, row.count_Western, row.n_Local, row.count_Local) == (2, 1, 3, 1)
    ref = stats.two_groups(1, 2, 1, 3)
    assert row.p_value == pytest.approx(ref.p_value) and row.p_value == pytest.approx(1.0)
    assert row.risk_difference == pytest.approx(1 / 2 - 1 / 3)
    assert row.test == "fisher"
    assert "fewer than 5 respondents" in row.warning
    with pytest.raises(UsageError, match="no group 'Martian' in origin - groups are: Local, "
                                         "Western"):
        small.compare("origin", groups=["Western", "Martian"])


def test_newcombe_matches_published_example():
    # Newcombe (1998) Stat Med 17:873, example (a): 56/70 vs 48/80 -> 0.0524 to 0.3339
    d, lo, hi = stats.newcombe(56, 70, 48, 80)
    assert (round(d, 4), round(lo, 4), round(hi, 4)) == (0.2, 0.0524, 0.3339)


def test_group_reference_western_vs_local(refdata: Path):
    ref = pd.read_csv(refdata / "group_example_western_vs_local.csv")
    p = [stats.two_groups(r.western_with, r.western_n, r.local_with, r.local_n).p_value
         for r in ref.itertuples()]
    assert [round(x, 5) for x in p] == [0.01937, 0.66992, 0.06478, 0.01977]
    assert [round(x, 4) for x in stats.benjamini_hochberg(p)] == [0.0395, 0.6699, 0.0864,
                                                                  0.0395]


def test_group_reference_ordered_rank(refdata: Path):
    ref = pd.read_csv(refdata / "group_example_rank.csv")
    table = ref[["with_code", "without_code"]].to_numpy()
    chi2, dof, p, _ = stats.chi_square(table)
    assert (round(chi2, 3), dof, round(p, 4)) == (5.579, 2, 0.0615)
    z, pz = stats.linear_by_linear(ref.with_code.tolist(),
                                   (ref.with_code + ref.without_code).tolist())
    assert (round(z, 3), round(pz, 4)) == (2.306, 0.0211)
    assert round(stats.cramers_v(table), 3) == 0.504


def test_compare_ordered_attribute_uses_trend_and_permutation(project_dir: Path):
    (project_dir / "qualcode.toml").write_text(
        'name = "t"\n[order]\nrank = ["junior", "mid", "senior"]\n', encoding="utf-8")
    counts = {"junior": (2, 8), "mid": (4, 7), "senior": (6, 7)}
    for rank, (with_, n) in counts.items():
        for i in range(n):
            said = "I trust them." if i < with_ else "Nothing."
            write(project_dir / "interviews" / f"{rank}{i}.md",
                  f"---\nrank: {rank}\n---\nQ: well?\n\nR: {said}\n")
    proj = open_project(project_dir, coder="ana")
    proj.import_interviews()
    proj.autocode(codes=["trust"], accept=True)
    df = proj.compare("rank").set_index("code")
    row = df.loc["trust"]
    assert [row[f"count_{r}"] for r in counts] == [2, 4, 6]
    assert (round(row.trend_z, 3), round(row.trend_p, 4)) == (2.306, 0.0211)
    assert row.test == "permutation"  # expected counts below 5
    assert 0.05 < row.p_value < 0.15
    assert round(row.cramers_v, 3) == 0.504


def test_cooccur_counts_and_jaccard(small):
    df = small.cooccur(unit="turn", include_suggestions=True).set_index(["code_a", "code_b"])
    # turns: A's (trust), B's (coup + suggested trust), C's (distrust -> trust), D's (coup)
    assert df.loc[("trust", "coup"), ["both", "either"]].tolist() == [1, 4]
    assert df.loc[("trust", "coup"), "jaccard"] == pytest.approx(1 / 4)
    assert df.loc[("trust", "trust"), "both"] == 3
    sent = small.cooccur(unit="sentence", include_suggestions=True).set_index(
        ["code_a", "code_b"])
    assert sent.loc[("trust", "coup"), "both"] == 0
    ov = small.cooccur(unit="overlap").set_index(["code_a", "code_b"])
    assert ov.loc[("trust", "distrust"), "both"] == 1  # rollup: the same span


def test_excerpts_filters_accents_and_context(small, project_dir: Path):
    ex = small.excerpts("trust", where=["origin=western"], context=10)
    assert ex.text.tolist() == ["I trust them.", "Really, I trust them a lot."]
    assert ex.after.iloc[0] == " Really, I"  # widened to whole words
    assert ex.before.iloc[1] == "trust them. "
    assert "<mark>I trust them.</mark>" in ex._repr_html_()
    assert len(small.excerpts("trust", where=["origin!=Western"])) == 1
    with pytest.raises(UsageError, match="unknown attribute 'colour'"):
        small.excerpts("trust", where=["colour=red"])


def test_filters_fold_accents():
    from qualcode.analysis.filters import apply_filters

    df = pd.DataFrame({"origin": ["Nigérien", "Western", "NIGERIEN "]})
    assert apply_filters(df, ["origin=nigerien"]).index.tolist() == [0, 2]
    assert apply_filters(df, ["origin = Western, Nigérien"]).index.tolist() == [0, 1, 2]


def test_summary_equals_a_recomputation_from_the_exports(small, cli):
    """Recompute the summary with plain pandas from `export codings` and
    `export documents` and require the command's output to equal it."""
    import io
    import json

    codings = pd.read_csv(io.StringIO(cli("export", "codings", "-f", "csv").stdout))
    docs = pd.DataFrame(json.loads(cli("export", "documents", "-f", "json").stdout))
    book = small.codebook
    parents = book.parents()
    codings = codings.drop(columns="origin")  # provenance; "origin" here is an attribute
    accepted = codings[(codings.status == "accepted") & codings.case.notna()].copy()
    accepted["theme"] = accepted.code.map(lambda c: [c] + ([parents[c]] if parents[c] else []))
    accepted = accepted.explode("theme")
    units = docs.assign(case=docs.cases.str.split(", ")).explode("case")[
        ["document", "case", "origin"]]
    hits = accepted.merge(units, on=["document", "case"])
    ours = json.loads(cli("summary", "--by", "origin", "-f", "json").stdout)
    expected = []
    for code in [c.id for c, _, _ in book.walk()]:
        for origin in ["Local", "Western", "All"]:
            u = units if origin == "All" else units[units.origin == origin]
            h = hits if origin == "All" else hits[hits.origin == origin]
            n = len(u.drop_duplicates(["document", "case"]))
            count = len(h[h.theme == code].drop_duplicates(["document", "case"]))
            expected.append({"code": code, "origin": origin, "n": n, "count": count,
                             "value": count / n})
    assert ours == expected
    # and at document level
    ours_docs = json.loads(cli("summary", "--by", "origin", "--unit", "document", "-f",
                               "json").stdout)
    first = {(r["code"], r["origin"]): (r["n"], r["count"]) for r in ours_docs}
    for origin in ["Local", "Western"]:
        n = int((docs.origin == origin).sum())
        for code in ["trust", "distrust", "coup"]:
            h = hits[(hits.origin == origin) & (hits.theme == code)]
            assert first[(code, origin)] == (n, h.document.nunique())


def test_cli_summary_compare_plots(cli, small, tmp_path: Path):
    res = cli("summary", "--by", "origin", "--plot", str(tmp_path / "h.png"))
    assert res.exit_code == 0 and (tmp_path / "h.png").stat().st_size > 10_000
    assert "Western" in res.stdout and "n=2" in res.stdout
    res = cli("compare", "origin", "--plot", str(tmp_path / "f.png"), "-f", "csv")
    assert res.exit_code == 0 and (tmp_path / "f.png").stat().st_size > 10_000
    assert res.stdout.splitlines()[0].startswith(
        "code,n_Local,count_Local,n_Western,count_Western,p_value,p_adjusted,test,"
        "risk_difference,ci_low,ci_high,odds_ratio")
    res = cli("compare", "case", "--plot", str(tmp_path / "x.png"))
    assert (res.exit_code, res.stderr) == (1, "Error: --plot draws risk differences: give "
                                              "exactly two groups\n")


def test_stats_edge_cases():
    assert math.isnan(stats.linear_by_linear([0, 0], [3, 3])[0])
    r = stats.two_groups(0, 5, 0, 5)
    assert r.p_value == 1.0 and r.risk_difference == 0.0
    assert stats.benjamini_hochberg([float("nan"), 0.01])[1] == pytest.approx(0.01)
    assert stats.permutation_p(np.array([[1, 1], [2, 0], [0, 2]]), 199) <= 1.0


def test_units_cache_follows_imports(small, project_dir: Path):
    before = small.summary(by=["origin"])
    assert cell(before, "trust", origin="Western") == (2, 1, 0.5)
    assert list((project_dir / ".qualcode" / "cache").glob("units-*.parquet"))
    path = project_dir / "interviews" / "a.md"
    path.write_text(path.read_text().replace("origin: Western", "origin: Local"),
                    encoding="utf-8")
    small.import_interviews()
    after = small.summary(by=["origin"])
    assert cell(after, "trust", origin="Western") == (1, 0, 0.0)
    assert cell(after, "trust", origin="Local") == (4, 2, 0.5)
    assert len(list((project_dir / ".qualcode" / "cache").glob("units-*.parquet"))) == 1
