"""Cold start (issue 23): `autocode --source codebook` suggests from the codes'
descriptions and examples on a fresh project with the shipped codebook and no coding;
the suggestions are reviewable, a re-run replaces only its own unreviewed suggestions,
and bad input is one line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qualcode.project import open_project

from .conftest import REPO, write

INTERVIEW = """---
id: T-01
respondent: T01
language: en
---
Interviewer: How do you see the partnership?

T01: People say the French planes fly at night and nobody knows where they go. \
The market was busy this morning and my sister sold all her onions.

Interviewer: And the training?

T01: With the Americans we talk officer to officer, but with EUCAP we only get \
seminars. My son plays football every evening near the river.
"""


@pytest.fixture
def fresh(cli, tmp_path: Path):
    """`qualcode init`, the shipped codebook instead of the starter one, two shipped
    interviews and one written here; imported, nothing coded."""
    root = tmp_path / "fresh"
    assert cli("init", str(root), project=None).exit_code == 0
    shutil.rmtree(root / "codebook")
    shutil.copytree(REPO / "codebook", root / "codebook")
    for p in (root / "interviews").iterdir():
        p.unlink()
    for doc in ("W-01", "NE-03"):
        shutil.copy2(REPO / "interviews" / f"{doc}.md", root / "interviews")
    write(root / "interviews" / "T-01.md", INTERVIEW)
    assert cli("import", project=root).exit_code == 0
    return root


def sentence_codes(proj, document: str) -> dict[str, set[str]]:
    """Sentence text -> the themes of its codebook suggestions."""
    book = proj.workspace.codebook
    texts = proj.documents().set_index("document").text
    auto = proj.codings(coders=["auto"], documents=[document])
    out: dict[str, set[str]] = {}
    for r in auto[auto.rule == "codebook"].itertuples():
        out.setdefault(texts[document][r.start:r.end], set()).add(book.lineage(r.code)[-1])
    return out


def test_codebook_suggestions_on_a_fresh_project_with_no_coding(cli, fresh):
    res = cli("autocode", "--source", "codebook", project=fresh)
    assert res.exit_code == 0, res.output
    assert "(codebook)" in res.output
    proj = open_project(fresh)
    try:
        auto = proj.codings(coders=["auto"])
        assert len(auto) and set(auto.rule) == {"codebook"}  # no rule ran
        assert set(auto.status) == {"suggested"} and auto.case.notna().all()
        assert auto.score.notna().all()
        # at most one theme per sentence
        assert not auto.duplicated(["document", "start", "end"]).any()
        got = sentence_codes(proj, "T-01")
        paraphrase = {s: t for s, t in got.items() if "fly at night" in s or "EUCAP" in s}
        assert paraphrase == {
            "People say the French planes fly at night and nobody knows where they go.":
                {"populist_mistrust"},
            "With the Americans we talk officer to officer, but with EUCAP we only get "
            "seminars.": {"bilateral_preference"}}
        assert not any("interviewer" in str(s).lower() for s in auto.speaker)
    finally:
        proj.close()


def test_codebook_suggestions_are_reviewable(cli, fresh):
    cli("autocode", "--source", "codebook", project=fresh)
    proj = open_project(fresh)
    first = proj.codings(coders=["auto"]).sort_values(["document", "start"]).iloc[0]
    proj.close()
    res = cli("--coder", "ana", "review", "--source", "codebook", input="a\nq\n",
              project=fresh)
    assert res.exit_code == 0, res.output
    assert "codebook: close to" in res.output
    assert "accepted 1" in res.output
    proj = open_project(fresh)
    try:
        row = proj.codings(coders=["auto"]).set_index("id").loc[first.id]
        assert row.status == "accepted"
    finally:
        proj.close()
    res = cli("--coder", "ana", "review", "--source", "rules", input="q\n", project=fresh)
    assert "accepted 0" in res.output and "0 suggestion(s) left" in res.output


def test_a_rerun_replaces_only_its_own_unreviewed_suggestions(cli, fresh):
    from qualcode.coding import decide

    assert cli("autocode", "--source", "rules", project=fresh).exit_code == 0
    cli("autocode", "--source", "codebook", project=fresh)
    proj = open_project(fresh, coder="ana")
    auto = proj.codings(coders=["auto"])
    rules = set(auto[auto.rule != "codebook"].id)
    book = auto[auto.rule == "codebook"]
    assert rules and len(book)
    # a person decides one codebook suggestion of the theme we will strip
    victim = book[book.code.map(lambda c: proj.workspace.codebook.lineage(c)[-1])
                  == "populist_mistrust"].iloc[0]
    decide(proj.workspace, int(victim.id), "reject")
    proj.close()
    again = cli("autocode", "--source", "codebook", project=fresh)
    assert "added 0, removed 0" in again.output
    # the theme loses its description, include text and examples (its rules stay)
    path = fresh / "codebook" / "sahel.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - id: populist_mistrust")
    end = text.index("  - id: bilateral_preference")
    part = text[start:end]
    stripped = _strip_texts(part)
    path.write_text(text[:start] + stripped + text[end:], encoding="utf-8")
    assert cli("autocode", "--source", "codebook", project=fresh).exit_code == 0
    proj = open_project(fresh)
    try:
        after = proj.codings(coders=["auto"]).set_index("id")
        assert rules <= set(after.index)  # the rules' suggestions are untouched
        assert after.loc[int(victim.id), "status"] == "rejected"  # a decision stays
        mine = after[(after.rule == "codebook") & (after.status == "suggested")]
        themes = {proj.workspace.codebook.lineage(c)[-1] for c in mine.code}
        assert "populist_mistrust" not in themes and themes
    finally:
        proj.close()
    # and a rules run leaves the codebook's suggestions alone
    before = set(mine.index)
    cli("autocode", "--source", "rules", project=fresh)
    proj = open_project(fresh)
    try:
        assert before <= set(proj.codings(coders=["auto"]).id)
    finally:
        proj.close()


def _strip_texts(part: str) -> str:
    """The YAML of one theme (with its sub-codes) without description, include,
    exclude and examples; rules, names and colours kept."""
    import yaml

    data = yaml.safe_load("codes:\n" + part)

    def strip(code: dict) -> None:
        for key in ("description", "include", "exclude", "examples"):
            code.pop(key, None)
        for child in code.get("children", []):
            strip(child)

    for code in data["codes"]:
        strip(code)
    dumped = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    return "".join(f"  {line}\n" for line in dumped.splitlines()[1:])


def test_bad_input_is_one_line(cli, fresh):
    res = cli("autocode", "--source", "codebook", "--unit", "turn", project=fresh)
    assert res.exit_code == 1
    assert res.output.strip().splitlines()[-1] == \
        "Error: --source codebook suggests sentences - use --unit sentence"
    res = cli("autocode", "--source", "codebok", project=fresh)
    assert res.exit_code == 1 and res.output.strip().splitlines()[-1] == \
        "Error: unknown source 'codebok' - use rules, model, both or codebook"
    # a codebook with rules but no description, include text or examples
    shutil.rmtree(fresh / "codebook")
    write(fresh / "codebook" / "codes.yaml",
          "codebook: bare\nversion: 1\ncodes:\n  - id: trust\n    name: Trust\n"
          "    rules:\n      en: [trust]\n")
    res = cli("autocode", "--source", "codebook", project=fresh)
    assert res.exit_code == 1 and len(res.output.strip().splitlines()) == 1
    assert "needs them" in res.output


def test_a_rules_run_does_not_count_codebook_suggestions_as_decided(cli, fresh):
    assert cli("autocode", "--source", "codebook", project=fresh).exit_code == 0
    res = cli("autocode", "--source", "rules", project=fresh)
    assert res.exit_code == 0, res.output
    assert res.output.strip().splitlines()[-1].endswith("; 0 already decided")
