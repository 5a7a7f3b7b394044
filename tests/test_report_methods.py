"""The report's methods section says what the report did: each sentence follows the
options used and the analyses that ran (issue 19: it claimed missing values were compared
as a group while the comparisons left them out)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.project import open_project

from .conftest import CODEBOOK, write

DOC = """
---
id: {id}
respondent: {id}-R
{origin}rank: {rank}
---
Interviewer: Do you trust your partners?

R: {answer}
"""

ANSWERS = ["I trust them, they are the last bastion.", "A coup is coming, I fear.",
           "I am suspicious of them.", "We trust the partners; a coup is unlikely."]


def parse(path: Path):
    import lxml.html

    return lxml.html.fromstring(path.read_text(encoding="utf-8"))


def methods(doc) -> list[str]:
    return [" ".join(li.text_content().split())
            for li in doc.xpath("//section[@id='methods']//li")]


def sentence(doc, start: str) -> str | None:
    return next((m for m in methods(doc) if m.startswith(start)), None)


@pytest.fixture
def study(project_dir: Path) -> Path:
    """Nine interviews: origin West/South (one without origin), rank low/mid/high declared
    in order; two coders (ana, ben) and the rules' suggestions."""
    write(project_dir / "qualcode.toml", 'name = "Test"\nlanguage = "en"\n\n[order]\n'
          'rank = ["low", "mid", "high"]\n')
    write(project_dir / "codebook" / "codes.yaml", CODEBOOK)
    ranks = ["low", "mid", "high"]
    for i in range(9):
        origin = "" if i == 8 else f"origin: {'West' if i % 2 else 'South'}\n"
        write(project_dir / "interviews" / f"d{i}.md",
              DOC.format(id=f"D{i}", origin=origin, rank=ranks[i % 3],
                         answer=ANSWERS[i % 4]))
    proj = open_project(project_dir)
    proj.import_interviews()
    proj.autocode()
    for coder in ("ana", "ben"):
        proj.coder = coder
        for i in range(9):
            if i % 4 in (0, 3):
                proj.code(f"D{i}", "trust", quote=ANSWERS[i % 4].split(",")[0])
            if coder == "ana" and i % 4 == 1:
                proj.code(f"D{i}", "coup", quote="A coup is coming")
    return project_dir


def test_missing_values_are_left_out_of_comparisons_unless_asked(study: Path, tmp_path: Path):
    proj = open_project(study)
    doc = parse(proj.report(tmp_path / "r.html", by=["origin"]))
    text = sentence(doc, "Missing attribute values:")
    assert "the comparisons leave them out" in text and "compared like" not in text
    assert text.endswith("Respondents without a value: origin: 1.")
    # and that is what the comparison did: two groups, the one respondent noted
    table = doc.xpath("//figure[@data-table='compare-origin']")[0]
    assert [th.text_content() for th in table.xpath(".//th")][1:3] == ["South", "West"]
    assert "1 respondent(s) without origin excluded" in table.text_content()
    assert proj.compare("origin").excluded_missing.eq(1).all()

    doc = parse(proj.report(tmp_path / "m.html", by=["origin"], include_missing=True))
    text = sentence(doc, "Missing attribute values:")
    assert "compared like any other group" in text and "leave them out" not in text
    table = doc.xpath("//figure[@data-table='compare-origin']")[0]
    assert "(missing)" in [th.text_content() for th in table.xpath(".//th")]
    assert "--include-missing" in table.xpath(".//code[@class='cmd']")[0].text_content()
    assert "excluded" not in table.text_content()


def test_no_missing_sentence_without_groups_and_counts_per_attribute(study: Path,
                                                                    tmp_path: Path):
    proj = open_project(study)
    doc = parse(proj.report(tmp_path / "r.html", by=["rank"]))
    assert sentence(doc, "Missing attribute values:").endswith(
        "Respondents without a value: none.")
    assert "the comparisons leave them out" in sentence(doc, "Missing attribute values:")


