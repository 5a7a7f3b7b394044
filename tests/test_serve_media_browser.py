"""The player in a real browser (headless Chromium via Playwright) with a WAV written by
the test: seek to a turn, play a coding's range, the heard turn highlighted, keys, and a
missing recording shown as a note."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.project import open_project

from .conftest import write
from .media_support import write_wav
from .serve_support import running
from .test_serve_browser import ARGS, CHROMIUM

TALK = """
---
respondent: R1
media: talk.wav
---
Interviewer [00:00:00]: First question?

R1 [00:00:02]: First answer, fairly short.

Interviewer [00:00:04]: Second question?

R1 [00:00:06]: Second answer, and it goes on for a while here.
"""


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (CI installs Debian's chromium)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed (pip install playwright)")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=[
            *ARGS, "--autoplay-policy=no-user-gesture-required", "--mute-audio"])
        yield b
        b.close()


@pytest.fixture
def served(project_dir: Path):
    from qualcode.server.app import create_app

    write(project_dir / "interviews" / "talk.md", TALK)
    write_wav(project_dir / "interviews" / "talk.wav", 9)
    project = open_project(project_dir, coder="ana")
    project.import_interviews()
    cid = project.code("talk", "trust", turn=1)
    with running(create_app(project)) as url:
        yield project, url, cid
    project.close()


def open_doc(browser, url: str):  # noqa: ANN001, ANN201
    page = browser.new_context(viewport={"width": 1300, "height": 900}).new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(url + "/")
    page.click("#documents a:text-is('talk')")
    page.wait_for_selector("#transcript .seg")
    return page


def wait(page, expression: str, timeout: float = 6.0) -> None:  # noqa: ANN001
    """Poll `expression` in the page until it is true (wait_for_function would need
    eval, which the workspace's Content-Security-Policy forbids)."""
    import time

    deadline = time.monotonic() + timeout
    while not page.evaluate(f"() => Boolean({expression})"):
        assert time.monotonic() < deadline, f"still false after {timeout} s: {expression}"
        time.sleep(0.05)


def now(page) -> float:  # noqa: ANN001
    return page.evaluate("document.querySelector('#player audio').currentTime")


def playing(page) -> str | None:  # noqa: ANN001
    return page.evaluate("(document.querySelector('#transcript .turn.playing') || "
                         "{dataset: {}}).dataset.idx || null")


def test_click_a_turn_time_seeks_there_and_the_highlight_follows(browser, served):
    _, url, _ = served
    page = open_doc(browser, url)
    wait(page, "document.querySelector('#player audio').readyState >= 1")
    times = page.locator("#transcript .turn-time").all_inner_texts()
    assert times == ["0:00", "0:02", "0:04", "0:06"]
    page.click('#transcript .turn[data-idx="1"] .turn-time')
    wait(page, "!document.querySelector('#player audio').paused")
    assert 2.0 <= now(page) < 3.9
    page.wait_for_selector('#transcript .turn.playing[data-idx="1"]')
    # the audio goes on past 4 s: the interviewer's turn is highlighted, no other
    page.wait_for_selector('#transcript .turn.playing[data-idx="2"]', timeout=6000)
    assert page.locator("#transcript .turn.playing").count() == 1
    assert page.errors == []


def test_play_the_focused_codings_range(browser, served):
    _, url, cid = served
    page = open_doc(browser, url)
    wait(page, "document.querySelector('#player audio').readyState >= 1")
    page.click("#transcript .seg.coded")
    page.wait_for_selector("#focus-box h3")
    page.click("#player .play-coding")
    wait(page, "!document.querySelector('#player audio').paused")
    start = now(page)
    assert 2.0 <= start < 3.5  # from the coding's start (2 s); a loaded machine lags
    # the highlight follows on the player's next timeupdate
    wait(page, "(document.querySelector('#transcript .turn.playing') || "
               "{dataset: {}}).dataset.idx === '1'")
    # it stops by itself at the coding's end (4 s), give or take one timeupdate
    wait(page, "document.querySelector('#player audio').paused")
    assert 3.9 <= now(page) <= 4.8
    assert page.errors == []


def test_keys_play_pause_and_skip_but_not_while_typing(browser, served):
    _, url, _ = served
    page = open_doc(browser, url)
    wait(page, "document.querySelector('#player audio').readyState >= 1")
    page.click("#transcript .speaker")  # focus on the page, not on a field
    page.keyboard.press("ArrowRight")
    assert now(page) == pytest.approx(5.0, abs=0.05)
    page.keyboard.press("ArrowLeft")
    assert now(page) == pytest.approx(0.0, abs=0.05)
    page.keyboard.press(" ")
    wait(page, "!document.querySelector('#player audio').paused")
    page.keyboard.press(" ")
    wait(page, "document.querySelector('#player audio').paused")
    at = now(page)
    page.focus("#code-search")
    page.keyboard.press("ArrowRight")
    page.keyboard.press(" ")
    assert now(page) == pytest.approx(at, abs=0.01)
    assert page.evaluate("document.querySelector('#player audio').paused")
    assert page.input_value("#code-search") == " "
    assert page.errors == []


def test_a_missing_recording_is_a_note_not_a_broken_page(browser, served):
    project, url, _ = served
    wav = Path(project.root) / "interviews" / "talk.wav"
    wav.rename(wav.with_name("talk-old.wav"))
    page = open_doc(browser, url)
    note = page.locator("#player .media-note")
    assert note.inner_text().startswith("the recording interviews/talk.wav is missing")
    assert page.locator("#player audio").count() == 0
    assert page.locator("#transcript .turn").count() == 4
    assert page.errors == []
