"""Two `qualcode serve` processes on one PostgreSQL team store: each sees the other's
codings within a poll, and no write is lost when both write at once (issue 16). Each
workspace has its own app, engine and sessions, as separate processes do."""

from __future__ import annotations

import threading
from pathlib import Path

from qualcode.project import open_project

from .serve_support import serve_template  # noqa: F401
from .test_postgres import PG, pg_url, pytestmark  # noqa: F401
from .test_serve_api import client, post, text_of, utf16


def test_two_workspaces_on_one_team_store(serve_template: Path, tmp_path: Path,  # noqa: F811
                                          pg_url: str):  # noqa: F811
    import shutil

    root = tmp_path / "study"
    shutil.copytree(serve_template, root, ignore=shutil.ignore_patterns(".qualcode"))
    setup = open_project(root, db=pg_url)
    setup.import_interviews()
    setup.close()
    one, two = open_project(root, db=pg_url), open_project(root, db=pg_url)
    amina, lukas = client(one, "amina"), client(two, "lukas")
    text = text_of(one)
    seen = lukas.get("/api/changes").json()["version"]
    a = text.index("Niamey")
    r = post(amina, "/api/documents/en1/codings",
             {"code": "trust", "s16": utf16(text, a), "e16": utf16(text, a + 6)})
    assert r.status_code == 200, r.text
    # the other process notices at its next poll and shows amina's coding
    assert lukas.get("/api/changes").json()["version"] != seen
    doc = lukas.get("/api/documents/en1").json()
    assert [(c["coder"], c["code"]) for c in doc["codings"] if c["coder"] == "amina"] == [
        ("amina", "trust")]
    # both write at the same moment: nothing is lost
    words = [w for w in ("Rumours", "spread", "fast", "army", "watches", "politics")
             if w in text][:4]
    errors: list[str] = []

    def code(c, word: str) -> None:  # noqa: ANN001
        start = text.index(word)
        res = post(c, "/api/documents/en1/codings",
                   {"code": "coup", "s16": utf16(text, start),
                    "e16": utf16(text, start + len(word))})
        if res.status_code != 200:
            errors.append(res.text)

    threads = [threading.Thread(target=code, args=(c, w))
               for w in words for c in (amina, lukas)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = one.codings(codes=["coup"])
    assert sorted(zip(rows.coder, rows.text, strict=True)) == sorted(
        (c, w) for w in words for c in ("amina", "lukas"))
    one.close()
    two.close()


def test_a_codebook_change_in_one_workspace_is_seen_by_the_other(  # noqa: F811
        serve_template: Path, tmp_path: Path, pg_url: str):  # noqa: F811
    import shutil

    root = tmp_path / "study"
    shutil.copytree(serve_template, root, ignore=shutil.ignore_patterns(".qualcode"))
    setup = open_project(root, db=pg_url)
    setup.import_interviews()
    setup.autocode()
    setup.close()
    one, two = open_project(root, db=pg_url), open_project(root, db=pg_url)
    amina, lukas = client(one, "amina"), client(two, "lukas")
    rows = one.codings()
    coup = set(rows[rows.code == "coup"].id)
    assert [c["id"] for c in lukas.get("/api/codebook").json()["codes"]] == [
        "trust", "distrust", "coup"]
    r = post(amina, "/api/codebook/rename", {"code": "coup", "new": "coup_risk"})
    assert r.status_code == 200, r.text
    # the other server reads the same YAML and store: its palette and codings follow
    assert [c["id"] for c in lukas.get("/api/codebook").json()["codes"]] == [
        "trust", "distrust", "coup_risk"]
    doc = lukas.get("/api/documents/en1").json()
    assert {c["id"] for c in doc["codings"] if c["code"] == "coup_risk"} == \
        coup & {c["id"] for c in doc["codings"]}
    # and it can undo the change (the codebook is shared), recorded under lukas
    assert post(lukas, "/api/codebook/undo").json()["message"].startswith(
        "undid the rename of coup")
    rows = one.codings()
    assert set(rows[rows.code == "coup"].id) == coup
    assert [c["id"] for c in amina.get("/api/codebook").json()["codes"]] == [
        "trust", "distrust", "coup"]
    log = one.log(limit=2)
    assert list(zip(log.coder, log.action, strict=True)) == [
        ("lukas", "codebook.undo"), ("amina", "codebook.rename")]
    one.close()
    two.close()
