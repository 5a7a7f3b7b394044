"""The store: schema creation, versioning and the upgrade path."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, inspect, select, text

from qualcode.errors import StoreError
from qualcode.project import open_project
from qualcode.store import schema as t
from qualcode.store.migrations import CURRENT_VERSION, ensure_schema, schema_version


def test_new_store_is_a_sqlite_file_in_the_project(project_dir: Path):
    proj = open_project(project_dir)
    with proj.engine.connect() as conn:
        assert schema_version(conn) == CURRENT_VERSION
    assert (project_dir / ".qualcode" / "qualcode.db").is_file()


def _make_v1(path: Path) -> None:
    """A version-1 store as the first release wrote it (no events, no anchor columns)."""
    engine = create_engine(f"sqlite:///{path}")
    plain = (t.codings, t.memos, t.events)  # version 1 had no AUTOINCREMENT
    for table in plain:
        table.dialect_options["sqlite"]["autoincrement"] = False
    with engine.begin() as conn:
        try:
            t.metadata.create_all(conn)
        finally:
            for table in plain:
                table.dialect_options["sqlite"]["autoincrement"] = True
        _drop_v5(conn)
        conn.execute(text("DROP TABLE events"))
        conn.execute(text("DROP TABLE memo_versions"))
        conn.execute(text("DROP TABLE memo_links"))
        for col in ("edited_at", "edited_by"):
            conn.execute(text(f"ALTER TABLE memos DROP COLUMN {col}"))
        for col in ("proposed_start", "proposed_end", "proposed_code", "score"):
            conn.execute(text(f"ALTER TABLE codings DROP COLUMN {col}"))
        conn.execute(text("ALTER TABLE memos DROP COLUMN about"))
        conn.execute(text("DROP INDEX ix_codings_unit"))
        conn.execute(text("DROP TABLE units"))
        for col in ("anchor", "source", "matched", "speaker", "case_id", "unit_id"):
            conn.execute(text(f"ALTER TABLE codings DROP COLUMN {col}"))
        conn.execute(text("ALTER TABLE speakers DROP COLUMN words"))
        conn.execute(text(
            "INSERT INTO documents VALUES ('d1', 'interviews/d1.md', 'R1', 'en', "
            "'R1: hello there, world', 'h', 'fh', '{}', 4, 3, '2023-01-01')"))
        conn.execute(text("INSERT INTO turns VALUES ('d1', 0, 'R1', 'R1', 'respondent', 4, 22, "
                          "NULL)"))
        conn.execute(text("INSERT INTO speakers VALUES ('d1', 'R1', 'R1', 'respondent', '{}')"))
        conn.execute(insert(t.meta).values(key="schema_version", value="1"))
        conn.execute(text(
            "INSERT INTO codings (document_id, start, \"end\", text, code_id, coder, origin, "
            "status, created_at, updated_at) VALUES ('d1', 4, 9, 'hello', 'trust', 'ana', "
            "'manual', 'accepted', '2023-01-01', '2023-01-01')"))
    engine.dispose()


def test_upgrade_from_version_1_keeps_codings(project_dir: Path):
    db = project_dir / ".qualcode" / "qualcode.db"
    db.parent.mkdir()
    _make_v1(db)
    proj = open_project(project_dir)
    with proj.engine.connect() as conn:
        assert schema_version(conn) == CURRENT_VERSION
        cols = {c["name"] for c in inspect(conn).get_columns("codings")}
        assert {"anchor", "source", "matched"} <= cols
        assert inspect(conn).has_table("events")
        row = conn.execute(select(t.codings.c.text, t.codings.c.anchor, t.codings.c.case_id,
                                  t.codings.c.unit_id)).one()
        words = conn.execute(select(t.speakers.c.words)).scalar_one()
        unit = conn.execute(select(t.units.c.id, t.units.c.document_id, t.units.c.case_id)
                            ).one()
        ddl = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'codings'")
                           ).scalar_one()
    assert "AUTOINCREMENT" in ddl  # ids are never reused after the upgrade either
    assert {"proposed_start", "proposed_end"} <= cols
    assert tuple(row) == ("hello", "ok", "R1", unit.id)
    assert tuple(unit)[1:] == ("d1", "R1")
    assert words == 3


def _make_v3(path: Path) -> None:
    """A version-3 store with a memo: memos without edits, versions or links."""
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        t.metadata.create_all(conn)
        _drop_v5(conn)
        conn.execute(text("DROP TABLE memo_versions"))
        conn.execute(text("DROP TABLE memo_links"))
        for col in ("edited_at", "edited_by"):
            conn.execute(text(f"ALTER TABLE memos DROP COLUMN {col}"))
        conn.execute(insert(t.meta).values(key="schema_version", value="3"))
        conn.execute(text("INSERT INTO coders VALUES ('ana', '2023-01-01')"))
        conn.execute(text(
            "INSERT INTO memos (target_type, target_id, coder, text, created_at) VALUES "
            "('code', 'trust', 'ana', 'first thought', '2023-01-01 10:00:00')"))
    engine.dispose()


def test_upgrade_from_version_3_keeps_memos_and_adds_history(project_dir: Path):
    db = project_dir / ".qualcode" / "qualcode.db"
    db.parent.mkdir()
    _make_v3(db)
    proj = open_project(project_dir, coder="ana")
    with proj.engine.connect() as conn:
        assert schema_version(conn) == CURRENT_VERSION
        assert inspect(conn).has_table("memo_versions")
        assert inspect(conn).has_table("memo_links")
    memos = proj.memos()
    assert memos[["id", "on", "target", "coder", "memo"]].values.tolist() == [
        [1, "code", "trust", "ana", "first thought"]]
    assert memos.edited_at.isna().all() and memos.links.tolist() == [""]
    # the upgraded memo can be edited, and its first text stays in its history
    proj.memo_edit(1, "second thought")
    hist = proj.memos(history=True)
    assert hist[["version", "current", "memo"]].values.tolist() == [
        [1, False, "first thought"], [2, True, "second thought"]]
    assert str(hist.at[0, "at"]).startswith("2023-01-01 10:00:00")


def _drop_v5(conn) -> None:  # noqa: ANN001
    """Take away what version 5 added: turn times, cues, media."""
    conn.execute(text("DROP TABLE cues"))
    conn.execute(text("DROP TABLE media"))
    for col in ("start_time", "end_time"):
        conn.execute(text(f"ALTER TABLE turns DROP COLUMN {col}"))


def test_upgrade_from_version_4_times_the_turns_and_links_the_recording(project_dir: Path):
    from qualcode.store.documents import timed_turns
    from qualcode.store.media import media_rows

    from .conftest import write
    from .media_support import STAMPED, write_wav

    write(project_dir / "interviews" / "NE-07.md", STAMPED)
    proj = open_project(project_dir, coder="ana")
    proj.import_interviews()
    cid = proj.code("NE-07", "trust", turn=1)
    proj.close()
    db = project_dir / ".qualcode" / "qualcode.db"
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:  # as version 4 stored it: media: was an attribute
        _drop_v5(conn)
        conn.execute(text("UPDATE documents SET attributes = "
                          "'{\"media\": \"NE-07.wav\", \"language\": \"en\"}'"))
        conn.execute(text("UPDATE meta SET value = '4' WHERE key = 'schema_version'"))
    engine.dispose()
    write_wav(project_dir / "interviews" / "NE-07.wav", 30)
    proj = open_project(project_dir, coder="ana")
    with proj.engine.connect() as conn:
        assert schema_version(conn) == CURRENT_VERSION == 5
        assert [(r.start_time, r.end_time) for r in timed_turns(conn)] == [
            (0.0, 4.0), (4.0, 20.0), (20.0, 24.0), (24.0, None)]
        assert media_rows(conn)["NE-07"].path == "NE-07.wav"
    assert "media" not in proj.documents().columns
    assert proj.codings().id.tolist() == [cid]
    # the next import reads the recording (its size, hash and length), the file unchanged
    report = proj.import_interviews()
    assert report.unchanged == ["NE-07"]
    with proj.engine.connect() as conn:
        m = media_rows(conn)["NE-07"]
        assert (m.size, m.duration) == ((project_dir / "interviews" / "NE-07.wav"
                                          ).stat().st_size, 30.0)
        assert [r.end_time for r in timed_turns(conn)][-1] == 30.0
    proj.close()


def test_newer_store_is_refused(tmp_path: Path):
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.begin() as conn:
        ensure_schema(conn)
        conn.execute(text("UPDATE meta SET value='99' WHERE key='schema_version'"))
    with engine.begin() as conn, pytest.raises(StoreError, match="schema version 99, newer"):
        ensure_schema(conn)


def test_unreachable_store_is_one_line_without_password(project_dir: Path):
    proj = open_project(project_dir, db="postgresql://ana:s3cret@127.0.0.1:1/nowhere")
    with pytest.raises(StoreError) as err:
        proj.engine  # noqa: B018
    msg = str(err.value)
    assert msg.startswith("cannot open the store postgresql://ana:***@127.0.0.1:1/nowhere: ")
    assert "s3cret" not in msg and "\n" not in msg


def test_relative_sqlite_url_is_relative_to_the_project(project_dir: Path):
    proj = open_project(project_dir, db="sqlite:///other/store.db")
    proj.engine  # noqa: B018
    assert (project_dir / "other" / "store.db").is_file()
