"""The codebook panel of `qualcode serve` in headless Chromium (Playwright): rename, move,
merge, retire and undo from the sidebar, checked in the YAML and the store; an error is
one line and changes nothing; after a split the waiting codings are sorted from a queue.
Skipped where Chromium or Playwright is absent."""

from __future__ import annotations

from .serve_support import serve_template  # noqa: F401
from .test_serve_browser import browser, open_as, select, served  # noqa: F401


def yaml_of(project) -> str:  # noqa: ANN001
    return (project.root / "codebook" / "codes.yaml").read_text(encoding="utf-8")


def on_code(project, code: str) -> set[int]:  # noqa: ANN001
    rows = project.codings()
    return set(rows[rows.code == code].id)


def codings(project) -> list[tuple]:  # noqa: ANN001
    rows = project.codings().sort_values("id")
    return list(zip(rows.id, rows.code, rows.status, strict=True))


def palette(page) -> list[str]:  # noqa: ANN001
    return page.eval_on_selector_all("#codes .code", "els => els.map(e => e.dataset.code)")


def message(page, pattern: str) -> str:  # noqa: ANN001
    page.wait_for_selector(f"#message:text-matches('{pattern}')")
    return page.text_content("#message")


def test_rename_move_merge_and_undo_from_the_codebook_panel(browser, served):  # noqa: F811
    project, url = served
    page = open_as(browser, url, "amina")
    coup, trust, distrust = (on_code(project, c) for c in ("coup", "trust", "distrust"))
    page.click("#cb-actions summary")

    # rename: id and name; the palette and the transcript's highlights follow
    page.select_option("#cb-code", "coup")
    page.fill("#cb-new-id", "coup_risk")
    page.fill("#cb-new-name", "Coup danger")
    page.click("#cb-rename")
    assert message(page, "^renamed coup -> coup_risk") == \
        f"renamed coup -> coup_risk; {len(coup)} coding(s) carried"
    page.wait_for_selector("#codes .code[data-code=coup_risk]")
    assert palette(page) == ["trust", "distrust", "coup_risk"]
    assert "  - id: coup_risk\n    name: Coup danger\n" in yaml_of(project)
    assert on_code(project, "coup_risk") == coup and not on_code(project, "coup")
    page.wait_for_selector(".seg.coded[title='Coup danger - suggestion (suggested)']")

    # move it under trust
    page.select_option("#cb-code", "coup_risk")
    page.select_option("#cb-move-under", "trust")
    page.click("#cb-move")
    message(page, "^moved coup_risk under trust$")
    page.wait_for_selector("#codes .code[data-code=coup_risk] .name.depth1")
    assert project.full_codebook.parents() == {"trust": None, "distrust": "trust",
                                               "coup_risk": "trust"}

    # an error: one line in the message bar, nothing changed
    before = yaml_of(project), codings(project), len(project.log(limit=1000))
    page.select_option("#cb-code", "distrust")
    page.fill("#cb-new-id", "trust")
    page.click("#cb-rename")
    page.wait_for_selector("#message.error")
    assert page.text_content("#message") == (
        "code trust exists already - merge distrust into it with qualcode codebook merge "
        "distrust --into trust")
    assert (yaml_of(project), codings(project), len(project.log(limit=1000))) == before
    assert palette(page) == ["trust", "distrust", "coup_risk"]

    # merge distrust and coup_risk into a new code
    page.select_option("#cb-code", "distrust")
    page.select_option("#cb-merge-with", ["coup_risk"])
    page.fill("#cb-merge-into", "doubt")
    page.fill("#cb-merge-name", "Doubt")
    page.click("#cb-merge")
    message(page, "^merged distrust, coup_risk into doubt \\\\(new\\\\)")
    page.wait_for_selector("#codes .code[data-code=doubt]")
    assert palette(page) == ["trust", "doubt"]
    assert on_code(project, "doubt") == distrust | coup and on_code(project, "trust") == trust
    assert "id: distrust" not in yaml_of(project) and "id: coup_risk" not in yaml_of(project)
    assert "      - id: doubt\n        name: Doubt\n" in yaml_of(project)
    assert [(e.coder, e.action) for e in project.log(limit=3).itertuples()] == [
        ("amina", "codebook.merge"), ("amina", "codebook.move"), ("amina", "codebook.rename")]

    # undo the merge: the YAML as it was before it, the codings back on their codes
    page.click("#cb-undo")
    message(page, "^undid the merge of doubt")
    page.wait_for_selector("#codes .code[data-code=coup_risk]")
    assert (yaml_of(project), codings(project)) == before[:2]
    assert palette(page) == ["trust", "distrust", "coup_risk"]
    assert page.errors == []


