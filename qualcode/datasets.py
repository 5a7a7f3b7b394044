"""The tidy frames the library works on, fetched from a workspace's store: documents,
turns, codings, memos, the audit trail, respondents with their attributes (cached),
codings counted per respondent unit, units of speech (turns, sentences) and texts.

Data flows files -> store -> datasets -> analysis/learn/report: `Project` methods, the
learner, the report and REFI export all fetch their frames here."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from qualcode.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.workspace import Workspace


CODING_COLUMNS = ["id", "document", "case", "speaker", "code", "start", "end", "text",
                  "coder", "origin", "status", "rule", "score", "anchor", "created_at",
                  "updated_at", "decided_by", "decided_at"]
MEMO_COLUMNS = ["id", "on", "target", "coder", "at", "memo", "about", "edited_at",
                "edited_by", "links"]
ORIGINS = ["auto", "imported", "manual"]
STATUSES = ["accepted", "rejected", "suggested"]


def documents(ws: Workspace, documents: list[str] | None = None) -> pd.DataFrame:
    """One row per document (all, or these): id, case (the respondent), cases (every
    respondent who speaks in it: several in a focus group), language, path, words,
    respondent words, every attribute, and the text last."""
    import pandas as pd

    from qualcode.store.documents import document_rows, speaking_cases

    with ws.engine.connect() as conn:
        rows = document_rows(conn, documents)
        speaking = speaking_cases(conn)
    records = []
    for r in rows:
        rec = {"document": r.id, "case": r.case_id, "cases": ", ".join(speaking.get(r.id, [])),
               "language": r.language, "path": r.path, "words": r.words,
               "respondent_words": r.respondent_words}
        for k, v in (r.attributes or {}).items():
            if k not in rec:
                rec[k] = ", ".join(map(str, v)) if isinstance(v, list) else v
        rec["text"] = r.text
        records.append(rec)
    cols = ["document", "case", "cases", "language", "path", "words", "respondent_words",
            "text"]
    df = pd.DataFrame.from_records(records) if records else pd.DataFrame(columns=cols)
    return df[[c for c in df.columns if c != "text"] + ["text"]]


def turns(ws: Workspace, documents: list[str] | None = None) -> pd.DataFrame:
    """Every turn (of these documents): document, index, speaker, case, role, start,
    end."""
    import pandas as pd

    from qualcode.store.documents import turn_rows

    with ws.engine.connect() as conn:
        rows = turn_rows(conn, documents)
    # plain tuples: pandas probes driver rows attribute by attribute (2 s for 130k turns)
    return pd.DataFrame(list(map(tuple, rows)), columns=["document", "turn", "speaker",
                                                         "case", "role", "start", "end"])


def codings(ws: Workspace, codes: list[str] | None = None, coders: list[str] | None = None,
            origins: list[str] | None = None, statuses: list[str] | None = None,
            documents: list[str] | None = None, include_orphaned: bool = True
            ) -> pd.DataFrame:
    """One row per coding with its document, case, speaker and provenance (filters as
    given; no check that a value names anything: see `check_values`)."""
    import pandas as pd

    from qualcode.store.codings import coding_rows

    with ws.engine.connect() as conn:
        rows = coding_rows(conn, codes, coders, origins, statuses, documents, include_orphaned)
    df = pd.DataFrame(rows, columns=["id", "document", "case", "speaker", "start", "end", "text",
                                     "code", "coder", "origin", "status", "rule", "score",
                                     "anchor", "created_at", "updated_at", "decided_by",
                                     "decided_at"])
    return df[CODING_COLUMNS]


def timelines(ws: Workspace, documents: list[str] | None = None) -> dict[str, Any]:
    """document -> its Timeline (the timed turns, or the subtitle cues), for documents
    with any time."""
    from qualcode.store.documents import cue_rows, timed_turns
    from qualcode.timeline import timeline

    with ws.engine.connect() as conn:
        turns = timed_turns(conn, documents)
        cues = cue_rows(conn, documents)
    by_turns: dict[str, list] = {}
    for r in turns:
        if r.start_time is not None:
            by_turns.setdefault(r.document_id, []).append((r.start, r.end, r.start_time,
                                                           r.end_time))
    by_cues: dict[str, list] = {}
    for r in cues:
        by_cues.setdefault(r.document_id, []).append((r.start, r.end, r.start_time,
                                                      r.end_time))
    return {doc: timeline(by_turns.get(doc, []), by_cues.get(doc, []))
            for doc in set(by_turns) | set(by_cues)}


def recording(ws: Workspace, document: str) -> dict[str, Any] | None:
    """The recording a document names (None: it names none): path (relative to
    interviews/), kind, mime, duration, file (the resolved Path, None unless playable)
    and state: ok | missing | changed (other size than at import) | outside (not inside
    interviews/), with a one-line note when not ok."""
    from qualcode.media import MediaPathError, mime_type, resolve_media
    from qualcode.store.media import media_rows

    with ws.engine.connect() as conn:
        m = media_rows(conn, [document]).get(document)
    if m is None:
        return None
    out: dict[str, Any] = {"path": m.path, "kind": m.kind, "mime": mime_type(m.path),
                           "duration": m.duration, "file": None, "state": "ok", "note": None}
    where = f"interviews/{m.path}"
    try:
        path = resolve_media(ws.interviews_dir, m.path)
    except MediaPathError as exc:
        return {**out, "state": "outside", "note": f"the recording {m.path!r} {exc}"}
    if not path.is_file():
        return {**out, "state": "missing",
                "note": f"the recording {where} is missing (moved or renamed?) - put it back, "
                        "or fix media: in the transcript's front matter"}
    out["file"] = path
    if m.size is not None and path.stat().st_size != m.size:
        out.update(state="changed", note=f"the recording {where} changed since import - "
                                         "check it is the right file, then run qualcode import")
    return out


TIME_COLUMNS = ["start_time", "end_time", "approximate"]


def with_times(ws: Workspace, df: pd.DataFrame) -> pd.DataFrame:
    """`df` (rows with document, start, end) with start_time and end_time in seconds
    (empty where the transcript has no times) and approximate (True where a time was
    placed by characters inside a turn or cue, or snapped to the nearest timed one)."""
    import pandas as pd

    docs = sorted(set(df["document"])) if len(df) else []
    lines = timelines(ws, docs) if docs else {}
    starts, ends, approx = [], [], []
    for doc, a, b in zip(df["document"], df["start"], df["end"], strict=True):
        line = lines.get(doc)
        if line is None:
            starts.append(None)
            ends.append(None)
            approx.append(None)
            continue
        r = line.range(int(a), int(b))
        starts.append(r.start_time)
        ends.append(r.end_time)
        approx.append(r.approximate if r.start_time is not None or r.end_time is not None
                      else None)
    return df.assign(start_time=pd.array(starts, dtype="Float64"),
                     end_time=pd.array(ends, dtype="Float64"),
                     approximate=pd.array(approx, dtype="boolean"))


def check_values(ws: Workspace, codes: list[str] | None = None,
                 coders: list[str] | None = None, origins: list[str] | None = None,
                 statuses: list[str] | None = None, documents: list[str] | None = None
                 ) -> None:
    """A UsageError for any filter value that names nothing the project has (a typo must
    not give an empty table); the message lists the known values."""
    def known(kind: str) -> dict[str, list[str]]:
        from qualcode.store.codes import code_ids
        from qualcode.store.codes import coders as stored_coders
        from qualcode.store.documents import document_index

        with ws.engine.connect() as conn:
            if kind == "coder":
                return {"coder": stored_coders(conn)}
            return {"code": sorted(set(code_ids(conn)) | set(ws.codebook.by_id())),
                    "document": sorted(document_index(conn))}

    lists: dict[str, list[str]] = {"origin": ORIGINS, "status": STATUSES}
    for kind, values in (("coder", coders), ("origin", origins), ("status", statuses),
                         ("code", codes), ("document", documents)):
        if not values:
            continue
        if kind not in lists:
            lists.update(known(kind))
        bad = [v for v in values if v not in lists[kind]]
        if bad:
            shown = ", ".join(lists[kind][:30]) or "none yet"
            raise UsageError(f"unknown {kind}(s) {', '.join(bad)} - known: {shown}")


def coders(ws: Workspace) -> list[str]:
    """Every coder the store knows: who coded, decided or wrote a memo (the auto-coder
    is `auto`)."""
    from qualcode.store.codes import coders as stored_coders

    with ws.engine.connect() as conn:
        return stored_coders(conn)


def memos(ws: Workspace) -> pd.DataFrame:
    """Every memo, oldest first: id, on (target type), target, coder (the author), at
    (written), memo (the current text), about (what a removed coding was), edited_at,
    edited_by, links ("memo:3, coding:12": what the memo links to)."""
    import pandas as pd

    from qualcode.store.memos import memo_links
    from qualcode.store.memos import memos as stored_memos

    with ws.engine.connect() as conn:
        rows = stored_memos(conn, None, None)
        links = memo_links(conn)
    return pd.DataFrame(memo_records(rows, links), columns=MEMO_COLUMNS)


def memo_records(rows: list[Any], links: list[Any] | None = None) -> list[dict[str, Any]]:
    """The store's memo rows (and their links) as plain records with the MEMO_COLUMNS."""
    by_memo: dict[int, list[str]] = {}
    for lk in links or []:
        by_memo.setdefault(lk["memo_id"], []).append(f"{lk['target_type']}:{lk['target_id']}")
    return [{"id": r["id"], "on": r["target_type"], "target": r["target_id"],
             "coder": r["coder"], "at": r["created_at"], "memo": r["text"],
             "about": r["about"], "edited_at": r.get("edited_at"),
             "edited_by": r.get("edited_by"), "links": ", ".join(by_memo.get(r["id"], []))}
            for r in rows]


