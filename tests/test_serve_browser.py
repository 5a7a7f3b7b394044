"""`qualcode serve` in a real browser: Debian's headless Chromium driven by Playwright,
against uvicorn on 127.0.0.1 and a real SQLite store. Skipped where either is absent."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from qualcode.project import open_project

from .conftest import REPO
from .serve_support import copy_project, running, serve_template  # noqa: F401

CHROMIUM = os.environ.get("QUALCODE_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
SELECT = """(needle) => {
  const root = document.getElementById('transcript');
  const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const i = n.data.indexOf(needle);
    if (i >= 0) {
      const r = document.createRange();
      r.setStart(n, i); r.setEnd(n, i + needle.length);
      const s = getSelection(); s.removeAllRanges(); s.addRange(r);
      return true;
    }
  }
  return false;
}"""


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (CI installs Debian's chromium)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed (pip install playwright)")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def served(serve_template: Path, tmp_path: Path):  # noqa: F811
    from qualcode.server.app import create_app

    project = open_project(copy_project(serve_template, tmp_path / "study"))
    with running(create_app(project)) as url:
        yield project, url
    project.close()


def open_as(browser, url: str, coder: str, doc: str = "en1"):  # noqa: ANN001, ANN201
    """A fresh browser context: choose the coder on first visit, open the document."""
    page = browser.new_context(viewport={"width": 1300, "height": 900}).new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(url + "/")
    page.fill("#coder-name", coder)
    page.click("#choose-coder button")
    page.click(f"#documents a:text-is('{doc}')")
    page.wait_for_selector("#transcript .seg")
    return page


def select(page, needle: str) -> None:  # noqa: ANN001
    assert page.evaluate(SELECT, needle), needle
    page.wait_for_selector("#selection-box .selected")


def mine(project, coder: str) -> list[tuple[str, str]]:  # noqa: ANN001
    rows = project.codings()
    rows = rows[rows.coder == coder]
    return list(zip(rows.code, rows.text, strict=True))


def test_select_text_and_code_it_by_key_and_by_codebook_search(browser, served):
    project, url = served
    page = open_as(browser, url, "amina")
    select(page, "e partn")  # inside two words: snaps to "the partners"
    page.keyboard.press("1")  # first code of the codebook: Trust
    page.wait_for_selector("#message.ok")
    assert page.text_content("#message").startswith("coded #") and \
        page.text_content("#message").endswith(" as Trust")
    assert mine(project, "amina") == [("trust", "the partners")]
    select(page, "Rumours spread")
    page.fill("#code-search", "coup")
    page.press("#code-search", "Enter")
    page.wait_for_selector(".seg.coded[title='Coup risk - amina']")
    assert sorted(mine(project, "amina")) == [("coup", "Rumours spread"),
                                              ("trust", "the partners")]
    titles = page.eval_on_selector_all(".seg.coded", "els => els.map(e => e.title)")
    assert "Trust - suggestion (suggested)\nTrust - amina" in titles
    assert page.errors == []


def test_accept_and_reject_suggestions_with_keys(browser, served):
    project, url = served
    page = open_as(browser, url, "lukas")
    page.keyboard.press("j")  # the first suggestion: trust
    page.wait_for_selector("#focus-box .rule")
    assert page.text_content("#focus-box .rule") == "rule trust.en.1: 'trust'"
    page.keyboard.press("a")
    page.wait_for_selector("#message:text('accept: #1 is accepted')")
    page.keyboard.press("r")  # focus moved on to the next suggestion: coup
    page.wait_for_selector("#message:text('reject: #2 is rejected')")
    rows = project.codings().set_index("id")
    assert [tuple(rows.loc[i, ["code", "status"]]) for i in (1, 2, 3)] == [
        ("trust", "accepted"), ("coup", "rejected"), ("distrust", "suggested")]
    log = project.log(limit=2)
    assert list(zip(log.coder, log.action, log.target, strict=True)) == [
        ("lukas", "reject", "en1#2"), ("lukas", "accept", "en1#1")]
    assert page.eval_on_selector_all(".seg.pending", "els => els.length") == 1
    assert page.errors == []


def test_undo_removes_a_coding_and_restores_a_decision(browser, served):
    project, url = served
    page = open_as(browser, url, "amina")
    select(page, "Niamey")
    page.keyboard.press("2")  # Distrust
    page.wait_for_selector("#message.ok")
    assert mine(project, "amina") == [("distrust", "Niamey")]
    page.keyboard.press("u")
    page.wait_for_selector("#message:text-matches('^undone: removed coding #')")
    assert mine(project, "amina") == []
    page.wait_for_selector(".seg.coded[title*=amina]", state="detached")
    page.keyboard.press("j")
    page.keyboard.press("a")
    page.wait_for_selector("#message:text('accept: #1 is accepted')")
    page.keyboard.press("u")
    page.wait_for_selector("#message:text('undone: restored #1 to suggested')")
    assert project.codings().set_index("id").loc[1, "status"] == "suggested"


def test_two_browsers_as_two_coders_see_each_others_codings(browser, served):
    project, url = served
    amina, lukas = open_as(browser, url, "amina"), open_as(browser, url, "lukas")
    select(amina, "Niamey")
    amina.keyboard.press("1")
    amina.wait_for_selector("#message.ok")
    lukas.wait_for_selector(".seg.coded[title='Trust - amina']", timeout=6000)
    select(lukas, "café owners")
    lukas.keyboard.press("3")  # Coup risk
    lukas.wait_for_selector("#message.ok")
    amina.wait_for_selector(".seg.coded[title*='Coup risk - lukas']", timeout=6000)
    # hide lukas: his highlight goes, amina's stays
    amina.uncheck("input[data-coder=lukas]")
    assert amina.query_selector(".seg.coded[title*='lukas']") is None
    assert amina.query_selector(".seg.coded[title='Trust - amina']") is not None
    manual = project.codings(origins=["manual"])
    assert sorted(zip(manual.coder, manual.text, strict=True)) == [
        ("amina", "Niamey"), ("lukas", "café owners")]


def test_script_in_a_transcript_and_codebook_stays_inert_text(browser, served):
    project, url = served
    page = open_as(browser, url, "amina")
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    text = page.text_content("#transcript")
    assert "<script>document.title='pwned'</script> Rumours" in text
    assert "And the <script>alert(1)</script> rumours?" in text
    assert page.eval_on_selector_all("#transcript script, #sidebar img", "e => e.length") == 0
    page.hover("#codes li[data-code=trust]")
    assert page.text_content("#code-detail p") == ("<img src=x onerror=alert(1)> <b>trust</b> "
                                                   "between partners")
    page.wait_for_timeout(200)
    assert page.title() == "qualcode" and dialogs == [] and page.errors == []


def test_a_write_without_the_csrf_token_is_refused(browser, served):
    project, url = served
    page = open_as(browser, url, "amina")
    result = page.evaluate("""async () => {
      const r = await fetch('/api/documents/en1/codings', {method: 'POST',
        headers: {'content-type': 'application/json'},
        body: JSON.stringify({code: 'trust', s16: 0, e16: 5})});
      return [r.status, (await r.json()).error];
    }""")
    assert result == [403, "missing or wrong CSRF token - reload the page"]
    assert mine(project, "amina") == []


@pytest.mark.skipif(not os.environ.get("QUALCODE_SCREENSHOT"),
                    reason="set QUALCODE_SCREENSHOT=1 to retake docs/serve-screenshot.png "
                           "(imports and auto-codes the example study)")
def test_screenshot_of_the_example_study_for_the_docs(browser, tmp_path: Path):
    from qualcode.server.app import create_app

    from .conftest import copy_example

    project = open_project(copy_example(tmp_path / "example"))
    project.import_interviews()
    project.autocode()
    with running(create_app(project)) as url:
        page = open_as(browser, url, "amina", doc="FG-01")
        page.keyboard.press("j")
        page.hover("#codes li[data-code=trust_gap]")
        page.wait_for_timeout(300)
        page.screenshot(path=str(tmp_path / "shot.png"))
    shutil.copy(tmp_path / "shot.png", REPO / "docs" / "serve-screenshot.png")
    project.close()


def test_memo_panel_writes_edits_and_links_in_place(browser, served):
    project, url = served
    page = open_as(browser, url, "amina")
    panel = "#doc-memos"
    page.wait_for_selector(f"{panel} [data-memos='journal']")
    # a memo on the open document, from the panel
    page.fill(f"{panel} [data-memos='document'] .memo-text", "Recorded in a café.")
    page.click(f"{panel} [data-memos='document'] .memo-add")
    page.wait_for_selector(f"{panel} [data-memos='document'] li.memo:has-text('in a café')")
    # a journal entry
    page.fill(f"{panel} [data-memos='journal'] .memo-text", "Day 1: en1 read.")
    page.click(f"{panel} [data-memos='journal'] .memo-add")
    page.wait_for_selector(f"{panel} [data-memos='journal'] li.memo:has-text('Day 1: en1 read.')")
    # focusing a suggestion shows the memos of its code; write one there
    page.keyboard.press("j")
    page.wait_for_selector(f"{panel} [data-memos='code'] h4:text('Code: Trust')")
    page.fill(f"{panel} [data-memos='code'] .memo-text", "Trust is earned slowly.")
    page.click(f"{panel} [data-memos='code'] .memo-add")
    page.wait_for_selector(f"{panel} [data-memos='code'] li.memo:has-text('Trust is earned')")
    memos = project.memos().set_index("memo")
    assert memos.loc["Recorded in a café.", ["on", "target", "coder"]].tolist() == [
        "document", "en1", "amina"]
    assert memos.loc["Day 1: en1 read.", ["on", "coder"]].tolist() == ["project", "amina"]
    assert memos.loc["Trust is earned slowly.", ["on", "target"]].tolist() == ["code", "trust"]
    journal = int(memos.loc["Day 1: en1 read.", "id"])
    code_memo = int(memos.loc["Trust is earned slowly.", "id"])
    # edit the journal entry in place: the earlier text is kept
    item = f"{panel} [data-memos='journal'] li[data-memo='{journal}']"
    page.click(f"{item} .memo-edit")
    page.fill(f"{item} .memo-edit-text", "Day 1: en1 read twice.")
    page.click(f"{item} .memo-save")
    page.wait_for_selector(f"{item} .memo-meta:has-text('1 earlier kept')")
    hist = project.memos(history=True)
    assert hist[hist.id == journal].memo.tolist() == ["Day 1: en1 read.",
                                                      "Day 1: en1 read twice."]
    # link the code memo to the journal entry and to the focused suggestion
    item = f"{panel} [data-memos='code'] li[data-memo='{code_memo}']"
    focus = int(page.text_content("#focus-box h3").split()[0].lstrip("#"))
    page.fill(f"{item} .memo-link-to", f"{journal} coding:{focus}")
    page.click(f"{item} .memo-link")
    page.wait_for_selector(f"{item} .memo-links:has-text('memo:{journal}')")
    assert project.memos().set_index("id").at[code_memo, "links"] == \
        f"memo:{journal}, coding:{focus}"
    # another coder sees the memos but can edit none of them; the server refuses too
    other = open_as(browser, url, "lukas")
    other.wait_for_selector(f"{panel} [data-memos='journal'] li[data-memo='{journal}']")
    assert other.eval_on_selector_all(f"{panel} .memo-edit", "els => els.length") == 0
    status = other.evaluate("""async (id) => {
      const s = await (await fetch('/api/session')).json();
      const r = await fetch(`/api/memos/${id}/edit`, {method: 'POST', headers: {
        'content-type': 'application/json', 'x-csrf-token': s.csrf},
        body: JSON.stringify({text: 'mine now'})});
      return [r.status, (await r.json()).error];
    }""", journal)
    assert status[0] >= 400 and status[1].startswith(f"memo #{journal} is by amina")
    assert project.memos().set_index("id").at[journal, "memo"] == "Day 1: en1 read twice."
    assert page.errors == [] and other.errors == []
