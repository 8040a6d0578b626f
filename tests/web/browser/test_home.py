"""The home page: each blueprint with its links, each source with its events, last ingest and sync
(how often, how the last run went, when the next is)."""

import os
import time

from tests.web.browser.conftest import ADMIN, api, sign_in
from tests.web.browser.data import small_blueprint

CSV = b"case,activity,time\nh1,Open,2024-01-01T10:00:00Z\nh1,Close,2024-01-01T11:00:00Z\n"
MAPPING = {"case_id": "case", "activity": "activity", "timestamp": "time"}


def files_sync(client, name: str, folder, *, enabled: bool) -> int:
    source = client.post("/v1/sources", json={"name": name, "system": "ops", "mapping": MAPPING}).json()["id"]
    r = client.put(f"/v1/sources/{source}/sync", json={
        "connector": "files", "params": {"path": str(folder), "settle_s": 0}, "schedule": {"every_s": 3600},
        "enabled": enabled})
    assert r.status_code == 200, r.text
    return source


def finished_run(client, source: int, limit_s: float = 60) -> dict:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        run = client.get(f"/v1/sources/{source}/sync").json()["last_run"]
        if run and run["status"] in ("succeeded", "failed"):
            return run
        time.sleep(0.2)
    raise AssertionError("the embedded worker did not finish the due run")


def test_the_home_page_shows_each_sources_sync_and_each_blueprints_links(page, server, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "day1.csv").write_bytes(CSV)
    os.utime(inbox / "day1.csv", (time.time() - 60, time.time() - 60))
    with api(server) as client:
        bp = small_blueprint(server, name="Home service")["blueprint"]
        live = files_sync(client, "home-inbox", inbox, enabled=True)  # a new schedule is due at once
        files_sync(client, "home-paused", inbox, enabled=False)
        assert finished_run(client, live)["status"] == "succeeded"
    sign_in(page, f"{server.url}/", ADMIN)
    rows = {r.locator("td").first.inner_text(): r.locator("td").all_inner_texts()
            for r in page.locator("#sources tbody tr").all()}
    live_sync = rows["home-inbox"][-1]
    assert live_sync.startswith("files, every 1 h · last run succeeded ") and ", 2 new events · next in " in live_sync
    assert rows["home-paused"][-1] == "files, every 1 h · no run yet · paused"
    assert rows["secret-source"][-1] == "–"  # not synced
    links = page.locator(f"#blueprints tr:has(a[href='/blueprints/{bp}']) td").last
    assert links.inner_text() == "lanes · phases and assumptions"
    assert links.locator("a").evaluate_all("as => as.map(a => a.getAttribute('href'))") == [
        f"/blueprints/{bp}/lanes", f"/blueprints/{bp}/edit"]
    assert page.errors == []
