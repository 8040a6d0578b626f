"""The README's screenshots: the blueprint page of the demo (sample_logs/demo) and of the receipt log
(sample_logs/receipt.xes), in Debian's Chromium, on a fresh server.

    python -m tests.web.browser.screenshots docs/screenshots
"""

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.blueprint.test_feed import load_demo
from tests.conftest import SAMPLES
from tests.web.browser.conftest import ADMIN, api, sign_in
from tests.web.browser.server import CHROMIUM_ARGS, Server, chromium_path

# The receipt phase of a Dutch municipality's building-permit process (BPI Challenge, WABO): the
# applicant's part is the application arriving; letters and documents sent to the applicant are
# frontstage, with their evidence; external advisers are support; the rest is the officers' backstage.
RECEIPT_LANES = {"rules": [
    {"lane": "customer", "match": {"activity": "Confirmation of receipt"}, "evidence": "application form"},
    {"lane": "frontstage", "match": {"activity_regex": "^T05 "}, "evidence": "confirmation letter"},
    {"lane": "frontstage", "match": {"activity_regex": "^T15 "}, "evidence": "document X"},
    {"lane": "frontstage", "match": {"activity_regex": "^T20 "}, "evidence": "report Y"},
    {"lane": "support", "match": {"activity_regex": "^T09-|^T08 "}},
], "default": "backstage"}
RECEIPT_PHASES = [
    {"name": "Receipt", "activities": ["Confirmation of receipt", "T02 Check confirmation of receipt",
                                       "T03 Adjust confirmation of receipt", "T04 Determine confirmation of receipt",
                                       "T05 Print and send confirmation of receipt"], "assumed_duration_s": 3 * 86400},
    {"name": "Advice", "activity_regex": "^T0[6-9]", "assumed_duration_s": 5 * 86400},
    {"name": "Decision", "activity_regex": "^T1[0-9]|^T20", "assumed_duration_s": 2 * 86400},
]


# What each screenshot shows: a phase slower than assumed, and a step in it.
FOCUS = {"demo": ("Installation", "Technician visits on site"), "receipt": ("Receipt", "T02 Check confirmation")}


def receipt(client) -> int:
    source = client.post("/v1/sources", json={"name": "permits", "system": "other"}).json()["id"]
    with open(SAMPLES / "receipt.xes", "rb") as f:
        upload = client.post(f"/v1/sources/{source}/uploads", files={"file": ("receipt.xes", f)}).json()
    while upload["status"] in ("queued", "running"):
        upload = client.get(f"/v1/uploads/{upload['id']}").json()
    body = {"name": "Environmental permit: receipt", "sources": [source], "lanes": RECEIPT_LANES,
            "phases": RECEIPT_PHASES, "assumptions": {"steps": {"T02 Check confirmation of receipt": 86400}}}
    return client.post("/v1/blueprints", json=body).json()["id"]


def shoot(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    server = Server(Path(tempfile.mkdtemp()), ADMIN).start()
    made = []
    try:
        with api(server) as client:
            blueprints = {"demo": load_demo(client), "receipt": receipt(client)}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(chromium_path()), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1800, "height": 1100})
            for name, bp in blueprints.items():
                sign_in(page, f"{server.url}/blueprints/{bp}", ADMIN)
                phase, step = FOCUS[name]
                page.locator("#phase-nav button", has_text=phase).click()
                page.locator("#picture g.step", has_text=step).first.click()
                made.append(folder / f"blueprint-{name}.png")
                page.screenshot(path=made[-1])
            browser.close()
    finally:
        server.stop()
    return made


if __name__ == "__main__":
    for path in shoot(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")):
        print(path)
