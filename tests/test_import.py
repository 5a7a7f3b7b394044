"""Importing transcripts and coders' CSVs: idempotent, hash-based, never losing work."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from qualcode.errors import QualcodeError
from qualcode.importer import ImportIncomplete
from qualcode.project import open_project
from qualcode.store import schema as t

from .conftest import write

DOC = """
---
id: D1
respondent: R1
origin: Western
rank: senior officer
---
Interviewer: Do you trust your partners?

R1: I trust them. It is the last bastion, really.

Interviewer: And the army?

R1: The army stays out of politics, I think.
"""


def test_import_then_reimport_writes_nothing(project_dir: Path):
    write(project_dir / "interviews" / "d1.md", DOC)
    proj = open_project(project_dir)
    first = proj.import_interviews()
    assert first.added == ["D1"]
    with proj.engine.connect() as conn:
        stamp = conn.execute(select(t.documents.c.imported_at)).scalar_one()
        turns = conn.execute(select(func.count()).select_from(t.turns)).scalar_one()
    again = proj.import_interviews()
    assert (again.added, again.updated, again.unchanged) == ([], [], ["D1"])
    with proj.engine.connect() as conn:
        assert conn.execute(select(t.documents.c.imported_at)).scalar_one() == stamp
    assert turns == 4


def test_changed_file_is_detected_by_hash_and_status_reports_it(project_dir: Path):
    path = write(project_dir / "interviews" / "d1.md", DOC)
    proj = open_project(project_dir)
    proj.import_interviews()
    assert proj.status()["changed_files"] == []
    path.write_text(path.read_text() + "\nInterviewer: Thanks.\n", encoding="utf-8")
    write(project_dir / "interviews" / "d2.md", "R: new\n")
    st = proj.status()
    assert st["changed_files"] == ["interviews/d1.md"]
    assert st["new_files"] == ["interviews/d2.md"]
    report = proj.import_interviews()
    assert (report.added, report.updated) == (["d2"], ["D1"])


def test_status_counts(project_dir: Path):
    write(project_dir / "interviews" / "d1.md", DOC)
    proj = open_project(project_dir)
    proj.import_interviews()
    st = proj.status()
    assert (st["documents"], st["cases"], st["turns"], st["codes"]) == (1, 1, 4, 3)
    assert st["respondent_words"] == 17


def test_readme_and_coded_folder_are_not_transcripts(project_dir: Path):
    write(project_dir / "interviews" / "README.md", "# Data card\n")
    write(project_dir / "interviews" / "d1.md", DOC)
    assert open_project(project_dir).import_interviews().added == ["D1"]


def test_duplicate_document_ids_are_an_error(project_dir: Path):
    write(project_dir / "interviews" / "a.md", DOC)
    write(project_dir / "interviews" / "b.md", DOC)
    with pytest.raises(ImportIncomplete, match="interviews/b.md: document id 'D1' is also "
                                               "used by interviews/a.md - ids must be unique"
                       ) as err:
        open_project(project_dir).import_interviews()
    # the rest of the import is done: a.md is in
    assert err.value.report.added == ["D1"]


def test_files_elsewhere_are_copied_into_interviews(project_dir: Path, tmp_path: Path):
    outside = write(tmp_path / "inbox" / "x.md", DOC)
    report = open_project(project_dir).import_interviews(paths=[outside])
    assert report.copied == ["interviews/x.md"]
    assert (project_dir / "interviews" / "x.md").read_bytes() == outside.read_bytes()
    clash = write(tmp_path / "other" / "x.md", "R: different\n")
    with pytest.raises(QualcodeError, match="interviews/x.md already exists with other"):
        open_project(project_dir).import_interviews(paths=[clash])


def test_coder_csv_loads_manual_codings_anchored_by_quote(project_dir: Path):
    write(project_dir / "interviews" / "d1.md", DOC)
    write(project_dir / "interviews" / "coded" / "ana.csv",
          'document,quote,code,memo\nD1,"It is  the last\nbastion",trust,a memo\n'
          "D1,stays out of politics,coup,\n")
    proj = open_project(project_dir)
    report = proj.import_interviews()
    assert report.coder_files == {"ana": 2}
    df = proj.codings()
    assert df[["code", "coder", "origin", "status", "text", "speaker"]].values.tolist() == [
        ["trust", "ana", "manual", "accepted", "It is the last bastion", "R1"],
        ["coup", "ana", "manual", "accepted", "stays out of politics", "R1"]]
    assert proj.import_interviews().coder_files == {"ana": 2}
    assert len(proj.codings()) == 2


def test_coder_csv_quote_not_found_names_file_and_row(project_dir: Path):
    write(project_dir / "interviews" / "d1.md", DOC)
    write(project_dir / "interviews" / "coded" / "ana.csv",
          "document,quote,code\nD1,I trust them,trust\nD1,the navy stays out,coup\n")
    with pytest.raises(QualcodeError) as err:
        open_project(project_dir).import_interviews()
    assert str(err.value).startswith("interviews/coded/ana.csv row 3 (D1): quote not found")


def test_coder_csv_unknown_code_and_missing_columns(project_dir: Path):
    write(project_dir / "interviews" / "d1.md", DOC)
    csv = write(project_dir / "interviews" / "coded" / "ana.csv",
                "document,quote,code\nD1,I trust them,nope\n")
    with pytest.raises(QualcodeError, match="row 2: unknown code 'nope'"):
        open_project(project_dir).import_interviews()
    csv.write_text("doc,quote\n", encoding="utf-8")
    with pytest.raises(QualcodeError, match="missing column\\(s\\) document, code"):
        open_project(project_dir).import_interviews()
