"""Global options carried on the Typer context."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from qualcode.project import Project


@dataclass
class State:
    project_dir: Path | None = None
    db: str | None = None
    coder: str | None = None
    _project: Project | None = field(default=None, repr=False)

    def project(self) -> Project:
        if self._project is None:
            from qualcode.project import open_project

            self._project = open_project(self.project_dir, db=self.db, coder=self.coder)
        return self._project

    def close(self) -> None:
        """Release the store's connections when the command ends."""
        if self._project is not None:
            self._project.close()
            self._project = None


def project(ctx: typer.Context) -> Project:
    """The project named by the global options."""
    root = ctx.find_root()
    state = root.obj if isinstance(root.obj, State) else State()
    root.obj = state
    return state.project()
