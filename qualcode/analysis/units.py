"""Units of analysis over tidy frames: respondents (a case within a document) with their
attributes, and codings counted per respondent unit and code (with sub-codes rolled up
into their parents). No store, no project: frames in, frames out."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from qualcode.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.codebook import Codebook

MISSING = "(missing)"
UNIT_COLUMNS = ["unit", "document", "case", "code", "segments"]


KEYS = ("unit", "document", "case", "words")


def respondent_frame(records: list[dict]) -> pd.DataFrame:
    """Respondent units from records (unit, document, case, words, attributes...): those
    who said at least one word, with attribute values cleaned (see `clean_attributes`)."""
    import pandas as pd

    df = pd.DataFrame.from_records(records) if records else pd.DataFrame(
        columns=["unit", "document", "case", "words"])
    if df.empty:
        return df
    return clean_attributes(df[df.words > 0].reset_index(drop=True))


def clean_attributes(df: pd.DataFrame) -> pd.DataFrame:
    """Attribute values as groups: surrounding whitespace trimmed; empty or absent values
    are "(missing)"; values that differ only in case, accents or inner spacing are one
    group, spelled as most respondents spell it (ties: the first in sorted order)."""
    from qualcode.analysis.filters import fold

    df = df.copy()
    for col in (c for c in df.columns if c not in KEYS):
        values = df[col].astype(object).where(df[col].notna(), MISSING)
        clean = {v: " ".join(str(v).split()) or MISSING for v in values.unique()}
        values = values.map(clean)
        counts = values.value_counts()
        spelling: dict[str, str] = {}
        for value in sorted(counts.index, key=lambda v: (-counts[v], v)):
            spelling.setdefault(fold(value), value)
        df[col] = values.map({v: spelling[fold(v)] for v in counts.index})
    return df


def numbered(respondents: pd.DataFrame) -> pd.DataFrame:
    """Respondents with an integer `unit` column (numbered 0.. when absent) and `words`
    (unknown when absent); `document` and `case` are required."""
    missing = [c for c in ("document", "case") if c not in respondents.columns]
    if missing:
        raise UsageError(f"respondents need the column(s) {', '.join(missing)} (one row "
                         "per respondent: document, case, words, attributes)")
    if "unit" not in respondents.columns:
        respondents = respondents.assign(unit=range(len(respondents)))
    if "words" not in respondents.columns:
        respondents = respondents.assign(words=float("nan"))
    return respondents


def with_units(respondents: pd.DataFrame) -> pd.DataFrame:
    """Respondents with an integer `unit` column and cleaned attribute values."""
    return clean_attributes(numbered(respondents))


def code_list(codebook: Codebook | None, codes: object = ()) -> list[str]:
    """Codes in codebook order (depth-first); without a codebook, the codes given, sorted."""
    if codebook is not None:
        return [c.id for c, _, _ in codebook.walk()]
    return sorted({str(c) for c in codes})


def expand_codes(codebook: Codebook | None, codes: list[str], rollup: bool) -> list[str]:
    """The codes asked for (with their sub-codes when rolled up), checked."""
    if codebook is None:
        return list(codes)
    codebook.check_ids(codes)
    return codebook.expand(codes, rollup)


def count_units(codings: pd.DataFrame, respondents: pd.DataFrame,
                codebook: Codebook | None = None, rollup: bool = True,
                codes: list[str] | None = None) -> pd.DataFrame:
    """(unit, document, case, code, segments): codings per respondent unit and code.

    `codings` needs a `code` column and either `unit` or `document` and `case`; a
    `segments` column gives counts already aggregated (otherwise each row is one
    segment). Codings of no respondent (interviewer speech, unknown cases) and of codes
    not in the codebook are left out. With rollup, a sub-code's codings count for each
    of its ancestors once per unit."""
    import pandas as pd

    lookup = numbered(respondents)[["unit", "document", "case"]]
    if "unit" not in codings.columns:
        missing = [c for c in ("document", "case", "code") if c not in codings.columns]
        if missing:
            raise UsageError(f"codings need the column(s) {', '.join(missing)}")
        codings = codings.merge(lookup, on=["document", "case"], how="inner")
    segs_col = codings["segments"] if "segments" in codings.columns else None
    known = code_list(codebook, codings["code"].dropna().unique())
    index = {c: i for i, c in enumerate(known)}
    unit = codings["unit"].to_numpy(dtype=np.int64, na_value=-1) if len(codings) else \
        np.zeros(0, dtype=np.int64)
    code = pd.Categorical(codings["code"], categories=known).codes.astype(np.int64)
    segs = (segs_col.to_numpy(dtype=np.int64) if segs_col is not None
            else np.ones(len(codings), dtype=np.int64))
    keep = (code >= 0) & (unit >= 0)
    unit, code, segs = unit[keep], code[keep], segs[keep]
    if rollup and codebook is not None and len(code):
        parents = codebook.parents()
        parent = np.array([index.get(parents[c] or "", -1) for c in known], dtype=np.int64)
        units_, codes_, segs_ = [unit], [code], [segs]
        cur_unit, cur_code, cur_segs = unit, code, segs
        while True:
            up = parent[cur_code]
            has = up >= 0
            if not has.any():
                break
            cur_unit, cur_code, cur_segs = cur_unit[has], up[has], cur_segs[has]
            units_.append(cur_unit)
            codes_.append(cur_code)
            segs_.append(cur_segs)
        unit, code, segs = (np.concatenate(units_), np.concatenate(codes_),
                            np.concatenate(segs_))
    if len(code) and known:
        key = unit * len(known) + code
        uniq, inverse = np.unique(key, return_inverse=True)
        segs = np.bincount(inverse, weights=segs).astype(np.int64)
        unit, code = uniq // len(known), uniq % len(known)
    if codes:
        mask = np.isin(code, [index[c] for c in expand_codes(codebook, codes, rollup)
                              if c in index])
        unit, code, segs = unit[mask], code[mask], segs[mask]
    df = pd.DataFrame({"unit": unit, "code": np.asarray(known, dtype=object)[code]
                       if known else np.zeros(0, dtype=object), "segments": segs})
    df = df.merge(lookup, on="unit", how="left")
    return df[UNIT_COLUMNS]


def with_ancestors(df: pd.DataFrame, codebook: Codebook | None) -> pd.DataFrame:
    """Each row once per code in its lineage: a sub-code's coding counts for its ancestors
    (for frames of individual codings; count_units does the same in numpy)."""
    if df.empty or codebook is None:
        return df
    return df.assign(code=df.code.map(codebook.lineage)).explode("code")


def check_attributes(units: pd.DataFrame, attrs: list[str]) -> None:
    known = sorted(c for c in units.columns if c not in ("unit", "document", "words"))
    for a in attrs:
        if a not in units.columns or a == "unit":
            raise UsageError(f"unknown attribute {a!r} - known: {', '.join(known)}")