def test_the_tests_named_are_the_tests_that_ran(study: Path, tmp_path: Path):
    proj = open_project(study)
    doc = parse(proj.report(tmp_path / "o.html", by=["origin"]))
    assert sentence(doc, "Two groups (origin): Fisher's exact test")
    assert "95% interval" in sentence(doc, "Two groups")
    assert sentence(doc, "More groups") is None and sentence(doc, "Ordered attributes") is None

    doc = parse(proj.report(tmp_path / "k.html", by=["rank"]))
    assert sentence(doc, "Two groups") is None
    ran = {td.text_content() for td in doc.xpath(
        "//figure[@data-table='compare-rank']//tbody/tr/td[5]")}
    assert ran == set(proj.compare("rank").test) and "permutation" in ran
    more = sentence(doc, "More groups (rank): Pearson's chi-square")
    assert "below 5 (rank), a Monte-Carlo permutation test" in more and "9,999" in more
    assert sentence(doc, "Ordered attributes (rank;").startswith(
        "Ordered attributes (rank; qualcode.toml [order]): the linear-by-linear trend test")
    assert sentence(doc, "Multiple testing: Benjamini-Hochberg")

    doc = parse(proj.report(tmp_path / "n.html", by=["rank", "origin"]))
    assert sentence(doc, "Two groups (origin)") and sentence(doc, "More groups (rank)")
    assert sentence(doc, "Groups:") == "Groups: rank; origin."
    # the default groupings (origin has too few respondents per group) are the ones named
    doc = parse(proj.report(tmp_path / "d.html"))
    assert [f.get("data-table") for f in doc.xpath("//figure[@data-table]")
            if f.get("data-table").startswith("compare-")] == ["compare-rank"]
    assert sentence(doc, "Groups:") == "Groups: rank." and sentence(doc, "Two groups") is None


def test_counted_codings_and_coders_follow_the_options(study: Path, tmp_path: Path):
    proj = open_project(study)
    doc = parse(proj.report(tmp_path / "a.html", by=["origin"]))
    text = sentence(doc, "Codings counted:")
    assert "unreviewed" not in text and "by every coder" in text
    assert sentence(doc, "Agreement of ana and ben:") and "Cohen's kappa" in sentence(
        doc, "Agreement")
    assert "accepted codings of ana and ben" in sentence(doc, "Rule quality:")

    doc = parse(proj.report(tmp_path / "b.html", by=["origin"], include_suggestions=True,
                            coders=["ana", "auto"]))
    text = sentence(doc, "Codings counted:")
    assert "and unreviewed auto-coding suggestions, by ana, auto." in text
    counted = {(td.getparent()[0].text_content(), td.getparent()[4].text_content())
               for td in doc.xpath("//td[@data-t='codings']")}
    assert counted == {("ana", "yes"), ("auto", "yes"), ("ben", "no")}
    # one human coder left: no agreement was measured, so none is described
    assert sentence(doc, "Agreement") is None
    assert "accepted codings of ana," in sentence(doc, "Rule quality:")


def test_three_coders_are_compared_with_fleiss_kappa(study: Path, tmp_path: Path):
    proj = open_project(study)
    proj.coder = "cy"
    proj.code("D0", "trust", quote="I trust them")
    doc = parse(proj.report(tmp_path / "c.html", by=["origin"]))
    assert "Fleiss' kappa" in sentence(doc, "Agreement of ana, ben and cy:")


def test_filter_and_pseudonymization_sentences(study: Path, tmp_path: Path):
    proj = open_project(study)
    doc = parse(proj.report(tmp_path / "f.html", by=["origin"]))
    assert sentence(doc, "Filter:") == "Filter: none."
    assert sentence(doc, "Pseudonymized") is None
    doc = parse(proj.report(tmp_path / "g.html", by=["origin"], where=["rank=low,mid"],
                            pseudonymize=True))
    text = sentence(doc, "Filter:")
    assert text.startswith("Filter: rank=low,mid (every filter must hold")
    assert text.endswith("Co-occurrence, agreement and rule quality use every document.")
    assert sentence(doc, "Pseudonymized:")
    assert "6 respondent(s) in 6 document(s)" in sentence(doc, "Units:")


def test_no_comparison_is_said_so(project_dir: Path, tmp_path: Path):
    write(project_dir / "interviews" / "d1.md",
          DOC.format(id="D1", origin="origin: West\n", rank="low", answer=ANSWERS[0]))
    proj = open_project(project_dir)
    proj.import_interviews()
    doc = parse(proj.report(tmp_path / "r.html"))
    assert sentence(doc, "Group comparisons: none in this report")
    assert sentence(doc, "Co-occurrence") is None  # no codings: nothing was computed
