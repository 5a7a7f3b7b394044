"""Issue 12: store problems a user can meet are one clear line, and a read-only project
can be read. Each test failed before its fix."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import write

DOC = "---\nid: d1\nrespondent: R1\n---\nInterviewer: Hi.\n\nR1: We trust them.\n"


@pytest.fixture
def imported(project_dir: Path, cli):
    write(project_dir / "interviews" / "d1.md", DOC)
    assert cli("import").exit_code == 0
    return project_dir / ".qualcode" / "qualcode.db"


def test_garbage_and_truncated_stores(imported: Path, cli):
    data = imported.read_bytes()
    for name in ("qualcode.db-wal", "qualcode.db-shm"):
        (imported.parent / name).unlink(missing_ok=True)
    imported.write_bytes(data[:3000])
    res = cli("status")
    assert res.exit_code == 1
    assert res.stderr.startswith(f"Error: {imported} is not a readable qualcode store ")
    assert "move it aside and run qualcode import" in res.stderr
    imported.write_bytes(b"this is not a database, just text " * 200)
    res = cli("summary")
    assert (res.exit_code, res.stderr.count("\n")) == (1, 1)
    assert "is not a readable qualcode store (file is not a database)" in res.stderr


def test_schema_version_that_is_not_a_number(imported: Path, cli):
    with sqlite3.connect(imported) as db:
        db.execute("UPDATE meta SET value='abc' WHERE key='schema_version'")
    res = cli("status")
    assert res.exit_code == 1
    assert res.stderr == ("Error: the store's schema version 'abc' is not a number - the "
                          "store is damaged: restore it from a backup, or move it aside and "
                          "run qualcode import to rebuild it\n")


def test_a_locked_store_says_so(imported: Path, cli, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("QUALCODE_LOCK_TIMEOUT", "0.5")
    holder = sqlite3.connect(imported, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        res = cli("--coder", "ana", "code", "d1", "--code", "trust", "--quote", "trust them")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert res.exit_code == 1
    assert res.stderr.startswith("Error: ")
    assert "is busy: another qualcode process has been writing to it for 0.5 s" in res.stderr


def _unshare_available() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount --bind -o ro / / 2>/dev/null "
                            "|| mount -t tmpfs none /mnt"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _unshare_available(),
                    reason="needs root and mount namespaces (unshare -m) for a read-only mount")
def test_a_read_only_project_can_be_read(imported: Path, project_dir: Path):
    """The project on a read-only mount (a shared drive): reading commands work, writing
    ones say the store is read-only."""
    def run(*args: str) -> subprocess.CompletedProcess:
        cmd = " ".join(["mount --bind -o ro", str(project_dir), str(project_dir), "&&",
                        sys.executable, "-m", "qualcode", "-p", str(project_dir),
                        *[f"'{a}'" for a in args]])
        return subprocess.run(["unshare", "-m", "sh", "-c", cmd], capture_output=True,
                              text=True, timeout=120)

    for args in (["status"], ["summary"], ["export", "codings"], ["export", "documents"]):
        res = run(*args)
        assert res.returncode == 0, (args, res.stderr)
    assert "d1" in run("export", "documents").stdout
    res = run("--coder", "ana", "code", "d1", "--code", "trust", "--quote", "trust them")
    assert res.returncode == 1
    assert res.stderr.strip().endswith("is read-only - this command writes; reading commands "
                                       "(status, summary, compare, export...) work")
