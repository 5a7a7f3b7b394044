"""A rich progress bar behind a plain callback, shown only for long work on a terminal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def progress_bar(description: str, min_total: int = 20) -> Iterator[Callable[[int, int, str],
                                                                              None]]:
    """Yield a callback (done, total, label); the bar appears once total >= min_total.

    The label is never shown: it may name a file, and a bar line must never carry
    transcript text.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from qualcode.cli.output import console

    bar = Progress("[progress.description]{task.description}", BarColumn(),
                   MofNCompleteColumn(), TimeRemainingColumn(), console=console(stderr=True),
                   transient=True)
    task = None

    def update(done: int, total: int, _label: str) -> None:
        nonlocal task
        if total < min_total:
            return
        if task is None:
            bar.start()
            task = bar.add_task(description, total=total)
        bar.update(task, completed=done)

    try:
        yield update
    finally:
        if task is not None:
            bar.stop()
