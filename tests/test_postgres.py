"""The team store: the same workflow on a real PostgreSQL server gives the same results
as on SQLite. Runs where QUALCODE_TEST_PG names a server (CI starts one in .ci/run)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pandas as pd
import pytest

from qualcode.project import open_project

from .conftest import copy_example

PG = os.environ.get("QUALCODE_TEST_PG")
pytestmark = pytest.mark.skipif(not PG, reason="no PostgreSQL server: set QUALCODE_TEST_PG "
                                               "(.ci/run starts one)")


@pytest.fixture
def pg_url():
    import psycopg

    name = f"qualcode_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    base = PG.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


def _workflow(root: Path, db: str | None) -> dict[str, pd.DataFrame]:
    proj = open_project(root, db=db, coder="ana")
    proj.import_interviews()
    proj.autocode()
    ids = proj.codings(origins=["auto"]).sort_values(["document", "start", "code"]).id.tolist()
    from qualcode.coding import decide

    decide(proj.workspace, ids[0], "reject")
    decide(proj.workspace, ids[1], "accept")
    proj.code("NE-01", "trust_gap", quote="Ils ne voient pas ce que pensent les sergents.")
    proj.memo("document", "NE-01", "Long pauses.")
    again = proj.autocode_run()
    out = {
        "summary": proj.summary(by=["origin", "rank"], include_suggestions=True),
        "compare": proj.compare("origin"),
        "agreement": proj.agreement(["amina", "lukas"], unit="turn"),
        "codings": proj.codings().drop(columns=["id", "created_at", "updated_at", "decided_at"])
        .sort_values(["document", "start", "end", "code", "coder"]).reset_index(drop=True),
        "rerun": pd.DataFrame([{"added": again.added, "removed": again.removed,
                                "kept": again.kept}]),
    }
    proj.close()
    return out


def test_same_results_on_postgresql_and_sqlite(tmp_path: Path, pg_url: str):
    root = copy_example(tmp_path / "sahel")
    lite = _workflow(root, None)
    pg = _workflow(root, pg_url)
    for key in lite:
        pd.testing.assert_frame_equal(lite[key], pg[key], check_dtype=False, obj=key)
    assert lite["rerun"].iloc[0].tolist() == [0, 0, len(lite["codings"][
        (lite["codings"].origin == "auto") & (lite["codings"].status == "suggested")])]


def test_store_url_forms_and_password_never_shown(tmp_path: Path, pg_url: str):
    from qualcode.store.engine import normalise_url, safe_url

    assert normalise_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert safe_url("postgresql://u:secret@h/db") == "postgresql://u:***@h/db"
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "qualcode.toml").write_text(f'db = "{pg_url}"\n', encoding="utf-8")
    proj = open_project(tmp_path / "p")
    assert proj.db_url == pg_url
    assert proj.status()["store"].startswith("postgresql")


def test_a_version_2_team_store_is_upgraded(tmp_path: Path, pg_url: str):
    """Schema 3 on PostgreSQL adds its columns in place; ids keep coming from sequences."""
    from sqlalchemy import inspect, text

    from qualcode.store.engine import make_engine

    root = copy_example(tmp_path / "sahel")
    proj = open_project(root, db=pg_url, coder="ana")
    proj.import_interviews()
    proj.close()
    engine = make_engine(pg_url)
    with engine.begin() as conn:
        for table, col in (("codings", "proposed_start"), ("codings", "proposed_end"),
                           ("codings", "proposed_code"), ("codings", "score"),
                           ("memos", "about")):
            conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {col}"))
        conn.execute(text("UPDATE meta SET value = '2' WHERE key = 'schema_version'"))
        before = conn.execute(text("SELECT max(id) FROM codings")).scalar()
    engine.dispose()
    proj = open_project(root, db=pg_url, coder="ana")
    with proj.engine.connect() as conn:
        cols = {c["name"] for c in inspect(conn).get_columns("codings")}
    assert {"proposed_start", "proposed_end", "proposed_code", "score"} <= cols
    cid = proj.code("NE-01", "trust_gap", turn=1)
    assert cid > before
    assert "about" in proj.memos().columns
    proj.close()


def test_a_version_3_team_store_is_upgraded_and_keeps_memo_history(tmp_path: Path,
                                                                    pg_url: str):
    """Schema 4 on PostgreSQL: memos gain edit columns, versions and links in place; a
    memo written before the upgrade can be edited (its first text kept) and linked."""
    from sqlalchemy import inspect, text

    from qualcode.store.engine import make_engine

    root = copy_example(tmp_path / "sahel")
    proj = open_project(root, db=pg_url, coder="ana")
    proj.import_interviews()
    cid = proj.code("NE-01", "trust_gap", turn=1)
    first = proj.memo("coding", str(cid), "before the upgrade")
    proj.close()
    engine = make_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE memo_versions"))
        conn.execute(text("DROP TABLE memo_links"))
        conn.execute(text("DROP TABLE cues"))
        conn.execute(text("DROP TABLE media"))
        conn.execute(text("ALTER TABLE turns DROP COLUMN start_time, DROP COLUMN end_time"))
        for col in ("edited_at", "edited_by"):
            conn.execute(text(f"ALTER TABLE memos DROP COLUMN {col}"))
        conn.execute(text("UPDATE meta SET value = '3' WHERE key = 'schema_version'"))
    engine.dispose()
    proj = open_project(root, db=pg_url, coder="ana")
    with proj.engine.connect() as conn:
        assert {"memo_versions", "memo_links"} <= set(inspect(conn).get_table_names())
        version = conn.execute(text("SELECT value FROM meta WHERE key = 'schema_version'")
                               ).scalar_one()
    assert version == "5"
    proj.memo_edit(first, "after the upgrade")
    second = proj.memo("project", None, "journal entry", links=[str(first), f"coding:{cid}"])
    hist = proj.memos(history=True)
    assert hist[hist.id == first].memo.tolist() == ["before the upgrade", "after the upgrade"]
    assert proj.memos().set_index("id").at[second, "links"] == f"memo:{first}, coding:{cid}"
    proj.uncode(cid)
    links = proj.memo_show(second)["link_details"]
    assert links[1]["about"].startswith(f"coding #{cid} (trust_gap, NE-01 ")
    proj.close()


def test_a_version_4_team_store_gets_turn_times_and_recordings(tmp_path: Path, pg_url: str):
    """Schema 5 on PostgreSQL: turn times filled from the stamps, the `media:` attribute
    moved to the recording table, read by the next import; coding times exported."""
    from sqlalchemy import text

    from qualcode.store.engine import make_engine

    from .conftest import write
    from .media_support import STAMPED, write_wav

    root = tmp_path / "study"
    write(root / "qualcode.toml", 'name = "s"\nlanguage = "en"\n')
    write(root / "codebook" / "c.yaml", "codebook: c\nversion: 1\ncodes:\n  - id: trust\n"
                                        "    name: Trust\n")
    write(root / "interviews" / "NE-07.md", STAMPED)
    proj = open_project(root, db=pg_url, coder="ana")
    proj.import_interviews()
    cid = proj.code("NE-07", "trust", turn=1)
    proj.close()
    engine = make_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE cues"))
        conn.execute(text("DROP TABLE media"))
        conn.execute(text("ALTER TABLE turns DROP COLUMN start_time, DROP COLUMN end_time"))
        conn.execute(text("""UPDATE documents SET attributes = '{"media": "NE-07.wav"}'"""))
        conn.execute(text("UPDATE meta SET value = '4' WHERE key = 'schema_version'"))
    engine.dispose()
    write_wav(root / "interviews" / "NE-07.wav", 30)
    proj = open_project(root, db=pg_url, coder="ana")
    proj.import_interviews()
    from qualcode.export import codings_frame
    from qualcode.store.media import media_rows

    row = codings_frame(proj.workspace).set_index("id").loc[cid]
    assert (row.start_time, row.end_time, bool(row.approximate)) == (4.0, 20.0, False)
    with proj.engine.connect() as conn:
        m = media_rows(conn)["NE-07"]
        version = conn.execute(text("SELECT value FROM meta WHERE key = 'schema_version'")
                               ).scalar_one()
    assert (version, m.path, m.duration) == ("5", "NE-07.wav", 30.0)
    assert proj.status()["media"] == []
    proj.close()