def memo_links(ws: Workspace) -> pd.DataFrame:
    """Every memo link: memo, to (memo | coding), target, coder, at, about (what a removed
    coding was)."""
    import pandas as pd

    from qualcode.store.memos import memo_links as stored_links

    with ws.engine.connect() as conn:
        rows = stored_links(conn)
    return pd.DataFrame([{"memo": r["memo_id"], "to": r["target_type"],
                          "target": r["target_id"], "coder": r["coder"],
                          "at": r["created_at"], "about": r["about"]} for r in rows],
                        columns=["memo", "to", "target", "coder", "at", "about"])


def events(ws: Workspace, limit: int = 50) -> pd.DataFrame:
    """The audit trail, newest first: when, who, what, on what, details."""
    import pandas as pd

    from qualcode.store.memos import events as stored_events

    with ws.engine.connect() as conn:
        rows = stored_events(conn, limit)
    return pd.DataFrame([{"at": r["at"], "coder": r["coder"], "action": r["action"],
                          "target": r["target"],
                          "details": ", ".join(f"{k}={v}" for k, v in
                                               (r["details"] or {}).items())}
                         for r in rows], columns=["at", "coder", "action", "target",
                                                  "details"])


def respondents(ws: Workspace) -> pd.DataFrame:
    """One row per respondent speaking in a document: unit id, document, case, words and
    attributes (the document's front matter, overridden by the speaker's own in focus
    groups). Cached in .qualcode/cache/ until an import changes documents or speakers."""
    import hashlib

    import pandas as pd

    from qualcode.store.units import units_stamp

    with ws.engine.connect() as conn:
        stamp = units_stamp(conn)
    key = hashlib.sha256(repr((ws.db_url, stamp)).encode()).hexdigest()[:16]
    cache = ws.root / ".qualcode" / "cache" / f"units-{key}.parquet"
    if cache.is_file():
        try:
            return pd.read_parquet(cache)
        except Exception:  # noqa: BLE001 - a damaged cache is rebuilt
            pass
    df = _respondents(ws)
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


