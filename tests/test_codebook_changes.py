"""Changing the codebook (issue 20): rename, merge, move, split, retire and undo carry
every coding, decision, memo, rule and model label; the YAML keeps its comments; bad
input is one line and changes nothing."""

from __future__ import annotations

import os
import shutil
import stat
import uuid
from pathlib import Path

import pytest

from qualcode.errors import UsageError
from qualcode.project import open_project

from .conftest import copy_example, write

BOOK = """\
# Our codebook. Keep the ids stable!
codebook: Test codebook
version: 3
codes:
  # the first theme
  - id: trust
    name: Trust
    color: "#d95f02"  # orange
    rules:
      en: [trust, "last bastion"]
    children:
      - id: distrust
        name: Distrust
        rules:
          en: [suspicious]
  - id: coup
    name: Coup risk
    rules:
      en:
        - coup
        - {near: [army, politics], within: 5}
  - id: doubt
    name: Doubt
    description: Hesitation about the partner.
    examples: ["I am not sure of them."]
    rules:
      en: [doubt, "not sure"]
"""

DOC = """---
id: {id}
respondent: {id}-R
origin: {origin}
---
Interviewer: Do you trust your partners?

R: I trust them, they are the last bastion. But I am not sure of them. I doubt the army.
A coup is possible. I am suspicious of everyone.
"""


@pytest.fixture
def study(project_dir: Path) -> Path:
    write(project_dir / "codebook" / "codes.yaml", BOOK)
    for i, origin in enumerate(["West", "South", "West", "South"]):
        write(project_dir / "interviews" / f"d{i}.md", DOC.format(id=f"D{i}", origin=origin))
    proj = open_project(project_dir)
    proj.import_interviews()
    proj.autocode()
    for coder in ("ana", "ben"):
        proj.coder = coder
        for i in range(4):
            proj.code(f"D{i}", "doubt", quote="I am not sure of them.")
            if coder == "ana" or i % 2:
                proj.code(f"D{i}", "trust", quote="I am not sure of them.")
    proj.coder = "ana"
    proj.memo("code", "doubt", "Doubt is not distrust.")
    first = proj.codings(coders=["ana"])
    first = first[first.code == "doubt"].id.iloc[0]
    proj.memo("coding", int(first), "A hedge, not a judgement.")
    return project_dir


def state(proj) -> dict:
    """What hangs on the codebook: codings (by id), memos, and the YAML files."""
    c = proj.codings()
    return {"codings": sorted(zip(c.id, c.code, c.coder, c.status, strict=True)),
            "memos": sorted(zip(proj.memos().target, proj.memos().memo, strict=True)),
            "yaml": {p.name: p.read_bytes() for p in sorted(proj.codebook_dir.glob("*.yaml"))}}


def test_rename_carries_everything_keeps_comments_and_undoes(study: Path):
    from qualcode.coding import decide

    proj = open_project(study, coder="ana")
    sugg = proj.codings(codes=["trust"], statuses=["suggested"]).id.tolist()
    decide(proj.workspace, sugg[0], "accept")  # ana's review decision
    proj.coder = "ben"
    decide(proj.workspace, sugg[1], "reject")  # ben's
    proj.coder = "ana"
    before = state(proj)
    summary = proj.summary()
    suggested = proj.codings(statuses=["suggested"])
    guid = proj.codebook.by_id()["trust"].guid
    change = proj.rename_code("trust", "confidence", name="Confidence")
    assert change.codings == len(proj.codings()[proj.codings().code == "confidence"]) > 0
    text = (study / "codebook" / "codes.yaml").read_text(encoding="utf-8")
    assert "# Our codebook. Keep the ids stable!" in text and "# the first theme" in text
    assert '  - id: confidence\n    name: Confidence\n' in text
    assert 'color: "#d95f02"  # orange' in text and "id: trust\n" not in text
    assert guid is None and "guid: " in text  # the GUID it was exported with is kept
    # every coding, suggestion and decision moved, ids unchanged
    after = proj.codings()
    assert sorted(after.id) == sorted(c[0] for c in before["codings"])
    assert "trust" not in set(after.code)
    assert (proj.codings(statuses=["suggested"]).id.tolist() == suggested.id.tolist())
    renamed = proj.summary().replace({"code": {"confidence": "trust"}})
    assert renamed.equals(summary)
    decided = proj.codings().set_index("id").loc[sugg[:2]]
    assert decided[["code", "status", "decided_by"]].values.tolist() == [
        ["confidence", "accepted", "ana"], ["confidence", "rejected", "ben"]]
    # one audit event, and undo puts everything back, byte for byte
    log = proj.codebook_history()
    assert log.change.tolist() == ["rename"] and log.codings.iloc[0] == change.codings
    proj.undo_codebook()
    assert state(proj) == before
    assert proj.codebook_history().undone.tolist() == [True, False]
    with pytest.raises(UsageError, match="^no codebook change to undo$"):
        proj.undo_codebook()


