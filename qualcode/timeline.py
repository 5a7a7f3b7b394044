"""Times in a recording: clock stamps, the start and end of each turn, and the time range
of a passage (a coding) derived from the turns or subtitle cues it spans.

A position inside a timed segment (a cue, else a turn) is placed by characters between
the segment's start and end time, and the result is marked approximate; a passage that
starts and ends exactly on segment boundaries is exact. See docs/formats.md."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

_CLOCK = re.compile(r"^\s*(?:(\d+):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?\s*$")


def parse_clock(stamp: str | None) -> float | None:
    """`00:12:31`, `12:31`, `00:12:31.250` or `00:12:31,250` as seconds (None if not a
    clock)."""
    if not stamp:
        return None
    m = _CLOCK.match(stamp)
    if m is None:
        return None
    h, mi, s, frac = m.groups()
    seconds = int(h or 0) * 3600 + int(mi) * 60 + int(s)
    if frac:
        seconds += int(frac) / 10 ** len(frac)
    return float(seconds)


def turn_end_times(starts: Sequence[float | None], duration: float | None
                   ) -> list[float | None]:
    """Each turn's end: the start of the next turn when that one is timed (and not
    earlier); the last timed turn ends with the recording (`duration`) when known."""
    out: list[float | None] = []
    n = len(starts)
    for i, s in enumerate(starts):
        if s is None:
            out.append(None)
        elif i + 1 < n:
            nxt = starts[i + 1]
            out.append(nxt if nxt is not None and nxt >= s else None)
        else:
            out.append(duration if duration is not None and duration >= s else None)
    return out


@dataclass(frozen=True)
class Segment:
    """A span of the text [start, end) spoken from t0 to t1 seconds (t1 None: unknown)."""

    start: int
    end: int
    t0: float
    t1: float | None


@dataclass(frozen=True)
class TimeRange:
    start_time: float | None
    end_time: float | None
    approximate: bool


UNKNOWN = TimeRange(None, None, False)


class Timeline:
    """The timed segments of one document, in text order."""

    def __init__(self, segments: Sequence[Segment]) -> None:
        self.segments = sorted(segments, key=lambda s: (s.start, s.end))
        self._starts = [s.start for s in self.segments]

    def __bool__(self) -> bool:
        return bool(self.segments)

    def _start(self, pos: int) -> tuple[float | None, bool]:
        """(seconds, exact) where a passage starting at `pos` starts; a start between
        segments snaps to the next segment's start."""
        segs = self.segments
        i = bisect.bisect_right(self._starts, pos) - 1
        if i >= 0 and pos < segs[i].end:
            seg = segs[i]
            if pos == seg.start:
                return seg.t0, True
            return self._inside(seg, pos), False
        if i + 1 < len(segs):
            return segs[i + 1].t0, False
        return None, False

    def _end(self, pos: int) -> tuple[float | None, bool]:
        """(seconds, exact) where a passage ending at `pos` (exclusive) ends; an end
        between segments snaps to the previous segment's end."""
        segs = self.segments
        i = bisect.bisect_left(self._starts, pos) - 1
        if i < 0:
            return None, False
        seg = segs[i]
        if pos == seg.end:
            return seg.t1, seg.t1 is not None
        if pos < seg.end:
            return self._inside(seg, pos), False
        return seg.t1, False

    @staticmethod
    def _inside(seg: Segment, pos: int) -> float | None:
        if seg.t1 is None or seg.end <= seg.start:
            return None
        return seg.t0 + (pos - seg.start) / (seg.end - seg.start) * (seg.t1 - seg.t0)

    def range(self, start: int, end: int) -> TimeRange:
        """The time range of the passage [start, end)."""
        if not self.segments:
            return UNKNOWN
        t0, exact0 = self._start(start)
        t1, exact1 = self._end(end)
        if t0 is None and t1 is None:
            return UNKNOWN
        if t0 is not None and t1 is not None and t1 < t0:
            t1 = t0
        return TimeRange(_round(t0), _round(t1), not (exact0 and exact1))


def _round(t: float | None) -> float | None:
    return None if t is None else round(t, 3)


def timeline(turns: Sequence[tuple[int, int, float | None, float | None]],
             cues: Sequence[tuple[int, int, float, float]] = ()) -> Timeline:
    """A document's timeline from its (start, end, start_time, end_time) turns, or from
    its subtitle cues when it has them (finer: a cue is a few seconds)."""
    if cues:
        return Timeline([Segment(s, e, t0, t1) for s, e, t0, t1 in cues])
    return Timeline([Segment(s, e, t0, t1) for s, e, t0, t1 in turns if t0 is not None])
