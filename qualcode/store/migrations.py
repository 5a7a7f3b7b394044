"""Schema versions and the upgrade path. The version is kept in `meta.schema_version`."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, inspect, select, text

from qualcode.errors import StoreError
from qualcode.store import schema

CURRENT_VERSION = 5


def _v2(conn: Connection) -> None:
    """Version 2: codings know whether they are still anchored, where they came from, what
    a rule matched and who speaks there; speakers know their word counts; an audit log."""
    columns = {c["name"] for c in inspect(conn).get_columns("codings")}
    if "anchor" not in columns:
        conn.execute(text("ALTER TABLE codings ADD COLUMN anchor VARCHAR(16) "
                          "NOT NULL DEFAULT 'ok'"))
    for name in ("source", "matched", "speaker", "case_id"):
        if name not in columns:
            conn.execute(text(f"ALTER TABLE codings ADD COLUMN {name} TEXT"))
    if "unit_id" not in columns:
        conn.execute(text("ALTER TABLE codings ADD COLUMN unit_id INTEGER"))
    schema.units.create(conn, checkfirst=True)
    pairs = conn.execute(select(schema.speakers.c.document_id, schema.speakers.c.case_id)
                         .where(schema.speakers.c.role == "respondent").distinct()).all()
    if pairs:
        conn.execute(schema.units.insert(), [dict(document_id=d, case_id=c) for d, c in pairs])
    if "words" not in {c["name"] for c in inspect(conn).get_columns("speakers")}:
        conn.execute(text("ALTER TABLE speakers ADD COLUMN words INTEGER NOT NULL DEFAULT 0"))
        _count_speaker_words(conn)
    schema.events.create(conn, checkfirst=True)
    for index in schema.codings.indexes:
        index.create(conn, checkfirst=True)
    from qualcode.store.units import assign_speakers

    assign_speakers(conn, None)


def _count_speaker_words(conn: Connection) -> None:
    """Fill speakers.words from the stored turns (what import computes for new documents)."""
    import re

    word = re.compile(r"\w+")
    docs = dict(conn.execute(select(schema.documents.c.id, schema.documents.c.text)).all())
    counts: dict[tuple[str, str], int] = {}
    for r in conn.execute(select(schema.turns.c.document_id, schema.turns.c.speaker,
                                 schema.turns.c.start, schema.turns.c.end)):
        if r.speaker is not None and r.document_id in docs:
            key = (r.document_id, r.speaker)
            counts[key] = counts.get(key, 0) + len(word.findall(
                docs[r.document_id][r.start:r.end]))
    sp = schema.speakers.c
    for (doc, label), n in counts.items():
        conn.execute(schema.speakers.update().where(sp.document_id == doc, sp.label == label)
                     .values(words=n))


def _v3(conn: Connection) -> None:
    """Version 3: ids of codings, memos and events are never reused (SQLite tables rebuilt
    with AUTOINCREMENT); memos keep a note of a removed coding they were on; auto codings
    keep the span the auto-coder proposed and the learned model's score."""
    if conn.dialect.name == "sqlite":
        for table in (schema.codings, schema.memos, schema.events):
            _rebuild_sqlite(conn, table)
        return
    for table, names in ((schema.codings, ("proposed_start", "proposed_end", "proposed_code",
                                          "score")),
                         (schema.memos, ("about",))):
        have = {c["name"] for c in inspect(conn).get_columns(table.name)}
        for name in names:
            if name not in have:
                kind = table.c[name].type.compile(dialect=conn.dialect)
                conn.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {name} {kind}"))


def _rebuild_sqlite(conn: Connection, table) -> None:  # noqa: ANN001
    """Re-create a SQLite table from its current definition, keeping every row and id."""
    old = f"{table.name}_v2"
    have = [c["name"] for c in inspect(conn).get_columns(table.name)]
    for index in inspect(conn).get_indexes(table.name):
        conn.execute(text(f'DROP INDEX IF EXISTS "{index["name"]}"'))
    conn.execute(text(f'ALTER TABLE "{table.name}" RENAME TO "{old}"'))
    table.create(conn)
    cols = ", ".join(f'"{c}"' for c in have if c in table.c)
    conn.execute(text(f'INSERT INTO "{table.name}" ({cols}) SELECT {cols} FROM "{old}"'))
    conn.execute(text(f'DROP TABLE "{old}"'))


