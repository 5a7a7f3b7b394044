"""The tidy frames analysis takes, fetched from a project's store: respondents with their
attributes (cached), codings counted per respondent unit, units of speech (turns,
sentences) and texts. `Project` methods pass these to the functions in `analysis/`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.project import Project


def respondents(project: Project) -> pd.DataFrame:
    """One row per respondent speaking in a document: unit id, document, case, words and
    attributes (the document's front matter, overridden by the speaker's own in focus
    groups). Cached in .qualcode/cache/ until an import changes documents or speakers."""
    import hashlib

    import pandas as pd

    from qualcode.store.units import units_stamp

    with project.engine.connect() as conn:
        stamp = units_stamp(conn)
    key = hashlib.sha256(repr((project.db_url, stamp)).encode()).hexdigest()[:16]
    cache = project.root / ".qualcode" / "cache" / f"units-{key}.parquet"
    if cache.is_file():
        try:
            return pd.read_parquet(cache)
        except Exception:  # noqa: BLE001 - a damaged cache is rebuilt
            pass
    df = _respondents(project)
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


def _respondents(project: Project) -> pd.DataFrame:
    from qualcode.analysis.units import respondent_frame
    from qualcode.store.units import respondent_rows

    with project.engine.connect() as conn:
        doc_attrs, speakers, unit_rows = respondent_rows(conn)
    docs = {d: _attrs(a) for d, a in doc_attrs.items()}
    ids = {(d, c): i for i, d, c in unit_rows}
    units: dict[tuple[str, str], dict] = {}
    for doc, case, attrs, words in speakers:
        unit = units.get((doc, case))
        if unit is None:
            unit = {"unit": ids.get((doc, case), -1), "document": doc, "case": case,
                    "words": 0, **docs.get(doc, {})}
            units[(doc, case)] = unit
        own = _attrs(attrs)
        if own:
            unit.update(own)
        unit["words"] += words
    return respondent_frame(list(units.values()))


def _attrs(raw: object) -> dict:
    """Attributes from the store: a JSON string (SQLite) or a dict (PostgreSQL)."""
    if raw is None or raw == "{}":
        return {}
    if isinstance(raw, str):
        raw = json.loads(raw)
    return {k: _plain(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


def _plain(value: object) -> object:
    return ", ".join(map(str, value)) if isinstance(value, list) else value


def coded_units(project: Project, include_suggestions: bool = False,
                coders: list[str] | None = None) -> pd.DataFrame:
    """(unit, code, segments): accepted codings of respondent speech per respondent unit
    (the integer ids of `respondents`) and code, counted in SQL. Rejected and orphaned
    codings never count; suggestions only when asked."""
    import numpy as np
    import pandas as pd

    from qualcode.store.units import coded_unit_counts

    statuses = ["accepted", "suggested"] if include_suggestions else ["accepted"]
    with project.engine.connect() as conn:
        rows = coded_unit_counts(conn, statuses, coders)
    n = len(rows)
    return pd.DataFrame({
        "unit": np.fromiter((r[0] for r in rows), dtype=np.int64, count=n),
        "code": pd.Series([r[1] for r in rows], dtype=object),
        "segments": np.fromiter((r[2] for r in rows), dtype=np.int64, count=n)})


def texts(project: Project, documents: list[str] | None = None) -> dict[str, str]:
    """document -> stored text."""
    from qualcode.store.documents import document_texts

    with project.engine.connect() as conn:
        return document_texts(conn, documents)


def text_frame(project: Project, documents: list[str] | None = None) -> pd.DataFrame:
    """document, language, text of these documents (all when None)."""
    import pandas as pd

    from qualcode.store.documents import document_briefs, document_texts

    with project.engine.connect() as conn:
        briefs = document_briefs(conn, documents)
        text_of = document_texts(conn, [b.id for b in briefs])
    return pd.DataFrame([(b.id, b.language, text_of[b.id]) for b in briefs],
                        columns=["document", "language", "text"])


def unit_spans(project: Project, unit: str, documents: list[str] | None = None
               ) -> pd.DataFrame:
    """(document, start, end) of the respondent turns or sentences of these documents."""
    if unit == "sentence":
        return sentences(project, documents)
    import pandas as pd

    from qualcode.store.documents import turn_rows

    with project.engine.connect() as conn:
        rows = turn_rows(conn, documents, role="respondent")
    return pd.DataFrame([(r.document_id, r.start, r.end) for r in rows],
                        columns=["document", "start", "end"])


def sentences(project: Project, documents: list[str] | None = None) -> pd.DataFrame:
    """One row per sentence of respondent speech: document, start, end. Kept per document
    while the project is open, until the document changes."""
    import pandas as pd

    from qualcode.analysis.sentences import sentence_spans
    from qualcode.store.documents import document_briefs, document_index, document_texts

    columns = ["document", "start", "end"]
    if documents is not None and not documents:
        return pd.DataFrame(columns=columns)
    cache: dict[str, tuple[tuple, pd.DataFrame]] = project._cache.setdefault("sentences", {})
    with project.engine.connect() as conn:
        briefs = document_briefs(conn, documents)
        stamps = {r.id: (r.hash, r.file_hash) for r in document_index(conn).values()}
        todo = [b for b in briefs if cache.get(b.id, ((),))[0] != stamps[b.id]]
        text_of = document_texts(conn, [b.id for b in todo]) if todo else {}
    if todo:
        docs = pd.DataFrame([(b.id, b.language, text_of[b.id]) for b in todo],
                            columns=["document", "language", "text"])
        turns = unit_spans(project, "turn", [b.id for b in todo])
        found = sentence_spans(docs, turns, project.settings.pipelines)
        by_doc = dict(tuple(found.groupby("document")))
        for b in todo:
            cache[b.id] = (stamps[b.id], by_doc.get(b.id, found.iloc[:0]))
    frames = [cache[b.id][1] for b in briefs]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    return out[columns].reset_index(drop=True)
