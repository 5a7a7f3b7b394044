"""The one place where browser positions meet store offsets.

The store counts code points (Python string indices); JavaScript strings, and so
every DOM selection, count UTF-16 code units: a character outside the Basic
Multilingual Plane (most emoji) is one code point but two units. An `Offsets` object
built once per document text converts both ways in O(log n).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

_WORD = re.compile(r"\w")


class Offsets:
    """Converts positions in one text between code points and UTF-16 units."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF]
        # UTF-16 position just after the k-th astral character
        self._ends16 = [i + k + 2 for k, i in enumerate(self._astral)]
        self.length16 = len(text) + len(self._astral)

    def to_utf16(self, pos: int) -> int:
        """Code point index -> UTF-16 index."""
        if not 0 <= pos <= len(self.text):
            raise ValueError(f"position {pos} is outside the text (0-{len(self.text)})")
        return pos + bisect_left(self._astral, pos)

    def to_codepoint(self, pos16: int) -> int:
        """UTF-16 index -> code point index; a position inside a surrogate pair moves to
        the start of its character."""
        if not 0 <= pos16 <= self.length16:
            raise ValueError(f"position {pos16} is outside the text (0-{self.length16})")
        n = bisect_right(self._ends16, pos16)
        if n < len(self._astral) and pos16 == self._astral[n] + n + 1:
            return self._astral[n]
        return pos16 - n


def snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a span (code points) to whole words and trim surrounding white space.

    A selection that starts or ends inside a word takes the whole word; a span of
    only white space stays empty (start == end)."""
    start, end = max(0, start), min(len(text), end)
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        return start, end
    while start > 0 and _WORD.match(text[start - 1]) and _WORD.match(text[start]):
        start -= 1
    while end < len(text) and _WORD.match(text[end]) and _WORD.match(text[end - 1]):
        end += 1
    return start, end
