"""The report's "Words that distinguish groups": the numbers of `qualcode words --by`,
the methods sentence, pseudonymized names left out."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.project import open_project

from .conftest import copy_example


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory):
    root = copy_example(tmp_path_factory.mktemp("ex") / "study")
    proj = open_project(root, coder="ana")
    proj.import_interviews()
    return proj


def parse(path: Path):
    import lxml.html

    return lxml.html.fromstring(path.read_text(encoding="utf-8"))


def test_words_section_shows_what_words_computes(example, tmp_path: Path):
    doc = parse(example.report(tmp_path / "r.html", by=["origin"]))
    sec = doc.xpath("//section[@id='words']")[0]
    assert "Words that distinguish groups" in sec.text_content()
    want = example.words(by="origin", groups=["Nigérien", "Western"], top=10, min_count=5)
    assert len(want) == 10
    cells = sec.xpath(".//td[@data-f='g2']")
    got = {c.get("data-lemma"): float(c.get("data-v")) for c in cells}
    assert got == pytest.approx(dict(zip(want.lemma, want.g2, strict=True)))
    assert "qualcode words --by origin" in sec.text_content()
    methods = " ".join(" ".join(li.text_content().split())
                       for li in doc.xpath("//section[@id='methods']//li"))
    assert "Words that distinguish groups (origin): lemmas of respondent speech" in methods
    assert "Rayson & Garside 2000" in methods


def test_no_grouping_no_words_and_pseudonymized_names_left_out(example, tmp_path: Path):
    doc = parse(example.report(tmp_path / "r.html", by=["role"], pseudonymize=True))
    lemmas = {c.get("data-lemma") for c in doc.xpath("//section[@id='words']//td[@data-lemma]")}
    assert lemmas and not {"n07", "w01", "ne-07"} & lemmas
    methods = " ".join(li.text_content() for li in doc.xpath("//section[@id='methods']//li"))
    assert "Words that distinguish groups" in methods