def test_rename_to_an_existing_code_or_name_is_refused(study: Path):
    proj = open_project(study, coder="ana")
    before = state(proj)
    for args, message in [
        (("trust", "coup"), "code coup exists already - merge trust into it with qualcode "
                            "codebook merge trust --into coup"),
        (("nope", "x"), "unknown code(s) nope - see qualcode codebook show"),
        (("trust", "Bad-Id"), "'Bad-Id' is not a code id"),
        (("trust", "trust2", "coup RISK"), "the name 'coup RISK' is taken by code coup"),
    ]:
        with pytest.raises(UsageError) as exc:
            proj.rename_code(*args)
        assert str(exc.value).startswith(message)
    assert state(proj) == before and proj.codebook_history().empty


def test_merge_folds_same_span_codings_and_counts_as_if_coded_so(study: Path):
    proj = open_project(study, coder="ana")
    codings = proj.codings(statuses=["accepted"])
    # a hand count: respondents with doubt or trust (or its sub-code) by origin, per coder
    by_hand = {}
    for coder in ("ana", "ben"):
        mine = codings[(codings.coder == coder) & codings.code.isin(["doubt", "trust",
                                                                     "distrust"])]
        by_hand[coder] = sorted(set(mine.document))
    spans_ana = codings[(codings.coder == "ana") & codings.code.isin(["doubt", "trust"])]
    pairs = spans_ana.groupby(["document", "start", "end"]).size()
    assert (pairs == 2).sum() == 4  # ana coded the same passage with both, 4 times
    memo_target = proj.memos()
    d0 = codings[(codings.document == "D0") & (codings.coder == "ana")
                 & (codings.text == "I am not sure of them.")]
    folded_away = int(d0[d0.code == "trust"].id.iloc[0])  # doubt's was first: it stays
    kept = int(d0[d0.code == "doubt"].id.iloc[0])
    journal = proj.memo("project", "Test study", "Hedging everywhere.")
    proj.memo_link(journal, [f"coding:{folded_away}"])
    memo_target = proj.memos()
    change = proj.merge_codes(["doubt", "trust"], into="trust")
    assert proj.memo_show(journal)["link_details"][0]["target"] == str(kept)
    assert change.folded == 4 + 2  # ana's four and ben's two double codings
    after = proj.codings(statuses=["accepted"])
    assert not after.code.isin(["doubt"]).any()
    assert not after.duplicated(["document", "start", "end", "code", "coder"]).any()
    # the memo on a folded coding moved to the one kept; the code memo moved to trust
    memos = proj.memos()
    assert len(memos) == len(memo_target) + 1  # + doubt's definition, kept as a memo
    on_coding = memos[memos.on == "coding"].target.astype(int).tolist()
    assert all(i in set(after.id) for i in on_coding)
    assert memos[memos.on == "code"].target.tolist() == ["trust", "trust"]
    assert memos.memo.iloc[-1] == ("Merged from doubt (Doubt). description: Hesitation "
                                   "about the partner.")
    # rules and examples moved, the YAML holds doubt no more
    trust = proj.codebook.by_id()["trust"]
    assert [r.phrase for r in trust.rules["en"]] == ["trust", "last bastion", "doubt",
                                                     "not sure"]
    assert trust.examples == ["I am not sure of them."]
    assert "doubt" not in proj.codebook.by_id()
    # counts as if coded so from the start: respondents with trust, per coder
    for coder, docs_hand in by_hand.items():
        s = proj.summary(coders=[coder])
        assert int(s[s.code == "trust"]["count"].iloc[0]) == len(docs_hand)
    cmp = proj.compare("origin")
    row = cmp[cmp.code == "trust"].iloc[0]
    assert (row["count_South"], row["count_West"]) == (2, 2)
    agree = proj.agreement(["ana", "ben"], unit="sentence")
    assert agree[agree.code == "trust"].iloc[0].percent_agreement == pytest.approx(
        _agreement_by_hand(proj, "trust"))
    # undo restores both codes, the folded codings (same ids) and the memos
    proj.undo_codebook()
    again = proj.codings(statuses=["accepted"])
    assert sorted(again.id) == sorted(codings.id)
    assert sorted(zip(again.id, again.code, strict=True)) == sorted(
        zip(codings.id, codings.code, strict=True))
    assert proj.memos().sort_values("id").target.tolist() == memo_target.sort_values(
        "id").target.tolist()
    assert proj.memo_show(journal)["link_details"][0]["target"] == str(folded_away)


