"""What a report covers: grouping attributes, filters, coders, pseudonymization."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

# respondent columns that are not attributes
NOT_ATTRIBUTES = ("unit", "document", "case", "words")
# front-matter keys that hold a person's name (their values are hidden by --pseudonymize)
_NAME_KEY = re.compile(r"(?:^|_)(?:(?:full|first|last|given|family|sur)?_?names?|interviewee"
                       r"|interviewer|participant|person|e?mail|phone)(?:$|_)", re.IGNORECASE)
MAX_GROUPS = 8
MIN_MEAN_GROUP = 5


@dataclass
class ReportOptions:
    """The choices behind one report; `by` entries are attributes, a comma joins
    attributes into crossed groups ("origin,rank")."""

    by: list[str] = field(default_factory=list)
    where: list[str] = field(default_factory=list)
    include_suggestions: bool = False
    coders: list[str] | None = None
    pseudonymize: bool = False
    include_missing: bool = False  # respondents without a value compared as a group
    no_memos: bool = False  # leave the Memos section out

    def analysis(self) -> dict:
        """Keyword options shared by summary, compare, cooccur and excerpts."""
        return {"include_suggestions": self.include_suggestions, "coders": self.coders}

    def groupings(self) -> list[list[str]]:
        """Each `by` entry as a list of attributes."""
        return [[a.strip() for a in b.split(",") if a.strip()] for b in self.by]


def is_name_attribute(key: str) -> bool:
    """Whether an attribute key looks like it holds a person's name or contact."""
    return bool(_NAME_KEY.search(key))


def attributes(units: pd.DataFrame) -> list[str]:
    """The respondents' attribute columns, in their order."""
    return [c for c in units.columns if c not in NOT_ATTRIBUTES]


def identifying(units: pd.DataFrame) -> list[str]:
    """Attributes that single people out, never chosen as default groups: name-like keys,
    or a distinct value for every respondent (with at least three respondents)."""
    out = []
    for a in attributes(units):
        values = units[a].astype(str)
        unique_each = len(units) >= 3 and values.nunique() == len(units)
        if is_name_attribute(a) or unique_each:
            out.append(a)
    return out


def default_by(units: pd.DataFrame, order: dict[str, list[str]]) -> list[str]:
    """Grouping attributes when none are given: the ordered ones (qualcode.toml [order])
    first, then every other attribute with 2 to 8 groups averaging at least 5
    respondents; never an identifying attribute."""
    hidden = set(identifying(units))
    chosen = [a for a in order if a in units.columns and a not in hidden
              and units[a].nunique() >= 2]
    for a in attributes(units):
        k = units[a].nunique()
        if a in chosen or a in hidden or not 2 <= k <= MAX_GROUPS:
            continue
        if len(units) / k >= MIN_MEAN_GROUP:
            chosen.append(a)
    return chosen
