"""Codings and the decisions on them. Each function that changes a coding writes its
audit event in the same transaction, keeps speaker, case and unit in step with the
turns, and never overwrites or deletes what a person did unless that person asks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, or_, select, update

from qualcode.errors import CodingError
from qualcode.store import schema as t
from qualcode.store.codes import ensure_coder
from qualcode.store.documents import document_text
from qualcode.store.memos import codings_with_memos, log_event, note_removed_codings, now
from qualcode.store.units import document_locator

AUTO_CODER = "auto"
_CHUNK = 500
_SEVERITY = ["ok", "changed", "orphaned"]
c = t.codings.c


def coding(conn: Connection, coding_id: int) -> Any:
    """One coding with all its columns, or None."""
    return conn.execute(select(t.codings).where(c.id == coding_id)).first()


def find_coding(conn: Connection, document: str, start: int, end: int, code: str,
                coder: str, origin: str = "manual") -> int | None:
    """The id of a coder's coding of exactly this span with this code."""
    return conn.execute(select(c.id).where(
        c.document_id == document, c.start == start, c.end == end, c.code_id == code,
        c.coder == coder, c.origin == origin)).scalar()


def add_coding(conn: Connection, document: str, start: int, end: int, code: str,
               coder: str) -> int:
    """Store a manual, accepted coding of start:end by `coder` (and its event)."""
    text = document_text(conn, document)
    if text is None:
        raise CodingError(f"unknown document {document!r} - see qualcode status, or import it")
    ensure_coder(conn, coder)
    stamp = now()
    speaker, case, unit = document_locator(conn, document)(start)
    cid = conn.execute(insert(t.codings).values(
        document_id=document, start=start, end=end, text=text[start:end], code_id=code,
        speaker=speaker, case_id=case, unit_id=unit, coder=coder,
        origin="manual", status="accepted", anchor="ok", created_at=stamp,
        updated_at=stamp, decided_by=coder, decided_at=stamp)).inserted_primary_key[0]
    log_event(conn, coder, "code", f"{document}#{cid}",
              {"code": code, "start": start, "end": end})
    return int(cid)


def remove_coding(conn: Connection, coding_id: int, coder: str) -> Any:
    """Delete one of `coder`'s own manual codings (and its memos); returns the row."""
    row = coding(conn, coding_id)
    if row is None:
        raise CodingError(f"no coding #{coding_id}")
    if row.origin != "manual" or row.coder != coder:
        raise CodingError(f"coding #{coding_id} is {row.origin} by {row.coder} - you can "
                          "remove only your own manual codings (reject a suggestion instead)")
    _delete_codings(conn, [row], f"removed by {coder}")
    log_event(conn, coder, "uncode", f"{row.document_id}#{coding_id}",
              {"code": row.code_id, "start": row.start, "end": row.end})
    return row


def _delete_codings(conn: Connection, rows: list[Any], why: str) -> None:
    """Delete codings; memos on them and links to them are kept, with a note of what
    they were on."""
    note_removed_codings(conn, rows, why)
    for row in rows:
        conn.execute(delete(t.codings).where(c.id == row.id))


def resolve_flag(conn: Connection, coding_id: int, coder: str,
                 span: tuple[int, int] | None = None) -> Any:
    """A person confirms a coding whose text changed (or re-attaches an orphaned one to
    `span`): it is `ok` again. Returns the row as it was."""
    row = coding(conn, coding_id)
    if row is None:
        raise CodingError(f"no coding #{coding_id}")
    if row.anchor == "ok" and span is None:
        raise CodingError(f"coding #{coding_id} is not flagged - nothing to resolve")
    if row.anchor == "orphaned" and span is None:
        raise CodingError(f"coding #{coding_id} lost its text - give the passage it belongs "
                          "to now (--quote or --span), or remove it")
    values: dict[str, Any] = {"anchor": "ok", "updated_at": now()}
    if span is not None:
        values.update(_span_values(conn, row.document_id, *span))
    ensure_coder(conn, coder)
    conn.execute(update(t.codings).where(c.id == coding_id).values(**values))
    log_event(conn, coder, "resolve", f"{row.document_id}#{coding_id}",
              {"was": row.anchor, "start": values.get("start", row.start),
               "end": values.get("end", row.end)})
    return row


def _span_values(conn: Connection, document: str, start: int, end: int) -> dict[str, Any]:
    """The columns of a coding of start:end: its text, and the speaker, case and unit
    of the turn it starts in (kept in step on every write)."""
    text = document_text(conn, document) or ""
    if not 0 <= start < end <= len(text):
        raise CodingError(f"span {start}:{end} is outside the text")
    speaker, case, unit = document_locator(conn, document)(start)
    return dict(start=start, end=end, text=text[start:end], speaker=speaker, case_id=case,
                unit_id=unit)


