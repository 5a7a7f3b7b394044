"""REFI-QDA through the store: `qualcode import FILE.qdpx`, `export project`,
`codebook import|export` (issue 13). Samples from ../shared where present; the example
study and small projects the tests build run everywhere."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest

from qualcode.errors import QualcodeError
from qualcode.project import open_project

from .conftest import copy_example, write
from .test_refi_samples import PROJECTS

CODEBOOK_ONLY = "codes:\n  - id: placeholder\n    name: Placeholder\n"


def empty_project(root: Path) -> Path:
    write(root / "qualcode.toml", 'name = "Imported"\nlanguage = "en"\n')
    (root / "codebook").mkdir(parents=True)
    (root / "interviews").mkdir()
    return root


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory):
    root = copy_example(tmp_path_factory.mktemp("refi") / "study")
    proj = open_project(root, coder="lead")
    proj.import_interviews()
    proj.autocode()
    proj.memo("code", "trust_gap", "Central theme.")
    first = proj.codings(coders=["amina"]).iloc[0]
    proj.memo("coding", str(first["id"]), "Clear example.")
    out = tmp_path_factory.mktemp("out")
    path = proj.export_project(out / "study.qdpx")
    return proj, path


def test_example_study_exports_identically_twice(example, tmp_path: Path):
    proj, path = example
    again = proj.export_project(tmp_path / "again.qdpx")
    assert again.read_bytes() == path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        assert len([n for n in zf.namelist() if n.startswith("sources/")]) == 26


def test_example_study_round_trips_into_an_empty_project(example, tmp_path: Path):
    proj, path = example
    new = open_project(empty_project(tmp_path / "new"), coder="lead")
    res = new.import_refi(path)
    assert res.documents["added"] == 26 and res.codebook_file == "codebook/security-" \
        "cooperation-in-the-sahel-example-study.yaml"
    # documents: same ids, texts and attributes
    old_docs = proj.documents().drop(columns=["path"]).set_index("document").sort_index()
    new_docs = new.documents().drop(columns=["path"]).set_index("document").sort_index()
    assert list(new_docs.index) == list(old_docs.index)
    assert (new_docs.text == old_docs.text).all()
    for col in ("case", "origin", "rank", "role", "phase", "language"):
        assert new_docs[col].tolist() == old_docs[col].tolist(), col
    # codes with their hierarchy
    walk = [(c.id, p.id if p else None, c.color) for c, p, _ in proj.codebook.walk()]
    assert [(c.id, p.id if p else None, c.color) for c, p, _ in new.codebook.walk()] == walk
    # accepted codings: same spans, quotes, codes and coders; suggestions stay home
    old = proj.codings(statuses=["accepted"])
    key = ["document", "start", "end", "text", "code", "coder"]
    want = sorted(map(tuple, old[key].values.tolist()))
    got = new.codings()
    assert sorted(map(tuple, got[key].values.tolist())) == want
    assert set(got.origin) == {"imported"} and set(got.status) == {"accepted"}
    # memos
    memos = {(m.on, m.memo) for m in new.memos().itertuples()}
    assert {("code", "Central theme."), ("coding", "Clear example.")} <= memos
    # the same analyses on both sides
    pd.testing.assert_frame_equal(new.agreement(["amina", "lukas"], unit="turn"),
                                  proj.agreement(["amina", "lukas"], unit="turn"))
    pd.testing.assert_frame_equal(new.compare("origin"), proj.compare("origin"))
    # importing the same file again changes nothing
    again = new.import_refi(path)
    assert again.documents == {"added": 0, "updated": 0, "unchanged": 26}
    assert again.codings["added"] == 0 and again.codings["kept"] == len(want)
    assert again.codes_added == 0 and again.memos_added == 0
    assert len(new.codings()) == len(want)


def test_cli_import_export_and_codebook_exchange(example, tmp_path: Path, cli):
    _, path = example
    root = empty_project(tmp_path / "cli")
    res = cli("import", str(path), "-f", "csv", project=root)
    assert res.exit_code == 0, res.stderr
    assert "documents added,26" in res.stdout
    out = tmp_path / "book.qdc"
    assert cli("codebook", "export", "-f", "qdc", "-o", str(out), project=root).exit_code == 0
    other = empty_project(tmp_path / "other")
    res = cli("codebook", "import", str(out), project=other)
    assert res.exit_code == 0 and "wrote 15 code(s)" in res.stderr
    res = cli("codebook", "import", str(out), project=other)
    assert "nothing to add" in res.stderr
    res = cli("export", "project", "-o", str(tmp_path / "x.txt"), project=root)
    assert (res.exit_code, res.stderr) == (1, f"Error: {tmp_path / 'x.txt'}: the file name "
                                              "must end in .qdpx\n")


def test_an_import_that_fails_writes_nothing(example, tmp_path: Path):
    """A source whose id is a transcript's: nothing imported, no codebook file written."""
    _, path = example
    root = empty_project(tmp_path / "clash")
    write(root / "codebook" / "mine.yaml", CODEBOOK_ONLY)
    write(root / "interviews" / "NE-01.md", "---\nid: NE-01\n---\nR: hello\n")
    proj = open_project(root)
    proj.import_interviews()
    before = proj.documents()
    with pytest.raises(QualcodeError, match="has the id of the transcript interviews/NE-01.md"):
        proj.import_refi(path)
    assert sorted(p.name for p in (root / "codebook").iterdir()) == ["mine.yaml"]
    pd.testing.assert_frame_equal(proj.documents(), before)
    assert proj.codings().empty


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_every_sample_imports_through_the_store(shared: Path, tmp_path: Path, name: str):
    sources, codes, users, codings, _ = PROJECTS[name]
    proj = open_project(empty_project(tmp_path / "p"))
    if not sources and not codes:
        with pytest.raises(QualcodeError):
            proj.import_refi(shared / "refi" / "samples" / name)
        return
    res = proj.import_refi(shared / "refi" / "samples" / name)
    # a source is a document, or listed as not imported (PDF, picture, missing file...)
    assert res.documents["added"] + len(res.skipped_sources) == sources
    assert res.documents["added"] == len(proj.documents())
    assert res.codes_added == codes == sum(1 for _ in proj.codebook.walk())
    assert res.codings["added"] == codings == len(proj.codings())
    assert set(proj.codings().origin) <= {"imported"}
    # every imported coding's quote is the stored text at its offsets
    texts = proj.documents().set_index("document").text
    for r in proj.codings().itertuples():
        assert texts[r.document][r.start:r.end] == r.text
    again = proj.import_refi(shared / "refi" / "samples" / name)
    assert again.codings.get("added", 0) == 0 and again.documents["added"] == 0


def test_a_hostile_archive_is_one_line_and_writes_nothing(tmp_path: Path, cli):
    root = empty_project(tmp_path / "p")
    evil = tmp_path / "evil.qdpx"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("project.qde", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM '
                                   '"file:///etc/passwd">]><Project name="&e;"/>')
        zf.writestr("../escaped.txt", "x")
    res = cli("import", str(evil), project=root)
    assert res.exit_code == 1 and res.stderr.count("\n") == 1
    assert res.stderr.startswith("Error: ") and "evil.qdpx" in res.stderr
    assert not (tmp_path / "escaped.txt").exists()
    assert list((root / "codebook").iterdir()) == []
