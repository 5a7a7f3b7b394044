"""Codebook loading and validation: every problem names file, line and code id."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.codebook import codebook_to_yaml, load_codebook
from qualcode.errors import CodebookError

from .conftest import CODEBOOK, write


def problems(folder: Path) -> list[str]:
    with pytest.raises(CodebookError) as err:
        load_codebook(folder)
    return err.value.problems


def test_valid_codebook_loads_with_hierarchy(tmp_path: Path):
    write(tmp_path / "cb" / "a.yaml", CODEBOOK)
    book = load_codebook(tmp_path / "cb")
    assert [(c.id, p.id if p else None, d) for c, p, d in book.walk()] == [
        ("trust", None, 0), ("distrust", "trust", 1), ("coup", None, 0)]
    assert book.descendants("trust") == ["trust", "distrust"]
    assert book.by_id()["trust"].rules["en"][1].phrase == "last bastion"


def test_files_are_merged_and_duplicate_ids_reported(tmp_path: Path):
    write(tmp_path / "cb" / "a.yaml", "codes:\n  - id: alpha\n    name: A\n")
    write(tmp_path / "cb" / "b.yaml", "codes:\n  - id: beta\n    name: B\n"
                                      "  - id: alpha\n    name: again\n")
    assert problems(tmp_path / "cb") == [
        "cb/b.yaml:4: code alpha: duplicate id (first defined at cb/a.yaml:2)"]


def test_each_problem_names_file_line_and_code(tmp_path: Path):
    write(tmp_path / "cb" / "a.yaml", """
        codes:
          - id: good
            name: Good
            children:
              - id: Bad-Id
                name: x
          - id: colourful
            name: C
            color: "#zz0000"
          - id: empty
            name: "  "
          - id: typo
            name: T
            colour: red
        """)
    assert problems(tmp_path / "cb") == [
        "cb/a.yaml:5: code Bad-Id: id: must match [a-z][a-z0-9_]* (lower case, digits, "
        "underscores)",
        "cb/a.yaml:7: code colourful: color: bad colour '#zz0000': use #rgb or #rrggbb",
        "cb/a.yaml:10: code empty: name: must not be empty",
        "cb/a.yaml:12: code typo: colour: unknown key (allowed: id, name, color, "
        "description, include, exclude, examples, rules, children, guid, retired)",
    ]


def test_bad_yaml_and_empty_folder(tmp_path: Path):
    write(tmp_path / "cb" / "a.yaml", "codes:\n  - id: x\n    name: [unclosed\n")
    assert problems(tmp_path / "cb")[0].startswith("cb/a.yaml:3: ")
    (tmp_path / "none").mkdir()
    assert problems(tmp_path / "none") == [f"{tmp_path / 'none'}: no codebook files (*.yaml) "
                                           "found"]


def test_rules_must_be_per_language_lists(tmp_path: Path):
    write(tmp_path / "cb" / "a.yaml", "codes:\n  - id: x\n    name: X\n    rules: [a, b]\n")
    assert problems(tmp_path / "cb") == [
        "cb/a.yaml:2: code x: rules: rules must map a language code (en, fr...) to a list of "
        "rules"]


def test_round_trip_through_yaml(tmp_path: Path):
    write(tmp_path / "cb" / "a.yaml", CODEBOOK)
    book = load_codebook(tmp_path / "cb")
    write(tmp_path / "cb2" / "all.yaml", codebook_to_yaml(book))
    again = load_codebook(tmp_path / "cb2")
    assert again.model_dump() == book.model_dump()
