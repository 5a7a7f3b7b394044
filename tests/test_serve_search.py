"""The search box of the browser workspace: hits found by the server's search, painted
with the CSS Custom Highlight API at the right UTF-16 places (emoji before them), jumps,
and one clear line for a bad query."""

from __future__ import annotations

from .serve_support import copy_project, running, serve_template  # noqa: F401
from .test_serve_browser import browser, open_as, served  # noqa: F401

HIGHLIGHTED = """(name) => [...(CSS.highlights.get(name) || [])].map((r) => r.toString())"""


def test_search_box_highlights_hits_and_jumps_between_them(browser, served):  # noqa: F811
    project, url = served
    page = open_as(browser, url, "amina")
    page.fill("#text-search", "café")
    page.wait_for_selector("#text-search-count:text('1 of 2')")
    # both speakers' cafés, after the emoji (UTF-16 positions from the server)
    assert page.evaluate(HIGHLIGHTED, "search-hit") == ["café", "café"]
    assert page.evaluate(HIGHLIGHTED, "search-current") == ["café"]
    first = page.get_attribute("#transcript", "data-current")
    page.press("#text-search", "Enter")
    page.wait_for_selector("#text-search-count:text('2 of 2')")
    assert page.get_attribute("#transcript", "data-current") != first
    page.press("#text-search", "Shift+Enter")
    page.wait_for_selector("#text-search-count:text('1 of 2')")
    # lemmas: "partners" for partner; the highlight survives a redraw (coding a passage)
    page.fill("#text-search", "partner")
    page.wait_for_selector("#text-search-count:text('1 of 1')")
    assert page.evaluate(HIGHLIGHTED, "search-hit") == ["partners"]
    page.keyboard.press("Escape")
    page.select_option("#text-search-mode", "exact")
    page.fill("#text-search", "partner")
    page.wait_for_selector("#text-search-count:text('no match for “partner”')")
    assert page.evaluate(HIGHLIGHTED, "search-hit") == []
    page.select_option("#text-search-mode", "regex")
    page.fill("#text-search", "(a+)+")
    page.wait_for_selector("#message.error")
    assert "exponential time" in page.text_content("#message")
    assert page.errors == []
