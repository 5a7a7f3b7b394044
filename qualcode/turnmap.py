"""Which turn, speaker, case and respondent unit a text offset falls in (pure)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable

# offset -> (speaker, case id, unit id)
Locator = Callable[[int], tuple[str | None, str | None, int | None]]


def locator(turns: list[tuple[int, int, str | None, str | None]],
            units: dict[str, int] | None = None) -> Locator:
    """From (start, end, speaker, case) turns and case -> unit ids, a function
    offset -> (speaker, case, unit).

    An offset inside a turn's speech belongs to it; one in a label (between two turns'
    speech) belongs to the turn that follows; others to no one."""
    turns = sorted(turns)
    starts = [x[0] for x in turns]
    units = units or {}

    def place(k: int) -> tuple[str | None, str | None, int | None]:
        speaker, case = turns[k][2], turns[k][3]
        return speaker, case, units.get(case) if case is not None else None

    def at(pos: int) -> tuple[str | None, str | None, int | None]:
        k = bisect_right(starts, pos) - 1
        if k >= 0 and pos < turns[k][1]:
            return place(k)
        if k + 1 < len(turns):
            return place(k + 1)
        return place(k) if k >= 0 and pos == turns[k][1] else (None, None, None)

    return at
