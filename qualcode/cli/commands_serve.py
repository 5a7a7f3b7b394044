"""`qualcode serve`: the browser coding workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qualcode.cli.state import project as get_project


def serve(
    ctx: typer.Context,
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8765,
    host: Annotated[str, typer.Option(
        "--host", help="Address to bind. Anything but 127.0.0.1/localhost needs --tokens.")
    ] = "127.0.0.1",
    open_browser: Annotated[bool, typer.Option("--open", help="Open the workspace in the "
                                                              "default browser.")] = False,
    tokens: Annotated[Path | None, typer.Option(
        "--tokens", help="Sign-in tokens, one 'CODER TOKEN' per line; each coder signs in "
                         "with their token and acts under their name.")] = None,
) -> None:
    """Read, code and review in the browser: a local web workspace on 127.0.0.1.

    Every action is committed before the page shows it, under your coder name (--coder,
    or a name chosen on first visit). Several browsers and several serve processes on one
    PostgreSQL store work together; changes appear in the others within seconds.
    In Python: qualcode.server.launch.serve(project)
    """
    from qualcode.server.launch import serve as run

    run(get_project(ctx), host=host, port=port, open_browser=open_browser, tokens=tokens)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
