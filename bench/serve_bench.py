"""`qualcode serve` speed: open a 20,000-word transcript with 500 codings, and the round
trip of a coding action, on SQLite.

    python bench/serve_bench.py [--runs 15] [--no-browser]

Builds a project with one generated 20,000-word transcript, auto-codes it and adds
manual codings by two coders up to 500 codings, serves it with uvicorn on 127.0.0.1,
then measures over real HTTP:
- GET /api/documents/ID (what opening the document reads);
- opening the document in headless Chromium until every highlight and margin stripe is
  drawn (Debian's /usr/bin/chromium through Playwright), from navigation start;
- POST a coding (select + code), accept a suggestion, undo: request to committed reply;
- in the browser: select a passage, press a key, until the page shows the new coding.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus import phrases, write_codebook, write_corpus  # noqa: E402

WORDS, CODINGS = 20_000, 500
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


def build(root: Path) -> str:
    """The project; returns the document id."""
    import random

    from qualcode.project import open_project

    (root / "qualcode.toml").write_text('name = "serve bench"\nlanguage = "en"\n')
    rules = phrases(40)
    write_codebook(root / "codebook", rules, codes=10)
    write_corpus(root / "interviews", 1, WORDS, rules)
    project = open_project(root, coder="ana")
    project.import_interviews()
    project.autocode()
    text = project.documents().text[0]
    words = [(m.start(), m.end()) for m in __import__("re").finditer(r"\w+", text)]
    rng = random.Random(5)
    have = len(project.codings())
    while have < CODINGS:
        project.coder = rng.choice(["ana", "ben"])
        i = rng.randrange(len(words) - 30)
        span = (words[i][0], words[i + rng.randint(2, 25)][1])
        try:
            project.code("doc00000", f"code{rng.randrange(10)}", span=span)
            have += 1
        except Exception:  # noqa: BLE001 - a duplicate span: draw again
            pass
    project.close()
    return "doc00000"


def stats(times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"median {statistics.median(ms):.0f} ms, p95 {p95:.0f} ms, n={len(ms)}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args()
    import httpx

    from qualcode.project import open_project
    from qualcode.server.app import create_app
    from tests.serve_support import running

    root = Path(tempfile.mkdtemp()) / "bench"
    root.mkdir()
    t = time.perf_counter()
    doc = build(root)
    project = open_project(root)
    codings = project.codings()
    text = project.documents().text[0]
    print(f"built in {time.perf_counter() - t:.1f} s: {len(text.split()):,} words, "
          f"{len(codings)} codings ({(codings.origin == 'auto').sum()} suggestions)")
    with running(create_app(project)) as url, httpx.Client(base_url=url) as http:
        csrf = http.get("/api/session").json()["csrf"]
        head = {"x-csrf-token": csrf}
        csrf = http.post("/api/session", json={"coder": "ana"}, headers=head).json()["csrf"]
        head = {"x-csrf-token": csrf}
        reads = []
        for _ in range(args.runs):
            t = time.perf_counter()
            body = http.get(f"/api/documents/{doc}").json()
            reads.append(time.perf_counter() - t)
        print(f"GET document ({len(body['codings'])} codings): {stats(reads)}")
        code, accept, undo = [], [], []
        pending = [c["id"] for c in body["codings"] if c["status"] == "suggested"]
        for k in range(args.runs):
            s16 = 40 + k * 97
            t = time.perf_counter()
            r = http.post(f"/api/documents/{doc}/codings", headers=head,
                          json={"code": "code1", "s16": s16, "e16": s16 + 30})
            code.append(time.perf_counter() - t)
            assert r.status_code == 200, r.text
            if k < len(pending):
                t = time.perf_counter()
                r = http.post(f"/api/documents/{doc}/codings/{pending[k]}/decide",
                              headers=head, json={"action": "accept"})
                accept.append(time.perf_counter() - t)
                assert r.status_code == 200, r.text
            t = time.perf_counter()
            r = http.post("/api/undo", headers=head, json={})
            undo.append(time.perf_counter() - t)
        print(f"POST coding (select + code): {stats(code)}")
        print(f"POST accept suggestion: {stats(accept)}")
        print(f"POST undo: {stats(undo)}")
        if not args.no_browser:
            browser_runs(url, doc, args.runs)
    project.close()


def browser_runs(url: str, doc: str, runs: int) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        page.goto(url + "/")
        page.fill("#coder-name", "ana")
        page.click("#choose-coder button")
        page.wait_for_selector("#documents")
        opens = []
        for _ in range(runs):
            page.goto(f"{url}/d/{doc}")
            page.wait_for_selector(".stripe")
            opens.append(page.evaluate("performance.now()") / 1000)
        n = page.eval_on_selector_all(".seg.coded", "e => e.length")
        print(f"open in the browser until drawn ({n} highlighted segments): {stats(opens)}")
        acts = []
        for k in range(runs):
            needle = page.evaluate("""(k) => {
              const segs = [...document.querySelectorAll('#transcript .seg:not(.coded)')]
                .filter((s) => s.textContent.length > 40);
              const node = segs[(k * 7) % segs.length].firstChild;
              const r = document.createRange(); r.setStart(node, 5); r.setEnd(node, 20);
              const s = getSelection(); s.removeAllRanges(); s.addRange(r);
              return node.data.slice(5, 20);
            }""", k)
            page.wait_for_selector("#selection-box .selected")
            before = page.text_content("#message")
            t = time.perf_counter()
            page.keyboard.press("3")
            page.wait_for_function("(b) => document.getElementById('message').textContent "
                                   "!== b", arg=before)
            acts.append(time.perf_counter() - t)
            assert needle
        print(f"code a selection in the browser (key to redrawn page): {stats(acts)}")
        browser.close()


if __name__ == "__main__":
    main()
