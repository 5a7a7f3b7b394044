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
        "--source", help="rules, model (the one qualcode train learned), both (default: "
                         "both when a model exists, else rules), or codebook: from the "
                         "codes' descriptions and examples, no coding needed.")] = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """Apply the codebook's rules (and the learned model) to respondent turns as
    suggestions to review.

    Re-running replaces only unreviewed suggestions; reviewed ones and manual codings stay.
    In Python: project.autocode()
    """
    proj = get_project(ctx)
    for lost in proj.lost_codes():  # said before the run replaces their suggestions
        info(f"warning: {lost.message}")
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
        "--source", help="Only suggestions from rules, model, codebook or search "
                         "(qualcode search --code-as).")] = None,
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


memo_app = make_app("Write, edit, link and read memos on codes, documents, cases, codings "
                    "and the project (the research journal).")


def _target(code_: str | None, document: str | None, case: str | None,
            coding: int | None, project: bool = False) -> tuple[str | None, str | None]:
    given = [(k, v) for k, v in (("code", code_), ("document", document), ("case", case),
                                 ("coding", coding)) if v is not None]
    if project:
        given.append(("project", None))
    if len(given) > 1:
        from qualcode.errors import UsageError

        raise UsageError("give one of --project, --code, --document, --case or --coding")
    if not given:
        return None, None
    kind, value = given[0]
    return kind, None if value is None else str(value)


MemoCode = Annotated[str | None, typer.Option("--code", help="On this code.")]
MemoDoc = Annotated[str | None, typer.Option("--document", help="On this document.")]
MemoCase = Annotated[str | None, typer.Option("--case", help="On this case (respondent).")]
MemoCoding = Annotated[int | None, typer.Option("--coding", help="On this coding id.")]
LinkOpt = Annotated[list[str] | None, typer.Option(
    "--link", help="Link to a memo (MEMO_ID or memo:ID) or a coding (coding:ID); "
                   "repeatable.")]


@memo_app.command("add")
def memo_add(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="The memo.")],
    project: Annotated[bool, typer.Option("--project", help="On the whole project: a "
                                                            "research journal entry.")]
    = False,
    on_code: MemoCode = None,
    document: MemoDoc = None,
    case: MemoCase = None,
    coding: MemoCoding = None,
    link: LinkOpt = None,
) -> None:
    """Write a memo on the project (the journal), a code, document, case or coding, by
    the current coder, optionally linked to other memos and codings.

    In Python: project.memo("code", "trust_gap", "text", links=["coding:12"])
    """
    kind, target = _target(on_code, document, case, coding, project)
    if kind is None:
        from qualcode.errors import UsageError

        raise UsageError("say what the memo is on: --project, --code, --document, --case "
                         "or --coding")
    proj = get_project(ctx)
    mid = proj.memo(kind, target, text, links=link)
    where = "the project journal" if kind == "project" else f"{kind} {target}"
    info(f"memo #{mid} on {where}" + (f", linked to {', '.join(link)}" if link else ""))


@memo_app.command("edit")
def memo_edit(
    ctx: typer.Context,
    memo_id: Annotated[int, typer.Argument(help="The memo's id (see qualcode memo list).")],
    text: Annotated[str, typer.Argument(help="The new text.")],
) -> None:
    """Give one of your memos a new text. The earlier text is kept (memo show ID, memo list
    --history): a memo's history is never lost.

    In Python: project.memo_edit(3, "new text")
    """
    get_project(ctx).memo_edit(memo_id, text)
    info(f"memo #{memo_id} edited (the earlier text is kept: qualcode memo show {memo_id})")


@memo_app.command("link")
def memo_link(
    ctx: typer.Context,
    memo_id: Annotated[int, typer.Argument(help="The memo's id.")],
    to: Annotated[list[str], typer.Option("--to", help="A memo (MEMO_ID or memo:ID) or a "
                                                       "coding (coding:ID); repeatable.")],
) -> None:
    """Link a memo to other memos and to codings.

    In Python: project.memo_link(3, ["memo:1", "coding:12"])
    """
    n = get_project(ctx).memo_link(memo_id, to)
    info(f"memo #{memo_id}: {n} new link(s)" + ("" if n == len(to) else
                                                 f", {len(to) - n} already there"))


