"""Units of analysis: respondents (a case within a document) with their attributes and words,
and the coded units, aggregated in SQL so that a million codings stay fast."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import func, select

from qualcode.errors import UsageError
from qualcode.store import schema as t

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.project import Project

MISSING = "(none)"


def respondent_units(project: Project) -> pd.DataFrame:
    """One row per respondent speaking in a document: unit id, document, case, words and
    attributes (the document's front matter, overridden by the speaker's own in focus
    groups). Cached in .qualcode/cache/ until an import changes documents or speakers."""
    import hashlib

    import pandas as pd

    with project.engine.connect() as conn:
        stamp = conn.execute(select(func.count(), func.max(t.documents.c.imported_at))
                             .select_from(t.documents)).one()
        spk = conn.execute(select(func.count(), func.coalesce(func.sum(t.speakers.c.words), 0))
                           .select_from(t.speakers)).one()
        n_units = conn.execute(select(func.count()).select_from(t.units)).scalar_one()
    key = hashlib.sha256(repr((project.db_url, tuple(stamp), tuple(spk), n_units)).encode()
                         ).hexdigest()[:16]
    cache = project.root / ".qualcode" / "cache" / f"units-{key}.parquet"
    if cache.is_file():
        try:
            return pd.read_parquet(cache)
        except Exception:  # noqa: BLE001 - a damaged cache is rebuilt
            pass
    df = _respondent_units(project)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        for old in cache.parent.glob("units-*.parquet"):
            old.unlink(missing_ok=True)
        tmp = cache.with_suffix(".tmp")
        df.to_parquet(tmp, index=False)
        tmp.replace(cache)
    except OSError:
        pass  # a read-only project only costs time
    return df


def _respondent_units(project: Project) -> pd.DataFrame:
    import pandas as pd

    from qualcode.store.engine import fetch_tuples

    with project.engine.connect() as conn:
        docs = {d: _attrs(a) for d, a in fetch_tuples(
            conn, select(t.documents.c.id, t.documents.c.attributes))}
        rows = fetch_tuples(conn, select(t.speakers.c.document_id, t.speakers.c.case_id,
                                         t.speakers.c.attributes, t.speakers.c.words)
                            .where(t.speakers.c.role == "respondent")
                            .order_by(t.speakers.c.document_id, t.speakers.c.label))
        ids = {(d, c): i for i, d, c in fetch_tuples(
            conn, select(t.units.c.id, t.units.c.document_id, t.units.c.case_id))}
    units: dict[tuple[str, str], dict] = {}
    for doc, case, attrs, words in rows:
        unit = units.get((doc, case))
        if unit is None:
            unit = {"unit": ids.get((doc, case), -1), "document": doc, "case": case,
                    "words": 0, **docs.get(doc, {})}
            units[(doc, case)] = unit
        own = _attrs(attrs)
        if own:
            unit.update(own)
        unit["words"] += words
    df = pd.DataFrame.from_records(list(units.values())) if units else pd.DataFrame(
        columns=["unit", "document", "case", "words"])
    if df.empty:
        return df
    df = df[df.words > 0].reset_index(drop=True)
    attrs = [c for c in df.columns if c not in ("unit", "document", "case", "words")]
    df[attrs] = df[attrs].fillna(MISSING).astype(str)
    return df


def _attrs(raw: object) -> dict:
    """Attributes from the store: a JSON string (SQLite) or a dict (PostgreSQL)."""
    if raw is None or raw == "{}":
        return {}
    if isinstance(raw, str):
        import json

        raw = json.loads(raw)
    return {k: _plain(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


def _plain(value: object) -> object:
    return ", ".join(map(str, value)) if isinstance(value, list) else value


def coded_units(
    project: Project,
    include_suggestions: bool = False,
    coders: list[str] | None = None,
    rollup: bool = True,
    codes: list[str] | None = None,
) -> pd.DataFrame:
    """(unit, document, case, code, segments): accepted codings of respondent speech per
    respondent unit and code, grouped in SQL by integer unit; rollup and code filters in
    numpy. Rejected and orphaned codings never count; suggestions only when asked."""
    import pandas as pd

    c = t.codings.c
    statuses = ["accepted", "suggested"] if include_suggestions else ["accepted"]
    # grouped by integer unit ids: on a million codings this is twice as fast as
    # grouping by (document, case) strings
    q = (select(c.unit_id, c.code_id, func.count())
         .where(c.status.in_(statuses), c.unit_id.is_not(None), c.anchor != "orphaned")
         .group_by(c.unit_id, c.code_id))
    if coders:
        q = q.where(c.coder.in_(coders))
    from qualcode.store.engine import fetch_tuples

    book = project.codebook
    known = list(book.by_id())
    if codes:
        book.check_ids(codes)
    with project.engine.connect() as conn:
        rows = fetch_tuples(conn, q)
        unit_rows = fetch_tuples(conn, select(t.units.c.id, t.units.c.document_id,
                                              t.units.c.case_id))
    index = {c: i for i, c in enumerate(known)}
    unit = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    code = np.fromiter((index.get(r[1], -1) for r in rows), dtype=np.int64, count=len(rows))
    segs = np.fromiter((r[2] for r in rows), dtype=np.int64, count=len(rows))
    keep = code >= 0  # codings of codes no longer in the codebook are not analysed
    unit, code, segs = unit[keep], code[keep], segs[keep]
    if rollup and len(code):
        parents = book.parents()
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
        key = unit * len(known) + code
        uniq, inverse = np.unique(key, return_inverse=True)
        segs = np.bincount(inverse, weights=segs).astype(np.int64)
        unit, code = uniq // len(known), uniq % len(known)
    if codes:
        mask = np.isin(code, [index[c] for c in book.expand(codes, rollup)])
        unit, code, segs = unit[mask], code[mask], segs[mask]
    lookup = pd.DataFrame.from_records(unit_rows, columns=["unit", "document", "case"])
    df = pd.DataFrame({"unit": unit, "code": np.asarray(known, dtype=object)[code],
                       "segments": segs})
    df = df.merge(lookup, on="unit", how="left")
    return df[["unit", "document", "case", "code", "segments"]]


def with_ancestors(df: pd.DataFrame, book) -> pd.DataFrame:  # noqa: ANN001
    """Each row once per code in its lineage: a sub-code's coding counts for its ancestors
    (for frames of individual codings; coded_units does the same in numpy)."""
    if df.empty:
        return df
    return df.assign(code=df.code.map(book.lineage)).explode("code")


def code_order(project: Project) -> list[str]:
    """Codebook order (depth-first), for sorting rows."""
    return [c.id for c, _, _ in project.codebook.walk()]


def check_attributes(units: pd.DataFrame, attrs: list[str]) -> None:
    known = sorted(c for c in units.columns if c not in ("unit", "document", "words"))
    for a in attrs:
        if a not in units.columns or a == "unit":
            raise UsageError(f"unknown attribute {a!r} - known: {', '.join(known)}")
