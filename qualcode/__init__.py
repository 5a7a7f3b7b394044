"""qualcode: code qualitative interviews - codebook, transcripts, coding, comparison.

    import qualcode
    project = qualcode.open_project("path/to/study")
    project.import_interviews()
    project.autocode()
    project.summary(by=["origin", "rank"])
"""

from __future__ import annotations

from qualcode.codebook import Codebook, load_codebook
from qualcode.errors import QualcodeError
from qualcode.project import Project, open_project
from qualcode.scaffold import init_project

__all__ = ["Codebook", "Project", "QualcodeError", "init_project", "load_codebook",
           "open_project"]
__version__ = "0.1.0"
