"""Render the sections into one HTML page: the Jinja2 template and CSS in templates/.

Every value the template prints passes through the pseudonymizer (Jinja's `finalize`), so
no identifier can slip past it; embedded images (data URIs) are left as they are.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.report.model import DataUri, Section

if TYPE_CHECKING:
    from qualcode.report.build import Context

TEMPLATES = Path(__file__).parent / "templates"


def _environment(finalize: Any):  # noqa: ANN202
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                       finalize=finalize, keep_trailing_newline=True)


def render(ctx: Context, sections: list[Section]) -> str:
    """The report as HTML text."""
    pseudo = ctx.pseudo

    def finalize(value: Any) -> Any:
        if isinstance(value, DataUri):
            return value
        if value is None:
            return ""
        return pseudo.text(value) if isinstance(value, str) else value

    book = ctx.project.codebook
    units = ctx.units
    counted = ctx.codings
    if not ctx.options.include_suggestions:
        counted = counted[counted.status == "accepted"]
    else:
        counted = counted[counted.status != "rejected"]
    if ctx.options.coders:
        counted = counted[counted.coder.isin(ctx.options.coders)]
    facts = [("documents", units.document.nunique()), ("respondents", len(units)),
             ("themes", len(book.codes)), ("codings counted", len(counted))]
    template = _environment(finalize).get_template("report.html.j2")
    return template.render(
        title=ctx.project.settings.name,
        codebook=f"{book.codebook or 'Codebook'} (version {book.version})",
        date=dt.date.today().isoformat(),
        facts=facts,
        options=ctx.options,
        sections=sections,
    )