def _respondents(ws: Workspace) -> pd.DataFrame:
    from qualcode.analysis.units import respondent_frame
    from qualcode.store.units import respondent_rows

    with ws.engine.connect() as conn:
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


def coded_units(ws: Workspace, include_suggestions: bool = False,
                coders: list[str] | None = None) -> pd.DataFrame:
    """(unit, code, segments): accepted codings of respondent speech per respondent unit
    (the integer ids of `respondents`) and code, counted in SQL. Rejected and orphaned
    codings never count; suggestions only when asked."""
    import numpy as np
    import pandas as pd

    from qualcode.store.units import coded_unit_counts

    statuses = ["accepted", "suggested"] if include_suggestions else ["accepted"]
    with ws.engine.connect() as conn:
        rows = coded_unit_counts(conn, statuses, coders)
    n = len(rows)
    return pd.DataFrame({
        "unit": np.fromiter((r[0] for r in rows), dtype=np.int64, count=n),
        "code": pd.Series([r[1] for r in rows], dtype=object),
        "segments": np.fromiter((r[2] for r in rows), dtype=np.int64, count=n)})


def texts(ws: Workspace, documents: list[str] | None = None) -> dict[str, str]:
    """document -> stored text."""
    from qualcode.store.documents import document_texts

    with ws.engine.connect() as conn:
        return document_texts(conn, documents)