def _v4(conn: Connection) -> None:
    """Version 4: memos keep their last edit (edited_at, edited_by), every earlier text
    (memo_versions) and their links to other memos and to codings (memo_links)."""
    have = {c["name"] for c in inspect(conn).get_columns("memos")}
    for name in ("edited_at", "edited_by"):
        if name not in have:
            kind = schema.memos.c[name].type.compile(dialect=conn.dialect)
            conn.execute(text(f"ALTER TABLE memos ADD COLUMN {name} {kind}"))
    schema.memo_versions.create(conn, checkfirst=True)
    schema.memo_links.create(conn, checkfirst=True)


def _v5(conn: Connection) -> None:
    """Version 5: turns keep their start and end times (filled here from the stored
    `[00:12:31]` stamps), subtitle cues their spans and times (cues), and a transcript the
    recording it names (media: moved out of the attributes, read again by the next
    import)."""
    have = {c["name"] for c in inspect(conn).get_columns("turns")}
    for name in ("start_time", "end_time"):
        if name not in have:
            kind = schema.turns.c[name].type.compile(dialect=conn.dialect)
            conn.execute(text(f"ALTER TABLE turns ADD COLUMN {name} {kind}"))
    schema.cues.create(conn, checkfirst=True)
    schema.media.create(conn, checkfirst=True)
    from qualcode.timeline import parse_clock, turn_end_times

    tc = schema.turns.c
    rows = conn.execute(select(tc.document_id, tc.idx, tc.timestamp)
                        .order_by(tc.document_id, tc.idx)).all()
    by_doc: dict[str, list] = {}
    for r in rows:
        by_doc.setdefault(r.document_id, []).append(r)
    for doc, turns in by_doc.items():
        starts = [parse_clock(r.timestamp) for r in turns]
        if all(s is None for s in starts):
            continue
        for r, s, e in zip(turns, starts, turn_end_times(starts, None), strict=True):
            conn.execute(schema.turns.update().where(tc.document_id == doc, tc.idx == r.idx)
                         .values(start_time=s, end_time=e))
    _move_media_attribute(conn)


def _move_media_attribute(conn: Connection) -> None:
    """A `media:` key imported as a free attribute before version 5 becomes the
    document's recording (its size and hash are read by the next import)."""
    import json

    from qualcode.media import media_kind
    from qualcode.store.memos import now

    d = schema.documents.c
    for doc, attrs in conn.execute(select(d.id, d.attributes)).all():
        if isinstance(attrs, str):
            attrs = json.loads(attrs)
        ref = (attrs or {}).get("media")
        if not isinstance(ref, str) or media_kind(ref) is None:
            continue
        rest = {k: v for k, v in attrs.items() if k != "media"}
        conn.execute(schema.documents.update().where(d.id == doc).values(attributes=rest))
        conn.execute(schema.media.insert().values(document_id=doc, path=ref,
                                                  kind=media_kind(ref), checked_at=now()))


UPGRADES: dict[int, Callable[[Connection], None]] = {2: _v2, 3: _v3, 4: _v4, 5: _v5}


def schema_version(conn: Connection) -> int | None:
    if not inspect(conn).has_table("meta"):
        return None
    row = conn.execute(
        select(schema.meta.c.value).where(schema.meta.c.key == "schema_version")
    ).first()
    if row is None:
        return None
    try:
        return int(row[0])
    except ValueError:
        raise StoreError(f"the store's schema version {row[0]!r} is not a number - the "
                         "store is damaged: restore it from a backup, or move it aside and "
                         "run qualcode import to rebuild it") from None


def ensure_schema(conn: Connection, read_only: bool = False) -> list[int]:
    """Create a new store or upgrade an old one; returns the versions applied."""
    version = schema_version(conn)
    if read_only and version != CURRENT_VERSION:
        raise StoreError("the store is read-only and " + (
            "empty" if version is None else f"at schema version {version}") +
            f" - open it once where it can be written to upgrade it to version "
            f"{CURRENT_VERSION}")
    if version is None:
        schema.metadata.create_all(conn)
        conn.execute(schema.meta.insert().values(key="schema_version",
                                                 value=str(CURRENT_VERSION)))
        return [CURRENT_VERSION]
    if version > CURRENT_VERSION:
        raise StoreError(
            f"the store has schema version {version}, newer than this qualcode "
            f"understands ({CURRENT_VERSION}) - upgrade qualcode"
        )
    applied = []
    for v in range(version + 1, CURRENT_VERSION + 1):
        UPGRADES[v](conn)
        conn.execute(schema.meta.update().where(schema.meta.c.key == "schema_version")
                     .values(value=str(v)))
        applied.append(v)
    return applied
