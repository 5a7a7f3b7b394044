"""Shared fixtures: real temporary project folders, real SQLite files, the real CLI."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DATA = Path(__file__).resolve().parent / "data"  # published reference tables (README.md)


# What the user's shell may export that changes what the CLI prints or how times read:
# the suite runs the same whatever they hold (.ci/run runs it a second time with odd ones).
UNSET = ("QUALCODE_PROJECT", "QUALCODE_DB", "QUALCODE_CODER", "QUALCODE_DEBUG",
         "COLUMNS", "LINES", "JUPYTER_COLUMNS", "JUPYTER_LINES", "NO_COLOR", "FORCE_COLOR",
         "CLICOLOR", "CLICOLOR_FORCE", "COLORTERM", "TTY_COMPATIBLE", "TTY_INTERACTIVE",
         "LANGUAGE", "PYTHONIOENCODING")
FIXED = {"TERM": "xterm", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TZ": "UTC"}


@pytest.fixture(autouse=True, scope="session")
def _fixed_environment():
    """The whole session (module-scoped fixtures too) sees one terminal, locale and zone."""
    import time

    with pytest.MonkeyPatch.context() as mp:
        for var in UNSET:
            mp.delenv(var, raising=False)
        for var, value in FIXED.items():
            mp.setenv(var, value)
        time.tzset()
        yield
    time.tzset()


@contextmanager
def clean_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pytest.MonkeyPatch]:
    """No project, store or coder from the environment, and the suite's one spaCy cache:
    what every test gets (`_clean_env`), for a module-scoped fixture to use as well."""
    with pytest.MonkeyPatch.context() as mp:
        for var in ("QUALCODE_PROJECT", "QUALCODE_DB", "QUALCODE_CODER", "QUALCODE_DEBUG"):
            mp.delenv(var, raising=False)
        cache = os.environ.get("QUALCODE_TEST_CACHE")
        if not cache:
            cache = str(tmp_path_factory.getbasetemp().parent / "qualcode-cache")
            os.environ["QUALCODE_TEST_CACHE"] = cache
        mp.setenv("QUALCODE_CACHE", cache)
        yield mp


@pytest.fixture(autouse=True)
def _clean_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with clean_env(tmp_path_factory):
        yield


def copy_example(dest: Path) -> Path:
    """A copy of the repository's example project (settings, codebook, interviews)."""
    import shutil

    dest.mkdir(parents=True)
    for name in ("qualcode.toml", "codebook", "interviews"):
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, dest / name)
    return dest


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(textwrap.dedent(text).lstrip("\n").encode(encoding))
    return path


CODEBOOK = """
codebook: Test codebook
version: 1
codes:
  - id: trust
    name: Trust
    color: "#d95f02"
    rules:
      en: [trust, "last bastion"]
      fr: ["confiance", "l'armée"]
    children:
      - id: distrust
        name: Distrust
        rules:
          en: [suspicious]
  - id: coup
    name: Coup risk
    color: "#7570b3"
    rules:
      en: [coup, {near: [army, politics], within: 5}]
      fr: ["coup d'état", {pattern: [{LEMMA: prendre}, {LOWER: le}, {LOWER: pouvoir}]}]
"""


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    """An empty project with a small codebook (no transcripts)."""
    root = tmp_path / "study"
    write(root / "qualcode.toml", 'name = "Test study"\nlanguage = "en"\n')
    write(root / "codebook" / "codes.yaml", CODEBOOK)
    (root / "interviews").mkdir()
    return root


@pytest.fixture
def cli(project_dir: Path):
    """Run the CLI in the test project; returns the click Result."""
    from qualcode.cli.app import app

    runner = CliRunner()

    def run(*args: str, input: str | None = None, project: Path | None = project_dir):
        argv = (["--project", str(project)] if project else []) + list(args)
        return runner.invoke(app, argv, input=input, catch_exceptions=False)

    return run


@pytest.fixture
def refdata() -> Path:
    """Published agreement and statistics reference tables, kept in tests/data."""
    return DATA


@pytest.fixture
def shared() -> Path:
    """Third-party sample files (REFI-QDA exports) that stay in ../shared."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside this checkout (it is in CI)")
    return SHARED
