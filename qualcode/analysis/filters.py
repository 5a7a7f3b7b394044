"""A small, safe filter syntax for attributes: ATTR=VALUE, ATTR!=VALUE, ATTR=A,B.

Values match case- and accent-insensitively after trimming ("nigerien" matches
"Nigérien"); never eval, never DataFrame.query.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qualcode.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

_FILTER = re.compile(r"^\s*(?P<attr>[^=!\s][^=!]*?)\s*(?P<op>!=|=)\s*(?P<values>.*?)\s*$")


@dataclass(frozen=True)
class Filter:
    attr: str
    negate: bool
    values: tuple[str, ...]


def fold(value: object) -> str:
    """Case- and accent-insensitive form of a value."""
    text = unicodedata.normalize("NFKD", str(value))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold().strip()


def parse_filter(expr: str) -> Filter:
    m = _FILTER.match(expr)
    if not m or not m.group("values"):
        raise UsageError(f"bad filter {expr!r} - use ATTR=VALUE, ATTR!=VALUE or ATTR=A,B")
    values = tuple(v.strip() for v in m.group("values").split(",") if v.strip())
    return Filter(m.group("attr").strip(), m.group("op") == "!=", values)


def apply_filters(df: pd.DataFrame, exprs: list[str] | None,
                  universe: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rows of df matching every filter. An unknown attribute, or a value no row of
    `universe` (default: df) has, is an error naming the known ones - a typo never
    gives an empty table."""
    universe = df if universe is None else universe
    for expr in exprs or []:
        f = parse_filter(expr)
        if f.attr not in df.columns or f.attr == "unit":
            known = ", ".join(sorted(c for c in df.columns if c not in ("unit", "words")))
            raise UsageError(f"unknown attribute {f.attr!r} in filter - known: {known}")
        if f.attr in universe.columns:
            have = {fold(v): v for v in universe[f.attr].dropna().unique()}
            unknown = [v for v in f.values if fold(v) not in have]
            if unknown:
                shown = ", ".join(sorted(map(str, have.values()))[:20])
                raise UsageError(f"no respondent has {f.attr}={','.join(unknown)} - values "
                                 f"of {f.attr}: {shown}")
        wanted = {fold(v) for v in f.values}
        hit = df[f.attr].map(lambda v, w=wanted: v is not None and fold(v) in w)
        df = df[~hit] if f.negate else df[hit]
    return df
