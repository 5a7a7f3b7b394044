"""`qualcode report`: one self-contained HTML study report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qualcode.cli.commands_analysis import Coders, Suggestions, Where, _split
from qualcode.cli.output import info
from qualcode.cli.state import project as get_project


def report(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")],
    by: Annotated[list[str] | None, typer.Option(
        "--by", help="Group by this attribute; repeatable; 'A,B' crosses two attributes "
                     "(default: the ordered attributes and those with 2 to 8 groups).")]
    = None,
    where: Where = None,
    include_suggestions: Suggestions = False,
    coders: Coders = None,
    pseudonymize: Annotated[bool, typer.Option(
        "--pseudonymize", help="Replace document ids, respondent ids, speaker labels and "
                               "names from the front matter everywhere, passages included.")]
    = False,
    include_missing: Annotated[bool, typer.Option(
        "--include-missing", help="Compare respondents without a value of an attribute as "
                                  "a group '(missing)' (default: left out of the tests, "
                                  "with a count).")] = False,
    no_memos: Annotated[bool, typer.Option(
        "--no-memos", help="Leave the Memos section out (by default every memo is shown, "
                           "beside the passages it is about; --pseudonymize covers memo "
                           "text too).")] = False,
) -> None:
    """Write one self-contained HTML study report: codebook, corpus, themes by group,
    comparisons, excerpts, co-occurrence, agreement, rule quality, memos and methods.

    CSS and figures are inside the file; it needs no network and prints cleanly.
    Every table names the command that prints the same numbers.
    In Python: project.report("study.html")
    """
    path = get_project(ctx).report(output, by=by, where=where,
                                   include_suggestions=include_suggestions,
                                   coders=_split(coders), pseudonymize=pseudonymize,
                                   include_missing=include_missing, no_memos=no_memos)
    info(f"wrote {path} ({path.stat().st_size // 1024} KB)")


def register(app: typer.Typer) -> None:
    app.command("report")(report)
