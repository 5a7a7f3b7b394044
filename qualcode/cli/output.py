"""Printing tables: rich in a terminal, or csv / json / markdown for other tools."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    markdown = "markdown"


FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.",
                                           case_sensitive=False)]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o",
                                                help="Write to FILE instead of the terminal.")]

_SUFFIX_FORMATS = {".csv": "csv", ".json": "json", ".md": "markdown", ".markdown": "markdown",
                   ".parquet": "parquet"}


# Tables sent to a pipe or a file are not cut to 80 columns ("Nigéri…"): they get the
# width they need, up to this (COLUMNS, when set, still wins).
PIPE_WIDTH = 4000


def console(stderr: bool = False, soft_wrap: bool = False, reading: bool = False
            ) -> Console:
    """A rich console. Sent to a pipe, tables get their full width (no "Nigéri…");
    `reading` consoles (passages to read, as in review) stay at 100 columns there."""
    import os

    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    is_tty = getattr(stream, "isatty", lambda: False)()
    width = None if is_tty or os.environ.get("COLUMNS") else (100 if reading
                                                               else PIPE_WIDTH)
    return Console(stderr=stderr, highlight=False, soft_wrap=soft_wrap, width=width)


def info(message: str) -> None:
    """A status line on stderr (stdout stays clean for data), never wrapped."""
    console(stderr=True, soft_wrap=True).print(message, markup=False)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:
            return ""
        return f"{value:.3f}" if abs(value) < 1000 else f"{value:,.0f}"
    from rich.markup import escape

    return escape(str(value))  # a cell is text: "[learn]" or "[sic]" is not markup


def emit(df: pd.DataFrame | list[dict[str, Any]], fmt: Format | str,
         output: Path | None = None, title: str | None = None,
         styles: dict[str, str] | None = None, caption: str | None = None) -> None:
    """Print or write a frame (or plain rows) in the chosen format (`-o` with table infers
    the format from the file's suffix)."""
    from qualcode.export import write_frame

    fmt = fmt.value if isinstance(fmt, Format) else fmt
    if output is not None:
        if fmt == "table":
            fmt = _SUFFIX_FORMATS.get(output.suffix.lower(), "csv")
        if fmt == "parquet" and isinstance(df, list):
            import pandas as pd

            df = pd.DataFrame(df)
        write_frame(df, fmt, output)
        info(f"wrote {len(df)} row(s) to {output}")
        return
    if fmt != "table":
        sys.stdout.write(write_frame(df, fmt, None) or "")
        return
    from rich.table import Table

    if isinstance(df, list):
        columns = list(df[0]) if df else []
        rows = [[r.get(c) for c in columns] for r in df]
    else:
        columns = [str(c) for c in df.columns]
        rows = list(df.itertuples(index=False))
    table = Table(title=title, caption=caption, show_lines=False)
    for i, col in enumerate(columns):
        numeric = bool(rows) and all(isinstance(r[i], int | float) or r[i] is None
                                     for r in rows)
        table.add_column(col, justify="right" if numeric else "left",
                         style=(styles or {}).get(col))
    for row in rows:
        table.add_row(*(_cell(v) for v in row))
    console().print(table)
