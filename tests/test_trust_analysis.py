"""Issue 12, numbers: groups are cleaned, missing values are not a test group, typos are
errors that list what is known. Each test failed before its fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.errors import UsageError
from qualcode.project import open_project

from .conftest import write

DOC = """
---
id: {id}
respondent: {id}
origin: "{origin}"
{extra}
---
Interviewer: Tell me about trust.

{id}: {answer}
"""


def _doc(root: Path, id: str, origin: str, answer: str, extra: str = "") -> None:
    write(root / "interviews" / f"{id}.md",
          DOC.format(id=id, origin=origin, answer=answer, extra=extra))


@pytest.fixture
def study(project_dir: Path):
    for i in range(4):
        _doc(project_dir, f"W{i}", "Western" if i == 1 else "  western  ",
             "We trust them." if i < 3 else "Nothing to add.")
    for i in range(4):
        _doc(project_dir, f"N{i}", "nigerien", "They staged a coup." if i < 3 else "No.")
    # one respondent without an origin, one with an empty one
    _doc(project_dir, "X1", "", "We trust them.")
    write(project_dir / "interviews" / "X2.md",
          "---\nid: X2\nrespondent: X2\n---\nInterviewer: Hi.\n\nX2: We trust them.\n")
    proj = open_project(project_dir, coder="ana")
    proj.import_interviews()
    proj.autocode(accept=True)
    return proj


def test_attribute_values_are_trimmed_and_case_variants_are_one_group(study):
    df = study.summary(by=["origin"], codes=["trust"], totals=False)
    got = {r.origin: (r.n, r.count) for r in df.itertuples()}
    assert got == {"nigerien": (4, 0), "western": (4, 3), "(missing)": (2, 2)}
    cmp = study.compare("origin", groups=["Western", "NIGERIEN"]).set_index("code")
    assert cmp.loc["trust", "n_western"] == 4


def test_missing_values_are_not_a_test_group(study):
    df = study.compare("origin").set_index("code")
    assert list(df.columns[0:4]) == ["n_nigerien", "count_nigerien", "n_western",
                                     "count_western"]
    assert df.loc["trust", "test"] == "fisher"
    assert df.loc["trust", "excluded_missing"] == 2
    assert "2 respondent(s) without origin excluded" in df.loc["trust", "warning"]
    kept = study.compare("origin", include_missing=True).set_index("code")
    assert kept.loc["trust", "n_(missing)"] == 2
    assert kept.loc["trust", "test"] != "fisher"
    assert kept.loc["trust", "excluded_missing"] == 0


def test_compare_warns_on_the_command_line(study, cli):
    res = cli("compare", "origin", "-f", "csv")
    assert res.exit_code == 0
    assert "warning: 2 respondent(s) without origin left out of the tests" in res.stderr
    assert "excluded_missing" in res.stdout.splitlines()[0]


@pytest.mark.parametrize("args, message", [
    (["summary", "--coders", "nobody"], "unknown coder(s) nobody - known: ana, auto"),
    (["compare", "origin", "--coders", "nobody"], "unknown coder(s) nobody - known: ana"),
    (["summary", "--where", "origin=martian"],
     "no respondent has origin=martian - values of origin: (missing), nigerien, western"),
    (["export", "codings", "--by-coder", "nobody"], "unknown coder(s) nobody"),
    (["export", "codings", "--status", "bogus"],
     "unknown status(s) bogus - known: accepted, rejected, suggested"),
    (["export", "codings", "--code", "nope"], "unknown code(s) nope - known: coup, distrust"),
    (["review", "--document", "NE-99"], "unknown document(s) NE-99 - known: N0, N1"),
    (["excerpts", "--code", "trust", "--where", "origin=martian"], "no respondent has"),
])
def test_typos_are_errors_that_list_the_known(study, cli, args, message):
    res = cli("--coder", "ana", *args)
    assert res.exit_code == 1, res.stdout
    assert res.stderr.startswith("Error: " + message), res.stderr


def test_a_filter_on_a_value_without_codings_is_not_an_error(study):
    # X2 has no origin and one coding; nigerien respondents have no trust coding
    df = study.excerpts("trust", where=["origin=nigerien"])
    assert df.empty


def test_plain_frames_typo_in_where(study):
    with pytest.raises(UsageError, match="no respondent has origin=mars"):
        study.compare("origin", where=["origin=mars"])
