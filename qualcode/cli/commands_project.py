"""Commands for the project as a whole: init, import, status, codebook, export, log."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qualcode.cli.app import make_app
from qualcode.cli.output import Format, FormatOpt, OutputOpt, emit, info
from qualcode.cli.progress import progress_bar
from qualcode.cli.state import project as get_project


def init(
    folder: Annotated[Path, typer.Argument(help="Folder to create the project in.")],
    name: Annotated[str | None, typer.Option(help="Project name (default: folder name).")]
    = None,
) -> None:
    """Create a project: qualcode.toml, a starter codebook, an example transcript.

    In Python: qualcode.init_project(folder)
    """
    from qualcode.scaffold import init_project

    created = init_project(folder, name)
    for path in created:
        info(f"created {path}")
    info(f"next: put transcripts in {folder / 'interviews'} and run "
         f"qualcode -p {folder} import")


def import_(
    ctx: typer.Context,
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Files or folders to import (or one REFI-QDA project: .qdpx, .qde); files "
             "outside interviews/ are copied into it. "
             "Default: everything in interviews/.")] = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """Bring transcripts (.md, .txt, .docx, .vtt, .srt) and coders' CSV codings into the
    store; unchanged files are skipped, changed ones re-anchor their codings.

    In Python: project.import_interviews()
    """
    from qualcode.importer import ImportIncomplete
    from qualcode.interop import PROJECT_SUFFIXES

    proj = get_project(ctx)
    refi = [p for p in paths or [] if p.suffix.lower() in PROJECT_SUFFIXES]
    if refi:
        if len(paths or []) != 1:
            from qualcode.errors import UsageError

            raise UsageError("import one REFI-QDA project at a time, without transcripts")
        _import_refi(proj, refi[0], fmt, output)
        return
    incomplete = None
    with progress_bar("importing") as bar:
        try:
            report = proj.import_interviews(paths=paths or None, progress=bar)
        except ImportIncomplete as exc:
            incomplete, report = exc, exc.report
    for w in report.warnings:
        info(f"warning: {w}")
    for lost in proj.lost_codes():
        info(f"warning: {lost.message}")
    for path in report.copied:
        info(f"copied into {path}")
    emit(report.summary_rows(), fmt, output, title="Import")
    if report.missing:
        info(f"{len(report.missing)} document(s) in the store have no file any more: "
             + ", ".join(report.missing[:10]) + " - their codings are kept")
    if incomplete is not None:
        for err in report.errors[1:]:
            info(f"error: {err}")
        raise incomplete


def _import_refi(proj, path: Path, fmt: Format, output: Path | None) -> None:  # noqa: ANN001
    res = proj.import_refi(path)
    for w in res.warnings:
        info(f"warning: {w}")
    for src in res.skipped_sources:
        why = f" - {src['reason']}" if src["reason"] else ""
        info(f"not imported: {src['kind']} source {src['name']!r} ({src['selections']} "
             f"selection(s), {src['codings']} coding(s)){why}")
    if res.codebook_file:
        info(f"codes written to {res.codebook_file}")
    emit(res.summary_rows(), fmt, output, title=f"Import of {path.name}"
         + (f" ({res.producer})" if res.producer else ""))


def status(ctx: typer.Context, fmt: FormatOpt = Format.table, output: OutputOpt = None) -> None:
    """What the store holds, and what changed on disk since the last import.

    In Python: project.status()
    """
    st = get_project(ctx).status()
    rows = [{"what": k.replace("_", " "), "value": str(st[k])} for k in
            ("project", "store", "documents", "cases", "turns", "respondent_words", "codes")]
    rows += [{"what": f"codings {c['origin']} {c['status']}", "value": str(c["count"])}
             for c in st["codings"]]
    for key in ("new_files", "changed_files", "missing_files"):
        if st[key]:
            rows.append({"what": key.replace("_", " "), "value": ", ".join(st[key])})
    for lost in st["lost_codes"]:
        rows.append({"what": "on a code no longer in the codebook", "value": lost})
    for line in st["media"]:
        rows.append({"what": "recording", "value": line})
    flagged = [f for f in st["flagged"] if f["anchor"] == "changed"]
    orphaned = [f for f in st["flagged"] if f["anchor"] == "orphaned"]
    for label, items in (("flagged codings (text changed)", flagged),
                         ("orphaned codings (text deleted)", orphaned)):
        if items:
            rows.append({"what": label, "value": ", ".join(
                f"#{f['id']} {f['document_id']}/{f['code_id']}" for f in items)})
    rows.append({"what": "learned model", "value": st["model"]})
    emit(rows, fmt, output, title="Status")
    if (st["new_files"] or st["changed_files"]) and fmt == Format.table and output is None:
        info("run qualcode import to bring the changes in")


codebook_app = make_app("Show, check, convert and change the codebook (rename, merge, move, "
                        "split, retire, undo).")


@codebook_app.command("show")
def codebook_show(
    ctx: typer.Context,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
    details: Annotated[bool, typer.Option("--details", help="Show definitions and rules.")]
    = False,
) -> None:
    """The codebook as a tree (or a table with --format).

    In Python: project.codebook / qualcode.codebook_frame(project.codebook)
    """
    from qualcode.codebook_view import codebook_frame, codebook_tree

    book = get_project(ctx).codebook
    if fmt == Format.table and output is None:
        from qualcode.cli.output import console

        console().print(codebook_tree(book, details=details))
        return
    emit(codebook_frame(book), fmt, output)


@codebook_app.command("validate")
def codebook_validate(ctx: typer.Context) -> None:
    """Check the codebook files and their auto-coding rules; list every problem.

    In Python: qualcode.load_codebook(path) and qualcode.compile_rules(book)
    """
    import sys

    from qualcode.autocode.rules import check_rules
    from qualcode.errors import CodebookError

    proj = get_project(ctx)
    try:
        book = proj.codebook
        if not book.codes:
            raise CodebookError([f"{proj.codebook_dir}: the codebook has no codes - add "
                                 "codes to a codebook/*.yaml file (see docs/codebook.md)"])
        check_rules(book, proj.settings)
    except CodebookError as exc:
        for problem in exc.problems:
            print(f"Error: {' '.join(problem.split())}", file=sys.stderr)
        raise typer.Exit(1) from None
    n = sum(1 for _ in book.walk())
    rules = sum(len(r) for c, _, _ in book.walk() for r in c.rules.values())
    info(f"codebook OK: {n} codes, {rules} rules (version {book.version})")


@codebook_app.command("export")
def codebook_export(
    ctx: typer.Context,
    output: OutputOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f",
                                     help="yaml, qdc (REFI-QDA, needs -o), csv, json or "
                                          "markdown.")] = "yaml",
) -> None:
    """Write the merged codebook as one YAML file, a REFI-QDA .qdc, or a flat table.

    In Python: qualcode.codebook_to_yaml(project.codebook), project.export_codebook(path)
    """
    import sys

    from qualcode.codebook import codebook_to_yaml
    from qualcode.codebook_view import codebook_frame

    proj = get_project(ctx)
    if fmt == "qdc":
        if output is None:
            from qualcode.errors import UsageError

            raise UsageError("a .qdc is a file - give it with -o FILE.qdc")
        info(f"wrote {proj.export_codebook(output)}")
        return
    book = proj.codebook
    if fmt == "yaml":
        text = codebook_to_yaml(book)
        if output:
            from qualcode.export import write_text_file

            write_text_file(output, text)
            info(f"wrote {output}")
        else:
            sys.stdout.write(text)
        return
    emit(codebook_frame(book), fmt, output)


@codebook_app.command("import")
def codebook_import(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A REFI-QDA codebook (.qdc) from NVivo, "
                                              "ATLAS.ti, MAXQDA, QualCoder, Taguette...")],
) -> None:
    """Add a REFI-QDA codebook's codes as a new file in codebook/ (never overwriting one;
    codes already in the codebook, by GUID, are skipped).

    In Python: project.import_codebook(path)
    """
    written, n = get_project(ctx).import_codebook(path)
    info(f"wrote {n} code(s) to {written}" if written else
         "nothing to add: every code is already in the codebook")


export_app = make_app("Export tidy tables of documents and codings, or the whole project.")
ExportFormat = Annotated[str, typer.Option("--format", "-f",
                                           help="csv, json, markdown or parquet (needs -o).")]
Pseudo = Annotated[bool, typer.Option("--pseudonymize",
                                      help="Replace document, case and speaker ids by keyed "
                                           "pseudonyms (also inside text) and drop paths.")]


@export_app.command("documents")
def export_documents(ctx: typer.Context, fmt: ExportFormat = "csv", output: OutputOpt = None,
                     pseudonymize: Pseudo = False) -> None:
    """One row per document: id, case, language, words, every attribute, text.

    In Python: project.documents()
    """
    emit(get_project(ctx).documents(pseudonymize=pseudonymize), fmt, output)


@export_app.command("codings")
def export_codings(
    ctx: typer.Context,
    fmt: ExportFormat = "csv",
    output: OutputOpt = None,
    code: Annotated[list[str] | None, typer.Option("--code", help="Only these codes.")] = None,
    coder: Annotated[list[str] | None, typer.Option("--by-coder",
                                                    help="Only these coders.")] = None,
    status_: Annotated[list[str] | None, typer.Option(
        "--status", help="Only these statuses (suggested, accepted, rejected).")] = None,
    pseudonymize: Pseudo = False,
) -> None:
    """One row per coding: document, case, speaker, code, start, end, text, coder, origin,
    status, rule.

    In Python: project.codings()
    """
    df = get_project(ctx).codings(codes=code, coders=coder, statuses=status_,
                                  pseudonymize=pseudonymize)
    emit(df, fmt, output)


@export_app.command("project")
def export_project(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help="The .qdpx file to write.")],
    include_suggestions: Annotated[bool, typer.Option(
        "--include-suggestions", help="Export unreviewed suggestions too.")] = False,
) -> None:
    """The whole project as a REFI-QDA .qdpx for NVivo, ATLAS.ti, MAXQDA, QualCoder:
    sources, codebook, coders, accepted codings, attributes, memos.

    In Python: project.export_project(path)
    """
    info(f"wrote {get_project(ctx).export_project(output, include_suggestions)}")


def log(ctx: typer.Context, fmt: FormatOpt = Format.table, output: OutputOpt = None,
        limit: Annotated[int, typer.Option(help="Most recent N events.")] = 50) -> None:
    """The audit trail: who did what, when.

    In Python: project.log()
    """
    emit(get_project(ctx).log(limit=limit), fmt, output, title="Audit trail")


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("import")(import_)
    app.command("status")(status)
    app.command("log")(log)
    from qualcode.cli import commands_codebook

    commands_codebook.register(codebook_app)
    app.add_typer(codebook_app, name="codebook")
    app.add_typer(export_app, name="export")