def text_frame(ws: Workspace, documents: list[str] | None = None) -> pd.DataFrame:
    """document, language, text of these documents (all when None)."""
    import pandas as pd

    from qualcode.store.documents import document_briefs, document_texts

    with ws.engine.connect() as conn:
        briefs = document_briefs(conn, documents)
        text_of = document_texts(conn, [b.id for b in briefs])
    return pd.DataFrame([(b.id, b.language, text_of[b.id]) for b in briefs],
                        columns=["document", "language", "text"])


def unit_spans(ws: Workspace, unit: str, documents: list[str] | None = None
               ) -> pd.DataFrame:
    """(document, start, end) of the respondent turns or sentences of these documents."""
    if unit == "sentence":
        return sentences(ws, documents)
    import pandas as pd

    from qualcode.store.documents import turn_rows

    with ws.engine.connect() as conn:
        rows = turn_rows(conn, documents, role="respondent")
    return pd.DataFrame([(r.document_id, r.start, r.end) for r in rows],
                        columns=["document", "start", "end"])


def sentences(ws: Workspace, documents: list[str] | None = None) -> pd.DataFrame:
    """One row per sentence of respondent speech: document, start, end. Kept per document
    while the project is open, until the document changes."""
    import pandas as pd

    from qualcode.analysis.sentences import sentence_spans
    from qualcode.store.documents import document_briefs, document_index, document_texts

    columns = ["document", "start", "end"]
    if documents is not None and not documents:
        return pd.DataFrame(columns=columns)
    cache: dict[str, tuple[tuple, pd.DataFrame]] = ws.cache.setdefault("sentences", {})
    with ws.engine.connect() as conn:
        briefs = document_briefs(conn, documents)
        stamps = {r.id: (r.hash, r.file_hash) for r in document_index(conn).values()}
        todo = [b for b in briefs if cache.get(b.id, ((),))[0] != stamps[b.id]]
        text_of = document_texts(conn, [b.id for b in todo]) if todo else {}
    if todo:
        docs = pd.DataFrame([(b.id, b.language, text_of[b.id]) for b in todo],
                            columns=["document", "language", "text"])
        turns = unit_spans(ws, "turn", [b.id for b in todo])
        found = sentence_spans(docs, turns, ws.settings.pipelines)
        by_doc = dict(tuple(found.groupby("document")))
        for b in todo:
            cache[b.id] = (stamps[b.id], by_doc.get(b.id, found.iloc[:0]))
    frames = [cache[b.id][1] for b in briefs]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    return out[columns].reset_index(drop=True)