def _agreement_by_hand(proj, code: str) -> float:
    """Percent of respondent sentences on which ana and ben agree about `code` (or its
    sub-codes), counted from the stored spans."""
    from qualcode import datasets

    resp = datasets.sentences(proj.workspace)  # respondent speech only
    c = proj.codings(statuses=["accepted"])
    c = c[c.code.isin(proj.codebook.descendants(code))]
    agree = 0
    for s in resp.itertuples():
        has = []
        for coder in ("ana", "ben"):
            mine = c[(c.coder == coder) & (c.document == s.document)]
            has.append(bool(((mine.start < s.end) & (mine.end > s.start)).any()))
        agree += has[0] == has[1]
    return agree / len(resp)


def test_merge_into_a_new_code_and_bad_merges(study: Path):
    proj = open_project(study, coder="ana")
    before = state(proj)
    with pytest.raises(UsageError, match="^cannot merge trust into its own sub-code distrust"):
        proj.merge_codes(["trust", "coup"], into="distrust")
    with pytest.raises(UsageError, match=r"^unknown code\(s\) nope"):
        proj.merge_codes(["nope", "coup"], into="coup")
    with pytest.raises(UsageError, match="^merge coup into itself"):
        proj.merge_codes(["coup"], into="coup")
    with pytest.raises(UsageError, match="^the name 'Trust' is taken by code trust"):
        proj.merge_codes(["coup", "doubt"], into="worry", name="Trust")
    assert state(proj) == before
    n = int(proj.codings().code.isin(["coup", "doubt"]).sum())
    change = proj.merge_codes(["coup", "doubt"], into="worry", name="Worry")
    assert change.codings == n
    book = proj.codebook
    assert [c.id for c in book.codes] == ["trust", "worry"]
    assert {r.kind for r in book.by_id()["worry"].rules["en"]} == {"phrase", "near"}
    assert int((proj.codings().code == "worry").sum()) == n
    text = (study / "codebook" / "codes.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Our codebook. Keep the ids stable!\n")


def test_move_and_its_errors(study: Path):
    proj = open_project(study, coder="ana")
    with pytest.raises(UsageError, match="^cannot move trust under distrust: distrust is "
                                         "trust or one of its sub-codes"):
        proj.move_code("trust", under="distrust")
    with pytest.raises(UsageError, match="^distrust is already under trust"):
        proj.move_code("distrust", under="trust")
    with pytest.raises(UsageError, match="^move: give either --under PARENT or --top"):
        proj.move_code("distrust")
    ids = sorted(proj.codings(codes=["distrust"]).id)
    proj.move_code("distrust", under="coup")
    assert proj.codebook.parents()["distrust"] == "coup"
    assert sorted(proj.codings(codes=["distrust"]).id) == ids and ids
    proj.move_code("distrust", top=True)
    assert [c.id for c in proj.codebook.codes] == ["trust", "coup", "doubt", "distrust"]
    proj.undo_codebook()
    proj.undo_codebook()
    assert proj.codebook.parents()["distrust"] == "trust"
    assert (study / "codebook" / "codes.yaml").read_text(encoding="utf-8") == BOOK


def test_split_waits_for_a_person_then_assign(study: Path):
    proj = open_project(study, coder="ana")
    n = int(((proj.codings().code == "doubt") & (proj.codings().status != "rejected")).sum())
    change = proj.split_code("doubt", ["doubt_self", "doubt_partner"])
    assert change.codings == n and f"{n} coding(s) of doubt wait" in change.message
    assert [c.id for c in proj.codebook.by_id()["doubt"].children] == ["doubt_self",
                                                                        "doubt_partner"]
    waiting = proj.codebook_queue("doubt")
    assert len(waiting) == n
    proj.assign_codings(waiting.id.tolist()[:3], "doubt_partner")
    assert len(proj.codebook_queue("doubt")) == n - 3
    s = proj.summary()
    assert s[s.code == "doubt"]["count"].iloc[0] == 4  # the theme is whole meanwhile
    proj.undo_codebook()  # the assignment
    assert len(proj.codebook_queue("doubt")) == n
    with pytest.raises(UsageError, match="^split doubt: give at least two new codes"):
        proj.split_code("doubt", ["only"])


