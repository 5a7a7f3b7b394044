"""`qualcode summary`: codes by attribute groups (tidy: one row per code and group)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qualcode.analysis.filters import apply_filters
from qualcode.analysis.units import check_attributes, code_list, count_units, with_units
from qualcode.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.codebook import Codebook

UNITS = ("respondent", "document", "segment")
VALUES = ("share", "count", "per1000")
ALL = "All"


def summary(
    respondents: pd.DataFrame,
    codings: pd.DataFrame,
    by: list[str] | None = None,
    unit: str = "respondent",
    value: str | None = None,
    codebook: Codebook | None = None,
    rollup: bool = True,
    codes: list[str] | None = None,
    where: list[str] | None = None,
    totals: bool = True,
) -> pd.DataFrame:
    """Codes x groups: columns code, one per `by` attribute, n, count, value.

    `respondents`: one row per respondent (document, case, words, attributes; `unit`
    optional); `codings`: the codings to count (code plus unit, or document and case;
    `segments` optional), already filtered to the coders and statuses wanted. With a
    codebook, codes come in its order and sub-codes roll up into their parents.

    unit=respondent (default): n respondents in the group, count those with at least one
    coding of the code, value their share. unit=document: the same for documents.
    unit=segment: count coded segments. value=per1000: segments per 1,000 words the
    group's respondents spoke. Totals over all groups come as rows whose group is "All".
    """
    import pandas as pd

    by = list(by or [])
    if unit not in UNITS:
        raise UsageError(f"unknown unit {unit!r} - use respondent, document or segment")
    value = value or ("count" if unit == "segment" else "share")
    if value not in VALUES:
        raise UsageError(f"unknown value {value!r} - use share, count or per1000")
    if unit == "segment" and value == "share":
        raise UsageError("share needs --unit respondent or document; segments take count or "
                         "per1000")
    respondents = with_units(respondents)
    coded = count_units(codings, respondents, codebook, rollup, codes)
    units = apply_filters(respondents, where)
    check_attributes(units, by)
    keep = ["unit", *[b for b in by if b not in ("document", "case")]]
    coded = coded.merge(units[keep], on="unit")
    order = code_list(codebook, coded.code.unique())
    wanted = [c for c in order if c in set(codes)] if codes else order
    frames = [_table(units, coded, by, unit, value, wanted)]
    if totals and by:
        frames.append(_table(units.assign(**{b: ALL for b in by}),
                             coded.assign(**{b: ALL for b in by}), by, unit, value, wanted))
    out = pd.concat(frames, ignore_index=True)
    rank = {c: i for i, c in enumerate(order)}
    out = out.sort_values(by=["code", *by], key=lambda s: s.map(rank) if s.name == "code"
                          else s.map(lambda v: (v == ALL, str(v))), kind="stable")
    return out.reset_index(drop=True)[["code", *by, "n", "count", "value"]]


def _table(units: pd.DataFrame, coded: pd.DataFrame, by: list[str], unit: str, value: str,
           codes: list[str]) -> pd.DataFrame:
    import pandas as pd

    keys = by or None
    key_id = "document" if unit == "document" else None
    if keys:
        n = (units.groupby(keys).document.nunique() if key_id else units.groupby(keys).size())
        words = units.groupby(keys).words.sum()
        groups = n.index
    else:
        n = pd.Series([units.document.nunique() if key_id else len(units)])
        words = pd.Series([units.words.sum()])
        groups = n.index
    if unit == "segment":
        cnt = coded.groupby([*by, "code"]).segments.sum() if by else \
            coded.groupby("code").segments.sum()
    elif unit == "document":
        cnt = coded.groupby([*by, "code"]).document.nunique() if by else \
            coded.groupby("code").document.nunique()
    else:
        dedup = coded.drop_duplicates(["unit", "code", *by])
        cnt = dedup.groupby([*by, "code"]).size() if by else dedup.groupby("code").size()
    segs = coded.groupby([*by, "code"]).segments.sum() if by else \
        coded.groupby("code").segments.sum()
    rows = []
    for g in groups:
        gkey = g if isinstance(g, tuple) else (g,)
        label = dict(zip(by, gkey, strict=True)) if by else {}
        for code in codes:
            k = (*gkey, code) if by else code
            count = int(cnt.get(k, 0))
            if value == "share":
                val = count / n[g] if n[g] else float("nan")
            elif value == "per1000":
                val = 1000 * float(segs.get(k, 0)) / words[g] if words[g] else float("nan")
            else:
                val = float(count)
            rows.append({"code": code, **label, "n": int(n[g]), "count": count, "value": val})
    return pd.DataFrame(rows, columns=["code", *by, "n", "count", "value"])
