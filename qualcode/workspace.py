"""The context every library function works in: where the project folder is, its
settings, its store, its codebook and the current coder.

A `Workspace` is plain data with lazy handles (the engine is opened, the codebook read,
on first use); it has no method that calls a library module, so every module can take
one without importing the `Project` facade that sits above them all.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.errors import CoderRequired, ProjectError, UsageError
from qualcode.settings import SETTINGS_FILE, Settings, load_settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from qualcode.codebook import Codebook


@dataclass
class Workspace:
    """A project folder, its settings, its store's URL and the current coder."""

    root: Path
    settings: Settings
    db_url: str
    coder: str | None = None
    _engine: Engine | None = field(default=None, repr=False)
    _codebook: tuple[tuple, Codebook] | None = field(default=None, repr=False)
    # per-document results worth keeping while the workspace is open (sentences)
    cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def codebook_dir(self) -> Path:
        return self.root / "codebook"

    @property
    def interviews_dir(self) -> Path:
        return self.root / "interviews"

    @property
    def engine(self) -> Engine:
        """The store's engine; the schema is created or upgraded on first use."""
        if self._engine is None:
            from qualcode.store.engine import open_store

            self._engine = open_store(self.db_url)
        return self._engine

    @property
    def codebook(self) -> Codebook:
        """The codebook in use: `full_codebook` without its retired codes."""
        return self.full_codebook.active()

    @property
    def full_codebook(self) -> Codebook:
        """The codebook loaded from `codebook/*.yaml` (validated), retired codes included;
        read again when a codebook file changes, so a notebook sees edits without
        reopening the project."""
        from qualcode.codebook import load_codebook

        folder = self.codebook_dir
        files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]) if folder.is_dir() \
            else []
        # the inode too: a file replaced atomically (as codebook changes write) is always
        # seen, even within one tick of the file system's clock and at the same size
        stamp = tuple((str(f), st.st_ino, st.st_mtime_ns, st.st_size)
                      for f in files for st in [f.stat()])
        if self._codebook is None or self._codebook[0] != stamp:
            self._codebook = (stamp, load_codebook(folder))
        return self._codebook[1]

    def require_coder(self) -> str:
        """The current coder's name, or an error for commands that write."""
        if not self.coder:
            raise CoderRequired()
        check_coder_name(self.coder)
        return self.coder

    def close(self) -> None:
        """Release the store's connections (the workspace can be used again after)."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def check_coder_name(name: str) -> None:
    """A person's coder name: not the auto-coder's, no comma (lists are comma-separated),
    no surrounding spaces."""
    if name.strip().lower() == "auto":
        raise UsageError("the coder name 'auto' is reserved for the auto-coder - choose "
                         "another (--coder NAME)")
    if "," in name or name != name.strip() or not name.strip():
        raise UsageError(f"coder name {name!r} cannot be used - no commas or surrounding "
                         "spaces (--coder NAME)")


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` holding qualcode.toml."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / SETTINGS_FILE).is_file():
            return folder
    return None


def open_workspace(path: str | Path | None = None, db: str | None = None,
                   coder: str | None = None) -> Workspace:
    """The workspace of the project at `path` (default: the current folder or the nearest
    parent with a qualcode.toml). `db` and `coder` override QUALCODE_DB/QUALCODE_CODER and
    the settings file."""
    given = Path(path or os.environ.get("QUALCODE_PROJECT") or ".")
    if not given.exists():
        raise ProjectError(f"{given}: no such folder - create a project with qualcode init DIR")
    root = find_root(given) if path is None else given.resolve()
    if root is None or not (root / SETTINGS_FILE).is_file():
        where = root or given.resolve()
        raise ProjectError(f"{where}: not a qualcode project (no {SETTINGS_FILE}) - run "
                           "qualcode init DIR, or pass --project DIR")
    settings = load_settings(root)
    from qualcode.store.engine import default_url

    url = db or os.environ.get("QUALCODE_DB") or settings.db or default_url(root)
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        rel = url[len("sqlite:///"):]
        if rel and rel != ":memory:" and not Path(rel).is_absolute():
            url = f"sqlite:///{(root / rel).resolve()}"
    who = coder or os.environ.get("QUALCODE_CODER") or settings.coder
    return Workspace(root=root, settings=settings, db_url=url, coder=who or None)