def test_retire_keeps_codings_out_of_counts_and_suggestions(study: Path, cli):
    proj = open_project(study, coder="ana")
    n = int((proj.codings().code == "coup").sum())
    res = cli("codebook", "retire", "coup")
    assert res.exit_code == 0, res.stderr
    assert f"retired coup ({n} coding(s) kept, not counted)" in res.stderr
    assert "coup" not in set(proj.summary().code)
    assert int((proj.codings().code == "coup").sum()) == n  # kept
    proj.autocode()  # the rules of a retired code suggest nothing
    sugg = proj.codings(statuses=["suggested"])
    assert "coup" not in set(sugg.code) and len(sugg) > 0
    assert proj.full_codebook.by_id()["coup"].retired
    assert "coup" not in proj.codebook.by_id()
    res = cli("codebook", "retire", "coup")
    assert res.exit_code == 1 and "coup is retired already" in res.stderr
    assert cli("codebook", "retire", "coup", "--restore").exit_code == 0
    assert "coup" in set(proj.summary().code)


def test_a_read_only_codebook_changes_nothing(study: Path, cli):
    proj = open_project(study, coder="ana")
    before = state(proj)
    path = study / "codebook" / "codes.yaml"
    os.chmod(path, stat.S_IRUSR | stat.S_IRGRP)
    try:
        res = cli("codebook", "rename", "trust", "confidence")
    finally:
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    assert res.exit_code == 1
    assert res.stderr.strip() == f"Error: {path}: cannot write (read-only) - nothing changed"
    assert state(proj) == before and proj.codebook_history().empty


def test_cli_commands_and_bad_input_are_one_line(study: Path, cli):
    res = cli("--coder", "ana", "codebook", "merge", "doubt", "trust", "--into", "trust")
    assert res.exit_code == 0 and "merged doubt into trust" in res.stderr
    res = cli("codebook", "history", "--format", "csv")
    assert res.stdout.splitlines()[0] == "id,at,coder,change,code,summary,codings,undone"
    assert ",ana,merge,trust,merged doubt into trust" in res.stdout
    for args in (["codebook", "rename", "nope", "x"], ["codebook", "move", "trust"],
                 ["codebook", "queue", "nope"], ["codebook", "assign", "999999", "--to", "coup"]):
        res = cli(*args)
        assert res.exit_code == 1 and len(res.stderr.strip().splitlines()) == 1, args
        assert res.stderr.startswith("Error: ")
    assert cli("codebook", "undo").exit_code == 0
    res = cli("codebook", "undo")
    assert res.exit_code == 1 and "no codebook change to undo" in res.stderr


def test_undo_refuses_to_overwrite_a_hand_edit(study: Path):
    proj = open_project(study, coder="ana")
    proj.rename_code("doubt", "hesitation")
    path = study / "codebook" / "codes.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# edited by hand\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"^codebook/codes\.yaml changed since the rename"):
        proj.undo_codebook()
    assert "hesitation" in proj.codebook.by_id()


def test_rename_keeps_the_refi_guid_and_reimport_does_not_duplicate(study: Path,
                                                                   tmp_path: Path):
    from qualcode.refi.read import read_qdpx

    proj = open_project(study, coder="ana")
    first = read_qdpx(proj.export_project(tmp_path / "a.qdpx"))
    proj.rename_code("doubt", "hesitation", name="Hesitation")
    second = read_qdpx(proj.export_project(tmp_path / "b.qdpx"))

    def guids(p):
        out = {}

        def rec(codes):
            for c in codes:
                out[c.name] = c.guid
                rec(c.children)
        rec(p.codes)
        return out

    assert guids(second)["Hesitation"] == guids(first)["Doubt"]
    assert sorted(guids(second).values()) == sorted(guids(first).values())
    written, n = proj.import_codebook(tmp_path / "b.qdpx")
    assert (written, n) == (None, 0)  # the renamed code is the same code: nothing to add


