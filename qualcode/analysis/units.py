"""Units of analysis: respondents (a case within a document) with their attributes and words,
and the coded units, aggregated in SQL so that a million codings stay fast."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select

from qualcode.errors import UsageError
from qualcode.store import schema as t

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.project import Project

MISSING = "(none)"


def respondent_units(project: Project) -> pd.DataFrame:
    """One row per respondent speaking in a document: document, case, words and attributes
    (the document's front matter, overridden by the speaker's own in focus groups)."""
    import pandas as pd

    with project.engine.connect() as conn:
        docs = {r.id: (r.attributes or {}) for r in
                conn.execute(select(t.documents.c.id, t.documents.c.attributes))}
        rows = conn.execute(select(t.speakers.c.document_id, t.speakers.c.case_id,
                                   t.speakers.c.attributes, t.speakers.c.words)
                            .where(t.speakers.c.role == "respondent")
                            .order_by(t.speakers.c.document_id, t.speakers.c.label)).all()
    units: dict[tuple[str, str], dict] = {}
    for r in rows:
        key = (r.document_id, r.case_id)
        unit = units.get(key)
        if unit is None:
            unit = {"document": r.document_id, "case": r.case_id, "words": 0}
            unit.update({k: _plain(v) for k, v in docs.get(r.document_id, {}).items()})
            units[key] = unit
        unit.update({k: _plain(v) for k, v in (r.attributes or {}).items()})
        unit["words"] += r.words
    df = pd.DataFrame(list(units.values()))
    if df.empty:
        return pd.DataFrame(columns=["document", "case", "words"])
    df = df[df.words > 0].reset_index(drop=True)
    attrs = [c for c in df.columns if c not in ("document", "case", "words")]
    df[attrs] = df[attrs].fillna(MISSING).astype(str)
    return df


def _plain(value: object) -> object:
    return ", ".join(map(str, value)) if isinstance(value, list) else value


def coded_units(
    project: Project,
    include_suggestions: bool = False,
    coders: list[str] | None = None,
    rollup: bool = True,
    codes: list[str] | None = None,
) -> pd.DataFrame:
    """(document, case, code, segments): accepted codings of respondent speech, grouped in
    SQL. Rejected and orphaned codings never count; suggestions only when asked."""
    import pandas as pd

    c = t.codings.c
    statuses = ["accepted", "suggested"] if include_suggestions else ["accepted"]
    q = (select(c.document_id, c.case_id, c.code_id, func.count())
         .where(c.status.in_(statuses), c.case_id.is_not(None), c.anchor != "orphaned")
         .group_by(c.document_id, c.case_id, c.code_id))
    if coders:
        q = q.where(c.coder.in_(coders))
    from qualcode.store.engine import fetch_tuples

    with project.engine.connect() as conn:
        rows = fetch_tuples(conn, q)
    df = pd.DataFrame.from_records(rows, columns=["document", "case", "code", "segments"])
    book = project.codebook
    known = book.by_id()
    if codes:
        unknown = [x for x in codes if x not in known]
        if unknown:
            raise UsageError(f"unknown code(s) {', '.join(unknown)} - see qualcode codebook show")
    df = df[df.code.isin(known)]
    if rollup and not df.empty:
        lines = lineage_frame(book)
        df = (df.merge(lines, on="code").drop(columns="code").rename(columns={"ancestor": "code"})
              .groupby(["document", "case", "code"], as_index=False, sort=False)["segments"]
              .sum())
    if codes:
        wanted = {d for x in codes for d in (book.descendants(x) if rollup else [x])}
        df = df[df.code.isin(wanted)]
    return df.reset_index(drop=True)


def lineage_frame(book) -> pd.DataFrame:  # noqa: ANN001
    """(code, ancestor) for every code and each of its ancestors, itself included."""
    import pandas as pd

    parents = book.parents()
    rows = []
    for code in parents:
        node: str | None = code
        while node:
            rows.append((code, node))
            node = parents.get(node)
    return pd.DataFrame(rows, columns=["code", "ancestor"])


def code_order(project: Project) -> list[str]:
    """Codebook order (depth-first), for sorting rows."""
    return [c.id for c, _, _ in project.codebook.walk()]


def check_attributes(units: pd.DataFrame, attrs: list[str]) -> None:
    known = sorted(c for c in units.columns if c not in ("document", "words"))
    for a in attrs:
        if a not in units.columns:
            raise UsageError(f"unknown attribute {a!r} - known: {', '.join(known)}")
