"""qualcode: code qualitative interviews - codebook, transcripts, coding, comparison.

    import qualcode
    project = qualcode.open_project("path/to/study")
    project.import_interviews()
    project.autocode()
    project.summary(by=["origin", "rank"])

Names are imported on first use, so `qualcode --help` stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "open_project": "qualcode.project",
    "Project": "qualcode.project",
    "Workspace": "qualcode.workspace",
    "open_workspace": "qualcode.workspace",
    "init_project": "qualcode.scaffold",
    "load_codebook": "qualcode.codebook",
    "Codebook": "qualcode.codebook",
    "QualcodeError": "qualcode.errors",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'qualcode' has no attribute {name!r}")
