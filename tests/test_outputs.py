"""Output files are written, never replaced by something else: a symlink keeps pointing
at its target, a device stays a device, a failure is one line."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from qualcode.errors import OutputError
from qualcode.outputs import write_output


def test_a_regular_file_is_replaced_whole(tmp_path: Path):
    out = tmp_path / "r.html"
    out.write_text("old", encoding="utf-8")
    write_output(out, "new")
    assert out.read_text(encoding="utf-8") == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]  # no temporary left


def test_a_symlink_keeps_pointing_at_its_target(tmp_path: Path):
    target = tmp_path / "real.html"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "link.html"
    link.symlink_to(target)
    write_output(link, "new")
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "new"


def test_a_device_is_written_in_place():
    write_output(Path("/dev/null"), b"x" * 10)
    assert stat.S_ISCHR(Path("/dev/null").stat().st_mode)


def test_failures_are_one_line(tmp_path: Path):
    with pytest.raises(OutputError, match=r"cannot write .*/missing/x.qdpx: the folder"):
        write_output(tmp_path / "missing" / "x.qdpx", b"x")
    if Path("/dev/full").exists():
        with pytest.raises(OutputError, match="cannot write /dev/full: No space left"):
            write_output(Path("/dev/full"), b"x")
        assert stat.S_ISCHR(Path("/dev/full").stat().st_mode)