def _state(row: Any) -> dict[str, Any]:
    return {"status": row.status, "code": row.code_id, "start": row.start, "end": row.end,
            "decided_by": row.decided_by,
            "decided_at": row.decided_at.isoformat() if row.decided_at else None}


def decide(conn: Connection, coding_id: int, coder: str, action: str, code: str | None = None,
           span: tuple[int, int] | None = None) -> dict[str, Any]:
    """Accept, reject, recode (new code, accepted) or respan (new span, status unchanged)
    a coding as `coder`; returns the state before (what `restore` puts back)."""
    row = coding(conn, coding_id)
    if row is None:
        raise CodingError(f"no coding #{coding_id}")
    before = _state(row)
    stamp = now()
    values: dict[str, Any] = {"decided_by": coder, "decided_at": stamp, "updated_at": stamp}
    if action == "accept":
        values["status"] = "accepted"
    elif action == "reject":
        values["status"] = "rejected"
    elif action == "recode":
        values.update(status="accepted", code_id=code)
        if row.origin == "auto" and row.proposed_code is None:
            # remember what the auto-coder proposed: recoding is a verdict on it
            values.update(proposed_code=row.code_id,
                          proposed_start=row.proposed_start if row.proposed_start
                          is not None else row.start,
                          proposed_end=row.proposed_end if row.proposed_end is not None
                          else row.end)
    else:
        if span is None:
            raise CodingError("respan needs the new span")
        # a new span is not a verdict: the status stays until accepted or rejected
        values.update(_span_values(conn, row.document_id, *span))
        if row.origin == "auto" and row.proposed_start is None:
            # remember what the auto-coder proposed, so it does not propose it again
            values.update(proposed_start=row.start, proposed_end=row.end)
    ensure_coder(conn, coder)
    conn.execute(update(t.codings).where(c.id == coding_id).values(**values))
    log_event(conn, coder, action, f"{row.document_id}#{coding_id}",
              {"before": before, **({"code": code} if code else {}),
               **({"span": list(span)} if span else {})})
    return before


def restore(conn: Connection, coding_id: int, before: dict[str, Any], coder: str) -> None:
    """Put a coding back to the state `decide` returned (undo), as `coder`."""
    row = coding(conn, coding_id)
    if row is None:
        raise CodingError(f"no coding #{coding_id}")
    decided_at = before["decided_at"]
    conn.execute(update(t.codings).where(c.id == coding_id).values(
        status=before["status"], code_id=before["code"],
        **_span_values(conn, row.document_id, before["start"], before["end"]),
        decided_by=before["decided_by"],
        decided_at=datetime.fromisoformat(decided_at) if decided_at else None,
        updated_at=now()))
    log_event(conn, coder, "undo", f"#{coding_id}", {"restored": before})


def coder_file_count(conn: Connection, source: str) -> int:
    """How many codings came from a coder's CSV file (source 'path:row')."""
    return conn.execute(select(func.count()).select_from(t.codings)
                        .where(c.source.like(f"{source}:%"))).scalar_one()


def replace_coder_file(conn: Connection, source: str, coder: str,
                       rows: list[tuple[int, str, int, int, str, str]],
                       texts: dict[str, str]) -> dict[str, int]:
    """Bring the codings loaded from one coder CSV file in step with its current rows
    (line, document, start, end, code, memo): codings still in the file keep their id
    and memos, new rows are added, codings no longer in it are removed (their memos are
    kept, with a note). Returns how many were kept, added and removed."""
    old = conn.execute(select(t.codings).where(c.source.like(f"{source}:%"))
                       .order_by(c.id)).all()
    by_key: dict[tuple, list[Any]] = {}
    for r in old:
        by_key.setdefault((r.document_id, r.start, r.end, r.code_id), []).append(r)
    stamp = now()
    ensure_coder(conn, coder)
    locators: dict[str, Any] = {}
    kept = added = 0
    for line, doc, start, end, code, memo in rows:
        same = by_key.get((doc, start, end, code))
        if same:
            cid = same.pop(0).id
            conn.execute(update(t.codings).where(c.id == cid).values(source=f"{source}:{line}"))
            kept += 1
        else:
            if doc not in locators:
                locators[doc] = document_locator(conn, doc)
            speaker, case, unit = locators[doc](start)
            cid = conn.execute(insert(t.codings).values(
                document_id=doc, start=start, end=end, text=texts[doc][start:end],
                code_id=code, speaker=speaker, case_id=case, unit_id=unit, coder=coder,
                origin="manual", status="accepted", anchor="ok", source=f"{source}:{line}",
                created_at=stamp, updated_at=stamp, decided_by=coder, decided_at=stamp,
            )).inserted_primary_key[0]
            added += 1
        have = set(conn.execute(select(t.memos.c.text).where(
            t.memos.c.target_type == "coding", t.memos.c.target_id == str(cid))).scalars())
        if memo and memo not in have:
            conn.execute(insert(t.memos).values(target_type="coding", target_id=str(cid),
                                                coder=coder, text=memo, created_at=stamp))
    gone = [r for rest in by_key.values() for r in rest]
    _delete_codings(conn, gone, f"no longer in {source}")
    counts = {"kept": kept, "added": added, "removed": len(gone)}
    log_event(conn, coder, "import-codings", source, {"codings": len(rows), **counts})
    return counts


