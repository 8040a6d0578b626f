"""Blueprint page benchmark: how soon the page of a 1M-event log is interactive once its feed is cached.

Run from the repository root (needs Debian's chromium and Playwright, both installed by `make test`):

    .venv/bin/python bench/page.py                  # 1,000,000 events
    .venv/bin/python bench/page.py --events 50000   # a quick run

It starts `blueprint-miner serve` on a fresh SQLite data directory, uploads bench/mine.py's log
(the same seeded CSV, reused from bench/out/ when present), defines bench/mine.py's blueprint and
GETs its feed and layout once, so both are cached. Then Chromium signs in once and opens the
blueprint page --visits times; each visit reads the Performance API's `blueprint-interactive` mark
(set when the picture is drawn and its handlers are on), in ms from navigation.

Targets (issue 12), printed as PASS/MISS: the median visit interactive within 1,500 ms, and at most
60 steps drawn with the default thresholds. Nothing asserts on time; the browser test
tests/web/browser/test_speed.py checks the same page is drawn from the cached feed.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import ingest  # noqa: E402 - bench/ingest.py: the generator, the mapping, the server
import mine  # noqa: E402 - bench/mine.py: the 1M-event CSV and the blueprint's lane rules

INTERACTIVE_MS = 1500
MAX_STEPS = 60
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu"]


def cached_blueprint(server: ingest.Server, csv: Path) -> int:
    """A blueprint on the uploaded log, its feed and layout computed once (so cached)."""
    source_id = server.create_source("bench page", ingest.MAPPING)
    done = server.upload(source_id, csv)
    if done["upload"]["status"] != "succeeded":
        raise RuntimeError(f"upload ended {done['upload']['status']}: {done['upload'].get('error')}")
    r = server.http.post("/v1/blueprints", json=mine.blueprint_body(source_id))
    r.raise_for_status()
    blueprint_id = r.json()["id"]
    for path in (f"/v1/blueprints/{blueprint_id}/feed", f"/v1/blueprints/{blueprint_id}/layout"):
        server.http.get(path).raise_for_status()
    return blueprint_id


def visit_times(server: ingest.Server, blueprint_id: int, visits: int) -> tuple[list[float], int]:
    """Milliseconds from navigation to interactive, per visit; the steps drawn on the last."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(f"{server.base}/")
        page.wait_for_selector("#signin:not([hidden])", state="attached", timeout=60_000)
        page.fill("#key", server.key)
        page.press("#key", "Enter")
        page.wait_for_selector("body[data-ready]", state="attached", timeout=60_000)
        times = []
        for _ in range(visits):
            page.goto(f"{server.base}/blueprints/{blueprint_id}")
            page.wait_for_selector("body[data-ready=true]", state="attached", timeout=60_000)
            times.append(page.evaluate("() => performance.getEntriesByName('blueprint-interactive')[0].startTime"))
        steps = page.locator("#picture g.step").count()
        browser.close()
    return times, steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--visits", type=int, default=7)
    args = parser.parse_args(argv)
    csv = mine.ensure_csv(args.events)["csv"]
    server = ingest.Server()
    try:
        t0 = time.perf_counter()
        blueprint_id = cached_blueprint(server, csv)
        print(f"uploaded {args.events:,} events and cached the feed in {time.perf_counter() - t0:.1f} s")
        times, steps = visit_times(server, blueprint_id, args.visits)
    finally:
        server.close()
    median = statistics.median(times)
    print(f"visits interactive after (ms): {', '.join(f'{t:.0f}' for t in times)}")
    print(f"median {median:.0f} ms (target <= {INTERACTIVE_MS}): {'PASS' if median <= INTERACTIVE_MS else 'MISS'}")
    print(f"steps drawn {steps} (target <= {MAX_STEPS}): {'PASS' if steps <= MAX_STEPS else 'MISS'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
