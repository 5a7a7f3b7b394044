"""Position units of the producing tools -> offsets into the normalised text."""

from __future__ import annotations

import pytest

from qualcode.refi.positions import TextMap, best_unit
from qualcode.refi.read import quote_matches

# CRLF, an emoji (2 UTF-16 units) and a decomposed é (e + U+0301) before "trust"
RAW = "Ligne 1\r\nJ'ai 🙂 confiance, the\u0301 trust.\r\n"


def utf16(i: int, lf: bool = False) -> int:
    """Independent count: UTF-16 units of RAW[:i] (optionally with CRLF as one)."""
    head = RAW[:i].replace("\r\n", "\n") if lf else RAW[:i]
    return len(head.encode("utf-16-le")) // 2


@pytest.mark.parametrize("unit, start", [("cp", 32), ("cp-lf", 31), ("utf16", 33),
                                         ("utf16-lf", 32)])
def test_each_unit_lands_on_the_same_word(unit: str, start: int) -> None:
    tm = TextMap(RAW)
    assert tm.text == "Ligne 1\nJ'ai 🙂 confiance, thé trust.\n"
    a, b = tm.to_index(start, unit), tm.to_index(start + 5, unit, end=True)
    assert tm.text[a[0]:b[0]] == "trust" and a[1] and b[1]


def test_positions_inside_a_character_widen_and_outside_is_none() -> None:
    tm = TextMap(RAW)
    inside_emoji = RAW.index("🙂") + 1  # utf16: the low surrogate
    assert tm.to_index(inside_emoji, "utf16") == (RAW.index("🙂") - 1, False)
    assert tm.to_index(inside_emoji, "utf16", end=True) == (RAW.index("🙂"), False)
    assert tm.to_index(tm.length("utf16") + 1, "utf16") is None
    assert tm.to_index(-1, "cp") is None


def test_the_unit_that_fits_the_quotes_wins_over_the_prior() -> None:
    tm = TextMap(RAW)
    sels = [(utf16(RAW.index(w)), utf16(RAW.index(w) + len(w)), w)
            for w in ("trust", "confiance", "ai 🙂", "Ligne")]
    assert best_unit(tm, sels, "cp", quote_matches)[0] == "utf16"
    assert best_unit(tm, sels[:1], "cp", quote_matches)[0] == "cp"  # one quote: no switch


def test_quote_matching_forgives_white_space_and_truncation() -> None:
    assert quote_matches("I did try\n  it", "I did try it")
    assert quote_matches("For some reason babies…", "For some reason babies aren't")
    assert not quote_matches("trust", "trusts")
