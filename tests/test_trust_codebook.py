"""Issue 12: rule regexes - invalid ones are one line with file, line and code (13), every
codebook problem is listed (14), catastrophic ones are refused (16)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from .conftest import write


def regex_problem(regex: str) -> str | None:
    from qualcode.codebook import regex_problem

    return regex_problem(regex)

REGEX_RULE = """
codes:
  - id: shout
    name: Shouting
    rules:
      en:
        - loud
        - pattern:
            - {{LOWER: very}}
            - {{TEXT: {{REGEX: "{regex}"}}}}
"""


def test_invalid_regex_is_one_line_with_file_line_and_code(cli, project_dir: Path):
    write(project_dir / "codebook" / "codes.yaml", REGEX_RULE.format(regex="(unclosed"))
    expected = ("Error: codebook/codes.yaml:9: code shout: rules.en[1] token 2: invalid "
                "regular expression '(unclosed' - missing ), unterminated subpattern at "
                "position 0\n")
    res = cli("codebook", "validate")
    assert (res.exit_code, res.stderr) == (1, expected)
    write(project_dir / "interviews" / "d.md", "A: very LOUD.\n")
    assert cli("import").exit_code == 0
    res = cli("autocode")
    assert (res.exit_code, res.stderr) == (1, expected)


@pytest.mark.parametrize("regex", [r"^(a+)+$", r"(a|a)*", r"(a|aa)+", r"(.*a){12}",
                                   r"([a-z]+)*", r"^(\w+\s?)+$", r"(x+x+)+y", r"(a?){25}"])
def test_catastrophic_regexes_are_refused(regex: str):
    problem = regex_problem(regex)
    assert problem is not None and "can take exponential time" in problem


@pytest.mark.parametrize("regex", [r"^a+$", r"^[A-Z]{2,}$", r"colou?r", r"^(?:un|in)?secure$",
                                   r"(cat|dog)+", r"(\d{3}-)+", r"^(ab|ac)+$", r"(\w|\d)+",
                                   r"(?>a+)+", r"(a++)+", r"^\d{1,2}:\d{2}$"])
def test_ordinary_regexes_pass(regex: str):
    assert regex_problem(regex) is None


def test_refused_pattern_stops_autocode_at_once_and_its_rewrite_runs_fast(cli,
                                                                          project_dir: Path):
    # one token of 30 a's and a b: `^(a+)+$` needs about 2**30 steps to fail on it
    write(project_dir / "interviews" / "d.md",
          "A: very " + "a" * 30 + "b and very aaaa and very " + "a" * 30 + ".\n")
    assert cli("import").exit_code == 0
    write(project_dir / "codebook" / "codes.yaml", REGEX_RULE.format(regex="^(a+)+$"))
    started = time.perf_counter()
    res = cli("autocode")
    assert time.perf_counter() - started < 15
    assert res.exit_code == 1
    assert res.stderr.startswith("Error: codebook/codes.yaml:9: code shout: rules.en[1] token "
                                 "2: regular expression '^(a+)+$' can take exponential time")
    write(project_dir / "codebook" / "codes.yaml", REGEX_RULE.format(regex="^a+$"))
    started = time.perf_counter()
    res = cli("autocode", "--dry-run", "--unit", "match")
    assert time.perf_counter() - started < 15
    assert res.exit_code == 0, res.stderr


def test_validate_lists_every_problem_once_one_per_line(cli, project_dir: Path):
    write(project_dir / "codebook" / "codes.yaml", """
        codes:
          - id: a
            name: A
            rules:
              en:
                - {pattern: [{TEXT: {REGEX: "^(a+)+$"}}]}
                - {near: [only]}
              fr:
                - {pattern: [{TEXT: {REGEX: "["}}]}
                - {pattern: [{LOWER: x, NOPE: 1}]}
          - id: b
            name: B
            rules:
              en: ["  "]
        """)
    res = cli("codebook", "validate")
    assert res.exit_code == 1
    lines = res.stderr.splitlines()
    assert [line.split(": ", 3)[:3] for line in lines] == [
        ["Error", "codebook/codes.yaml:6", "code a"],
        ["Error", "codebook/codes.yaml:7", "code a"],
        ["Error", "codebook/codes.yaml:9", "code a"],
        ["Error", "codebook/codes.yaml:11", "code b"],
        ["Error", "codebook/codes.yaml:10", "code a"],
    ]
    assert "exponential time" in lines[0] and "near needs at least two terms" in lines[1]
    assert "invalid regular expression '['" in lines[2] and "empty phrase" in lines[3]
    assert "invalid token pattern" in lines[4]


def test_validate_lists_every_load_problem(cli, project_dir: Path):
    codes = "".join(f"  - id: Bad{i}\n    name: x\n" for i in range(7))
    write(project_dir / "codebook" / "codes.yaml", "codes:\n" + codes)
    res = cli("codebook", "validate")
    assert res.exit_code == 1
    assert res.stderr.count("\n") == 7 and "more problem" not in res.stderr
    assert [line.split(": ")[2] for line in res.stderr.splitlines()] == [
        f"code Bad{i}" for i in range(7)]
