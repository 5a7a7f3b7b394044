"""Thematic saturation (Guest, Namey & Chen 2020): the paper's worked example, small cases
computed by hand, groups, missing dates, the random-order check, the CLI and its errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from qualcode.analysis.saturation import saturation
from qualcode.codebook import load_codebook
from qualcode.errors import UsageError
from qualcode.project import open_project

from .conftest import CODEBOOK, DATA, copy_example, write


def frames(interviews: list[list[str]], dates: list[str | None] | None = None,
           origin: list[str] | None = None, names: list[str] | None = None):
    """Respondents (one per interview) and codings (one row per code of an interview)."""
    names = names or [f"D{i + 1:02d}" for i in range(len(interviews))]
    dates = dates if dates is not None else [f"2024-01-{i + 1:02d}"
                                             for i in range(len(interviews))]
    rows = []
    for i, name in enumerate(names):
        row = {"document": name, "case": f"R{name}", "words": 100, "date": dates[i]}
        if origin is not None:
            row["origin"] = origin[i]
        rows.append(row)
    codings = [{"document": n, "case": f"R{n}", "code": c}
               for n, codes in zip(names, interviews, strict=True) for c in codes]
    return pd.DataFrame(rows), pd.DataFrame(codings, columns=["document", "case", "code"])


def from_new_counts(new: list[int]) -> list[list[str]]:
    """Interviews with these numbers of new codes; each also repeats the first code ever
    seen (a repeat is never new)."""
    out, k = [], 0
    for n in new:
        codes = [f"c{k + j}" for j in range(n)]
        k += n
        out.append(codes + (["c0"] if k and "c0" not in codes else []))
    return out


# --- the paper's worked example --------------------------------------------------------

def test_guest_namey_chen_worked_example():
    table = pd.read_csv(DATA / "guest2020_saturation_example.csv")
    new = table.new_codes.tolist()
    resp, cod = frames(from_new_counts(new))
    res = saturation(resp, cod, base=4, run=2, threshold=0.05, random_orders=0)
    v = res.verdict.iloc[0]
    # published: 37 codes in the base, the first run (interviews 5-6) adds 7 = 19%
    assert v.base_codes == 37
    first = res.curve[res.curve.run_start == 5].iloc[0]
    assert first.position == 6 and first.run_new == 7
    assert round(first.run_share * 100) == 19
    # every sliding run, by hand: 7/37, 4/37, 3/37, 2/37, 1/37, 0/37, 1/37
    runs = res.curve.dropna(subset=["run_share"])
    assert runs.run_start.tolist() == [5, 6, 7, 8, 9, 10, 11]
    assert runs.run_new.tolist() == [7, 4, 3, 2, 1, 0, 1]
    assert runs.run_share.tolist() == pytest.approx([7 / 37, 4 / 37, 3 / 37, 2 / 37, 1 / 37,
                                                     0, 1 / 37])
    assert res.curve.new_codes.tolist() == new
    assert res.curve.cumulative_codes.tolist()[-1] == sum(new) == 49
    # 2/37 = 5.4% is above 5%; 1/37 = 2.7% at the run 9-10: saturation at interview 10
    assert bool(v.reached) and v.reached_at == 10 and v.before_run == 8
    assert v.reported == "8+2" and v.run_new == 1
    assert v.codes_after == 1  # interview 12 still adds one
    assert res.curve.saturated.tolist() == [i == 10 for i in range(1, 13)]
    # the paper's stricter 0% threshold: the run 10-11 adds nothing
    strict = saturation(resp, cod, base=4, run=2, threshold=0, random_orders=0).verdict
    assert strict.reached_at.iloc[0] == 11 and strict.reported.iloc[0] == "9+2"


# --- small cases by hand ---------------------------------------------------------------

def test_reached_early_with_repeated_codes_only():
    resp, cod = frames([["a", "b", "c"], ["a", "d"], ["b"], ["c", "d"]])
    res = saturation(resp, cod, base=2, run=2, random_orders=0)
    assert res.curve.new_codes.tolist() == [3, 1, 0, 0]
    assert res.curve.codes.tolist() == [3, 2, 1, 2]
    v = res.verdict.iloc[0]
    assert v.base_codes == 4 and v.total_codes == 4
    assert v.reached_at == 4 and v.reported == "2+2" and v.run_share == 0
    assert v.reached_document == "D04"


def test_not_reached_says_why():
    resp, cod = frames([["a", "b"], ["c", "d"], ["e", "f"], ["g", "h"], ["i", "j"]])
    v = saturation(resp, cod, base=2, run=1, random_orders=0).verdict.iloc[0]
    # base 4 codes; every later interview adds 2 = 50%
    assert not v.reached and pd.isna(v.reached_at) and v.reported == ""
    assert "50%" in v.reason and "2 new of 4" in v.reason


def test_exactly_at_the_threshold_counts_as_saturated():
    first = [f"k{i}" for i in range(20)]
    resp, cod = frames([first, ["k0", "new"]])
    at = saturation(resp, cod, base=1, run=1, threshold=0.05, random_orders=0).verdict
    assert bool(at.reached.iloc[0]) and at.run_share.iloc[0] == 1 / 20  # 5%: <= 5%
    below = saturation(resp, cod, base=1, run=1, threshold=0.04, random_orders=0).verdict
    assert not below.reached.iloc[0]


def test_fewer_interviews_than_base_plus_run():
    resp, cod = frames([["a"], ["b"], ["a"], ["a"], ["a"]])
    v = saturation(resp, cod, random_orders=0).verdict.iloc[0]
    assert v.interviews == 5 and not v.reached
    assert "at least base + run = 6" in v.reason
    assert len(saturation(resp, cod, random_orders=0).curve) == 5


def test_order_by_date_ties_by_document_and_explicit_sequence():
    interviews = [["a"], ["b"], ["c"], ["d"]]
    resp, cod = frames(interviews, dates=["2024-03-01", "2023-12-31", "2024-03-01",
                                          "2024-01-15"])
    res = saturation(resp, cod, base=1, run=1, random_orders=0)
    assert res.curve.document.tolist() == ["D02", "D04", "D01", "D03"]
    assert res.curve.order_value.tolist() == ["2023-12-31", "2024-01-15", "2024-03-01",
                                              "2024-03-01"]
    seq = saturation(resp, cod, order=["D03", "D01", "D04"], base=1, run=1,
                     random_orders=0)
    assert seq.curve.document.tolist() == ["D03", "D01", "D04"]
    v = seq.verdict.iloc[0]
    assert v.excluded_missing == 1 and "not in the given order" in v.warning
    with pytest.raises(UsageError, match="no document D09"):
        saturation(resp, cod, order=["D01", "D09"])


def test_numeric_and_declared_order_attributes():
    resp, cod = frames([["a"], ["b"], ["c"]])
    resp["wave"] = ["10", "9", "2"]  # numbers sort as numbers, not text
    assert saturation(resp, cod, order="wave", base=1, run=1,
                      random_orders=0).curve.document.tolist() == ["D03", "D02", "D01"]
    resp["phase"] = ["pre", "post", "pre"]
    res = saturation(resp, cod, order="phase", levels=["pre", "post"], base=1, run=1,
                     random_orders=0)
    assert res.curve.document.tolist() == ["D01", "D03", "D02"]


def test_speakers_with_different_order_values_take_the_earliest():
    resp = pd.DataFrame([
        {"document": "FG", "case": "A", "words": 10, "wave": "10"},
        {"document": "FG", "case": "B", "words": 10, "wave": "9"},
        {"document": "I1", "case": "C", "words": 10, "wave": "9.5"}])
    cod = pd.DataFrame([{"document": d, "case": c, "code": "a"}
                        for d, c in (("FG", "A"), ("I1", "C"))])
    res = saturation(resp, cod, order="wave", base=1, run=1, random_orders=0)
    # numerically 9 < 9.5 (as text "10" would come first and "9" last)
    assert res.curve.document.tolist() == ["FG", "I1"]
    assert res.curve.order_value.tolist() == ["9", "9.5"]


def test_missing_dates_are_left_out_with_a_count():
    resp, cod = frames([["a"], ["b"], ["c"], ["a"]], dates=["2024-01-01", None, "",
                                                            "2024-01-04"])
    res = saturation(resp, cod, base=1, run=1, random_orders=0)
    assert res.curve.document.tolist() == ["D01", "D04"]
    v = res.verdict.iloc[0]
    assert v.excluded_missing == 2 and v.interviews == 2
    assert "2 interview(s) without date left out" in v.warning


def test_uncoded_interviews_are_left_out_not_counted_as_saturating():
    resp, cod = frames([["a", "b"], [], [], ["c"]])
    res = saturation(resp, cod, base=1, run=1, random_orders=0)
    assert res.curve.document.tolist() == ["D01", "D04"]
    v = res.verdict.iloc[0]
    assert v.excluded_uncoded == 2 and "2 interview(s) with no counted coding" in v.warning
    assert not v.reached  # 1 new of 2 = 50%, not the 0% two empty interviews would fake


def test_groups_are_assessed_separately():
    west = [["a", "b"], ["a"], ["b"]]
    south = [["x"], ["y"], ["z"]]
    names = ["W1", "S1", "W2", "S2", "W3", "S3"]
    interviews = [west[0], south[0], west[1], south[1], west[2], south[2]]
    origin = ["West", "South"] * 3
    resp, cod = frames(interviews, origin=origin, names=names)
    resp.loc[len(resp)] = {"document": "X1", "case": "RX1", "words": 100,
                           "date": "2024-01-09", "origin": None}
    cod.loc[len(cod)] = {"document": "X1", "case": "RX1", "code": "q"}
    res = saturation(resp, cod, base=1, run=1, by="origin", random_orders=0)
    v = res.verdict.set_index("origin")
    assert list(v.index) == ["South", "West"]
    assert bool(v.loc["West", "reached"]) and v.loc["West", "reached_at"] == 2
    assert not v.loc["South", "reached"]  # each run adds 1 of 1 = 100%
    assert res.curve[res.curve.origin == "South"].new_codes.tolist() == [1, 1, 1]
    assert res.curve[res.curve.origin == "West"].document.tolist() == ["W1", "W2", "W3"]
    # the respondent without origin belongs to no group: left out and said so
    assert (v.excluded_missing == 1).all()
    assert v.warning.str.contains("without origin left out").all()


def test_a_focus_group_is_one_interview_with_every_speakers_codes():
    resp = pd.DataFrame([
        {"document": "FG", "case": "A", "words": 10, "date": "2024-01-01", "rank": "low"},
        {"document": "FG", "case": "B", "words": 10, "date": "2024-01-01", "rank": "high"},
        {"document": "I1", "case": "C", "words": 10, "date": "2024-01-02", "rank": "low"}])
    cod = pd.DataFrame([{"document": "FG", "case": "A", "code": "a"},
                        {"document": "FG", "case": "B", "code": "b"},
                        {"document": "I1", "case": "C", "code": "b"}])
    res = saturation(resp, cod, base=1, run=1, random_orders=0)
    assert res.curve.document.tolist() == ["FG", "I1"]
    assert res.curve.respondents.tolist() == [2, 1]
    assert res.curve.new_codes.tolist() == [2, 0]
    # by a speaker attribute: each group sees only its own speakers in the focus group
    by = saturation(resp, cod, base=1, run=1, by="rank", random_orders=0).curve
    assert by[by["rank"] == "high"].codes.tolist() == [1]
    assert by[by["rank"] == "low"].new_codes.tolist() == [1, 1]


def test_codes_as_coded_or_themes_only(tmp_path: Path):
    book = load_codebook(write(tmp_path / "cb" / "codes.yaml", CODEBOOK).parent)
    resp, cod = frames([["trust"], ["distrust"], ["trust", "coup"]])
    codes = saturation(resp, cod, base=1, run=1, codebook=book, random_orders=0).curve
    assert codes.new_codes.tolist() == [1, 1, 1]  # distrust is a code of its own
    themes = saturation(resp, cod, base=1, run=1, codebook=book, themes=True,
                        random_orders=0).curve
    assert themes.new_codes.tolist() == [1, 0, 1]  # distrust counts as trust


def test_random_orders_share_saturated_by_k():
    # identical interviews: every order reaches saturation at base + run exactly
    resp, cod = frames([["a", "b"]] * 6)
    res = saturation(resp, cod, base=2, run=2, random_orders=200, seed=7)
    assert res.random.k.tolist() == [1, 2, 3, 4, 5, 6]
    assert res.random.share.tolist() == [0, 0, 0, 1, 1, 1]
    assert res.verdict.random_reached.iloc[0] == 1 and res.verdict.random_median_at.iloc[0] == 4


def test_random_orders_by_hand_and_seeded():
    # 4 interviews, base 1, run 1: {a,b}, {a}, {a}, {c}; the exact share of the 24
    # orders saturated by each k, by enumerating them, against 4,000 seeded draws
    from itertools import permutations

    from qualcode.analysis.saturation import first_run, new_counts

    interviews = [["a", "b"], ["a"], ["a"], ["c"]]
    sets = [frozenset(x) for x in interviews]
    ends = []
    for perm in permutations(range(4)):
        at, _ = first_run(new_counts([sets[i] for i in perm]), 1, 1, 0.05)
        ends.append(at)
    by_k = {k: sum(1 for e in ends if e is not None and e <= k) / 24 for k in range(1, 5)}
    resp, cod = frames(interviews)
    res = saturation(resp, cod, base=1, run=1, random_orders=4000, seed=11)
    shares = dict(zip(res.random.k, res.random.share, strict=True))
    for k in range(1, 5):
        assert shares[k] == pytest.approx(by_k[k], abs=0.03)
    again = saturation(resp, cod, base=1, run=1, random_orders=4000, seed=11)
    assert again.random.share.tolist() == res.random.share.tolist()


def test_bad_input_is_one_clear_error():
    resp, cod = frames([["a"], ["b"]])
    with pytest.raises(UsageError, match="unknown attribute 'nope'"):
        saturation(resp, cod, order="nope")
    with pytest.raises(UsageError, match="unknown attribute 'nope'"):
        saturation(resp, cod, by="nope")
    with pytest.raises(UsageError, match="--base must be .* at least 1"):
        saturation(resp, cod, base=0)
    with pytest.raises(UsageError, match="--run must be"):
        saturation(resp, cod, run=0)
    for bad in (-0.1, 1, 5):
        with pytest.raises(UsageError, match="--threshold must be a share"):
            saturation(resp, cod, threshold=bad)
    with pytest.raises(UsageError, match="no counted codings"):
        saturation(resp, cod.iloc[:0])


# --- the project and the CLI -----------------------------------------------------------

DOC = """
---
id: {id}
respondent: {id}-R
{date}origin: {origin}
---
Interviewer: How do you see your partners?

