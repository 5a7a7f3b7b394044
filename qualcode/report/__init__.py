"""`qualcode report`: one self-contained HTML study report built on the Project API.

build.py gathers the analyses, sections.py / analyses.py turn them into tables and
figures, pseudo.py hides identities, render.py writes the page (Jinja2 template and CSS
in templates/).
"""

from __future__ import annotations

from qualcode.report.options import ReportOptions

__all__ = ["ReportOptions"]
