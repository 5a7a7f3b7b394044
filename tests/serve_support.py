"""Shared set-up for the `qualcode serve` tests: a small imported and auto-coded project
(accents, emoji, a `<script>` in a transcript and in the codebook) built once and copied
per test, and a real uvicorn server on a free port of 127.0.0.1."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .conftest import CODEBOOK, write

LAST = ("R1: <script>document.title='pwned'</script> Rumours spread fast in Niamey. "
        "Nobody is suspicious of the café owners.")
EN1 = f"""
---
id: en1
respondent: R1
language: en
interviewer: [Interviewer]
origin: Nigerien
rank: junior officer
---
Interviewer: How is the café 🙂 partnership?

R1: We trust the partners 🤝 completely. The army watches politics closely, a coup is possible.

Interviewer: And the <script>alert(1)</script> rumours?

{LAST}
"""

FR1 = """
---
id: fr1
respondent: R2
language: fr
interviewer: [Intervieweur]
origin: French
rank: senior officer
---
Intervieweur : Parlons de confiance.

R2 : Nous n’avions plus confiance. Les élites se méfient.
"""

BOOK = CODEBOOK.replace("    name: Trust\n",
                        "    name: Trust\n    description: \"<img src=x onerror=alert(1)> "
                        "<b>trust</b> between partners\"\n")


def build(root: Path) -> Path:
    """Create, import and auto-code the test project at `root`."""
    from qualcode.project import open_project

    write(root / "qualcode.toml", 'name = "Serve test"\nlanguage = "en"\n')
    write(root / "codebook" / "codes.yaml", BOOK)
    write(root / "interviews" / "en1.md", EN1)
    write(root / "interviews" / "fr1.md", FR1)
    project = open_project(root)
    project.import_interviews()
    project.autocode()
    project.close()
    return root


@pytest.fixture(scope="session")
def serve_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The test project, built once per session (spaCy's cache shared with the suite)."""
    import os

    cache = os.environ.get("QUALCODE_TEST_CACHE") or str(
        tmp_path_factory.getbasetemp().parent / "qualcode-cache")
    mp = pytest.MonkeyPatch()
    mp.setenv("QUALCODE_CACHE", cache)
    try:
        yield build(tmp_path_factory.mktemp("serve") / "study")
    finally:
        mp.undo()


def copy_project(template: Path, dest: Path) -> Path:
    shutil.copytree(template, dest)
    return dest


def utf16(text: str, pos: int) -> int:
    """What JavaScript counts for code point `pos` of `text`."""
    return len(text[:pos].encode("utf-16-le")) // 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running(app) -> Iterator[str]:  # noqa: ANN001
    """Serve `app` with uvicorn in a thread; yields its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(5)
