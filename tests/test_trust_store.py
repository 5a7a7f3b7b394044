"""Issue 12, store side: nothing a person did is lost, no number is wrong quietly.
Each test failed before its fix."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qualcode.coding import decide
from qualcode.errors import QualcodeError
from qualcode.importer import ImportIncomplete
from qualcode.project import open_project

from .conftest import write

DOC = """
---
id: d1
respondent: R1
origin: western
---
Interviewer: Tell me about trust.

R1: We trusted our partners. Then the coup came and nobody trusted anybody.

Interviewer: And the army?

R1: The army stays out of politics. It is the last bastion.
"""


@pytest.fixture
def proj(project_dir: Path):
    write(project_dir / "interviews" / "d1.md", DOC)
    p = open_project(project_dir, coder="ana")
    p.import_interviews()
    return p


def _memos(p):
    return p.memos().to_dict("records")


def test_memo_survives_uncode_and_ids_are_never_reused(proj):
    first = proj.code("d1", "trust", quote="We trusted our partners.")
    last = proj.code("d1", "coup", quote="the coup came")
    proj.memo("coding", str(last), "important")
    proj.uncode(last)
    memos = _memos(proj)
    assert [m["memo"] for m in memos] == ["important"]
    assert memos[0]["about"].startswith(f"coding #{last} (coup, d1 ")
    assert "removed by ana" in memos[0]["about"]
    again = proj.code("d1", "coup", quote="the coup came")
    assert again > last > first  # the removed id is not given to the new coding
    # the memo does not slide onto the new coding
    assert proj.memos("coding", str(again)).empty


def test_coder_csv_reimport_keeps_ids_and_memos(project_dir: Path):
    write(project_dir / "interviews" / "d1.md", DOC)
    csv = write(project_dir / "interviews" / "coded" / "ben.csv",
                "document,quote,code\nd1,We trusted our partners,trust\n"
                "d1,the last bastion,trust\n")
    proj = open_project(project_dir, coder="ana")
    proj.import_interviews()
    ids = dict(zip(proj.codings().text, proj.codings().id, strict=True))
    proj.memo("coding", str(ids["We trusted our partners"]), "kept?")
    proj.memo("coding", str(ids["the last bastion"]), "on a row that goes")
    csv.write_text("document,quote,code\nd1,We trusted our partners,trust\n"
                   "d1,stays out of politics,coup\n", encoding="utf-8")
    proj.import_interviews()
    now = dict(zip(proj.codings().text, proj.codings().id, strict=True))
    assert now["We trusted our partners"] == ids["We trusted our partners"]
    assert now["stays out of politics"] > max(ids.values())
    memos = proj.memos().set_index("memo")
    assert memos.loc["kept?", "target"] == str(ids["We trusted our partners"])
    assert pd.isna(memos.loc["kept?", "about"])
    assert "no longer in interviews/coded/ben.csv" in memos.loc["on a row that goes", "about"]


def test_changed_flag_stays_until_a_person_resolves_it(proj, project_dir: Path):
    cid = proj.code("d1", "trust", quote="We trusted our partners.")
    path = project_dir / "interviews" / "d1.md"
    path.write_text(path.read_text().replace("We trusted our", "We trusted all our"))
    proj.import_interviews()
    assert [f["id"] for f in proj.status()["flagged"]] == [cid]
    # an unrelated edit elsewhere in the file must not clear the flag
    path.write_text(path.read_text().replace("stays out of", "keeps out of"))
    proj.import_interviews()
    assert [(f["id"], f["anchor"]) for f in proj.status()["flagged"]] == [(cid, "changed")]
    proj.resolve(cid)
    assert proj.status()["flagged"] == []
    assert proj.log(1).action[0] == "resolve"


def test_import_completes_what_it_can_and_logs_it(project_dir: Path):
    write(project_dir / "interviews" / "d1.md", DOC)
    write(project_dir / "interviews" / "coded" / "ben.csv",
          "document,quote,code\nd1,We trusted our partners,trust\n")
    proj = open_project(project_dir)
    proj.import_interviews()
    path = project_dir / "interviews" / "d1.md"
    path.write_text(path.read_text().replace("We trusted our partners", "We liked partners"))
    write(project_dir / "interviews" / "coded" / "ben.csv",
          "document,quote,code\nd1,We trusted our partners,trust\n"
          "d1,the last bastion,trust\n")
    with pytest.raises(ImportIncomplete, match="ben.csv row 2 \\(d1\\): quote not found"
                       ) as err:
        proj.import_interviews()
    assert err.value.report.updated == ["d1"]  # the transcript change is in
    log = proj.log(2)
    assert log.action[0] == "import" and "errors=1" in log.details[0]
    # the CSV's codings stay as last imported, re-anchored with the text
    assert proj.codings().coder.tolist() == ["ben"]


def test_autocode_is_one_transaction(proj, monkeypatch: pytest.MonkeyPatch):
    """A run that dies half-way leaves nothing behind (as after SIGKILL), and the next
    run reports honestly what it added."""
    write(proj.interviews_dir / "d2.md", DOC.replace("id: d1", "id: d2"))
    proj.import_interviews()
    import qualcode.autocode.run as run

    monkeypatch.setattr(run, "DOC_BATCH", 1)
    real, calls = run.match_turns, []

    def dies_on_the_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(run, "match_turns", dies_on_the_second_batch)
    with pytest.raises(KeyboardInterrupt):
        proj.autocode()
    assert proj.codings().empty
    assert "autocode" not in set(proj.log().action)
    monkeypatch.setattr(run, "match_turns", real)
    res = proj.autocode_run()
    assert res.added == len(proj.codings()) > 0


def test_a_broken_file_from_elsewhere_is_not_copied(project_dir: Path, tmp_path: Path):
    bad = tmp_path / "inbox" / "broken.docx"
    bad.parent.mkdir()
    bad.write_bytes(b"not a zip at all")
    proj = open_project(project_dir)
    with pytest.raises(ImportIncomplete, match="broken.docx"):
        proj.import_interviews(paths=[bad])
    assert not (project_dir / "interviews" / "broken.docx").exists()
    proj.import_interviews()  # the folder still imports


def test_an_accepted_suggestion_is_the_reviewers(proj):
    proj.autocode()
    sugg = proj.codings(coders=["auto"])
    first = int(sugg.id.iloc[0])
    decide(proj.workspace, first, "accept")
    mine = proj.codings(coders=["ana"])
    assert mine.id.tolist() == [first]
    assert (mine.coder[0], mine.decided_by[0]) == ("auto", "ana")
    assert mine.decided_at[0] is not None
    assert proj.summary(coders=["ana"], totals=False).set_index("code").loc[
        sugg.code.iloc[0], "count"] == 1
    ben = open_project(proj.root, coder="ben")
    ben.code("d1", "trust", quote="We trusted our partners.")
    table = proj.agreement(["ana", "ben"], unit="turn")
    assert table.n_units.iloc[0] == 2  # both coders have codings in d1


def test_orphaned_coding_keeps_its_last_speaker_and_case(proj, project_dir: Path):
    cid = proj.code("d1", "coup", quote="It is the last bastion.")
    path = project_dir / "interviews" / "d1.md"
    path.write_text(path.read_text().replace(" It is the last bastion.", ""))
    proj.import_interviews()
    row = proj.codings().set_index("id").loc[cid]
    assert (row.anchor, row.speaker, row.case) == ("orphaned", "R1", "R1")


def test_a_narrowed_suggestion_is_not_suggested_again(proj):
    proj.autocode()
    sugg = proj.codings(coders=["auto"]).iloc[0]
    decide(proj.workspace, int(sugg.id), "respan", span=(int(sugg.start), int(sugg.start) + 5))
    decide(proj.workspace, int(sugg.id), "accept")
    res = proj.autocode_run()
    assert res.added == 0
    again = proj.codings(coders=["auto"])
    assert len(again[(again.start == sugg.start) & (again.end == sugg.end)
                     & (again.code == sugg.code)]) == 0


def test_resolve_needs_a_flag_or_a_span(proj):
    cid = proj.code("d1", "trust", quote="We trusted our partners.")
    with pytest.raises(QualcodeError, match="not flagged"):
        proj.resolve(cid)


def test_review_narrow_after_widen_goes_back_through_the_sentence(proj):
    from rich.console import Console

    from qualcode.review import line_reader, run

    proj.autocode(codes=["coup"])
    sugg = proj.codings(coders=["auto"]).iloc[0]
    text = proj.documents().text[0]
    sentence = (int(sugg.start), int(sugg.end))
    assert text[slice(*sentence)] == "Then the coup came and nobody trusted anybody."
    import io

    run(proj.workspace, line_reader(iter(["w", "n", "n", "q"])), Console(file=io.StringIO()))
    spans = [tuple(d.split("span=")[1].strip("[]").split(", ")) for d in
             proj.log(3).details[::-1]]
    turn_start = text.index("We trusted our partners.")
    assert [tuple(map(int, s)) for s in spans] == [
        (turn_start, sentence[1]),                 # w: the whole turn
        sentence,                                  # n: back to the sentence
        (text.index("coup"), text.index("coup") + 4)]  # n: the matched word


def test_coder_names_auto_and_lists_are_refused(proj, cli):
    res = cli("--coder", "auto", "code", "d1", "--code", "trust", "--quote", "the coup came")
    assert (res.exit_code, res.stderr) == (1, "Error: the coder name 'auto' is reserved for "
                                              "the auto-coder - choose another (--coder NAME)\n")
    res = cli("--coder", "a,b", "code", "d1", "--code", "trust", "--quote", "the coup came")
    assert res.exit_code == 1 and "no commas" in res.stderr
    write(proj.interviews_dir / "coded" / "auto.csv",
          "document,quote,code\nd1,the coup came,coup\n")
    with pytest.raises(ImportIncomplete, match="interviews/coded/auto.csv: the coder name "
                                               "'auto' is reserved"):
        proj.import_interviews()
    assert proj.codings().empty


def test_coding_interviewer_speech_warns(proj, cli):
    res = cli("--coder", "ana", "code", "d1", "--code", "trust", "--turn", "0")
    assert res.exit_code == 0
    assert "is not respondent speech (Interviewer) - it is kept, but never counted" in \
        res.stderr


def test_excerpts_table_names_the_coder(proj, cli):
    proj.code("d1", "trust", quote="We trusted our partners.")
    res = cli("excerpts", "--code", "trust")
    assert res.exit_code == 0
    header = next(line for line in res.stdout.splitlines() if "coder" in line)
    assert "speaker" in header and "ana" in res.stdout


def test_autocode_checks_the_rules_before_any_document(project_dir: Path, cli):
    write(project_dir / "codebook" / "codes.yaml",
          "codes:\n  - id: bad\n    name: Bad\n    rules:\n"
          "      en: [{pattern: [{TEXT: {REGEX: \"(\"}}]}]\n")
    res = cli("autocode")
    assert res.exit_code == 1 and res.stderr.startswith("Error: ")
    assert "bad" in res.stderr


def test_review_from_a_pipe_stays_readable(proj, cli):
    proj.autocode()
    res = cli("--coder", "ana", "review", input="q\n")
    assert res.exit_code == 0
    assert max(len(line) for line in res.stdout.splitlines()) <= 100


def test_a_recoded_suggestion_is_not_suggested_again(proj):
    proj.autocode()
    sugg = proj.codings(coders=["auto"]).iloc[0]
    other = "coup" if sugg.code != "coup" else "trust"
    decide(proj.workspace, int(sugg.id), "recode", code=other)
    res = proj.autocode_run()
    assert res.added == 0
    again = proj.codings(coders=["auto"])
    same = again[(again.start == sugg.start) & (again.end == sugg.end)]
    assert same.code.tolist() == [other]


def test_an_empty_codebook_is_refused_and_suggestions_are_kept(proj, cli, project_dir):
    proj.autocode()
    before = len(proj.codings(coders=["auto"]))
    (project_dir / "codebook" / "codes.yaml").write_text("codes: []\n", encoding="utf-8")
    res = cli("codebook", "validate")
    assert res.exit_code == 1 and "the codebook has no codes" in res.stderr
    res = cli("autocode")
    assert res.exit_code == 1 and "the codebook has no codes" in res.stderr
    assert len(proj.codings(coders=["auto"])) == before


def test_memo_list_on_an_unknown_target_is_an_error(proj, cli):
    res = cli("memo", "list", "--code", "nosuch")
    assert res.exit_code == 1 and "unknown code 'nosuch'" in res.stderr


def test_an_unknown_rule_language_names_the_code(project_dir: Path, cli):
    write(project_dir / "codebook" / "codes.yaml",
          "codes:\n  - id: c\n    name: C\n    rules:\n      zz: [word]\n")
    res = cli("codebook", "validate")
    assert res.exit_code == 1
    assert "code c: rules.zz: unknown language 'zz'" in res.stderr
