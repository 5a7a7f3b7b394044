"""The example study's report: build time end to end, and the screenshot in docs/.

    python bench/report_bench.py [--runs 3] [--no-screenshot]

Copies the example project to a temporary folder, imports and auto-codes it, then runs
`qualcode report -o study.html` in fresh processes (start-up and imports included) and
prints wall and CPU seconds per run. Unless --no-screenshot, opens the report in Debian's
headless Chromium (Playwright's driver, `executable_path`; nothing is downloaded) and
writes docs/report-screenshot.png.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
from corpus import copy_example  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def qualcode(root: Path, *args: str) -> tuple[float, float]:
    """Run the CLI in a fresh process; returns (wall, cpu) seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "qualcode", "-p", str(root), *args], check=True,
                   capture_output=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def screenshot(html: Path, png: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium")
                                    or "/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 1500})
        page.goto(html.as_uri(), wait_until="load")
        top = page.evaluate("document.querySelector('#themes').getBoundingClientRect().top"
                            " + window.scrollY")
        page.screenshot(path=str(png), full_page=True,
                        clip={"x": 0, "y": top - 20, "width": 1100, "height": 1400})
        browser.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-screenshot", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "sahel"
        copy_example(root)
        qualcode(root, "import")
        qualcode(root, "autocode")
        out = root / "study.html"
        wall, cpu = qualcode(root, "report", "-o", str(out))
        print(f"first report after autocode: wall {wall:.2f} s, cpu {cpu:.2f} s")
        for i in range(args.runs):
            wall, cpu = qualcode(root, "report", "-o", str(out))
            print(f"run {i + 1}: wall {wall:.2f} s, cpu {cpu:.2f} s, "
                  f"{out.stat().st_size / 1024:.0f} KB")
        if not args.no_screenshot:
            png = REPO / "docs" / "report-screenshot.png"
            screenshot(out, png)
            print(f"wrote {png.relative_to(REPO)}")


if __name__ == "__main__":
    main()