def sync_imported(conn: Connection, label: str, rows: list[dict[str, Any]]
                  ) -> tuple[dict[str, int], dict[str, int]]:
    """Bring the codings imported from one exchange file (REFI-QDA) in step with its
    rows (key, document_id, start, end, text, code_id, coder, created_at, source):
    each is known by its `source` (file#guid), so importing the same file again changes
    nothing; rows no longer in the file are removed (their memos kept, with a note).
    Returns key -> coding id, and how many were added, kept, updated and removed."""
    old = {r.source: r for r in conn.execute(
        select(t.codings).where(c.origin == "imported", c.source.like(f"{label}#%")))}
    stamp = now()
    ids: dict[str, int] = {}
    counts = {"added": 0, "kept": 0, "updated": 0, "removed": 0}
    locators: dict[str, Any] = {}
    for row in rows:
        doc = row["document_id"]
        if doc not in locators:
            locators[doc] = document_locator(conn, doc)
        speaker, case, unit = locators[doc](row["start"])
        values = dict(document_id=doc, start=row["start"], end=row["end"], text=row["text"],
                      code_id=row["code_id"], coder=row["coder"], speaker=speaker,
                      case_id=case, unit_id=unit)
        prev = old.pop(row["source"], None)
        if prev is None:
            when = row.get("created_at") or stamp
            ids[row["key"]] = conn.execute(insert(t.codings).values(
                origin="imported", status="accepted", anchor="ok", source=row["source"],
                created_at=when, updated_at=stamp, decided_by=row["coder"], decided_at=when,
                **values)).inserted_primary_key[0]
            counts["added"] += 1
            continue
        ids[row["key"]] = prev.id
        if all(getattr(prev, k) == v for k, v in values.items()):
            counts["kept"] += 1
        else:
            conn.execute(update(t.codings).where(c.id == prev.id).values(
                updated_at=stamp, anchor="ok", **values))
            counts["updated"] += 1
    _delete_codings(conn, list(old.values()), f"no longer in {label}")
    counts["removed"] = len(old)
    return ids, counts


def reanchor_document(conn: Connection, document: str, old_text: str, new_text: str
                      ) -> dict[str, int]:
    """Follow a document's codings from its old text to the new one (see qualcode.anchor);
    returns how many ended ok, changed and orphaned."""
    from qualcode.anchor import reanchor

    rows = conn.execute(select(c.id, c.start, c.end, c.anchor)
                        .where(c.document_id == document, c.anchor != "orphaned")).all()
    counts: dict[str, int] = {}
    if not rows:
        return counts
    stamp = now()
    was = {r.id: r.anchor for r in rows}
    for a in reanchor(old_text, new_text, [(r.id, r.start, r.end) for r in rows]):
        # a flag stays until a person resolves it (qualcode resolve): a later import
        # that happens to anchor the coding cleanly does not clear it
        anchor = max(a.anchor, was[a.id], key=_SEVERITY.index)
        values: dict[str, Any] = {"anchor": anchor, "updated_at": stamp}
        if a.anchor != "orphaned":
            values.update(start=a.start, end=a.end, text=new_text[a.start:a.end])
        conn.execute(update(t.codings).where(c.id == a.id).values(**values))
        counts[anchor] = counts.get(anchor, 0) + 1
    return counts


def auto_codings(conn: Connection, documents: list[str], codes: set[str] | None
                 ) -> list[Any]:
    """The auto-coder's codings of these documents: id, document, span, code, status and
    the span and code it proposed (when a person has widened, narrowed or recoded it)."""
    q = select(c.id, c.document_id, c.start, c.end, c.code_id, c.status, c.proposed_start,
               c.proposed_end, c.proposed_code, c.rule, c.score).where(
        c.document_id.in_(documents), c.origin == "auto", not_search())
    if codes is not None:
        q = q.where(or_(c.code_id.in_(codes), c.proposed_code.in_(codes)))
    return conn.execute(q).all()


