"""Time to first render of the explorer page, as a ratio to an almost empty page in the same browser.

Both pages are opened from files in the same headless Chromium (the system's, driven by
Playwright), each in a fresh page, alternately, ``--repeat`` times; the medians are compared:

* **first paint**: the browser's First Contentful Paint (the first text on screen);
* **ready**: the page's ``load`` event, after the explorer's script has parsed its data, drawn
  the first levels of the tree and asked its first question.

The baseline page holds one line of text and nothing else. Also printed: the page's size and
the tree's. Needs Chromium (``make browser``) and the dev extras (Playwright).

Run: ``python benchmarks/bench_explorer.py [--model models] [--repeat 15]``
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from bicep_twitch import Predictor
from bicep_twitch.draw.explorer import write_explorer

REPO = Path(__file__).resolve().parents[1]
EMPTY = "<!doctype html><html lang=en><meta charset=utf-8><title>empty</title><p>An almost empty page.</p></html>"
TIMES = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const fcp = performance.getEntriesByName("first-contentful-paint")[0];
  return [fcp ? fcp.startTime : NaN, nav.loadEventEnd];
}"""


def measure(browser, url: str) -> tuple[float, float]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(url, wait_until="load")
    # Polled from here: the explorer's Content-Security-Policy forbids the eval wait_for_function uses.
    for _ in range(200):
        first_paint, ready = page.evaluate(TIMES)
        if first_paint == first_paint:
            break
        page.wait_for_timeout(10)
    page.close()
    return first_paint, ready


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(REPO / "models"), help="model folder")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sys.exit("bench_explorer: Playwright is not installed (pip install -e '.[dev]')")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("bench_explorer: no Chromium on PATH; install it with 'make browser'")

    predictor = Predictor.load(args.model)
    with tempfile.TemporaryDirectory() as tmp:
        page_file = write_explorer(predictor, Path(tmp) / "explorer.html")
        empty_file = Path(tmp) / "empty.html"
        empty_file.write_text(EMPTY, encoding="utf-8")
        tree = predictor.tree
        print(f"tree: {len(tree.leaves()):,} leaves, depth {tree.depth()}, {tree.node_count:,} nodes ({args.model})")
        print(f"explorer.html: {page_file.stat().st_size / 1000:,.0f} kB")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            measure(browser, empty_file.as_uri())  # warm the browser's caches for both alike
            runs = {"explorer": [], "empty": []}
            for _ in range(args.repeat):
                runs["explorer"].append(measure(browser, page_file.as_uri()))
                runs["empty"].append(measure(browser, empty_file.as_uri()))
            print(f"browser: Chromium {browser.version}, {args.repeat} loads of each page, medians")
            browser.close()
    for i, what in enumerate(("first paint", "ready (load event)")):
        page_ms = statistics.median(r[i] for r in runs["explorer"])
        empty_ms = statistics.median(r[i] for r in runs["empty"])
        print(f"  {what:<20} explorer {page_ms:7.1f} ms   empty page {empty_ms:6.1f} ms   ratio {page_ms / empty_ms:5.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
