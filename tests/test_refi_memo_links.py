"""REFI-QDA carries memo links (issue 22): each link of a memo to another memo or to a
coding is a `Link` named "Memo link" from the memo's Note, and importing the export into
an empty project gives the same memos with the same links, once."""

from __future__ import annotations

import zipfile
from pathlib import Path

from lxml import etree

from qualcode.project import open_project

from .conftest import write
from .test_memos import DOC
from .test_refi_project import empty_project

NS = {"q": "urn:QDA-XML:project:1.0"}


def _links(proj) -> set[tuple]:
    """Each memo link as (memo text, linked memo text | linked coding's span and code)."""
    memos = proj.memos().set_index("id")
    codings = proj.codings().set_index("id")
    out = set()
    for _, row in memos.iterrows():
        for link in filter(None, row.links.split(", ")):
            kind, _, key = link.partition(":")
            if kind == "memo":
                out.add((row.memo, "memo", memos.loc[int(key), "memo"]))
            else:
                c = codings.loc[int(key)]
                out.add((row.memo, "coding", c.document, int(c.start), int(c.end), c.code))
    return out


def test_memo_links_round_trip_through_qdpx(project_dir: Path, tmp_path: Path):
    write(project_dir / "interviews" / "d1.md", DOC)
    proj = open_project(project_dir, coder="ana")
    proj.import_interviews()
    c1 = proj.code("d1", "coup", quote="Then the coup came")
    c2 = proj.code("d1", "trust", quote="It is the last bastion.")
    on_code = proj.memo("code", "trust", "Trust is pride too.")
    on_coding = proj.memo("coding", str(c1), "The turning point.", links=[f"coding:{c2}"])
    proj.memo("project", None, "Week 1: pride and the coup.",
              links=[str(on_code), str(on_coding), f"coding:{c1}"])
    proj.memo_link(on_code, [f"memo:{on_coding}"])
    want = _links(proj)
    assert len(want) == 5
    path = proj.export_project(tmp_path / "study.qdpx")  # validated against Project.xsd
    with zipfile.ZipFile(path) as zf:
        root = etree.fromstring(zf.read("project.qde"))
    links = root.findall(".//q:Links/q:Link[@name='Memo link']", NS)
    notes = {n.get("guid") for n in root.findall(".//q:Notes/q:Note", NS)}
    codings = {c.get("guid") for c in root.findall(".//q:Coding", NS)}
    assert len(links) == 5 and all(lk.get("originGUID") in notes for lk in links)
    assert {lk.get("targetGUID") in notes for lk in links} == {True, False}
    assert all(lk.get("targetGUID") in notes | codings for lk in links)

    new = open_project(empty_project(tmp_path / "new"), coder="lead")
    res = new.import_refi(path)
    assert res.memo_links_added == 5 and res.warnings == []
    assert _links(new) == want
    # each memo is still on what it was on, by its author, written when it was written
    old = proj.memos().sort_values("memo")
    got = new.memos().sort_values("memo")
    assert got.memo.tolist() == old.memo.tolist()
    assert got.on.tolist() == old.on.tolist() and set(got.coder) == {"ana"}
    assert [str(a)[:19] for a in got["at"]] == [str(a)[:19] for a in old["at"]]
    # importing the same file again adds nothing
    again = new.import_refi(path)
    assert again.memos_added == 0 and again.memo_links_added == 0
    assert _links(new) == want
