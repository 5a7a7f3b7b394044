"""Human coding: review, manual codes by quote/span/turn, memos, the audit trail."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from qualcode.errors import CoderRequired, CodingError
from qualcode.project import open_project

from .conftest import write

DOC = """
---
id: fr1
respondent: R2
language: fr
interviewer: [Intervieweur]
---
Intervieweur : Parlons de confiance.

R2 : Nous n’avions plus confiance. L’armée prend le pouvoir, voilà. Les élites se méfient.

Intervieweur : Et ensuite ?

R2 : La confiance est revenue. Les élites se méfient.
"""


@pytest.fixture
def proj(project_dir: Path):
    write(project_dir / "interviews" / "fr1.md", DOC)
    p = open_project(project_dir, coder="ana")
    p.import_interviews()
    return p


def test_code_by_quote_span_and_turn_with_french_accents(proj):
    text = proj.documents().text[0]
    a = proj.code("fr1", "trust", quote="nous n'avions   plus\nconfiance")
    b = proj.code("fr1", "coup", span=(text.index("L’armée"), text.index(", voilà")))
    c = proj.code("fr1", "distrust", turn=3)
    rows = proj.codings().set_index("id")
    assert rows.loc[a, "text"] == "Nous n’avions plus confiance"
    assert rows.loc[b, "text"] == "L’armée prend le pouvoir"
    assert rows.loc[c, "text"] == "La confiance est revenue. Les élites se méfient."
    assert set(rows.origin) == {"manual"} and set(rows.status) == {"accepted"}
    assert set(rows.coder) == {"ana"} and set(rows.speaker) == {"R2"}


def test_ambiguous_quote_lists_occurrences_and_occurrence_picks_one(proj):
    with pytest.raises(CodingError) as err:
        proj.code("fr1", "distrust", quote="Les élites se méfient.")
    msg = str(err.value)
    assert msg.startswith("fr1: quote occurs 2 times - pick one with --occurrence N or "
                          "--span START:END (1: [")
    assert "2: [" in msg
    cid = proj.code("fr1", "distrust", quote="Les élites se méfient.", occurrence=2)
    text = proj.documents().text[0]
    row = proj.codings().set_index("id").loc[cid]
    assert row.start == text.rindex("Les élites")


def test_quote_not_found_shows_closest_passage(proj):
    with pytest.raises(CodingError) as err:
        proj.code("fr1", "trust", quote="La confiance est partie")
    assert str(err.value) == ('fr1: quote not found - closest passage: "La confiance est '
                              'revenue."')


def test_other_coding_errors(proj, project_dir: Path):
    with pytest.raises(CodingError, match="give exactly one of --quote, --span or --turn"):
        proj.code("fr1", "trust")
    with pytest.raises(CodingError, match="unknown document 'nope'"):
        proj.code("nope", "trust", quote="x")
    with pytest.raises(CodingError, match="unknown code 'nope'"):
        proj.code("fr1", "nope", quote="voilà")
    with pytest.raises(CodingError, match=r"span 5:99999 is outside the text"):
        proj.code("fr1", "trust", span=(5, 99999))
    with pytest.raises(CodingError, match="no turn 9 \\(turns are numbered 0 to 3\\)"):
        proj.code("fr1", "trust", turn=9)
    cid = proj.code("fr1", "trust", quote="voilà")
    with pytest.raises(CodingError, match="you already coded this passage"):
        proj.code("fr1", "trust", quote="voilà")
    with pytest.raises(CoderRequired):
        open_project(project_dir).code("fr1", "trust", quote="voilà")
    ben = open_project(project_dir, coder="ben")
    with pytest.raises(CodingError, match="is manual by ana - you can remove only your own"):
        ben.uncode(cid)


def test_uncode_by_id_and_by_selectors(proj):
    a = proj.code("fr1", "trust", quote="voilà")
    proj.code("fr1", "coup", quote="L’armée prend le pouvoir")
    assert proj.uncode(a) == a
    proj.uncode(document="fr1", code="coup", quote="l'armée prend le pouvoir")
    assert proj.codings().empty
    with pytest.raises(CodingError, match="you have no coup coding on that passage"):
        proj.uncode(document="fr1", code="coup", quote="voilà")


def test_memos_on_every_target(proj):
    cid = proj.code("fr1", "trust", quote="voilà")
    proj.memo("code", "trust", "Definition needs an example.")
    proj.memo("document", "fr1", "Recorded outdoors.")
    proj.memo("case", "R2", "Retired officer.")
    proj.memo("coding", str(cid), "Ironic?")
    memos = proj.memos()
    assert memos[["on", "target", "coder", "memo"]].values.tolist() == [
        ["code", "trust", "ana", "Definition needs an example."],
        ["document", "fr1", "ana", "Recorded outdoors."],
        ["case", "R2", "ana", "Retired officer."],
        ["coding", str(cid), "ana", "Ironic?"]]
    assert len(proj.memos("case", "R2")) == 1
    with pytest.raises(CodingError, match="no case 'R9'"):
        proj.memo("case", "R9", "x")


def test_review_through_stdin(cli, proj):
    proj.autocode()
    before = proj.codings(origins=["auto"])
    assert len(before) == 4
    res = cli("--coder", "ben", "review", input="a\nr\nc distrust\nu\nr\nm a memo\ns\n")
    assert res.exit_code == 0, res.stderr
    assert "accepted 1, rejected 2, recoded 0, skipped 1, undone 1, memos 1" in res.stderr
    after = proj.codings(origins=["auto"]).set_index("id")
    ids = before.sort_values(["document", "start", "id"]).id.tolist()
    assert after.loc[ids[0], "status"] == "accepted"
    assert after.loc[ids[1], "status"] == "rejected"
    assert after.loc[ids[2], "status"] == "rejected"  # recoded, undone, then rejected
    assert after.loc[ids[2], "code"] == before.set_index("id").loc[ids[2], "code"]
    assert len(proj.memos("coding", str(ids[3]))) == 1
    log = proj.log()
    assert {"accept", "reject", "recode", "undo", "memo"} <= set(log.action)
    assert set(log[log.action == "accept"].coder) == {"ben"}
    # the next review resumes with what is left: ids[3]
    res = cli("--coder", "ben", "review", input="a\n")
    assert "accepted 1" in res.stderr and "0 suggestion(s) left" in res.stderr


def test_review_needs_a_coder(cli, proj):
    res = cli("review", input="a\n")
    assert res.exit_code == 1 and res.stderr.startswith("Error: no coder set")


def test_review_killed_with_sigkill_keeps_every_decision(proj, project_dir: Path):
    proj.autocode()
    env = {**os.environ, "QUALCODE_CODER": "ben"}
    p = subprocess.Popen([sys.executable, "-m", "qualcode", "-p", str(project_dir), "review"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=env)
    seen = []
    for cmd in ("a", "r", "a"):
        p.stdin.write(cmd + "\n")
        p.stdin.flush()
        while True:
            line = p.stdout.readline()
            assert line, "review ended early"
            if line.startswith(("accepted #", "rejected #")):
                seen.append(line.split()[0])
                break
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=10)
    assert p.returncode == -signal.SIGKILL
    statuses = proj.codings(origins=["auto"]).status.value_counts().to_dict()
    assert seen == ["accepted", "rejected", "accepted"]
    assert statuses == {"accepted": 2, "rejected": 1, "suggested": 1}


def test_cli_code_uncode_memo_and_log(cli, proj):
    res = cli("--coder", "ana", "code", "fr1", "--code", "trust", "--quote", "voilà")
    assert res.exit_code == 0 and res.stderr.startswith("coded #")
    res = cli("--coder", "ana", "code", "fr1", "--code", "trust", "--span", "3-9")
    assert (res.exit_code, res.stderr) == (1, "Error: bad span '3-9' - use START:END, e.g. "
                                              "120:245\n")
    res = cli("--coder", "ana", "memo", "add", "--document", "fr1", "Noisy recording.")
    assert res.exit_code == 0
    res = cli("memo", "list", "-f", "csv")
    assert "document,fr1,ana" in res.stdout
    res = cli("--coder", "ana", "uncode", "fr1", "--code", "trust", "--quote", "voilà")
    assert res.exit_code == 0
    log = cli("log", "-f", "csv").stdout
    assert ",ana,uncode,fr1#" in log and ",ana,code,fr1#" in log


def test_review_with_single_keys_in_a_terminal(proj, project_dir: Path):
    """The interactive path: single keys in a real pseudo-terminal."""
    pexpect = pytest.importorskip("pexpect")
    proj.autocode()
    child = pexpect.spawn(sys.executable, ["-m", "qualcode", "-p", str(project_dir),
                                           "--coder", "ben", "review"],
                          encoding="utf-8", timeout=60, dimensions=(40, 120))
    child.expect("> ")
    child.send("a")
    child.expect("accepted #")
    child.expect("> ")
    child.send("m")
    child.expect("memo: ")
    child.sendline("ironic, check the tone")
    child.expect("memo added")
    child.expect("> ")
    child.send("r")
    child.expect("rejected #")
    child.expect("> ")
    child.send("q")
    child.expect(pexpect.EOF)
    statuses = proj.codings(origins=["auto"]).status.value_counts().to_dict()
    assert statuses == {"accepted": 1, "rejected": 1, "suggested": 2}
    assert proj.memos().memo.tolist() == ["ironic, check the tone"]
