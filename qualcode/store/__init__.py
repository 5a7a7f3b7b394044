"""The store: the only place that talks SQL.

- `engine`: connecting (SQLite file or PostgreSQL server), `open_store`;
- `schema`, `migrations`: the tables and their upgrade path;
- `documents`: documents, turns, speakers, cases;
- `codings`: codings and the decisions on them;
- `memos`: memos and the audit trail (events);
- `units`: respondent units and the aggregates analysis counts;
- `codes`: the codebook's mirror and the coders;
- `meta`: key/value facts (schema version, coder-file digests).

Functions that write take a connection, so a caller composes several writes in one
transaction (`with engine.begin() as conn: ...`); each writes its own audit event.
"""