@memo_app.command("show")
def memo_show(
    ctx: typer.Context,
    memo_id: Annotated[int, typer.Argument(help="The memo's id.")],
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """Show a memo with its history (every earlier text, oldest first), its links and the
    memos that link to it.

    In Python: project.memo_show(3)
    """
    d = get_project(ctx).memo_show(memo_id)
    where = "project" if d["on"] == "project" else f"{d['on']} {d['target']}"
    rows = [{"part": f"earlier text {h['version']}", "by": h["coder"], "at": h["at"],
             "text": h["memo"]} for h in d["history"]]
    rows.append({"part": "memo" + (" (edited)" if d["edited_at"] else ""),
                 "by": d["edited_by"] or d["coder"], "at": d["edited_at"] or d["at"],
                 "text": d["memo"]})
    if d["about"]:
        rows.append({"part": "note", "by": "", "at": "", "text": d["about"]})
    for lk in d["link_details"]:
        text = lk["text"] or ""
        if lk["about"]:
            text = f"{text} ({lk['about']})".strip()
        rows.append({"part": f"links to {lk['to']} {lk['target']}", "by": lk["coder"],
                     "at": lk["at"], "text": text})
    rows += [{"part": f"linked from memo {b}", "by": "", "at": "", "text": ""}
             for b in d["linked_from"]]
    emit(rows, fmt, output, title=f"Memo #{memo_id} on {where}, by {d['coder']}")


@memo_app.command("list")
def memo_list(
    ctx: typer.Context,
    on: Annotated[str | None, typer.Option(
        "--on", help="Only memos on this kind of target: project, code, document, case or "
                     "coding.")] = None,
    target: Annotated[str | None, typer.Option(
        "--target", help="With --on: only memos on this target id.")] = None,
    on_code: Annotated[list[str] | None, typer.Option(
        "--code", help="Memos about this code: on it, its sub-codes or their codings "
                       "(repeatable).")] = None,
    document: Annotated[list[str] | None, typer.Option(
        "--document", help="Memos on this document or a coding in it (repeatable).")]
    = None,
    case: Annotated[list[str] | None, typer.Option(
        "--case", help="Memos on this case, a document of it or a coding of its speech "
                       "(repeatable).")] = None,
    coding: MemoCoding = None,
    author: Annotated[list[str] | None, typer.Option(
        "--author", help="Only memos written or edited by this coder (repeatable).")]
    = None,
    since: Annotated[str | None, typer.Option(
        "--since", help="Written or edited on or after this day (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(
        "--until", help="Written or edited on or before this day (YYYY-MM-DD).")] = None,
    history: Annotated[bool, typer.Option(
        "--history", help="Every text each memo has had, one row each, oldest first.")]
    = False,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """List memos, oldest first: all, or filtered by what they are on, code, document,
    case, author and date.

    In Python: project.memos(code=["trust_gap"], since="2024-01-01")
    """
    if coding is not None:
        if on not in (None, "coding") or target is not None:
            from qualcode.errors import UsageError

            raise UsageError("give --coding ID, or --on and --target, not both")
        on, target = "coding", str(coding)
    if target is not None and on is None:
        from qualcode.errors import UsageError

        raise UsageError("--target needs --on (project, code, document, case or coding)")
    df = get_project(ctx).memos(on, target, author=author, code=on_code, document=document,
                                case=case, since=since, until=until, history=history)
    if df.empty:
        info("no memo matches these filters" if any(
            v for v in (on, on_code, document, case, author, since, until)) else
            "no memos yet - write one with qualcode memo add")
        if fmt == Format.table and output is None:
            return
    emit(df, fmt, output, title="Memo history" if history else "Memos")


def register(app: typer.Typer) -> None:
    app.command("autocode")(autocode)
    app.command("review")(review)
    app.command("code")(code)
    app.command("uncode")(uncode)
    app.command("resolve")(resolve)
    app.add_typer(memo_app, name="memo")
