"""Commands that create codings: autocode (and, later, review, code, uncode, memo)."""

from __future__ import annotations

from typing import Annotated

import typer

from qualcode.cli.output import Format, FormatOpt, OutputOpt, emit, info
from qualcode.cli.progress import progress_bar
from qualcode.cli.state import project as get_project

CodesOpt = Annotated[list[str] | None, typer.Option("--codes", "--code",
                                                    help="Only these codes (and sub-codes).")]
DocsOpt = Annotated[list[str] | None, typer.Option("--documents", "--document",
                                                   help="Only these documents.")]


def autocode(
    ctx: typer.Context,
    codes: CodesOpt = None,
    documents: DocsOpt = None,
    unit: Annotated[str, typer.Option(help="What a suggestion covers: sentence, turn or "
                                           "match.")] = "sentence",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report what would change; "
                                                            "write nothing.")] = False,
    accept: Annotated[bool, typer.Option("--accept", help="Store suggestions as accepted "
                                                          "(needs a coder).")] = False,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """Apply the codebook's rules to respondent turns as suggestions to review.

    Re-running replaces only unreviewed suggestions; reviewed ones and manual codings stay.
    In Python: project.autocode()
    """
    proj = get_project(ctx)
    with progress_bar("auto-coding", min_total=2) as bar:
        res = proj.autocode_run(codes=codes, documents=documents, unit=unit, dry_run=dry_run,
                                accept=accept, progress=bar)
    verb = "would add" if dry_run else "added"
    emit(res.table(), fmt, output, title="Suggestions per code" + (" (dry run)" if dry_run
                                                                   else ""))
    info(f"{res.documents} documents, {res.words:,} respondent words: {verb} {res.added}, "
         f"removed {res.removed}, kept {res.kept} suggestion(s); "
         f"{res.skipped_decided} already decided")


def register(app: typer.Typer) -> None:
    app.command("autocode")(autocode)