# --- codings from `qualcode search --code-as` ---------------------------------------
SEARCH_SOURCE = "search:"  # source of a search's codings: search:RUN (RUN: its event id)


def not_search() -> Any:
    """Codings that did not come from a search (auto-coding never replaces those)."""
    return or_(c.source.is_(None), c.source.not_like(f"{SEARCH_SOURCE}%"))


def span_keys(conn: Connection, documents: list[str]) -> set[tuple[str, int, int, str]]:
    """(document, start, end, code) of every coding of these documents still anchored."""
    keys: set[tuple[str, int, int, str]] = set()
    for j in range(0, len(documents), _CHUNK):
        keys.update(tuple(r) for r in conn.execute(
            select(c.document_id, c.start, c.end, c.code_id).where(
                c.document_id.in_(documents[j : j + _CHUNK]), c.anchor != "orphaned")))
    return keys


def add_search_codings(conn: Connection, rows: list[dict[str, Any]], coder: str | None,
                       accept: bool, details: dict[str, Any]) -> int:
    """Store the hits of one search as suggestions of the auto-coder (rule `search`), or,
    with `accept`, as `coder`'s own manual codings; one event for the whole search.
    Returns the run's number (its event id), kept in each coding's source."""
    from qualcode.store.units import batch_locators

    if coder:
        ensure_coder(conn, coder)
    event = conn.execute(insert(t.events).values(
        at=now(), coder=coder, action="search-code", target=details.get("code"),
        details={**details, "codings": len(rows), "accepted": accept})).inserted_primary_key[0]
    locate = batch_locators(conn, sorted({r["document_id"] for r in rows}))
    stamp = now()
    values = []
    for r in rows:
        speaker, case, unit = locate[r["document_id"]](r["start"])
        common = dict(speaker=speaker, case_id=case, unit_id=unit, anchor="ok",
                      source=f"{SEARCH_SOURCE}{event}", created_at=stamp, updated_at=stamp,
                      rule="search", **r)
        if accept:
            values.append(dict(coder=coder, origin="manual", status="accepted",
                               decided_by=coder, decided_at=stamp, **common))
        else:
            values.append(dict(coder=AUTO_CODER, origin="auto", status="suggested",
                               decided_by=None, decided_at=None, **common))
    for j in range(0, len(values), 5000):
        conn.execute(insert(t.codings), values[j : j + 5000])
    return int(event)


def undo_search_codings(conn: Connection, run: int, coder: str) -> dict[str, int]:
    """Take back what one search added: its suggestions nobody has decided yet and its
    accepted codings still as they were added (by `coder`, who ran it). A suggestion a
    person has decided since is that person's work and stays. Returns removed, kept."""
    from qualcode.store import schema

    e = schema.events.c
    event = conn.execute(select(e.coder, e.action).where(e.id == run)).first()
    if event is None or event.action != "search-code":
        raise CodingError(f"no search run #{run} - see qualcode log for search-code events")
    rows = conn.execute(select(t.codings).where(c.source == f"{SEARCH_SOURCE}{run}")).all()
    if event.coder and event.coder != coder:
        raise CodingError(f"search run #{run} was run by {event.coder} - only they can "
                          "undo it")
    gone = [r for r in rows if (r.origin == "auto" and r.status == "suggested"
                                and r.decided_by is None and r.proposed_start is None)
            or (r.origin == "manual" and r.coder == coder)]
    _delete_codings(conn, gone, f"taken back with search run #{run} by {coder}")
    counts = {"removed": len(gone), "kept": len(rows) - len(gone)}
    ensure_coder(conn, coder)
    log_event(conn, coder, "undo-search", f"#{run}", counts)
    return counts


