"""Memos as part of the analysis (issue 22, part 1): author and time, the journal,
edits that keep the earlier text, links to memos and codings, filters, and the life of a
memo when the coding it is about goes away."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from qualcode.errors import QualcodeError
from qualcode.project import open_project

from .conftest import write

DOC = """
---
id: d1
respondent: R1
---
Interviewer: Tell me about trust.

R1: We trusted our partners. Then the coup came and nobody trusted anybody.

Interviewer: And the army?

R1: The army stays out of politics. It is the last bastion.
"""

DOC2 = """
---
id: d2
respondent: R2
---
Interviewer: And you?

R2: I am suspicious of every promise.
"""


@pytest.fixture
def proj(project_dir: Path):
    write(project_dir / "interviews" / "d1.md", DOC)
    write(project_dir / "interviews" / "d2.md", DOC2)
    p = open_project(project_dir, coder="ana")
    p.import_interviews()
    return p


def test_memo_keeps_author_time_and_every_earlier_text(proj):
    before = datetime.now(UTC)
    mid = proj.memo("code", "trust", "Trust is relational.")
    row = proj.memos().iloc[0]
    assert (row.id, row.on, row.target, row.coder, row.memo) == (
        mid, "code", "trust", "ana", "Trust is relational.")
    written = pd.Timestamp(row["at"])
    written = written if written.tzinfo else written.tz_localize("UTC")
    assert pd.Timestamp(before) - pd.Timedelta(seconds=1) <= written
    proj.memo_edit(mid, "Trust is relational and fragile.")
    proj.memo_edit(mid, "Trust is relational, fragile, earned.")
    now = proj.memos().iloc[0]
    assert now.memo == "Trust is relational, fragile, earned." and now.edited_by == "ana"
    assert not pd.isna(now.edited_at) and now.coder == "ana"
    hist = proj.memos(history=True)
    assert hist.memo.tolist() == ["Trust is relational.", "Trust is relational and fragile.",
                                  "Trust is relational, fragile, earned."]
    assert hist.version.tolist() == [1, 2, 3] and hist.current.tolist() == [False, False, True]
    detail = proj.memo_show(mid)
    assert [h["memo"] for h in detail["history"]] == hist.memo.tolist()[:2]
    assert detail["history"][0]["replaced_by"] == "ana"
    # the edit is in the audit trail, never the text
    log = proj.log()
    assert "memo-edit" in set(log.action)
    assert not log.details.str.contains("fragile").any()


def test_only_the_author_edits_and_empty_edits_are_refused(proj, project_dir):
    mid = proj.memo("document", "d1", "Noisy.")
    ben = open_project(project_dir, coder="ben")
    with pytest.raises(QualcodeError, match=f"memo #{mid} is by ana - you can edit only"):
        ben.memo_edit(mid, "Not noisy.")
    with pytest.raises(QualcodeError, match="empty memo"):
        proj.memo_edit(mid, "  ")
    with pytest.raises(QualcodeError, match="already says that"):
        proj.memo_edit(mid, "Noisy.")
    with pytest.raises(QualcodeError, match="no memo #99"):
        proj.memo_edit(99, "x")
    assert proj.memos().memo.tolist() == ["Noisy."]
    assert proj.memos(history=True).memo.tolist() == ["Noisy."]


def test_journal_and_links(proj):
    cid = proj.code("d1", "coup", quote="Then the coup came")
    a = proj.memo("coding", str(cid), "The coup as a turning point.")
    j = proj.memo("project", None, "Week 1: coups everywhere.", links=[str(a), f"coding:{cid}"])
    memos = proj.memos().set_index("id")
    assert memos.at[j, "on"] == "project" and memos.at[j, "target"] == "Test study"
    assert memos.at[j, "links"] == f"memo:{a}, coding:{cid}"
    assert proj.memo_link(a, [f"memo:{j}", f"memo:{j}"]) == 1  # a link is made once
    assert proj.memo_link(a, [f"memo:{j}"]) == 0
    detail = proj.memo_show(j)
    assert [(x["to"], x["target"]) for x in detail["link_details"]] == [
        ("memo", str(a)), ("coding", str(cid))]
    assert detail["link_details"][1]["text"] == "d1 [coup] Then the coup came"
    assert detail["linked_from"] == [a]
    for bad, msg in (("memo:999", "no memo #999"), ("coding:999", "no coding #999"),
                     ("thing:1", "bad link"), (str(j), "cannot link to itself")):
        with pytest.raises(QualcodeError, match=msg):
            proj.memo_link(j, [bad])
    with pytest.raises(QualcodeError, match="no memo #999"):
        proj.memo("project", None, "x", links=["999"])
    assert len(proj.memos()) == 2  # the refused memo was not written


def test_a_memo_outlives_its_coding_uncode_and_autocode(proj):
    manual = proj.code("d1", "coup", quote="Then the coup came")
    on = proj.memo("coding", str(manual), "Key passage.")
    linker = proj.memo("code", "coup", "See the passage.", links=[f"coding:{manual}"])
    proj.uncode(manual)
    memos = proj.memos().set_index("id")
    assert memos.at[on, "memo"] == "Key passage."
    assert memos.at[on, "about"].startswith(f"coding #{manual} (coup, d1 ")
    assert "removed by ana" in memos.at[on, "about"]
    link = proj.memo_show(linker)["link_details"][0]
    assert link["target"] == str(manual) and "removed by ana" in link["about"]
    # an auto-coding run that drops a suggestion keeps the memo written on it
    proj.autocode()
    sugg = proj.codings(origins=["auto"], statuses=["suggested"])
    target = sugg[sugg.code == "distrust"].iloc[0]
    m = proj.memo("coding", str(target.id), "Is this distrust or caution?")
    book = proj.workspace.codebook_dir / "codes.yaml"
    book.write_text(book.read_text(encoding="utf-8").replace("en: [suspicious]",
                                                             "en: [nothing_matches]"),
                    encoding="utf-8")
    proj = open_project(proj.workspace.root, coder="ana")
    res = proj.autocode_run()
    assert res.removed >= 1
    assert proj.codings(origins=["auto"]).query("id == @target.id").empty
    row = proj.memos().set_index("id").loc[m]
    assert row.memo == "Is this distrust or caution?"
    assert row.about.startswith(f"coding #{target.id} (distrust, d2 ")
    assert "replaced by an auto-coding run" in row.about


def test_a_memo_stays_on_a_coding_orphaned_by_a_reimport(proj, project_dir):
    cid = proj.code("d1", "trust", quote="It is the last bastion.")
    mid = proj.memo("coding", str(cid), "Pride in the army.")
    write(project_dir / "interviews" / "d1.md", DOC.replace(" It is the last bastion.", ""))
    proj.import_interviews()
    coding = proj.codings().set_index("id").loc[cid]
    assert coding.anchor == "orphaned"
    memos = proj.memos(code=["trust"])
    assert memos.id.tolist() == [mid] and pd.isna(memos.iloc[0].about)


def test_filters_by_target_author_code_document_case_and_date(proj, project_dir):
    c1 = proj.code("d1", "coup", quote="Then the coup came")
    c2 = proj.code("d2", "distrust", quote="I am suspicious of every promise.")
    m_code = proj.memo("code", "trust", "parent code")
    m_c1 = proj.memo("coding", str(c1), "on a coup coding")
    m_c2 = proj.memo("coding", str(c2), "on a distrust coding")
    m_doc = proj.memo("document", "d2", "doc two")
    m_case = proj.memo("case", "R1", "case one")
    ben = open_project(project_dir, coder="ben")
    m_j = ben.memo("project", None, "journal")

    def ids(**kw):
        return proj.memos(**kw).id.tolist()

    assert ids(code=["trust"]) == [m_code, m_c2]  # sub-codes' codings too
    assert ids(code="coup") == [m_c1]
    assert ids(document=["d2"]) == [m_c2, m_doc]
    assert ids(case=["R1"]) == [m_c1, m_case]
    assert ids(case=["R2"]) == [m_c2, m_doc]  # a document of the case counts
    assert ids(author=["ben"]) == [m_j]
    assert proj.memos("project").id.tolist() == [m_j]
    today = datetime.now(UTC).date()
    assert len(ids(since=today.isoformat())) == 6
    assert ids(until=(today - timedelta(days=1)).isoformat()) == []
    assert len(ids(since=today.isoformat(), until=today.isoformat())) == 6
    for kw, msg in ((dict(code=["nope"]), "unknown code"), (dict(document=["d9"]), "no document"),
                    (dict(case=["R9"]), "no case"), (dict(since="yesterday"), "bad --since")):
        with pytest.raises(QualcodeError, match=msg):
            proj.memos(**kw)


def test_cli_journal_edit_link_show_and_list(cli, proj):
    cid = proj.code("d1", "coup", quote="Then the coup came")
    res = cli("--coder", "ana", "memo", "add", "--project", "Week 1: two interviews.")
    assert res.exit_code == 0 and "memo #1 on the project journal" in res.stderr
    res = cli("--coder", "ana", "memo", "add", "--coding", str(cid), "Turning point.",
              "--link", "1", "--link", f"coding:{cid}")
    assert res.exit_code == 0, res.output
    assert cli("--coder", "ana", "memo", "edit", "1", "Week 1: two interviews, both rich."
               ).exit_code == 0
    assert cli("--coder", "ana", "memo", "link", "1", "--to", "2").exit_code == 0
    res = cli("memo", "show", "1", "-f", "csv")
    lines = res.stdout.splitlines()
    assert lines[0] == "part,by,at,text"
    assert lines[1].startswith("earlier text 1,ana,") and lines[1].endswith(
        ",Week 1: two interviews.")
    assert lines[2].startswith("memo (edited),ana,") and lines[2].endswith(
        ',"Week 1: two interviews, both rich."')
    assert lines[3].startswith("links to memo 2,ana,") and lines[3].endswith(",Turning point.")
    assert lines[4] == "linked from memo 2,,,"
    res = cli("memo", "list", "--history", "-f", "json")
    import json

    rows = json.loads(res.stdout)
    assert [(r["id"], r["version"], r["memo"]) for r in rows] == [
        (1, 1, "Week 1: two interviews."), (1, 2, "Week 1: two interviews, both rich."),
        (2, 1, "Turning point.")]
    res = cli("memo", "list", "--code", "coup", "-f", "csv")
    assert [ln.split(",")[0] for ln in res.stdout.splitlines()] == ["id", "2"]
    assert '"memo:1, coding:' in res.stdout
    res = cli("memo", "list", "--on", "project", "-f", "csv")
    assert [ln.split(",")[0] for ln in res.stdout.splitlines()] == ["id", "1"]
    res = cli("memo", "list", "--author", "ben")
    assert res.exit_code == 0 and "no memo matches these filters" in res.stderr
    res = cli("--coder", "ben", "memo", "edit", "1", "mine now")
    assert res.exit_code == 1 and res.stderr.startswith("Error: memo #1 is by ana")
    res = cli("--coder", "ana", "memo", "add", "--project", "--code", "coup", "x")
    assert res.exit_code == 1 and "give one of --project" in res.stderr
    res = cli("memo", "list", "--target", "x")
    assert res.exit_code == 1 and "--target needs --on" in res.stderr
