"""Issue 12, item 21: the published reference tables live in tests/data, so their tests
run in a fresh clone that has no ../shared beside it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import DATA, REPO


def test_every_reference_table_is_cited_in_the_data_readme():
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    tables = sorted(p.name for p in DATA.glob("*.csv"))
    assert len(tables) == 16  # 14 agreement and statistics tables, keyness, saturation
    for name in tables:
        row = next(line for line in readme.splitlines() if line.startswith(f"| {name} |"))
        source = row.split("|")[3].strip()
        assert source, name


def test_reference_tests_run_without_shared(tmp_path: Path):
    clone = tmp_path / "clone"  # no tmp_path / "shared" beside it
    shutil.copytree(REPO / "qualcode", clone / "qualcode",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "tests", clone / "tests",
                    ignore=shutil.ignore_patterns("__pycache__", ".hypothesis"))
    shutil.copy2(REPO / "pyproject.toml", clone / "pyproject.toml")
    env = {**os.environ, "PYTHONPATH": str(clone)}
    res = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs",
         "tests/test_agreement.py", "tests/test_analysis.py", "-k",
         "krippendorff or alpha or cohen or fleiss or maxqda or group_reference"],
        cwd=clone, env=env, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-2000:]
    assert " skipped" not in res.stdout and "10 passed" in res.stdout, res.stdout[-2000:]
