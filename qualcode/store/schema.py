"""Tables of the store (schema version in qualcode.store.migrations.CURRENT_VERSION)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

meta = Table(
    "meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

documents = Table(
    "documents", metadata,
    Column("id", String(200), primary_key=True),
    Column("path", Text, nullable=False),
    Column("case_id", String(200), nullable=False),
    Column("language", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("file_hash", String(64), nullable=False),
    Column("attributes", JSON, nullable=False),
    Column("words", Integer, nullable=False),
    Column("respondent_words", Integer, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
)

cases = Table(
    "cases", metadata,
    Column("id", String(200), primary_key=True),
    Column("attributes", JSON, nullable=False),
)

speakers = Table(
    "speakers", metadata,
    Column("document_id", String(200), primary_key=True),
    Column("label", String(200), primary_key=True),
    Column("case_id", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("attributes", JSON, nullable=False),
    Column("words", Integer, nullable=False, default=0),  # words this speaker said here
    ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
)

# one integer id per respondent (case) speaking in a document: the unit of analysis
units = Table(
    "units", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("document_id", String(200), nullable=False),
    Column("case_id", String(200), nullable=False),
    UniqueConstraint("document_id", "case_id", name="uq_units_document_case"),
)

turns = Table(
    "turns", metadata,
    Column("document_id", String(200), primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("speaker", String(200)),
    Column("case_id", String(200)),
    Column("role", String(16), nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("timestamp", String(32)),
    # seconds into the recording, where known (from the stamps or the subtitle cues)
    Column("start_time", Float),
    Column("end_time", Float),
    ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
)

# the cues of a .vtt/.srt transcript: their span of the stored text and their times
cues = Table(
    "cues", metadata,
    Column("document_id", String(200), primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("start_time", Float, nullable=False),
    Column("end_time", Float, nullable=False),
    ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
)

# the recording a transcript names (never copied into the store: only where it is, and
# what it was when last imported, so that status can tell it is missing or changed)
media = Table(
    "media", metadata,
    Column("document_id", String(200), primary_key=True),
    Column("path", Text, nullable=False),  # relative to interviews/, with /
    Column("kind", String(8), nullable=False),  # audio | video
    Column("size", BigInteger),  # None: the file was not there at import
    Column("mtime", Float),
    Column("sha256", String(64)),
    Column("duration", Float),  # seconds, None where it could not be read
    Column("checked_at", DateTime(timezone=True), nullable=False),
    ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
)

codes = Table(
    "codes", metadata,
    Column("id", String(100), primary_key=True),
    Column("name", Text, nullable=False),
    Column("parent_id", String(100)),
    Column("color", String(16)),
    Column("description", Text, nullable=False, default=""),
    Column("position", Integer, nullable=False),
    Column("depth", Integer, nullable=False),
    Column("codebook_version", String(64), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
)

coders = Table(
    "coders", metadata,
    Column("name", String(100), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

codings = Table(
    "codings", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("document_id", String(200), nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("code_id", String(100), nullable=False),
    # who speaks where the span starts (kept in step with the turns on every import)
    Column("speaker", String(200)),
    Column("case_id", String(200)),
    Column("unit_id", Integer),
    Column("coder", String(100), nullable=False),
    Column("origin", String(16), nullable=False),  # auto | manual | imported
    Column("status", String(16), nullable=False),  # suggested | accepted | rejected
    Column("rule", String(200)),
    Column("matched", Text),  # what the rule matched (auto codings)
    Column("language", String(16)),
    Column("anchor", String(16), nullable=False, default="ok"),  # ok | changed | orphaned
    Column("source", Text),  # where an imported coding came from (file:row)
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("decided_by", String(100)),
    Column("decided_at", DateTime(timezone=True)),
    # the span the auto-coder proposed, kept when a person widens or narrows it, so the
    # same proposal is never made again
    Column("proposed_start", Integer),
    Column("proposed_end", Integer),
    Column("proposed_code", String(100)),
    # how sure the learned model was of a suggestion (None: the rules alone proposed it)
    Column("score", Float),
    Index("ix_codings_doc", "document_id", "code_id"),
    Index("ix_codings_status", "origin", "status"),
    # covers the analysis aggregate (status, anchor, coder filters; group by unit and code)
    Index("ix_codings_unit", "status", "unit_id", "code_id", "anchor", "coder"),
    # ids are never reused (SQLite AUTOINCREMENT; PostgreSQL sequences never go back), so a
    # memo or a log entry can never point at another passage
    sqlite_autoincrement=True,
)

memos = Table(
    "memos", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("target_type", String(16), nullable=False),  # code | document | case | coding
    Column("target_id", String(200), nullable=False),
    Column("coder", String(100), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # what the memo was on, written when its coding was removed (the memo is kept)
    Column("about", Text),
    # the last edit (the earlier texts are in memo_versions)
    Column("edited_at", DateTime(timezone=True)),
    Column("edited_by", String(100)),
    sqlite_autoincrement=True,
)

# every earlier text of an edited memo: a memo's history is never lost
memo_versions = Table(
    "memo_versions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("memo_id", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("coder", String(100), nullable=False),  # who wrote this text
    Column("written_at", DateTime(timezone=True), nullable=False),
    Column("replaced_by", String(100), nullable=False),
    Column("replaced_at", DateTime(timezone=True), nullable=False),
    Index("ix_memo_versions_memo", "memo_id"),
    sqlite_autoincrement=True,
)

# a memo's links to other memos and to codings (target_type memo | coding)
memo_links = Table(
    "memo_links", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("memo_id", Integer, nullable=False),
    Column("target_type", String(16), nullable=False),
    Column("target_id", String(200), nullable=False),
    Column("coder", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # what the link pointed at, written when its coding was removed (the link is kept)
    Column("about", Text),
    UniqueConstraint("memo_id", "target_type", "target_id", name="uq_memo_links"),
    Index("ix_memo_links_target", "target_type", "target_id"),
    sqlite_autoincrement=True,
)

events = Table(
    "events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("coder", String(100)),
    Column("action", String(64), nullable=False),
    Column("target", String(200)),
    Column("details", JSON, nullable=False),
    sqlite_autoincrement=True,
)
