"""REFI-QDA text sources with no text (issue 19): said to be "empty", not "not text"; kept
as empty documents when they carry a case, variables or notes, so a round trip back to
NVivo keeps them."""

from __future__ import annotations

import zipfile
from pathlib import Path

from qualcode.project import open_project

from .test_refi_project import empty_project

NS = "urn:QDA-XML:project:1.0"
U = "11111111-1111-4111-8111-111111111111"
C = "22222222-2222-4222-8222-222222222222"
S1, S2, S3 = (f"33333333-3333-4333-8333-33333333333{i}" for i in (3, 4, 5))
V = "88888888-8888-4888-8888-888888888888"
CASE = "66666666-6666-4666-8666-666666666666"
N = "77777777-7777-4777-8777-777777777777"
QDE = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="{NS}" name="demo" origin="test"><Users><User guid="{U}" name="alice"/></Users>
<CodeBook><Codes><Code guid="{C}" name="Trust" isCodable="true"/></Codes></CodeBook>
<Variables><Variable guid="{V}" name="origin" typeOfVariable="Text"/></Variables>
<Cases><Case guid="{CASE}" name="R-07"><VariableValue><VariableRef targetGUID="{V}"/>
<TextValue>Western</TextValue></VariableValue><SourceRef targetGUID="{S2}"/></Case></Cases>
<Sources>
<TextSource guid="{S1}" name="Interview 1" plainTextPath="internal://{S1}.txt">
<PlainTextSelection guid="44444444-4444-4444-8444-444444444444" name="I trust them"
 startPosition="11" endPosition="23" creatingUser="{U}"><Coding
 guid="55555555-5555-4555-8555-555555555555" creatingUser="{U}"><CodeRef targetGUID="{C}"/>
</Coding></PlainTextSelection></TextSource>
<TextSource guid="{S2}" name="Interview 7" plainTextPath="internal://{S2}.txt"><NoteRef
 targetGUID="{N}"/></TextSource>
<TextSource guid="{S3}" name="Blank" plainTextPath="internal://{S3}.txt"/>
</Sources>
<Notes><Note guid="{N}" name="why empty" creatingUser="{U}"><PlainTextContent>Recorder
 failed; notes on paper.</PlainTextContent></Note></Notes>
</Project>"""


def qdpx(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", QDE)
        zf.writestr(f"sources/{S1}.txt", "Well, yes. I trust them mostly.\n")
        zf.writestr(f"sources/{S2}.txt", "")  # empty, but it has a case, a variable, a note
        zf.writestr(f"sources/{S3}.txt", "  \n")  # empty and carrying nothing
    return path


def test_empty_sources_are_called_empty_and_kept_when_they_carry_something(tmp_path: Path):
    proj = open_project(empty_project(tmp_path / "p"))
    res = proj.import_refi(qdpx(tmp_path / "demo.qdpx"))
    rows = {r["what"]: r["count"] for r in res.summary_rows()}
    assert rows["sources not imported (empty)"] == 1
    assert rows["sources not imported (not text)"] == 0
    assert res.documents["added"] == 2
    assert [(s["name"], s["reason"]) for s in res.skipped_sources] == [("Blank", "empty text")]
    assert ("source Interview 7: empty - kept as the empty document 'Interview 7' (it "
            "carries a case and variables and notes); nothing in it can be coded"
            ) in res.warnings
    docs = proj.documents().set_index("document")
    kept = docs.loc["Interview 7"]
    assert (kept.case, kept.origin, int(kept.words)) == ("R-07", "Western", 0)
    memos = proj.memos()
    assert memos[memos.target == "Interview 7"].memo.str.contains("Recorder").all()
    assert len(memos[memos.target == "Interview 7"]) == 1
    # an empty document has no respondent speech: it is in no statistic
    assert list(proj.respondents().document) == ["Interview 1"]
    # importing the same file again changes nothing
    again = proj.import_refi(tmp_path / "demo.qdpx")
    assert again.documents == {"added": 0, "updated": 0, "unchanged": 2}


def test_cli_lists_the_empty_source_as_empty(tmp_path: Path, cli):
    root = empty_project(tmp_path / "p")
    res = cli("import", str(qdpx(tmp_path / "demo.qdpx")), project=root)
    assert res.exit_code == 0, res.stderr
    assert "not imported: text source 'Blank' (0 selection(s), 0 coding(s)) - empty text" \
        in res.stderr
    assert "sources not imported (empty)" in res.stdout and "kept as the empty document" \
        in res.stderr


def test_a_kept_empty_source_survives_a_round_trip(tmp_path: Path):
    first = open_project(empty_project(tmp_path / "p"))
    first.import_refi(qdpx(tmp_path / "demo.qdpx"))
    out = first.export_project(tmp_path / "out.qdpx")
    with zipfile.ZipFile(out) as zf:
        sizes = sorted(i.file_size for i in zf.infolist() if i.filename.startswith("sources/"))
    assert sizes == [0, 32]  # the empty document is exported, as an empty text
    second = open_project(empty_project(tmp_path / "q"))
    res = second.import_refi(out)
    assert res.documents["added"] == 2 and res.skipped_sources == []
    docs = second.documents().set_index("document")
    assert (docs.loc["Interview 7"].case, docs.loc["Interview 7"].origin) == ("R-07", "Western")
    memos = second.memos()
    assert memos[memos.target == "Interview 7"].memo.str.contains("Recorder").all()