def test_retire_and_restore_from_the_panel(browser, served):  # noqa: F811
    project, url = served
    page = open_as(browser, url, "lukas")
    page.click("#cb-actions summary")
    page.select_option("#cb-code", "coup")
    page.click("#cb-retire")
    message(page, "^retired coup")
    page.wait_for_selector("#codes .code[data-code=coup]", state="detached")
    assert palette(page) == ["trust", "distrust"]
    assert project.full_codebook.by_id()["coup"].retired
    assert "coup" not in project.codebook.by_id()
    # its codings stay visible in the transcript, named
    page.wait_for_selector(".seg.coded[title='Coup risk - suggestion (suggested)']")
    page.click("#cb-retired li[data-code=coup] .cb-restore")
    message(page, "^restored coup")
    page.wait_for_selector("#codes .code[data-code=coup]")
    assert not project.full_codebook.by_id()["coup"].retired
    assert page.errors == []


def test_after_a_split_the_waiting_codings_are_sorted_from_a_queue(browser, served):  # noqa: F811
    project, url = served
    project.coder = "lukas"
    project.code("fr1", "trust", quote="Les élites se méfient.")
    project.coder = None
    rows = project.codings()
    rows = rows[(rows.code == "trust") & (rows.status != "rejected")]
    expect = {(d, t) for d, t in zip(rows.document, rows.text, strict=True)}
    page = open_as(browser, url, "amina")
    page.click("#cb-actions summary")
    page.select_option("#cb-code", "trust")
    page.fill("#cb-split-into", "trust_high, trust_low")
    page.click("#cb-split")
    message(page, f"^split trust into trust_high, trust_low; {len(rows)} coding")
    page.wait_for_selector("#cb-queue .cb-waiting")
    assert page.text_content(".cb-open-queue") == f"Trust: {len(rows)} waiting"
    items = page.query_selector_all("#cb-queue .cb-waiting")
    shown = {(i.query_selector("p").text_content().split(" · ")[0],
              i.query_selector("blockquote").text_content()) for i in items}
    assert shown == expect
    assert "fr1 · R2 · lukas (accepted)" in page.text_content("#cb-queue")
    assert page.eval_on_selector_all("#cb-queue li:first-child .cb-assign",
                                      "els => els.map(e => e.textContent)") == [
        "Trust high", "Trust low"]
    # sort them one by one: the first to "low", the rest to "high"
    ids = [int(i.get_attribute("data-id")) for i in items]
    page.click(f"#cb-queue li[data-id='{ids[0]}'] .cb-assign[data-code=trust_low]")
    page.wait_for_selector(f".cb-open-queue:text-is('Trust: {len(ids) - 1} waiting')")
    assert on_code(project, "trust_low") == {ids[0]}
    for n, cid in enumerate(ids[1:], 2):
        page.click(f"#cb-queue li[data-id='{cid}'] .cb-assign[data-code=trust_high]")
        message(page, "^assigned 1 coding\\\\(s\\\\) to trust_high$")
        if n < len(ids):
            page.wait_for_selector(f".cb-open-queue:text-is('Trust: {len(ids) - n} waiting')")
    page.wait_for_selector("#cb-queues h3", state="detached")
    assert on_code(project, "trust_high") == set(ids[1:])
    assert project.codebook_queue("trust").empty
    assert page.errors == []



def test_another_coders_page_follows_a_codebook_change(browser, served):  # noqa: F811
    project, url = served
    amina, lukas = open_as(browser, url, "amina"), open_as(browser, url, "lukas")
    amina.click("#cb-actions summary")
    amina.select_option("#cb-code", "distrust")
    amina.fill("#cb-new-name", "Suspicion")
    amina.click("#cb-rename")
    message(amina, "^renamed distrust: name .Suspicion.")
    # lukas's page polls the audit trail and reloads the codebook within a few seconds
    lukas.wait_for_selector("#codes .code[data-code=distrust] .name:text-is('Suspicion')",
                            timeout=8000)
    lukas.wait_for_selector(".seg.coded[title='Suspicion - suggestion (suggested)']")
    # a colleague's coding reloads lukas's page, but not what he is typing in the panel
    lukas.click("#cb-actions summary")
    lukas.fill("#cb-split-into", "half typed")
    select(amina, "Rumours spread")
    amina.keyboard.press("1")
    message(amina, "^coded #")
    lukas.wait_for_selector(".seg.coded[title*='Trust - amina']", timeout=8000)
    assert lukas.input_value("#cb-split-into") == "half typed"
    assert lukas.errors == [] and amina.errors == []
