"""`qualcode serve` in-process: the JSON API against a real SQLite store, offsets,
sessions, CSRF, security headers, and the refusal of an unauthenticated network bind."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qualcode.project import open_project
from qualcode.server.offsets import Offsets, snap_to_words

from .conftest import REPO
from .serve_support import copy_project, serve_template, utf16  # noqa: F401

BASE = "http://127.0.0.1:8765"
CSP = ("default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; "
       "object-src 'none'")


@pytest.fixture
def project(serve_template: Path, tmp_path: Path):  # noqa: F811
    p = open_project(copy_project(serve_template, tmp_path / "study"))
    yield p
    p.close()


def client(project, coder: str | None = "amina", sessions=None):  # noqa: ANN001, ANN201
    """A TestClient with a session (and the coder chosen); `.csrf` holds its token."""
    from starlette.testclient import TestClient

    from qualcode.server.app import create_app

    c = TestClient(create_app(project, sessions), base_url=BASE)
    c.csrf = c.get("/api/session").json()["csrf"]
    if coder:
        r = c.post("/api/session", json={"coder": coder}, headers={"x-csrf-token": c.csrf})
        assert r.status_code == 200, r.text
    return c


def post(c, path: str, body: dict | None = None):  # noqa: ANN001, ANN201
    return c.post(path, json=body or {}, headers={"x-csrf-token": c.csrf})


def text_of(project) -> str:  # noqa: ANN001
    return project.documents().set_index("document").loc["en1", "text"]


def events(project) -> list[tuple[str, str, str]]:  # noqa: ANN001
    log = project.log(limit=100)
    return list(zip(log.coder, log.action, log.target, strict=True))


# --- offsets ---------------------------------------------------------------------------
def test_offsets_convert_accents_and_emoji_both_ways():
    text = "café 🙂 and 🤝 élites"
    off = Offsets(text)
    assert off.length16 == len(text.encode("utf-16-le")) // 2 == len(text) + 2
    e = text.index("élites")
    assert (e, off.to_utf16(e)) == (13, 15)
    assert off.to_codepoint(15) == 13
    assert off.to_utf16(text.index("🙂")) == 5 and off.to_utf16(text.index("🙂") + 1) == 7
    assert off.to_codepoint(6) == 5  # inside the surrogate pair: start of the emoji
    assert off.to_codepoint(7) == 6
    with pytest.raises(ValueError):
        off.to_codepoint(off.length16 + 1)


@given(st.text(alphabet=st.sampled_from("aé 🙂\n𝔘ß"), max_size=40))
def test_offsets_round_trip_any_text(text: str):
    off = Offsets(text)
    for i in range(len(text) + 1):
        assert off.to_utf16(i) == utf16(text, i)
        assert off.to_codepoint(off.to_utf16(i)) == i


def test_selection_snaps_to_whole_words_and_trims_space():
    text = "Les élites se méfient 🤝 vraiment."
    a = text.index("lites")
    assert snap_to_words(text, a, a + 8) == (text.index("élites"), text.index(" méfient"))
    b = text.index("méfient") + 2
    assert text[slice(*snap_to_words(text, b, b + 1))] == "méfient"
    assert snap_to_words(text, 3, 4) == (4, 4)  # only a space: empty
    s, e = snap_to_words(text, text.index("🤝") - 1, text.index("🤝") + 1)
    assert text[s:e] == "🤝"


# --- sessions, CSRF, headers ---------------------------------------------------------------
def test_first_visit_chooses_a_coder_and_names_are_checked(project):
    c = client(project, coder=None)
    assert c.get("/api/session").json()["coder"] is None
    r = post(c, "/api/documents/en1/codings", {"code": "trust", "s16": 52, "e16": 57})
    assert (r.status_code, r.json()) == (401, {"error": "choose your coder name first"})
    r = post(c, "/api/session", {"coder": "auto"})
    assert r.status_code == 400
    assert r.json()["error"] == ("'auto' is not a usable coder name - use letters, digits, "
                                 "spaces, '.', '@', '-' or '_' (up to 64), not 'auto'")
    assert post(c, "/api/session", {"coder": " lukas "}).json()["coder"] == "lukas"
    assert c.get("/api/session").json()["coder"] == "lukas"


def test_write_without_csrf_token_is_refused_and_writes_nothing(project):
    c = client(project)
    before = len(project.codings()), len(project.log(limit=100))
    for headers in ({}, {"x-csrf-token": "forged"}):
        r = c.post("/api/documents/en1/codings", json={"code": "trust", "s16": 52, "e16": 57},
                   headers=headers)
        assert (r.status_code, r.json()) == (403, {"error": "missing or wrong CSRF token - "
                                                            "reload the page"})
    r = c.post("/api/undo", json={}, headers={"x-csrf-token": c.csrf,
                                             "origin": "http://evil.example"})
    assert (r.status_code, r.json()) == (403, {"error": "cross-site request refused"})
    assert (len(project.codings()), len(project.log(limit=100))) == before


def test_security_headers_and_foreign_host_refused(project):
    c = client(project)
    for path in ("/", "/api/documents", "/static/app.js"):
        h = c.get(path).headers
        assert h["content-security-policy"] == CSP, path
        assert (h["x-content-type-options"], h["x-frame-options"], h["referrer-policy"]) == \
            ("nosniff", "DENY", "no-referrer")
    assert "no-store" in c.get("/api/documents").headers["cache-control"]
    assert "httponly" in c.get("/api/session").headers["set-cookie"].lower()
    r = c.get("/api/documents", headers={"host": "attacker.example"})
    assert r.status_code == 421


# --- reads -----------------------------------------------------------------------------
def test_document_list_has_attributes_filters_and_progress(project):
    c = client(project)
    project.coder = "lukas"
    project.code("fr1", "coup", quote="Les élites se méfient.")
    data = c.get("/api/documents").json()
    assert data["project"] == "Serve test"
    assert data["attributes"] == ["origin", "rank"]
    assert data["coders"] == ["lukas"]
    rows = {d["document"]: d for d in data["documents"]}
    assert (rows["en1"]["origin"], rows["en1"]["rank"]) == ("Nigerien", "junior officer")
    assert rows["en1"]["progress"] == {"suggested": 3, "decided": 0, "coders": {}}
    assert rows["fr1"]["progress"] == {"suggested": 1, "decided": 0, "coders": {"lukas": 1}}


def test_document_sends_turns_and_codings_in_utf16_and_text_verbatim(project):
    c = client(project)
    doc = c.get("/api/documents/en1").json()
    text = text_of(project)
    assert doc["text"] == text
    assert "<script>document.title='pwned'</script>" in doc["text"]
    assert [(t["speaker"], t["role"]) for t in doc["turns"]] == [
        ("Interviewer", "interviewer"), ("R1", "respondent"), ("Interviewer", "interviewer"),
        ("R1", "respondent")]
    t3 = doc["turns"][3]
    assert (t3["s16"], t3["e16"]) == (utf16(text, 202), utf16(text, 313)) == (204, 315)
    sugg = {x["code"]: x for x in doc["codings"]}
    assert (sugg["distrust"]["start"], sugg["distrust"]["s16"]) == (273, 275)
    assert sugg["trust"]["rule"] == "trust.en.1" and sugg["trust"]["status"] == "suggested"
    assert c.get("/api/documents/nope").status_code == 404
    assert c.get("/api/documents/nope").json() == {
        "error": "unknown document 'nope' - see qualcode status, or import it"}
    book = c.get("/api/codebook").json()
    trust = book["codes"][0]
    assert trust["description"] == "<img src=x onerror=alert(1)> <b>trust</b> between partners"
    assert trust["rules"]["trust.en.1"] == "'trust'"


# --- writes ----------------------------------------------------------------------------
def test_code_a_selection_after_emoji_snaps_to_words_in_code_points(project):
    c = client(project)
    text = text_of(project)
    i = text.index("ompletely")  # after 🤝: browser positions are one unit further
    r = post(c, "/api/documents/en1/codings",
              {"code": "coup", "s16": utf16(text, i), "e16": utf16(text, i + 4)})
    assert r.status_code == 200, r.text
    made = r.json()
    start = text.index("completely")
    assert (made["start"], made["end"], made["s16"]) == (start, start + 10, start + 2)
    row = project.codings().set_index("id").loc[made["id"]]
    assert (row.text, row.coder, row.origin, row.status) == ("completely", "amina", "manual",
                                                              "accepted")
    assert events(project)[0] == ("amina", "code", f"en1#{made['id']}")
    r = post(c, "/api/documents/en1/codings",
             {"code": "coup", "s16": utf16(text, i), "e16": utf16(text, i + 4)})
    assert (r.status_code, r.json()["error"]) == (
        400, f"you already coded this passage with coup (coding #{made['id']})")
    assert post(c, "/api/documents/en1/codings", {"code": "nope", "s16": 0, "e16": 5}
                ).json() == {"error": "unknown code 'nope' - see qualcode codebook show"}


def test_remove_only_own_codings_and_undo_brings_back(project):
    amina, lukas = client(project), client(project, "lukas")
    text = text_of(project)
    a = text.index("Niamey")
    made = post(amina, "/api/documents/en1/codings",
                {"code": "trust", "s16": utf16(text, a), "e16": utf16(text, a + 6)}).json()
    r = post(lukas, f"/api/documents/en1/codings/{made['id']}/remove")
    assert r.status_code == 400
    assert r.json()["error"] == (f"coding #{made['id']} is manual by amina - you can remove "
                                 "only your own manual codings (reject a suggestion instead)")
    assert post(amina, f"/api/documents/en1/codings/{made['id']}/remove").json() == {
        "removed": made["id"]}
    assert made["id"] not in set(project.codings().id)
    r = post(amina, "/api/undo").json()
    assert r["document"] == "en1" and r["undone"].startswith("coded the passage again")
    back = project.codings(coders=["amina"])
    assert list(back.text) == ["Niamey"]
    again = int(back.id.iloc[0])
    assert again != made["id"]  # ids are never reused
    # undoing the coding itself removes the passage coded again
    assert post(amina, "/api/undo").json()["undone"] == f"removed coding #{again}"
    assert project.codings(coders=["amina"]).empty
    r = post(amina, "/api/undo")
    assert (r.status_code, r.json()) == (409, {"error": "nothing to undo"})


def test_accept_reject_widen_narrow_like_review_with_audit_trail(project):
    c = client(project)
    doc = c.get("/api/documents/en1").json()
    ids = {x["code"]: x["id"] for x in doc["codings"]}
    url = "/api/documents/en1/codings/{}/decide"
    assert post(c, url.format(ids["trust"]), {"action": "accept"}).json()["status"] == \
        "accepted"
    assert post(c, url.format(ids["coup"]), {"action": "reject"}).json()["status"] == \
        "rejected"
    widened = post(c, url.format(ids["distrust"]), {"action": "widen"}).json()
    assert (widened["start"], widened["end"], widened["status"]) == (202, 313, "suggested")
    # a whole turn narrows back to the proposed sentence, then to what the rule matched
    # (the review loop's narrow)
    narrowed = post(c, url.format(ids["distrust"]), {"action": "narrow"}).json()
    assert text_of(project)[narrowed["start"]:narrowed["end"]] == \
        "Nobody is suspicious of the café owners."
    narrowed = post(c, url.format(ids["distrust"]), {"action": "narrow"}).json()
    assert text_of(project)[narrowed["start"]:narrowed["end"]] == "suspicious"
    r = post(c, url.format(ids["distrust"]), {"action": "narrow"})
    assert (r.status_code, r.json()) == (409, {"error": "the span cannot be narrowed further"})
    rows = project.codings().set_index("id")
    assert rows.loc[ids["trust"], "status"] == "accepted"
    assert rows.loc[ids["coup"], "status"] == "rejected"
    assert [e[1] for e in events(project)[:5]] == ["respan", "respan", "respan", "reject",
                                                   "accept"]
    assert {e[0] for e in events(project)[:5]} == {"amina"}
    # undo restores the suggestion as the review loop's undo does
    for _ in range(4):
        post(c, "/api/undo")
    assert project.codings().set_index("id").loc[ids["coup"], "status"] == "suggested"
    assert events(project)[0][1] == "undo"
    manual = post(c, "/api/documents/en1/codings", {"code": "coup", "s16": 52, "e16": 57}
                  ).json()
    r = post(c, url.format(manual["id"]), {"action": "accept"})
    assert r.json()["error"] == (f"coding #{manual['id']} is not a suggestion - decisions "
                                 "apply to suggestions; remove your own codings instead")


def test_memos_on_document_and_coding(project):
    c = client(project)
    cid = c.get("/api/documents/en1").json()["codings"][0]["id"]
    assert post(c, "/api/memos", {"on": "document", "target": "en1", "text": "rich"}
                ).status_code == 200
    assert post(c, "/api/memos", {"on": "coding", "target": str(cid), "text": "check"}
                ).status_code == 200
    assert post(c, "/api/memos", {"on": "document", "target": "en1", "text": " "}
                ).json() == {"error": "empty memo"}
    memos = c.get("/api/documents/en1").json()["memos"]
    assert [(m["on"], m["target"], m["coder"], m["memo"]) for m in memos] == [
        ("document", "en1", "amina", "rich"), ("coding", str(cid), "amina", "check")]


def test_changes_marker_moves_with_every_write_by_anyone(project):
    c = client(project)
    v0 = c.get("/api/changes").json()["version"]
    assert c.get("/api/changes").json()["version"] == v0
    other = open_project(project.root, coder="lukas")  # another process on the store
    other.code("en1", "coup", quote="Rumours spread fast")
    other.close()
    v1 = c.get("/api/changes").json()["version"]
    assert v1 != v0 and v1.endswith("|lukas|code|en1#5")


def test_disagreements_between_two_coders(project):
    for coder, quote in (("amina", "The army watches politics closely"),
                         ("lukas", "Rumours spread fast in Niamey")):
        project.coder = coder
        project.code("en1", "coup", quote=quote)
    project.coder = None
    c = client(project)
    got = c.get("/api/documents/en1/disagreements?a=amina&b=lukas").json()["disagreements"]
    assert [(d["code"], d["start"], d["end"], d["coders"]) for d in got] == [
        ("coup", 85, 139, ["amina"]), ("coup", 202, 272, ["lukas"])]


# --- network binds -----------------------------------------------------------------------
def test_tokens_sign_coders_in_and_everything_else_is_refused(project, tmp_path: Path):
    from qualcode.server.auth import Sessions, load_tokens

    tokens = tmp_path / "tokens"
    tokens.write_text("amina  a" + "x" * 20 + "\nlukas b" + "y" * 20 + "  # lukas\n")
    c = client(project, coder=None, sessions=Sessions(load_tokens(tokens)))
    assert c.get("/api/documents").json() == {"error": "sign in first"}
    assert c.get("/api/documents").status_code == 401
    r = post(c, "/api/login", {"token": "wrong"})
    assert (r.status_code, r.json()) == (401, {"error": "unknown sign-in token"})
    r = post(c, "/api/login", {"token": "b" + "y" * 20})
    assert r.json()["coder"] == "lukas" and r.json()["auth_required"] is True
    c.csrf = r.json()["csrf"]
    assert c.get("/api/documents").status_code == 200
    r = post(c, "/api/session", {"coder": "amina"})
    assert (r.status_code, r.json()["error"]) == (
        403, "the coder is fixed here (by --coder or your sign-in token)")
    short = tmp_path / "short"
    short.write_text("amina abc\n")
    from qualcode.server.errors import ServeError

    with pytest.raises(ServeError, match=r"short:1: the token of amina is shorter than 16"):
        load_tokens(short)


def test_non_local_bind_without_credentials_refuses_to_start(project):
    r = subprocess.run([sys.executable, "-m", "qualcode", "-p", str(project.root), "serve",
                        "--host", "0.0.0.0", "--port", "1"], capture_output=True, text=True,
                       timeout=60, cwd=REPO)
    assert r.returncode == 1
    assert r.stderr == ("Error: binding to 0.0.0.0 exposes the project to the network - give "
                        "per-coder sign-in tokens with --tokens FILE, or bind to 127.0.0.1\n")


def test_a_busy_or_impossible_port_is_one_line(project):
    import socket

    from typer.testing import CliRunner

    from qualcode.cli.app import app

    def cli(*args: str, project: Path):
        return CliRunner().invoke(app, ["-p", str(project), *args])

    res = cli("serve", "--port", "99999", project=project.root)
    assert (res.exit_code, res.stderr) == (1, "Error: --port 99999: use a port between 1 "
                                              "and 65535\n")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        res = cli("serve", "--port", str(port), project=project.root)
    assert res.exit_code == 1
    assert res.stderr.startswith(f"Error: cannot listen on 127.0.0.1:{port}: ")
    assert res.stdout == ""  # no URL announced for a server that never started


def test_help_does_not_import_the_server():
    code = ("import sys, contextlib, io\nfrom qualcode.cli.app import app\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try: app(['serve', '--help'])\n    except SystemExit: pass\n"
            "print(sorted(m for m in ('starlette', 'uvicorn', 'qualcode.server', 'pandas')"
            " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO, check=True).stdout
    assert out.strip() == "[]"
