"""The codebook panel's API (`qualcode serve`): rename, merge, move, split and its queue,
retire/restore and undo, in-process against a real SQLite store and real YAML files;
bad input is one line and changes nothing; writes need a coder and the CSRF token."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qualcode.project import open_project

from .serve_support import copy_project, serve_template  # noqa: F401
from .test_serve_api import client, events, post, text_of


@pytest.fixture
def project(serve_template: Path, tmp_path: Path):  # noqa: F811
    p = open_project(copy_project(serve_template, tmp_path / "study"))
    yield p
    p.close()


def yaml_of(project) -> str:  # noqa: ANN001
    return (project.root / "codebook" / "codes.yaml").read_text(encoding="utf-8")


def palette(c) -> list[tuple[str, str, str | None]]:  # noqa: ANN001
    return [(x["id"], x["name"], x["parent"]) for x in c.get("/api/codebook").json()["codes"]]


def on_code(project, code: str) -> set[int]:  # noqa: ANN001
    rows = project.codings()
    return set(rows[rows.code == code].id)


def snapshot(project) -> tuple:  # noqa: ANN001
    rows = project.codings().sort_values("id")
    return yaml_of(project), list(zip(rows.id, rows.code, rows.status, strict=True)), \
        len(project.log(limit=1000))


def test_rename_from_the_panel_carries_codings_and_the_palette_follows(project):
    c = client(project)
    coup = on_code(project, "coup")
    assert coup  # the template's auto-coding suggested it
    r = post(c, "/api/codebook/rename", {"code": "coup", "new": "coup_risk",
                                         "name": "Coup danger"})
    assert r.status_code == 200, r.text
    assert r.json()["message"] == f"renamed coup -> coup_risk; {len(coup)} coding(s) carried"
    assert r.json()["files"] == ["codebook/codes.yaml"]
    assert "  - id: coup_risk\n    name: Coup danger\n" in yaml_of(project)
    assert "id: coup\n" not in yaml_of(project)
    assert on_code(project, "coup_risk") == coup and not on_code(project, "coup")
    # the server's codebook is the edited file at once; the document's codings follow
    assert ("coup_risk", "Coup danger", None) in palette(c)
    assert "coup" not in [x[0] for x in palette(c)]
    doc = c.get("/api/documents/en1").json()
    assert {x["id"] for x in doc["codings"] if x["code"] == "coup_risk"} == \
        coup & {x["id"] for x in doc["codings"]}
    assert events(project)[0] == ("amina", "codebook.rename", "coup")
    # the name alone
    r = post(c, "/api/codebook/rename", {"code": "coup_risk", "name": "Risk of a coup"})
    assert r.json()["message"].startswith("renamed coup_risk: name 'Risk of a coup'")
    assert ("coup_risk", "Risk of a coup", None) in palette(c)


def test_merge_into_an_existing_or_a_new_code_and_undo_puts_everything_back(project):
    c = client(project)
    before = snapshot(project)
    trust, distrust = on_code(project, "trust"), on_code(project, "distrust")
    coup = on_code(project, "coup")
    r = post(c, "/api/codebook/merge", {"codes": ["distrust", "trust"], "into": "trust"})
    assert r.status_code == 200, r.text
    assert r.json()["message"] == (f"merged distrust into trust; {len(distrust)} coding(s) "
                                   "carried")
    assert on_code(project, "trust") == trust | distrust
    assert [x[0] for x in palette(c)] == ["trust", "coup"]
    assert post(c, "/api/codebook/undo").json()["message"].startswith("undid the merge of trust")
    assert snapshot(project)[:2] == before[:2]
    assert [x[0] for x in palette(c)] == ["trust", "distrust", "coup"]
    # a new code, placed where the first one was
    r = post(c, "/api/codebook/merge", {"codes": ["coup", "trust"], "into": "security",
                                        "name": "Security"})
    assert r.status_code == 200, r.text
    assert r.json()["message"].startswith("merged coup, trust into security (new)")
    assert palette(c) == [("security", "Security", None), ("distrust", "Distrust", "security")]
    assert on_code(project, "security") == trust | coup
    assert on_code(project, "distrust") == distrust


def test_move_under_and_to_the_top(project):
    c = client(project)
    r = post(c, "/api/codebook/move", {"code": "coup", "under": "trust"})
    assert (r.status_code, r.json()["message"]) == (200, "moved coup under trust")
    assert palette(c) == [("trust", "Trust", None), ("distrust", "Distrust", "trust"),
                          ("coup", "Coup risk", "trust")]
    r = post(c, "/api/codebook/move", {"code": "distrust", "top": True})
    assert r.json()["message"] == "moved distrust to the top level"
    assert [x[2] for x in palette(c)] == [None, "trust", None]
    assert project.full_codebook.parents() == {"trust": None, "coup": "trust",
                                               "distrust": None}


@pytest.mark.parametrize(("path", "body", "error"), [
    ("move", {"code": "trust", "under": "distrust"},
     "cannot move trust under distrust: distrust is trust or one of its sub-codes (a cycle)"),
    ("move", {"code": "trust"}, "move: give either under (a parent code) or top: true"),
    ("merge", {"codes": ["trust"], "into": "distrust"},
     "cannot merge trust into its own sub-code distrust - move distrust out first "
     "(qualcode codebook move distrust --top)"),
    ("merge", {"codes": "trust", "into": "trust"},
     "merge trust into itself: name at least one other code"),
    ("merge", {"codes": [1, 2], "into": "trust"}, "codes must be a list of code ids"),
    ("rename", {"code": "nope", "new": "yes"},
     "unknown code(s) nope - see qualcode codebook show"),
    ("rename", {"code": "coup", "new": "trust"},
     "code trust exists already - merge coup into it with qualcode codebook merge coup "
     "--into trust"),
    ("rename", {"code": "coup", "name": "trust"},
     "the name 'trust' is taken by code trust - choose another"),
    ("rename", {"code": "coup", "new": "Bad Id"},
     "'Bad Id' is not a code id: use lower case letters, digits and underscores, starting "
     "with a letter"),
    ("rename", {"new": "x"}, "code is required"),
    ("retire", {"code": "coup", "restore": True}, "coup is not retired - nothing to restore"),
    ("retire", {"code": "coup", "restore": "yes"}, "restore must be true or false"),
    ("split", {"code": "coup", "into": ["only"]},
     "split coup: give at least two new codes (--into X,Y)"),
    ("assign", {"ids": [999999], "code": "coup"},
     "no coding 999999 - see qualcode export codings"),
    ("assign", {"ids": ["1"], "code": "coup"}, "ids must be a list of coding ids"),
    ("undo", {}, "no codebook change to undo"),
])
def test_bad_input_is_one_line_and_changes_nothing(project, path, body, error):
    c = client(project)
    before = snapshot(project)
    r = post(c, f"/api/codebook/{path}", body)
    assert (r.status_code, r.json()) == (400, {"error": error})
    assert snapshot(project) == before
    assert [x[0] for x in palette(c)] == ["trust", "distrust", "coup"]


def test_a_read_only_codebook_file_is_one_line_and_changes_nothing(project):
    c = client(project)
    path = project.root / "codebook" / "codes.yaml"
    before = snapshot(project)
    os.chmod(path, 0o444)
    try:
        r = post(c, "/api/codebook/rename", {"code": "coup", "new": "coup_risk"})
    finally:
        os.chmod(path, 0o644)
    assert (r.status_code, r.json()) == (400, {"error": f"{path}: cannot write (read-only) "
                                                        "- nothing changed"})
    assert snapshot(project) == before


def test_retire_leaves_the_palette_and_restore_brings_it_back(project):
    c = client(project)
    coup = on_code(project, "coup")
    r = post(c, "/api/codebook/retire", {"code": "coup"})
    assert r.json()["message"] == f"retired coup ({len(coup)} coding(s) kept, not counted)"
    assert "coup" not in [x[0] for x in palette(c)]
    assert "    retired: true\n" in yaml_of(project)
    panel = c.get("/api/codebook/panel").json()
    assert [(x["id"], x["name"], x["retired"]) for x in panel["retired"]] == [
        ("coup", "Coup risk", True)]
    assert panel["last"]["change"] == "retire" and panel["last"]["coder"] == "amina"
    assert on_code(project, "coup") == coup  # kept
    r = post(c, "/api/codebook/retire", {"code": "coup", "restore": True})
    assert r.json()["message"].startswith("restored coup")
    assert [x[0] for x in palette(c)] == ["trust", "distrust", "coup"]
    assert c.get("/api/codebook/panel").json()["retired"] == []


def test_split_shows_a_queue_that_goes_down_as_codings_are_assigned(project):
    c = client(project)
    project.coder = "lukas"
    project.code("fr1", "trust", quote="Les élites se méfient.")
    project.coder = None
    waiting = project.codings()
    waiting = waiting[(waiting.code == "trust") & (waiting.status != "rejected")]
    r = post(c, "/api/codebook/split", {"code": "trust", "into": ["trust_high", "trust_low"],
                                        "names": ["High trust", "Low trust"]})
    assert r.status_code == 200, r.text
    n = len(waiting)
    assert r.json()["codings"] == n and n >= 3  # two suggestions and lukas's coding
    panel = c.get("/api/codebook/panel").json()
    assert [(q["id"], q["waiting"], [p["id"] for p in q["parts"]]) for q in panel["queues"]] \
        == [("trust", n, ["trust_high", "trust_low"])]
    assert [p["name"] for p in panel["queues"][0]["parts"]] == ["High trust", "Low trust"]
    q = c.get("/api/codebook/queue/trust").json()
    assert [(x["id"], x["document"], x["coder"], x["text"]) for x in q["codings"]] == sorted(
        zip(waiting.id, waiting.document, waiting.coder, waiting.text, strict=True),
        key=lambda t: (t[1], t[0]))
    first, *rest = [x["id"] for x in q["codings"]]
    r = post(c, "/api/codebook/assign", {"ids": [first], "code": "trust_low"})
    assert r.json()["message"] == "assigned 1 coding(s) to trust_low"
    assert [x["id"] for x in c.get("/api/codebook/queue/trust").json()["codings"]] == rest
    assert c.get("/api/codebook/panel").json()["queues"][0]["waiting"] == n - 1
    assert on_code(project, "trust_low") == {first}
    post(c, "/api/codebook/assign", {"ids": rest, "code": "trust_high"})
    assert on_code(project, "trust_high") == set(rest)
    assert c.get("/api/codebook/panel").json()["queues"] == []
    assert c.get("/api/codebook/queue/trust").json()["codings"] == []
    # the last assignment is undone like any codebook change
    post(c, "/api/codebook/undo")
    assert [x["id"] for x in c.get("/api/codebook/queue/trust").json()["codings"]] == rest
    assert c.get("/api/codebook/queue/nope").json() == {
        "error": "unknown code(s) nope - see qualcode codebook show"}


def test_undo_restores_the_yaml_byte_for_byte(project):
    c = client(project)
    before = snapshot(project)
    post(c, "/api/codebook/rename", {"code": "trust", "new": "confidence"})
    post(c, "/api/codebook/move", {"code": "coup", "under": "confidence"})
    assert post(c, "/api/codebook/undo").json()["message"].startswith(
        "undid the move of coup")
    assert post(c, "/api/codebook/undo").json()["message"].startswith(
        "undid the rename of trust")
    assert snapshot(project)[:2] == before[:2]
    assert [x[0] for x in palette(c)] == ["trust", "distrust", "coup"]


def test_the_coding_undo_follows_a_renamed_code(project):
    c = client(project)
    made = post(c, "/api/documents/en1/codings", {"code": "coup", "s16": 52, "e16": 57}).json()
    post(c, f"/api/documents/en1/codings/{made['id']}/remove")
    post(c, "/api/codebook/rename", {"code": "coup", "new": "coup_risk"})
    r = post(c, "/api/undo")  # brings the removed coding back, on the code's new id
    assert r.status_code == 200, r.text
    back = project.codings(coders=["amina"])
    assert list(back.code) == ["coup_risk"]
    other = post(c, "/api/documents/en1/codings", {"code": "coup_risk", "s16": 0, "e16": 5}
                 ).json()
    post(c, f"/api/documents/en1/codings/{other['id']}/remove")
    post(c, "/api/codebook/undo")  # coup_risk is coup again: so is the coding-undo entry
    r = post(c, "/api/undo")
    assert r.status_code == 200, r.text
    back = project.codings(coders=["amina"])
    back = back[back.start == other["start"]]
    assert list(zip(back.code, back.text, strict=True)) == [
        ("coup", text_of(project)[other["start"]:other["end"]])]


def test_codebook_changes_need_a_coder_and_the_csrf_token(project, tmp_path: Path):
    from qualcode.server.auth import Sessions, load_tokens

    before = snapshot(project)
    body = {"code": "coup", "new": "coup_risk"}
    anonymous = client(project, coder=None)
    r = post(anonymous, "/api/codebook/rename", body)
    assert (r.status_code, r.json()) == (401, {"error": "choose your coder name first"})
    amina = client(project)
    for headers in ({}, {"x-csrf-token": "forged"}):
        r = amina.post("/api/codebook/rename", json=body, headers=headers)
        assert r.status_code == 403
    tokens = tmp_path / "tokens"
    tokens.write_text("lukas b" + "y" * 20 + "\n")
    team = client(project, coder=None, sessions=Sessions(load_tokens(tokens)))
    for path in ("/api/codebook/panel", "/api/codebook/queue/coup"):
        assert team.get(path).status_code == 401
    r = post(team, "/api/codebook/rename", body)
    assert (r.status_code, r.json()) == (401, {"error": "sign in first"})
    assert snapshot(project) == before
    r = post(team, "/api/login", {"token": "b" + "y" * 20})
    team.csrf = r.json()["csrf"]
    assert post(team, "/api/codebook/rename", body).status_code == 200
    assert events(project)[0] == ("lukas", "codebook.rename", "coup")


def test_the_codebook_cache_sees_a_same_size_rewrite_within_one_clock_tick(project):
    from qualcode.outputs import write_output

    path = project.root / "codebook" / "codes.yaml"
    assert "coup" in project.codebook.by_id()
    st = path.stat()
    write_output(path, path.read_text(encoding="utf-8").replace("id: coup\n", "id: cozp\n"))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # as if written in the same tick
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    assert "cozp" in project.codebook.by_id()


def test_a_split_made_with_the_cli_shows_the_same_queue_and_sub_codes_alone_none(project):
    c = client(project)
    assert c.get("/api/codebook/panel").json()["queues"] == []  # trust has a sub-code only
    project.coder = "lukas"
    change = project.split_code("coup", ["coup_plot", "coup_rumour"])
    project.coder = None
    panel = c.get("/api/codebook/panel").json()
    assert [(q["id"], q["waiting"], [p["id"] for p in q["parts"]]) for q in panel["queues"]] \
        == [("coup", change.codings, ["coup_plot", "coup_rumour"])]
    assert change.codings == len(project.codebook_queue("coup")) > 0
