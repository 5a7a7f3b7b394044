"""Find a quoted passage in a document: whitespace- and apostrophe-insensitive."""

from __future__ import annotations

import difflib
import re

from qualcode.errors import CodingError

_EQUIV = {"'": "['’‘]", "’": "['’‘]", "‘": "['’‘]", '"': "[\"“”«»]", "“": "[\"“”«»]",
          "”": "[\"“”«»]", "«": "[\"“”«»]", "»": "[\"“”«»]", "-": "[-‐–—]", "–": "[-‐–—]",
          "—": "[-‐–—]", "…": r"(?:…|\.\.\.)"}


def quote_pattern(quote: str) -> re.Pattern[str]:
    """A regex matching the quote with any whitespace runs and typographic variants."""
    words = quote.strip().split()
    if not words:
        raise CodingError("empty quote - give the passage's text")
    parts = []
    for w in words:
        parts.append("".join(_EQUIV.get(ch, re.escape(ch)) for ch in w))
    return re.compile(r"\s+".join(parts), re.IGNORECASE)


def find_quote(text: str, quote: str) -> list[tuple[int, int]]:
    """Every (start, end) where the quote occurs in text."""
    return [(m.start(), m.end()) for m in quote_pattern(quote).finditer(text)]


def context(text: str, start: int, end: int, width: int = 40) -> str:
    """A one-line excerpt around a span, for messages."""
    a, b = max(0, start - width), min(len(text), end + width)
    s = ("…" if a else "") + text[a:b] + ("…" if b < len(text) else "")
    return " ".join(s.split())


def closest_passage(text: str, quote: str) -> str | None:
    """The run of words in text most like the quote (for 'not found' messages)."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    size = len(quote.split())
    if not words or not size:
        return None
    q = " ".join(quote.split()).lower()
    best, best_ratio = None, 0.0
    for width in (size,):
        for i in range(0, max(1, len(words) - width + 1)):
            a, b = words[i][0], words[min(i + width, len(words)) - 1][1]
            cand = " ".join(text[a:b].split())
            matcher = difflib.SequenceMatcher(None, q, cand.lower(), autojunk=False)
            if matcher.quick_ratio() <= best_ratio:
                continue
            ratio = matcher.ratio()
            if ratio > best_ratio:
                best, best_ratio = cand, ratio
    return best if best_ratio >= 0.5 else None


def locate(text: str, quote: str, occurrence: int | None, where: str) -> tuple[int, int]:
    """The one span a quote designates; a clear error when it is missing or ambiguous."""
    hits = find_quote(text, quote)
    if not hits:
        near = closest_passage(text, quote)
        hint = f" - closest passage: \"{near}\"" if near else ""
        raise CodingError(f"{where}: quote not found{hint}")
    if occurrence is not None:
        if not 1 <= occurrence <= len(hits):
            raise CodingError(f"{where}: --occurrence {occurrence} out of range (the quote "
                              f"occurs {len(hits)} time(s))")
        return hits[occurrence - 1]
    if len(hits) > 1:
        listing = "; ".join(
            f"{i}: [{s}:{e}] \"{context(text, s, e, 25)}\"" for i, (s, e) in enumerate(hits, 1)
        )
        raise CodingError(f"{where}: quote occurs {len(hits)} times - pick one with "
                          f"--occurrence N or --span START:END ({listing})")
    return hits[0]
