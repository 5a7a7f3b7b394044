"""`qualcode`: the Typer application, its global options and error handling."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from qualcode.cli.state import State
from qualcode.errors import QualcodeError


class QualcodeGroup(TyperGroup):
    """Turns a domain error into one line on stderr and exit status 1."""

    def invoke(self, ctx):  # noqa: ANN001, ANN201
        try:
            return super().invoke(ctx)
        except QualcodeError as exc:
            fail(str(exc))
        except KeyboardInterrupt:
            fail("interrupted - everything committed before is kept")


def fail(message: str) -> None:
    """Print `Error: message` as one line on stderr and exit with status 1."""
    one_line = " ".join(str(message).split())
    print(f"Error: {one_line}", file=sys.stderr)
    raise typer.Exit(1)


def make_app(help: str) -> typer.Typer:
    return typer.Typer(cls=QualcodeGroup, help=help, no_args_is_help=True,
                       rich_markup_mode=None, pretty_exceptions_enable=False,
                       add_completion=False)


app = make_app("Code qualitative interviews: codebook, transcripts, coding, comparison.")


@app.callback()
def _globals(
    ctx: typer.Context,
    project: Annotated[Path | None, typer.Option(
        "--project", "-p", envvar="QUALCODE_PROJECT",
        help="Project folder (default: the current folder or the nearest parent project).",
        show_envvar=True)] = None,
    db: Annotated[str | None, typer.Option(
        "--db", envvar="QUALCODE_DB", show_envvar=True,
        help="Store URL: sqlite:///PATH or postgresql://USER@HOST/DB "
             "(default: qualcode.toml, else .qualcode/qualcode.db).")] = None,
    coder: Annotated[str | None, typer.Option(
        "--coder", envvar="QUALCODE_CODER", show_envvar=True,
        help="Your coder name, recorded with everything you code or decide.")] = None,
) -> None:
    """Code qualitative interviews: codebook, transcripts, coding, comparison."""
    ctx.obj = State(project_dir=project, db=db, coder=coder)
    ctx.call_on_close(ctx.obj.close)


def _register() -> None:
    from qualcode.cli import (
        commands_analysis,
        commands_coding,
        commands_learn,
        commands_project,
        commands_report,
        commands_saturation,
        commands_search,
        commands_serve,
    )

    for module in (commands_project, commands_coding, commands_analysis,
                   commands_saturation, commands_learn, commands_report, commands_serve,
                   commands_search):
        module.register(app)


_register()


def main() -> None:
    """Console-script entry point. A usage mistake is one line and exit status 2; an
    unexpected error prints one line, not a traceback (tracebacks can carry transcript
    text); QUALCODE_DEBUG=1 shows it."""
    try:
        code = app(standalone_mode=False, prog_name="qualcode")
    except typer.Abort:
        print("Error: interrupted - everything committed before is kept", file=sys.stderr)
        sys.exit(1)
    except typer.TyperException as exc:  # click's usage errors, as typer ships them
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
            print(ctx.get_help())
            sys.exit(0)
        message = " ".join(exc.format_message().split())
        hint = f" - see {ctx.command_path} --help" if ctx is not None else ""
        print(f"Error: {message}{hint}", file=sys.stderr)
        sys.exit(getattr(exc, "exit_code", 2))
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001
        if os.environ.get("QUALCODE_DEBUG"):
            raise
        print(f"Error: unexpected {type(exc).__name__} - please report it "
              "(QUALCODE_DEBUG=1 shows the traceback)", file=sys.stderr)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
