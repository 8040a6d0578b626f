"""The feed says how fresh each synced source is: the last success, the lag behind the newest
event pulled, the next run, the last error; a source without sync says null."""

from datetime import UTC, datetime

from tests.helpers import make_source, upload
from tests.sync.conftest import configure, run_now
from tests.sync.test_files_sync import MAPPING, csv


def test_the_feed_carries_each_sources_freshness(client, ctx, tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a.csv").write_bytes(csv("A"))
    synced = make_source(client, name="synced", mapping=MAPPING)
    configure(client, synced, "files", {"path": str(folder), "settle_s": 0})
    plain = make_source(client, name="plain", mapping=MAPPING)
    assert upload(client, plain, csv("P")).status_code == 201
    bp = client.post("/v1/blueprints", json={"name": "fresh", "sources": [synced, plain]}).json()["id"]
    before = client.get(f"/v1/blueprints/{bp}/feed")
    assert before.json()["sources"][0]["sync"]["last_success_at"] is None
    run = run_now(client, ctx, synced)
    assert run["status"] == "succeeded"
    after = client.get(f"/v1/blueprints/{bp}/feed")
    assert after.headers["ETag"] != before.headers["ETag"]
    sources = {s["name"]: s for s in after.json()["sources"]}
    sync = sources["synced"]["sync"]
    def at(text: str) -> datetime:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))

    assert at(sync["last_success_at"]) == at(run["finished_at"])
    newest = datetime(2024, 1, 1, 10, 2, tzinfo=UTC)  # csv("A") ends at 10:02
    assert abs(sync["lag_s"] - (datetime.now(UTC) - newest).total_seconds()) < 60
    assert sync["last_error"] is None and sync["next_run_at"] is not None
    assert sources["plain"]["sync"] is None
    (folder / "bad.csv").write_bytes(b"c,a,t\n1,X,not a time\n")
    failed = run_now(client, ctx, synced)
    assert failed["status"] == "failed"
    assert "bad.csv" in client.get(f"/v1/blueprints/{bp}/feed").json()["sources"][0]["sync"]["last_error"]
