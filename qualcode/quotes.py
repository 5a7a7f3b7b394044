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
    """The passage of text most like the quote (for 'not found' messages)."""
    n = len(quote)
    if not text or not n:
        return None
    step = max(1, n // 4)
    best, best_ratio = None, 0.0
    q = quote.lower()
    for i in range(0, max(1, len(text) - n + 1), step):
        cand = text[i : i + n]
        r = difflib.SequenceMatcher(None, q, cand.lower(), autojunk=False).quick_ratio()
        if r > best_ratio:
            ratio = difflib.SequenceMatcher(None, q, cand.lower(), autojunk=False).ratio()
            if ratio > best_ratio:
                best, best_ratio = cand, ratio
    return " ".join(best.split()) if best and best_ratio >= 0.5 else None


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
