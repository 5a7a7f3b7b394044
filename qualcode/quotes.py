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


CLOSEST_MIN_RATIO = 0.3
CLOSEST_WIDTH = 80


def closest_passage(text: str, quote: str) -> str | None:
    """The run of words in text most like the quote (for 'not found' messages), or None
    when nothing is even remotely similar; long passages are shortened to about 80
    characters. Windows of the quote's length in words and up to 50% longer (words
    inserted since) are ranked by how many of the quote's words they hold (linear in
    the text), and the best few compared with difflib's ratio; a longer window only
    wins with a better ratio."""
    import heapq

    spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    size = len(quote.split())
    if not spans or not size:
        return None
    q = " ".join(quote.split()).lower()
    wanted = {_word(w) for w in quote.split()}
    hit = [1 if _word(text[a:b]) in wanted else 0 for a, b in spans]
    best, best_ratio = None, 0.0
    for width in sorted({size + round(k * size / 10) for k in range(6)}):
        width = min(width, len(spans))
        score = sum(hit[:width])
        scores = [score]
        for i in range(1, len(spans) - width + 1):
            score += hit[i + width - 1] - hit[i - 1]
            scores.append(score)
        for i in heapq.nlargest(12, range(len(scores)), key=scores.__getitem__):
            cand = " ".join(text[spans[i][0]:spans[i + width - 1][1]].split())
            matcher = difflib.SequenceMatcher(None, q, cand.lower(), autojunk=False)
            if matcher.quick_ratio() <= best_ratio:
                continue
            ratio = matcher.ratio()
            if ratio > best_ratio or (ratio == best_ratio and best is not None
                                      and len(cand) < len(best)):
                best, best_ratio = cand, ratio
    if best is None or best_ratio < CLOSEST_MIN_RATIO:
        return None
    return shorten(best)


def _word(token: str) -> str:
    return token.strip(".,;:!?…\"'“”«»()[]").lower()


def shorten(passage: str, width: int = CLOSEST_WIDTH) -> str:
    """A passage cut to about `width` characters at a word boundary, with an ellipsis."""
    if len(passage) <= width:
        return passage
    cut = passage[: width - 1]
    if " " in cut[width // 2:]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "…"


DEFAULT_HINT = "--occurrence N or --span START:END"


def locate(text: str, quote: str, occurrence: int | None, where: str,
           hint: str | None = None) -> tuple[int, int]:
    """The one span a quote designates; a clear error when it is missing or ambiguous.
    `hint` says how the caller picks one occurrence (default: the command-line options;
    a coder CSV says its occurrence column)."""
    hits = find_quote(text, quote)
    if not hits:
        near = closest_passage(text, quote)
        found = (f" - closest passage: \"{near}\"" if near else
                 " and no passage is close to it - check the document and the quote")
        raise CodingError(f"{where}: quote not found{found}")
    if occurrence is not None:
        if not 1 <= occurrence <= len(hits):
            raise CodingError(f"{where}: occurrence {occurrence} is out of range (the quote "
                              f"occurs {len(hits)} time(s))")
        return hits[occurrence - 1]
    if len(hits) > 1:
        listing = "; ".join(
            f"{i}: [{s}:{e}] \"{context(text, s, e, 25)}\"" for i, (s, e) in enumerate(hits, 1)
        )
        raise CodingError(f"{where}: quote occurs {len(hits)} times - pick one with "
                          f"{hint or DEFAULT_HINT} ({listing})")
    return hits[0]
