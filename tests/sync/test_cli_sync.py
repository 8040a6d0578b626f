"""`blueprint-miner sync run SOURCE` carries out a run in its own process through the runner;
`sync status` shows every source's configuration and last run."""

import os
import subprocess
import sys

import pytest

from tests.helpers import make_source, stored_events
from tests.sync.conftest import ROOT, configure


def cli(settings, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "BLUEPRINT_DATABASE_URL": settings.database_url, "BLUEPRINT_DATA_DIR": str(settings.data_dir),
           "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-c", "from app.cli import main; main()", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sync_run_and_status(client, engine, settings, tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "a.csv").write_text("c,a,t\n1,Open,2024-01-01T10:00:00Z\n1,Close,2024-01-01T11:00:00Z\n")
    source_id = make_source(client, name="drop", mapping={"case_id": "c", "activity": "a", "timestamp": "t"})
    configure(client, source_id, "files", {"path": str(folder), "settle_s": 0})
    make_source(client, name="manual")

    ran = cli(settings, "sync", "run", "drop", "--workspace", "alpha")
    assert ran.returncode == 0, ran.stderr
    assert "succeeded: 2 events stored, 0 duplicates, 0 updated, 1 pages, 1 files" in ran.stderr
    assert stored_events(engine, source_id) == 2
    runs = client.get(f"/v1/sources/{source_id}/sync/runs").json()["items"]
    assert [(r["trigger"], r["status"]) for r in runs] == [("manual", "succeeded")]

    shown = cli(settings, "sync", "status", "--workspace", "alpha")
    assert shown.returncode == 0, shown.stderr
    drop_line = next(line for line in shown.stdout.splitlines() if " drop " in line)
    assert "files" in drop_line and "every 3600 s" in drop_line and f"{runs[0]['id']} succeeded" in drop_line
    assert any(" manual " in line for line in shown.stdout.splitlines())

    (folder / "b.csv").write_text("c,a,t\n2,Open,2024-01-01T10:00:00Z\n2,Close,not a time\n")
    failed = cli(settings, "sync", "run", "drop", "--workspace", "alpha")
    assert failed.returncode == 1 and "b.csv: 1 of 2 rows are invalid" in failed.stderr, failed.stderr
    error = client.get(f"/v1/sources/{source_id}/sync/runs").json()["items"][0]["error"]
    shown = cli(settings, "sync", "status", "--workspace", "alpha")
    assert len(error) > 100 and f"drop, run {runs[0]['id'] + 1}: {error}" in shown.stdout, (error, shown.stdout)

    missing = cli(settings, "sync", "run", "nope", "--workspace", "alpha")
    assert missing.returncode != 0 and "no source 'nope'" in missing.stderr
