"""Issue 12, item 20: small things - tables in a pipe, the settings template, the coder-CSV
quote messages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qualcode.errors import CodingError, QualcodeError
from qualcode.project import open_project
from qualcode.quotes import closest_passage, locate

from .conftest import REPO, write
from .test_import import DOC


def test_tables_sent_to_a_pipe_are_not_cut_to_80_columns(cli, project_dir: Path,
                                                          monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    long_value = "Nigérien and proud of a very long attribute value"
    write(project_dir / "interviews" / "d1.md", DOC.replace("Western", long_value))
    write(project_dir / "interviews" / "d2.md", DOC.replace("D1", "D2").replace("R1", "R2")
          .replace("senior officer", "junior officer with a long rank name"))
    assert cli("import").exit_code == 0
    res = cli("summary", "--by", "origin", "--by", "rank")
    assert res.exit_code == 0
    assert "…" not in res.stdout
    assert f"{long_value} / senior officer" in res.stdout
    assert max(len(line) for line in res.stdout.splitlines()) > 80


def test_settings_template_points_to_a_doc_that_exists(tmp_path: Path):
    from qualcode.scaffold import init_project

    init_project(tmp_path / "p")
    text = (tmp_path / "p" / "qualcode.toml").read_text(encoding="utf-8")
    docs = re.findall(r"docs/[\w.-]+\.md", text)
    assert docs and all((REPO / d).is_file() for d in docs), docs


def test_ambiguous_quote_in_a_coder_csv_asks_for_the_occurrence_column(project_dir: Path):
    write(project_dir / "interviews" / "d1.md", DOC)
    write(project_dir / "interviews" / "coded" / "ana.csv",
          "document,quote,code\nD1,Interviewer,trust\n")
    with pytest.raises(QualcodeError) as err:
        open_project(project_dir).import_interviews()
    msg = str(err.value)
    assert msg.startswith("interviews/coded/ana.csv row 2 (D1): quote occurs 2 times - pick "
                          "one with a number (1, 2, ...) in the row's occurrence column (1: [")
    assert "--occurrence" not in msg and "--span" not in msg


def test_coder_csv_occurrence_out_of_range_names_no_option(project_dir: Path):
    write(project_dir / "interviews" / "d1.md", DOC)
    write(project_dir / "interviews" / "coded" / "ana.csv",
          "document,quote,code,occurrence\nD1,Interviewer,trust,3\n")
    with pytest.raises(QualcodeError) as err:
        open_project(project_dir).import_interviews()
    assert str(err.value) == ("interviews/coded/ana.csv row 2 (D1): occurrence 3 is out of "
                              "range (the quote occurs 2 time(s))")


def test_quote_not_found_gives_the_closest_passage_even_after_a_large_edit():
    text = ("Interviewer: And the army?\n\nR1: The army stays out of politics, I think, "
            "because the officers know what happened in Mali and nobody wants that here.\n")
    # half the words differ: still the closest passage, shortened to about 80 characters
    quote = ("the soldiers keep away from politics, I believe, since the generals saw what "
             "happened in Mali and nobody wants that here")
    with pytest.raises(CodingError) as err:
        locate(text, quote, None, "d1")
    msg = str(err.value)
    assert msg.startswith('d1: quote not found - closest passage: "')
    near = msg.split('closest passage: "', 1)[1].rstrip('"')
    assert near.endswith("…") and len(near) <= 80
    assert "stays out of politics" in near


def test_quote_unlike_anything_says_so():
    with pytest.raises(CodingError, match="quote not found and no passage is close to it"):
        locate("R1: Oui.\n", "zzzz qqqq xxxx", None, "d1")


def test_closest_passage_allows_for_inserted_words():
    text = "R1: We never trusted them, not once, in all those years of joint patrols.\n"
    near = closest_passage(text, "We never trusted them in all those years of patrols")
    assert near is not None and near.startswith("We never trusted them")
    assert near.endswith("patrols.")


def test_closest_passage_stays_fast_in_a_long_repetitive_document():
    import random
    import time

    rng = random.Random(0)
    vocabulary = ("the army stays out of politics we trust them never asked sergeants officers "
                  "partners region security").split()
    text = " ".join(rng.choice(vocabulary) for _ in range(40_000))
    quote = " ".join(rng.choice(vocabulary) for _ in range(30))
    started = time.perf_counter()
    assert closest_passage(text, quote) is not None
    assert time.perf_counter() - started < 10  # difflib over every window took minutes
