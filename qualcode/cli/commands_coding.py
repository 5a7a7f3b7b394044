"""Commands that create codings and decisions: autocode, review, code, uncode, memo."""

from __future__ import annotations

from typing import Annotated

import typer

from qualcode.cli.app import make_app
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
    source: Annotated[str | None, typer.Option(
        "--source", help="rules, model (the one qualcode train learned) or both (default: "
                         "both when a model exists, else rules).")] = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """Apply the codebook's rules (and the learned model) to respondent turns as
    suggestions to review.

    Re-running replaces only unreviewed suggestions; reviewed ones and manual codings stay.
    In Python: project.autocode()
    """
    proj = get_project(ctx)
    with progress_bar("auto-coding", min_total=2) as bar:
        res = proj.autocode_run(codes=codes, documents=documents, unit=unit, dry_run=dry_run,
                                accept=accept, progress=bar, source=source)
    for note in res.notes:
        info(f"warning: {note}")
    verb = "would add" if dry_run else "added"
    emit(res.table(), fmt, output, title="Suggestions per code" + (" (dry run)" if dry_run
                                                                   else ""))
    info(f"{res.documents} documents, {res.words:,} respondent words ({res.source}): "
         f"{verb} {res.added}, "
         f"removed {res.removed}, kept {res.kept} suggestion(s); "
         f"{res.skipped_decided} already decided")


def review(
    ctx: typer.Context,
    code: Annotated[str | None, typer.Option("--code", help="Only suggestions of this code "
                                                           "(and its sub-codes).")] = None,
    document: Annotated[str | None, typer.Option("--document",
                                                 help="Only this document.")] = None,
    order: Annotated[str, typer.Option(
        "--order", help="document (default), or uncertain: the suggestions the learned "
                        "model is least sure about first (after qualcode train).")]
    = "document",
    source: Annotated[str | None, typer.Option(
        "--source", help="Only suggestions from rules, model or search (qualcode search "
                         "--code-as).")] = None,
) -> None:
    """Review suggestions: accept, reject, change the code, widen or narrow the span.

    Keys: a accept, r reject, c change code, w widen (sentence, then turn), n narrow,
    s skip, u undo, m memo, q quit. Every decision is saved at once; the next review
    resumes with what is left. From a pipe, one command per line ("c coup_risk",
    "m text of the memo").
    In Python: qualcode.review.run(project.workspace, read, console)
    """
    import sys

    from qualcode.cli.output import console
    from qualcode.review import key_reader, line_reader, run

    proj = get_project(ctx)
    proj.require_coder()
    out = console(reading=True)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    read = key_reader(out) if interactive else line_reader(iter(sys.stdin))
    stats = run(proj.workspace, read, out, code=code, document=document, order=order,
                source=source)
    info(f"accepted {stats.accepted}, rejected {stats.rejected}, recoded {stats.recoded}, "
         f"skipped {stats.skipped}, undone {stats.undone}, memos {stats.memos}; "
         f"{stats.remaining} suggestion(s) left")


Quote = Annotated[str | None, typer.Option("--quote", help="The passage's text (whitespace "
                                                          "and quote marks are forgiven).")]
Occurrence = Annotated[int | None, typer.Option("--occurrence",
                                                help="Which occurrence of the quote (1, 2...).")]
Span = Annotated[str | None, typer.Option("--span", help="START:END character offsets.")]
TurnOpt = Annotated[int | None, typer.Option("--turn", help="A whole turn, by its number.")]


def code(
    ctx: typer.Context,
    document: Annotated[str, typer.Argument(help="Document id.")],
    code_id: Annotated[str, typer.Option("--code", help="The code to apply.")],
    quote: Quote = None,
    occurrence: Occurrence = None,
    span: Span = None,
    turn: TurnOpt = None,
) -> None:
    """Code a passage by quote, span or turn, as the current coder.

    In Python: project.code("NE-07", "trust_gap", quote="...")
    """
    from qualcode.coding import parse_span

    proj = get_project(ctx)
    cid = proj.code(document, code_id, quote=quote, occurrence=occurrence,
                    span=parse_span(span) if span else None, turn=turn)
    info(f"coded #{cid}: {document} {code_id}")
    row = proj.codings(documents=[document]).set_index("id").loc[cid]
    if row.isna()["case"]:
        who = f" ({row.speaker})" if isinstance(row.speaker, str) else ""
        info(f"warning: #{cid} is not respondent speech{who} - it is kept, but never counted "
             "as a respondent's evidence")