def test_a_trained_model_follows_a_rename(tmp_path: Path):
    root = copy_example(tmp_path / "sahel")
    proj = open_project(root, coder="ana")
    proj.import_interviews()
    proj.train(codes=["trust_gap", "coup_risk"], coders=["amina", "lukas"])
    focus = proj.codings(documents=["FG-01"])
    proj.rename_code("trust_gap", "trust_deficit")
    after = proj.codings(documents=["FG-01"])  # the focus group's three speakers' codings
    assert len(after) == len(focus) > 0 and after.case.tolist() == focus.case.tolist()
    assert after.code.tolist() == focus.code.replace({"trust_gap": "trust_deficit"}).tolist()
    from qualcode.learn.persist import load_model, read_card

    assert "trust_deficit" in load_model(proj.workspace).codes
    assert "trust_gap" not in read_card(proj.workspace)["codes"]
    proj.autocode_run(source="model")
    sugg = proj.codings(statuses=["suggested"])
    assert "trust_deficit" in set(sugg.code) and "trust_gap" not in set(sugg.code)


PG = os.environ.get("QUALCODE_TEST_PG")


@pytest.mark.skipif(not PG, reason="no PostgreSQL server: set QUALCODE_TEST_PG (.ci/run "
                                   "starts one)")
def test_changes_on_postgresql(study: Path, tmp_path: Path):
    import psycopg

    name = f"qualcode_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = f"{PG.rsplit('/', 1)[0]}/{name}"
    try:
        root = tmp_path / "pg"
        shutil.copytree(study, root, ignore=shutil.ignore_patterns(".qualcode"))
        proj = open_project(root, db=url, coder="ana")
        proj.import_interviews()
        for coder in ("ana", "ben"):
            proj.coder = coder
            proj.code("D0", "doubt", quote="I am not sure of them.")
            proj.code("D0", "trust", quote="I am not sure of them.")
        proj.coder = "ana"
        ids = proj.codings().id
        proj.merge_codes(["doubt", "trust"], into="trust")
        after = proj.codings()
        assert len(after) == 2 and set(after.code) == {"trust"}
        proj.undo_codebook()
        assert sorted(proj.codings().id) == sorted(ids)
        proj.rename_code("coup", "putsch")
        proj.undo_codebook()
        assert (root / "codebook" / "codes.yaml").read_text(encoding="utf-8") == BOOK
        proj.close()
    finally:
        with psycopg.connect(PG, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


def test_a_hand_rename_is_recognised_and_the_proposed_command_works(study: Path, cli):
    proj = open_project(study, coder="ana")
    n = int((proj.codings().code == "doubt").sum())
    path = study / "codebook" / "codes.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("id: doubt", "id: hesitation"),
                    encoding="utf-8")
    expected = (f"{n} coding(s) on doubt, a code no longer in the codebook - renamed by hand "
                "to hesitation? qualcode codebook rename doubt hesitation carries them")
    res = cli("status", "--format", "json")
    import json

    assert {"what": "on a code no longer in the codebook", "value": expected} in json.loads(
        res.stdout)
    res = cli("autocode")
    assert f"warning: {expected}" in res.stderr
    # autocode replaced the lost code's unreviewed suggestions; its decided codings stay
    kept = proj.codings(statuses=["accepted"])
    kept = int((kept.code == "doubt").sum())
    assert f"warning: {kept} coding(s) on doubt, a code no longer in the codebook - renamed " \
        "by hand to hesitation?" in cli("import").stderr
    res = cli("--coder", "ana", "codebook", "rename", "doubt", "hesitation")
    assert res.exit_code == 0, res.stderr
    assert "renamed doubt -> hesitation (the YAML was edited by hand)" in res.stderr
    assert "no longer" not in cli("status", "--format", "csv").stdout
    accepted = proj.codings(statuses=["accepted"])
    assert int((accepted.code == "hesitation").sum()) == kept > 0
    assert not (proj.codings().code == "doubt").any()
    # a code gone with no look-alike: listed with counts, and how to bring it back
    path.write_text(path.read_text(encoding="utf-8").replace(
        "  - id: coup\n    name: Coup risk\n", "  - id: zzz\n    name: Something else\n"),
        encoding="utf-8")
    lost = {x.code: x for x in proj.lost_codes()}
    assert lost["coup"].candidates == [] and lost["coup"].codings > 0
    assert "put it back in codebook/, or merge them" in lost["coup"].message