def apply_suggestions(conn: Connection, remove: list[int], add: list[dict[str, Any]],
                      accepted_by: str | None, run_by: str | None,
                      details: dict[str, Any],
                      rescore: list[tuple[int, float | None]] | None = None) -> None:
    """One auto-coding run: drop stale unreviewed suggestions, store the new ones
    (accepted by `accepted_by` when given), give kept suggestions the model's new score
    (`rescore`: id, score) and log the run. Only codings still `suggested` are ever
    deleted or rescored."""
    noted = codings_with_memos(conn, remove)
    if noted:  # a memo on a suggestion outlives it, with a note of what it was on
        gone = conn.execute(select(t.codings).where(c.id.in_(sorted(noted)),
                                                    c.status == "suggested")).all()
        note_removed_codings(conn, gone, "replaced by an auto-coding run")
    for j in range(0, len(remove), _CHUNK):
        conn.execute(delete(t.codings).where(c.id.in_(remove[j : j + _CHUNK]),
                                             c.status == "suggested"))
    stamp = now()
    status = "accepted" if accepted_by else "suggested"
    for j in range(0, len(add), 5000):
        conn.execute(insert(t.codings), [
            dict(coder=AUTO_CODER, origin="auto", status=status, anchor="ok", source=None,
                 created_at=stamp, updated_at=stamp, decided_by=accepted_by,
                 decided_at=stamp if accepted_by else None, **row)
            for row in add[j : j + 5000]
        ])
    for row_id, score in rescore or []:
        conn.execute(update(t.codings).where(c.id == row_id, c.status == "suggested")
                     .values(score=score))
    log_event(conn, run_by, "autocode", None, details)


def coding_rows(conn: Connection, codes: list[str] | None = None,
                coders: list[str] | None = None, origins: list[str] | None = None,
                statuses: list[str] | None = None, documents: list[str] | None = None,
                include_orphaned: bool = True) -> list[Any]:
    """Codings matching the filters, by document, start and id."""
    q = select(c.id, c.document_id, c.case_id, c.speaker, c.start, c.end, c.text, c.code_id,
               c.coder, c.origin, c.status, c.rule, c.score, c.anchor, c.created_at,
               c.updated_at, c.decided_by, c.decided_at)
    for col, values in ((c.code_id, codes), (c.origin, origins),
                        (c.status, statuses), (c.document_id, documents)):
        if values:
            q = q.where(col.in_(values))
    if coders:
        q = q.where(by_coders(coders))
    if not include_orphaned:
        q = q.where(c.anchor != "orphaned")
    return conn.execute(q.order_by(c.document_id, c.start, c.id)).all()


def by_coders(coders: list[str]) -> Any:
    """Codings that are these coders' work: their own, and suggestions they accepted (an
    accepted suggestion is the judgement of the person who accepted it; the auto-coder
    stays its proposer)."""
    return or_(c.coder.in_(coders),
               and_(c.origin == "auto", c.status == "accepted", c.decided_by.in_(coders)))


def latest_decision(conn: Connection, coders: list[str] | None = None) -> str | None:
    """When a person last coded or decided (ISO time), for a model's staleness."""
    q = select(func.max(c.decided_at)).where(
        or_(c.coder != AUTO_CODER, c.status.in_(["accepted", "rejected"])),
        c.anchor != "orphaned", c.case_id.is_not(None))
    if coders:
        q = q.where(by_coders(coders))
    when = conn.execute(q).scalar()
    if isinstance(when, str):  # SQLite returns the stored text of an aggregate
        from datetime import datetime as _dt

        when = _dt.fromisoformat(when)
    if when is not None and when.tzinfo is None:
        from datetime import UTC

        when = when.replace(tzinfo=UTC)
    return when.isoformat() if when is not None else None


def suggestion_queue(conn: Connection, codes: list[str] | None = None,
                     document: str | None = None, source: str | None = None) -> list[int]:
    """Ids of the suggestions still to decide, in document order; `source`: only those
    of the rules, the learned model, the codebook (`autocode --source codebook`) or a
    search."""
    q = select(c.id).where(c.status == "suggested", c.anchor != "orphaned")
    if source == "search":
        q = q.where(c.source.like(f"{SEARCH_SOURCE}%"))
    elif source in ("model", "codebook"):
        q = q.where(c.rule == source, not_search())
    elif source == "rules":
        q = q.where(or_(c.rule.is_(None), c.rule.not_in(["model", "codebook"])), not_search())
    if codes:
        q = q.where(c.code_id.in_(codes))
    if document:
        q = q.where(c.document_id == document)
    return list(conn.execute(q.order_by(c.document_id, c.start, c.id)).scalars())


def status_counts(conn: Connection) -> list[tuple[str, str, int]]:
    """(origin, status, codings), sorted."""
    return sorted(tuple(r) for r in conn.execute(
        select(c.origin, c.status, func.count()).group_by(c.origin, c.status)))


def flagged(conn: Connection) -> list[dict[str, Any]]:
    """Codings whose text changed or disappeared under them, by id."""
    rows = conn.execute(select(c.id, c.document_id, c.code_id, c.coder, c.anchor)
                        .where(c.anchor != "ok").order_by(c.id)).all()
    return [dict(r._mapping) for r in rows]
