"""Text positions: from the producing tool's unit to our offsets, and back.

A REFI source file is read as text with its BOM removed and its line ends kept (the
"raw" text); qualcode stores it normalised (CRLF/CR -> LF, NFC). Tools count positions
over the raw text in different units (FORMAT.md section 4):

- `cp`: code points, CRLF counted as two (the spec; MAXQDA, qc and others),
- `cp-lf`: code points, CRLF counted as one (ATLAS.ti),
- `utf16`: UTF-16 code units, CRLF as two (NVivo, Windows and Mac),
- `utf16-lf`: UTF-16 code units, CRLF as one (Qt-based tools such as QualCoder).

`TextMap` converts a position in any of these units to an index into the normalised
text. A position inside a surrogate pair, a CRLF or a composed character is not exact:
starts move back and ends move forward to the enclosing boundary.
"""

from __future__ import annotations

import unicodedata
from array import array
from bisect import bisect_left
from collections.abc import Callable
from itertools import accumulate

UNITS = ("cp", "cp-lf", "utf16", "utf16-lf")


def normalize(raw: str) -> str:
    """The stored form of a text (design section 2): no BOM, LF line ends, NFC."""
    text = raw.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


class TextMap:
    """Maps positions counted over `raw` (in one of UNITS) to indices into `text`."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.text = normalize(raw)
        self.simple = "\r" not in raw and raw.isascii() or (
            "\r" not in raw and not _has_astral(raw) and raw == self.text)
        self._norm: array | None = None  # raw boundary index -> normalised index
        self._cum: dict[str, array] = {}

    def length(self, unit: str) -> int:
        """The length of the raw text in `unit`."""
        if self.simple:
            return len(self.raw)
        return self._units(unit)[-1]

    def to_index(self, pos: int, unit: str, end: bool = False) -> tuple[int, bool] | None:
        """(index into the normalised text, exact?) for a position, or None when the
        position lies outside the text."""
        if pos < 0:
            return None
        if self.simple:
            return (pos, True) if pos <= len(self.raw) else None
        cum = self._units(unit)
        if pos > cum[-1]:
            return None
        i = bisect_left(cum, pos)
        exact = cum[i] == pos
        if not exact and not end:
            i -= 1
        norm = self._boundaries()
        return norm[i], exact and self._exact_boundary(i)

    def from_index(self, index: int) -> int:
        """A normalised-text index as a code-point position over LF text (what we
        write: the exported .txt is the normalised text itself)."""
        return index

    def _exact_boundary(self, i: int) -> bool:
        """False inside a CRLF pair (between CR and LF)."""
        return not (0 < i < len(self.raw) and self.raw[i - 1] == "\r" and self.raw[i] == "\n")

    def _units(self, unit: str) -> array:
        if unit not in UNITS:
            raise ValueError(f"unknown position unit {unit!r}")
        if unit not in self._cum:
            raw = self.raw
            wide = unit.startswith("utf16")
            lf = unit.endswith("-lf")
            n = len(raw)

            def width(i: int) -> int:
                ch = raw[i]
                if lf and ch == "\r" and i + 1 < n and raw[i + 1] == "\n":
                    return 0
                return 2 if wide and ord(ch) > 0xFFFF else 1

            self._cum[unit] = array("q", accumulate((width(i) for i in range(n)), initial=0))
        return self._cum[unit]

    def _boundaries(self) -> array:
        """For each raw boundary 0..len(raw), the normalised index it maps to."""
        if self._norm is None:
            self._norm = _norm_boundaries(self.raw, self.text)
        return self._norm


def _has_astral(s: str) -> bool:
    return any(ord(c) > 0xFFFF for c in s) if not s.isascii() else False


def _norm_boundaries(raw: str, text: str) -> array:
    # raw -> LF text: a CRLF pair is one character; a CR inside it maps before the LF
    lf_of = array("q", [0]) * (len(raw) + 1)
    k = 0
    i = 0
    n = len(raw)
    while i < n:
        lf_of[i] = k
        if raw[i] == "\r" and i + 1 < n and raw[i + 1] == "\n":
            lf_of[i + 1] = k
            i += 2
        else:
            i += 1
        k += 1
    lf_of[n] = k
    lf = raw.replace("\r\n", "\n").replace("\r", "\n")
    if lf == text:
        return lf_of
    nfc_of = _nfc_boundaries(lf, text)
    return array("q", (nfc_of[j] for j in lf_of))


def _nfc_boundaries(lf: str, text: str) -> array:
    """Index map from `lf` to its NFC form `text`, by composing clusters (a starter and
    the combining marks after it). Positions inside a cluster map to its start."""
    out = array("q", [0]) * (len(lf) + 1)
    starts = [i for i, ch in enumerate(lf) if i == 0 or _starter(ch)] + [len(lf)]
    k = 0
    pieces = []
    for a, b in zip(starts, starts[1:], strict=False):
        piece = unicodedata.normalize("NFC", lf[a:b])
        pieces.append(piece)
        for j in range(a, b):
            out[j] = k
        k += len(piece)
    out[len(lf)] = k
    if "".join(pieces) != text:  # pragma: no cover - exotic scripts (e.g. jamo)
        scale = len(text) / max(len(lf), 1)
        return array("q", (min(len(text), round(j * scale)) for j in range(len(lf) + 1)))
    return out


def _starter(ch: str) -> bool:
    return unicodedata.combining(ch) == 0 and not ("\u1160" <= ch <= "\u11ff")


def best_unit(tm: TextMap, selections: list[tuple[int, int, str | None]], prior: str,
              matches: Callable[[str, str], bool]) -> tuple[str, dict[str, int]]:
    """The unit that fits the selections best, `prior` unless another fits clearly better.

    Each selection is (start, end, quote-or-None). A quote, where the file gives one, must
    match the text; otherwise a fitting selection starts and ends on a non-blank
    character (FORMAT.md section 4)."""
    if tm.simple or not selections:
        return prior, {}
    scores: dict[str, int] = {}
    for unit in UNITS:
        score = 0
        for start, end, quote in selections:
            a, b = tm.to_index(start, unit), tm.to_index(end, unit, end=True)
            if a is None or b is None or b[0] < a[0]:
                continue
            seg = tm.text[a[0]:b[0]]
            if quote is not None:
                score += matches(quote, seg)
            else:
                core = seg.rstrip("\n")
                score += bool(core) and not core[0].isspace() and not core[-1].isspace()
        scores[unit] = score
    best = max(UNITS, key=lambda u: (scores[u], u == prior))
    margin = max(2, len(selections) // 10)
    if best != prior and scores[best] - scores[prior] >= margin:
        return best, scores
    return prior, scores
