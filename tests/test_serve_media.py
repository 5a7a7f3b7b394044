"""The recording served to the browser: from interviews/ only, with range requests,
behind the same sign-in as every endpoint; a missing file is a note, not an error page."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qualcode.project import open_project

from .conftest import write
from .media_support import STAMPED, write_wav

BASE = "http://127.0.0.1:8765"


@pytest.fixture
def project(project_dir: Path):
    write(project_dir / "interviews" / "NE-07.md", STAMPED)
    write_wav(project_dir / "interviews" / "NE-07.wav", 3)
    write_wav(project_dir / "secret.wav", 1, pitch=880)
    (project_dir / "interviews" / "plain.md").write_text("R1: no recording here.\n")
    p = open_project(project_dir, coder="ana")
    p.import_interviews()
    p.code("NE-07", "trust", turn=1)
    yield p
    p.close()


def client(project, sessions=None):  # noqa: ANN001, ANN201
    from starlette.testclient import TestClient

    from qualcode.server.app import create_app

    c = TestClient(create_app(project, sessions), base_url=BASE)
    c.csrf = c.get("/api/session").json()["csrf"]
    return c


def test_document_sends_the_player_its_recording_and_times(project):
    c = client(project)
    doc = c.get("/api/documents/NE-07").json()
    assert doc["media"] == {"url": "/api/documents/NE-07/media", "kind": "audio",
                            "mime": "audio/wav", "path": "NE-07.wav", "duration": 3.0,
                            "state": "ok", "note": None}
    assert [(t["t0"], t["t1"]) for t in doc["turns"]] == [(0.0, 4.0), (4.0, 20.0),
                                                          (20.0, 24.0), (24.0, None)]
    (coding,) = doc["codings"]
    assert (coding["t0"], coding["t1"], coding["approx"]) == (4.0, 20.0, False)
    assert c.get("/api/documents/plain").json()["media"] is None


def test_range_requests_answer_206_with_the_bytes_asked_for(project):
    data = (Path(project.root) / "interviews" / "NE-07.wav").read_bytes()
    c = client(project)
    whole = c.get("/api/documents/NE-07/media")
    assert whole.status_code == 200 and whole.content == data
    assert whole.headers["content-type"] == "audio/wav"
    assert whole.headers["accept-ranges"] == "bytes"
    part = c.get("/api/documents/NE-07/media", headers={"range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 100-199/{len(data)}"
    assert part.content == data[100:200]
    tail = c.get("/api/documents/NE-07/media", headers={"range": "bytes=-10"})
    assert (tail.status_code, tail.content) == (206, data[-10:])
    bad = c.get("/api/documents/NE-07/media", headers={"range": f"bytes={len(data) + 5}-"})
    assert bad.status_code == 416


@pytest.mark.parametrize("doc", ["..%2F..%2Fsecret.wav", "%2E%2E%2Fsecret.wav",
                                 "%2Fetc%2Fpasswd", "..", "NE-07%2F..%2F..%2Fsecret.wav",
                                 "plain"])
def test_no_path_outside_interviews_can_be_requested(project, doc: str):
    secret = (Path(project.root) / "secret.wav").read_bytes()
    r = client(project).get(f"/api/documents/{doc}/media")
    assert r.status_code == 404
    assert secret not in r.content and b"RIFF" not in r.content


def test_a_link_swapped_in_after_import_is_refused(project):
    root = Path(project.root)
    wav = root / "interviews" / "NE-07.wav"
    wav.unlink()
    os.symlink(root / "secret.wav", wav)
    c = client(project)
    r = c.get("/api/documents/NE-07/media")
    assert r.status_code == 404 and r.json()["error"].endswith(
        "points outside interviews/ (a link to another folder?)")
    media = c.get("/api/documents/NE-07").json()["media"]
    assert (media["state"], media["url"]) == ("outside", None)


def test_a_stored_path_that_climbs_out_is_refused(project):
    from sqlalchemy import update

    from qualcode.store import schema

    with project.engine.begin() as conn:  # as if the store had been edited by hand
        conn.execute(update(schema.media).values(path="../secret.wav"))
    r = client(project).get("/api/documents/NE-07/media")
    assert r.status_code == 404 and b"RIFF" not in r.content


def test_a_missing_recording_is_a_note_and_the_page_still_loads(project):
    wav = Path(project.root) / "interviews" / "NE-07.wav"
    wav.rename(wav.with_name("NE-07-renamed.wav"))
    c = client(project)
    doc = c.get("/api/documents/NE-07")
    assert doc.status_code == 200
    media = doc.json()["media"]
    assert (media["state"], media["url"]) == ("missing", None)
    assert media["note"].startswith("the recording interviews/NE-07.wav is missing")
    assert len(doc.json()["turns"]) == 4
    r = c.get("/api/documents/NE-07/media")
    assert r.status_code == 404 and "is missing" in r.json()["error"]


def test_the_recording_needs_the_same_sign_in(project, tmp_path: Path):
    from qualcode.server.auth import Sessions, load_tokens

    tokens = tmp_path / "tokens"
    tokens.write_text("ana " + "a" * 20 + "\n")
    c = client(project, Sessions(load_tokens(tokens)))
    r = c.get("/api/documents/NE-07/media", headers={"range": "bytes=0-99"})
    assert r.status_code == 401 and b"RIFF" not in r.content
    r = c.post("/api/login", json={"token": "a" * 20}, headers={"x-csrf-token": c.csrf})
    assert r.status_code == 200
    assert c.get("/api/documents/NE-07/media",
                 headers={"range": "bytes=0-3"}).content == b"RIFF"