def uncode(
    ctx: typer.Context,
    document: Annotated[str | None, typer.Argument(help="Document id (or give --id).")] = None,
    coding_id: Annotated[int | None, typer.Option("--id", help="The coding's id.")] = None,
    code_id: Annotated[str | None, typer.Option("--code", help="The coding's code.")] = None,
    quote: Quote = None,
    occurrence: Occurrence = None,
    span: Span = None,
    turn: TurnOpt = None,
) -> None:
    """Remove one of your own manual codings (by id, or by document, code and passage).

    In Python: project.uncode(coding_id)
    """
    from qualcode.coding import parse_span

    proj = get_project(ctx)
    cid = proj.uncode(coding_id, document, code_id, quote=quote, occurrence=occurrence,
                      span=parse_span(span) if span else None, turn=turn)
    info(f"removed coding #{cid}")


def resolve(
    ctx: typer.Context,
    coding_id: Annotated[int, typer.Argument(help="The flagged coding's id (see qualcode "
                                                  "status).")],
    quote: Quote = None,
    occurrence: Occurrence = None,
    span: Span = None,
) -> None:
    """Resolve a flag: confirm a coding whose text changed, or give an orphaned coding the
    passage it belongs to now (--quote or --span). Flags stay until someone resolves them.

    In Python: project.resolve(coding_id)
    """
    from qualcode.coding import parse_span

    proj = get_project(ctx)
    proj.resolve(coding_id, quote=quote, occurrence=occurrence,
                 span=parse_span(span) if span else None)
    info(f"resolved #{coding_id}")


memo_app = make_app("Write and read memos on codes, documents, cases and codings.")


def _target(code_: str | None, document: str | None, case: str | None,
            coding: int | None) -> tuple[str | None, str | None]:
    given = [(k, v) for k, v in (("code", code_), ("document", document), ("case", case),
                                 ("coding", coding)) if v is not None]
    if len(given) > 1:
        from qualcode.errors import UsageError

        raise UsageError("give one of --code, --document, --case or --coding")
    return (given[0][0], str(given[0][1])) if given else (None, None)


MemoCode = Annotated[str | None, typer.Option("--code", help="On this code.")]
MemoDoc = Annotated[str | None, typer.Option("--document", help="On this document.")]
MemoCase = Annotated[str | None, typer.Option("--case", help="On this case (respondent).")]
MemoCoding = Annotated[int | None, typer.Option("--coding", help="On this coding id.")]


@memo_app.command("add")
def memo_add(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="The memo.")],
    on_code: MemoCode = None,
    document: MemoDoc = None,
    case: MemoCase = None,
    coding: MemoCoding = None,
) -> None:
    """Attach a memo to a code, document, case or coding.

    In Python: project.memo("code", "trust_gap", "text")
    """
    kind, target = _target(on_code, document, case, coding)
    if kind is None:
        from qualcode.errors import UsageError

        raise UsageError("say what the memo is on: --code, --document, --case or --coding")
    mid = get_project(ctx).memo(kind, target, text)
    info(f"memo #{mid} on {kind} {target}")


@memo_app.command("list")
def memo_list(
    ctx: typer.Context,
    on_code: MemoCode = None,
    document: MemoDoc = None,
    case: MemoCase = None,
    coding: MemoCoding = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """List memos, oldest first (all, or those on one target).

    In Python: project.memos()
    """
    kind, target = _target(on_code, document, case, coding)
    emit(get_project(ctx).memos(kind, target), fmt, output, title="Memos")


def register(app: typer.Typer) -> None:
    app.command("autocode")(autocode)
    app.command("review")(review)
    app.command("code")(code)
    app.command("uncode")(uncode)
    app.command("resolve")(resolve)
    app.add_typer(memo_app, name="memo")
