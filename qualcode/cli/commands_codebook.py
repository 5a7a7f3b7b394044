"""`qualcode codebook rename|merge|move|split|retire|assign|queue|undo|history|diff`: change the
codebook without losing a coding (qualcode.codebook_changes)."""

from __future__ import annotations

from typing import Annotated

import typer

from qualcode.cli.output import Format, FormatOpt, OutputOpt, emit, info
from qualcode.cli.state import project as get_project

Name = Annotated[str | None, typer.Option("--name", help="The code's new name.")]


def _done(change) -> None:  # noqa: ANN001 - a codebook_changes.Change
    info(change.message + (f" ({', '.join(change.files)})" if change.files else ""))


def rename(
    ctx: typer.Context,
    old: Annotated[str, typer.Argument(help="The code's id.")],
    new: Annotated[str, typer.Argument(help="Its new id (the same id to change only --name).")],
    name: Name = None,
) -> None:
    """Rename a code: its id in the YAML (comments and layout kept), and every coding,
    review decision, memo and learned-model label with it, in one transaction.

    Undo with qualcode codebook undo. In Python: project.rename_code(old, new, name=...)
    """
    _done(get_project(ctx).rename_code(old, new, name))


def merge(
    ctx: typer.Context,
    codes: Annotated[list[str], typer.Argument(help="The codes to merge.")],
    into: Annotated[str, typer.Option("--into", help="The code they become: one of them, "
                                                     "another code, or a new id.")],
    name: Name = None,
) -> None:
    """Merge codes into one: codings, memos, rules, examples and sub-codes move to it; two
    codings of one coder on the same span become one (its memos kept).

    Undo with qualcode codebook undo. In Python: project.merge_codes([...], into)
    """
    _done(get_project(ctx).merge_codes(codes, into, name))


def move(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="The code to move (with its sub-codes).")],
    under: Annotated[str | None, typer.Option("--under", help="Its new parent.")] = None,
    top: Annotated[bool, typer.Option("--top", help="Make it a theme (top level).")] = False,
) -> None:
    """Move a code under another code, or to the top level.

    Undo with qualcode codebook undo. In Python: project.move_code(code, under=...)
    """
    _done(get_project(ctx).move_code(code, under, top))


def split(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="The code to split.")],
    into: Annotated[str, typer.Option("--into", help="New sub-codes, comma-separated: X,Y.")],
    names: Annotated[str | None, typer.Option(
        "--names", help="Their names, comma-separated, in the same order.")] = None,
) -> None:
    """Split a code into new sub-codes. Its codings stay on it until a person assigns
    each (qualcode codebook queue CODE lists them; assign ID... --to X moves them, or
    sort them in the browser).

    In Python: project.split_code(code, ["x", "y"])
    """
    _done(get_project(ctx).split_code(code, into.split(","),
                                      names.split(",") if names else None))


def retire(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="The code to retire or restore.")],
    restore: Annotated[bool, typer.Option("--restore", help="Bring a retired code back.")]
    = False,
) -> None:
    """Retire a code: kept in the codebook with its codings, but left out of counts,
    suggestions and the browser's palette. --restore brings it back.

    In Python: project.retire_code(code, restore=False)
    """
    _done(get_project(ctx).retire_code(code, restore))


def assign(
    ctx: typer.Context,
    ids: Annotated[list[int], typer.Argument(help="Coding ids (qualcode codebook queue).")],
    to: Annotated[str, typer.Option("--to", help="The code they go to.")],
) -> None:
    """Move codings to a code: sort a split code's codings into its parts.

    Undo with qualcode codebook undo. In Python: project.assign_codings([...], code)
    """
    _done(get_project(ctx).assign_codings(ids, to))


def queue(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="A (split) code.")],
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """The codings directly on a code, waiting to be assigned to its sub-codes.

    In Python: project.codebook_queue(code)
    """
    df = get_project(ctx).codebook_queue(code)
    if df.empty:
        info(f"no coding waits on {code}: every coding is on a sub-code")
        return
    cols = ["id", "document", "case", "speaker", "text", "coder", "status"]
    emit(df[[c for c in cols if c in df]], fmt, output,
         title=f"{len(df)} coding(s) of {code} to assign")


def undo(ctx: typer.Context) -> None:
    """Undo the last codebook change (rename, merge, move, split, retire, assign): the
    YAML files as they were, and every coding, decision and memo back on its id.

    In Python: project.undo_codebook()
    """
    _done(get_project(ctx).undo_codebook())


def history(
    ctx: typer.Context,
    code: Annotated[str | None, typer.Argument(help="One code (default: every change).")]
    = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """The codebook's change log: when, who, what, how many codings each change touched.

    In Python: project.codebook_history(code)
    """
    df = get_project(ctx).codebook_history(code)
    if df.empty:
        info("no codebook change recorded yet" + (f" for {code}" if code else ""))
        return
    emit(df, fmt, output, title="Codebook changes")


def diff(
    ctx: typer.Context,
    old: Annotated[str | None, typer.Argument(
        help="A git revision (HEAD, a tag, a commit), a codebook folder, a YAML file or a "
             ".qdc (default: HEAD).")] = None,
    new: Annotated[str | None, typer.Argument(
        help="The same kinds (default: the codebook files as they are now).")] = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """What changed in the codebook: codes added, removed, renamed (matched by the audit
    trail, a GUID or their content), moved and edited, with the codings each touches.

    In Python: project.codebook_diff("HEAD~3")
    """
    df = get_project(ctx).codebook_diff(old, new)
    if df.empty:
        info(f"no change between {old or 'HEAD'} and {new or 'the working tree'}")
        return
    emit(df, fmt, output, title=f"Codebook: {old or 'HEAD'} -> {new or 'now'}")


def register(app: typer.Typer) -> None:
    """Add these commands to the `codebook` group."""
    for name, fn in (("rename", rename), ("merge", merge), ("move", move), ("split", split),
                     ("retire", retire), ("assign", assign), ("queue", queue),
                     ("undo", undo), ("history", history), ("diff", diff)):
        app.command(name)(fn)