def _git(root: Path, *args: str) -> None:
    import subprocess

    subprocess.run(["git", "-C", str(root), "-c", "user.email=t@example.org", "-c",
                    "user.name=t", *args], check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_diff_names_each_change_and_the_codings_it_touches(study: Path, cli, tmp_path: Path):
    proj = open_project(study, coder="ana")
    _git(study, "init", "-q")
    _git(study, "add", "codebook")
    _git(study, "commit", "-qm", "first codebook")
    qdc = proj.export_codebook(tmp_path / "before.qdc")
    n_coup = int((proj.codings().code == "coup").sum())
    proj.rename_code("coup", "putsch", name="Putsch")
    proj.move_code("distrust", top=True)
    proj.merge_codes(["doubt"], into="trust")
    path = study / "codebook" / "codes.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "en: [suspicious]", "en: [suspicious, wary]"), encoding="utf-8")  # by hand
    df = proj.codebook_diff()
    rows = {(r.change, r.code, r.was): r for r in df.itertuples()}
    assert set(rows) == {("renamed", "putsch", "coup"), ("moved", "distrust", ""),
                         ("merged", "trust", "doubt"), ("edited", "trust", ""),
                         ("edited", "distrust", "")}
    assert rows[("renamed", "putsch", "coup")].detail == "name 'Coup risk' -> 'Putsch'"
    assert rows[("renamed", "putsch", "coup")].codings == n_coup
    assert rows[("moved", "distrust", "")].detail == "from trust to the top"
    assert rows[("edited", "trust", "")].detail == "examples, rules 2 -> 4"  # doubt's
    assert rows[("edited", "distrust", "")].detail == "rules 1 -> 2"
    # against a .qdc exported before: the rename is found by its GUID (no audit needed)
    by_file = proj.codebook_diff(str(qdc))
    assert ("renamed", "putsch", "coup") in {(r.change, r.code, r.was)
                                            for r in by_file.itertuples()}
    res = cli("codebook", "diff", "HEAD", "--format", "csv")
    assert res.stdout.splitlines()[0] == "change,code,was,parent,detail,codings"
    res = cli("codebook", "diff", "no-such-rev")
    assert res.exit_code == 1 and res.stderr.startswith("Error: no-such-rev: not a file, "
                                                        "folder or git revision")
    assert "no change between HEAD and HEAD" in cli("codebook", "diff", "HEAD", "HEAD").stderr


def test_diff_outside_git_is_one_line(study: Path, cli):
    res = cli("codebook", "diff")
    assert res.exit_code == 1
    assert "is not in a git repository - compare two codebook files or folders" in res.stderr


def test_the_report_lists_the_codebook_changes(study: Path, tmp_path: Path):
    import lxml.html

    proj = open_project(study, coder="ana")
    proj.rename_code("coup", "putsch")
    proj.merge_codes(["doubt"], into="trust")
    proj.undo_codebook()
    doc = lxml.html.fromstring(proj.report(tmp_path / "r.html").read_text(encoding="utf-8"))
    table = doc.xpath("//section[@id='codebook']//figure[@data-table='codebook-log']")[0]
    rows = [[td.text_content() for td in tr.xpath("td")] for tr in table.xpath(".//tbody/tr")]
    assert [r[1:4] for r in rows] == [
        ["ana", "rename", "renamed coup -> putsch"],
        ["ana", "merge", "merged doubt into trust (undone)"],
        ["ana", "undo", f"undid #{proj.codebook_history().id.iloc[1]} (merged doubt into "
                        "trust)"]]


def test_undo_of_a_rename_takes_back_codings_made_since(study: Path):
    proj = open_project(study, coder="ana")
    proj.rename_code("coup", "putsch")
    new = proj.code("D1", "putsch", quote="A coup is possible.")
    proj.undo_codebook()
    c = proj.codings()
    assert c.set_index("id").loc[new, "code"] == "coup"
    assert "putsch" not in set(c.code) and proj.lost_codes() == []


def test_a_name_only_rename_carries_nothing_and_assign_is_summarised(study: Path):
    proj = open_project(study, coder="ana")
    change = proj.rename_code("coup", "coup", name="Coup d'état")
    assert change.codings == 0 and change.message == "renamed coup: name \"Coup d'état\""
    assert proj.codebook.by_id()["coup"].name == "Coup d'état"
    ids = proj.codings(codes=["doubt"]).id.tolist()[:2]
    proj.assign_codings(ids, "trust")
    assert proj.codebook_history().summary.iloc[-1] == "assigned 2 coding(s) of doubt to trust"


def test_only_the_file_holding_the_code_is_written(study: Path):
    other = study / "codebook" / "extra.yaml"
    other.write_bytes(b"codes:\n  - id: extra  # no newline at the end\n    name: Extra")
    proj = open_project(study, coder="ana")
    change = proj.rename_code("coup", "putsch")
    assert change.files == ["codebook/codes.yaml"]
    assert other.read_bytes().endswith(b"name: Extra")
