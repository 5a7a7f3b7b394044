"""The suite does not depend on the shell it runs in (issue: COLUMNS=200 broke a test)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from .conftest import FIXED, REPO, UNSET

ODD = {"COLUMNS": "200", "LINES": "7", "TERM": "dumb", "NO_COLOR": "1", "FORCE_COLOR": "1",
       "LANG": "C", "LC_ALL": "C", "TZ": "Pacific/Kiritimati"}


def test_tests_see_one_terminal_locale_and_time_zone():
    for var in UNSET:
        if not var.startswith("QUALCODE_"):
            assert var not in os.environ, var
    for var, value in FIXED.items():
        assert os.environ[var] == value, var
    assert time.timezone == 0 and time.localtime(0).tm_hour == 0


def test_output_sensitive_tests_pass_in_an_odd_shell(tmp_path):
    """Run the tests that read terminal output in a shell exporting odd values."""
    tests = ["tests/test_trust_store.py::test_review_from_a_pipe_stays_readable",
             "tests/test_trust_small.py::test_tables_sent_to_a_pipe_are_not_cut_to_80_columns",
             "tests/test_hermetic.py::test_tests_see_one_terminal_locale_and_time_zone"]
    env = {**os.environ, **ODD}
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "--basetemp", str(tmp_path / "t"), *tests],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert "3 passed" in res.stdout