R: {answer}
"""

QUOTES = {"trust": "I trust them", "coup": "A coup may come", "distrust": "I am suspicious"}


@pytest.fixture
def study(project_dir: Path) -> Path:
    """Eight coded interviews, West and South alternating, one without a date."""
    plan = [["trust", "coup"], ["trust"], ["distrust"], ["trust"], ["coup"], ["trust"],
            ["trust", "coup"], ["coup"]]
    for i, codes in enumerate(plan):
        date = "" if i == 7 else f"date: 2024-02-{10 - i:02d}\n"
        answer = ". ".join(QUOTES[c] for c in codes) + "."
        write(project_dir / "interviews" / f"d{i}.md",
              DOC.format(id=f"D{i}", date=date, origin="West" if i % 2 else "South",
                         answer=answer))
    proj = open_project(project_dir, coder="ana")
    proj.import_interviews()
    for i, codes in enumerate(plan):
        for c in codes:
            proj.code(f"D{i}", c, quote=QUOTES[c])
    proj.close()
    return project_dir


def test_project_saturation_counts_the_stored_codings(study: Path):
    proj = open_project(study)
    res = proj.saturation(base=2, run=1, random_orders=0)
    # dates run backwards: D6 (02-04) first ... D0 (02-10); D7 has no date
    assert res.curve.document.tolist() == ["D6", "D5", "D4", "D3", "D2", "D1", "D0"]
    assert res.curve.new_codes.tolist() == [2, 0, 0, 0, 1, 0, 0]
    v = res.verdict.iloc[0]
    assert v.excluded_missing == 1 and "without date" in v.warning
    # base {trust, coup} = 2 codes; run 3 (D4) adds 0: saturated at interview 3
    assert v.reached_at == 3 and v.reported == "2+1"
    with pytest.raises(UsageError, match="unknown coder"):
        proj.saturation(coders=["nobody"])
    proj.close()


def test_cli_formats_and_verdict_line(cli, study: Path, tmp_path: Path):
    r = cli("saturation", "--base", "2", "--run", "1", "--random", "50", "-f", "csv")
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[0].startswith("position,document,order_value")
    assert len(r.stdout.splitlines()) == 8
    assert ("saturation overall: reached at interview 3 (2+1) of 7" in r.stderr)
    assert "warning: overall: 1 interview(s) without date left out" in r.stderr
    r = cli("saturation", "--base", "2", "--run", "1", "--by", "origin", "--show",
            "verdict", "-f", "json")
    rows = json.loads(r.stdout)
    assert [x["origin"] for x in rows] == ["South", "West"]
    assert all(x["base"] == 2 and x["run"] == 1 and x["threshold"] == 0.05 for x in rows)
    assert r.stderr.count("saturation among") == 2
    r = cli("saturation", "--show", "random", "-f", "markdown", "--random", "20")
    assert r.exit_code == 0 and r.stdout.startswith("| k | share | orders | seed |")
    r = cli("saturation", "--base", "2", "--run", "1", "--random", "20")
    assert r.exit_code == 0
    assert "New codes per interview" in r.stdout and "Saturation" in r.stdout
    out = tmp_path / "curve.csv"
    plot = tmp_path / "curve.png"
    r = cli("saturation", "--by", "origin", "-o", str(out), "--plot", str(plot))
    assert r.exit_code == 0, r.output
    assert pd.read_csv(out).columns[0] == "origin"
    assert plot.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(("args", "message"), [
    (["--order", "nope"], "Error: unknown attribute 'nope'"),
    (["--by", "nope"], "Error: unknown attribute 'nope'"),
    (["--base", "0"], "Error: --base must be a whole number of interviews, at least 1"),
    (["--threshold", "5"], "Error: --threshold must be a share from 0 up to"),
    (["--threshold", "1"], "Error: --threshold must be a share from 0 up to"),
    (["--sequence", "D1,ZZ"], "Error: --sequence: no document ZZ"),
    (["--plot", "x.nope"], "Error: --plot x.nope: .nope is not a figure format"),
])
def test_cli_bad_input_is_one_line(cli, study: Path, args: list[str], message: str):
    r = cli("saturation", *args)
    assert r.exit_code == 1
    assert r.stderr.strip().startswith(message)
    assert len(r.stderr.strip().splitlines()) == 1


def test_cli_no_codings_is_one_line(cli, project_dir: Path):
    write(project_dir / "interviews" / "a.md", DOC.format(id="A", date="date: 2024-01-01\n",
                                                          origin="West", answer="Hello."))
    assert cli("import").exit_code == 0
    r = cli("saturation")
    assert r.exit_code == 1
    assert r.stderr.strip().startswith("Error: no counted codings")
    assert len(r.stderr.strip().splitlines()) == 1


@pytest.fixture(scope="module")
def sahel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_example(tmp_path_factory.mktemp("sat") / "sahel")
    proj = open_project(root)
    proj.import_interviews()
    proj.close()
    return root


def test_shipped_study_by_origin(sahel: Path):
    proj = open_project(sahel)
    res = proj.saturation(by="origin")
    curve, v = res.curve, res.verdict.set_index("origin")
    # the data card: the coders coded W-01, W-04, W-06 and six Nigerien interviews plus the
    # focus group; in date order (front matter)
    nig = curve[curve.origin == "Nigérien"]
    assert nig.document.tolist() == ["NE-06", "NE-03", "NE-01", "NE-05", "FG-01", "NE-14",
                                     "NE-08"]
    assert nig[nig.document == "FG-01"].respondents.iloc[0] == 3
    assert curve[curve.origin == "Western"].document.tolist() == ["W-01", "W-04", "W-06"]
    assert not v.loc["Western", "reached"] and "at least base + run = 6" in \
        v.loc["Western", "reason"]
    assert v.loc["Western", "excluded_uncoded"] == 7
    assert v.loc["Nigérien", "excluded_uncoded"] == 9
    # new codes per interview, recomputed from the exported codings (another path)
    cod = proj.codings(statuses=["accepted"], include_orphaned=False)
    cod = cod[cod.speaker.notna() & cod.case.notna()]
    seen, expected = set(), []
    for doc in nig.document:
        codes = set(cod[cod.document == doc].code)
        expected.append(len(codes - seen))
        seen |= codes
    assert nig.new_codes.tolist() == expected
    proj.close()


# --- the report --------------------------------------------------------------------------

def _html(path: Path):
    import lxml.html

    return lxml.html.fromstring(path.read_text(encoding="utf-8"))


def test_report_section_states_parameters_and_verdict(study: Path, tmp_path: Path):
    proj = open_project(study)
    out = proj.report(tmp_path / "r.html", by=["origin"])
    doc = _html(out)
    sec = doc.xpath("//section[@id='saturation']")[0]
    text = " ".join(sec.text_content().split())
    assert "Guest, Namey & Chen (2020)" in text
    assert "first 4 interviews" in text and "run of 2" in text and "at most 5%" in text
    assert "1,000 random orders" in text and "seed 2020" in text
    # every cell against project.saturation with the same parameters
    for by in (None, "origin"):
        res = proj.saturation(by=by)
        key = by or "All"
        for r in res.verdict.to_dict("records"):
            g = str(r[by]) if by else "All"
            cells = {td.get("data-f"): td for td in sec.xpath(
                f".//td[@data-t='saturation'][@data-by='{key}'][@data-g='{g}']")}
            assert int(cells["interviews"].get("data-v")) == r["interviews"]
            assert int(cells["base_codes"].get("data-v")) == r["base_codes"]
            if r["reached"]:
                assert int(cells["reached_at"].get("data-v")) == r["reached_at"]
            else:
                assert cells["reached_at"].text_content() == "not reached"
    paragraphs = [" ".join(p.text_content().split()) for p in sec.xpath(".//p")]
    west = next(p for p in paragraphs if p.startswith("origin West: saturation"))
    south = next(p for p in paragraphs if p.startswith("origin South: saturation"))
    assert west.endswith("Left out: 1 interview(s) without date or origin.")  # D7
    assert "Left out" not in south
    # by hand: new codes 2,0,0,0 (base: 2 codes), then 1 (D2: distrust), 0, 0; the run
    # 5-6 adds 1/2 = 50%, the run 6-7 adds 0: saturation at interview 7, "5+2"
    assert ("All interviews: saturation reached at interview 7 of 7 (5+2): interviews 6-7 "
            "added 0 new code(s), 0% of the 2 in the base. Left out: 1 interview(s) "
            "without date.") in paragraphs
    figures = sec.xpath(".//figure[@class='plot']/img/@src")
    assert figures and all(f.startswith("data:image/svg+xml;base64,") for f in figures)
    assert "qualcode saturation --order date --base 4 --run 2 --threshold 0.05 --by origin" \
        in text
    methods = [" ".join(li.text_content().split())
               for li in doc.xpath("//section[@id='methods']//li")]
    line = next(m for m in methods if m.startswith("Thematic saturation"))
    assert "within each group of origin" in line and "base 4 interviews" in line
    assert "runs of 2" in line and "≤ 5%" in line and "1,000 random orders" in line
    assert "Left out: 1 interview(s) without date and 0 with no counted coding" in line
    proj.close()


def test_report_without_dates_says_so(project_dir: Path, tmp_path: Path):
    write(project_dir / "interviews" / "a.md", DOC.format(id="A", date="", origin="West",
                                                          answer="I trust them."))
    proj = open_project(project_dir, coder="ana")
    proj.import_interviews()
    proj.code("A", "trust", quote="I trust them")
    doc = _html(proj.report(tmp_path / "r.html"))
    text = " ".join(doc.xpath("//section[@id='saturation']")[0].text_content().split())
    assert "No interview has a 'date' attribute" in text
    methods = " ".join(doc.xpath("//section[@id='methods']")[0].text_content().split())
    assert "Thematic saturation" not in methods  # it did not run, so it is not claimed
    proj.close()
