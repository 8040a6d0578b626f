"""SIGKILL of the server and its worker in the middle of a large upload: nothing half-stored, and
the next worker takes the upload up again from its spooled file. Runs real server processes on
each backend."""

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest

from tests.support.postgres import free_port
from tests.support.server import wait_until_serving

KEY = "bpm_crash_test_key_0123456789abcdef"
ROWS = 600_000


def _write_log(path: Path) -> None:
    rng = np.random.default_rng(3)
    start = np.datetime64("2024-01-01T00:00:00") + rng.integers(0, 10**7, ROWS).astype("timedelta64[s]")
    pd.DataFrame({"case": rng.integers(0, 40_000, ROWS), "act": rng.integers(0, 20, ROWS).astype(str),
                  "ts": start.astype(str), "who": rng.integers(0, 30, ROWS).astype(str),
                  "n": np.arange(ROWS)}).to_csv(path, index=False)


class Server:
    def __init__(self, env: dict, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        exe = Path(".venv/bin/blueprint-miner").resolve()
        self.proc = subprocess.Popen([str(exe), "serve", "--port", str(self.port)], env=env,
                                     stdout=open(log, "ab"), stderr=subprocess.STDOUT)  # noqa: SIM115
        self.http = httpx.Client(base_url=self.base, headers={"Authorization": f"Bearer {KEY}"}, timeout=120)
        wait_until_serving(self.http, self.proc, log)

    def wait_for(self, upload_id: int, predicate, timeout: float = 300) -> dict:  # 600,000 rows, a loaded machine
        end = time.time() + timeout
        while time.time() < end:
            body = self.http.get(f"/v1/uploads/{upload_id}").json()
            if predicate(body):
                return body
            time.sleep(0.05)
        raise AssertionError(f"upload {upload_id} never reached the state: {body}")


def children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return [int(p) for p in f.read().split()]


@pytest.mark.slow
def test_sigkill_mid_upload_leaves_nothing_and_can_be_resent(db_url, tmp_path):
    log_file = tmp_path / "log.csv"
    _write_log(log_file)
    env = {**os.environ, "BLUEPRINT_DATABASE_URL": db_url, "BLUEPRINT_DATA_DIR": str(tmp_path / "data"),
           "BLUEPRINT_BOOTSTRAP_API_KEY": KEY, "BLUEPRINT_ASYNC_UPLOAD_MB": "1",
           "BLUEPRINT_INSERT_CHUNK_ROWS": "50000"}
    server_log = tmp_path / "server.log"
    server = Server(env, server_log)
    sid = server.http.post("/v1/sources", json={"name": "big", "mapping": {
        "case_id": "case", "activity": "act", "timestamp": "ts", "resource": "who"}}).json()["id"]
    with open(log_file, "rb") as f:
        r = server.http.post(f"/v1/sources/{sid}/uploads", files={"file": ("log.csv", f)})
    assert r.status_code == 202 and r.json()["status"] == "queued"
    upload_id = r.json()["id"]
    server.wait_for(upload_id, lambda b: b["status"] == "running" and b["rows_read"] >= ROWS // 2)
    workers = children(server.proc.pid)
    assert len(workers) == 1  # the embedded worker runs the upload
    for pid in [server.proc.pid, *workers]:
        os.kill(pid, signal.SIGKILL)
    server.proc.wait(10)
    stage_files = list((tmp_path / "data" / "staging").glob("stage-*"))

    server = Server(env, server_log)
    try:
        done = server.wait_for(upload_id, lambda b: b["status"] in ("succeeded", "failed"))
        assert (done["status"], done["events_ingested"], done["rows_read"]) == ("succeeded", ROWS, ROWS)
        assert server.http.get(f"/v1/sources/{sid}/stats").json()["events"] == ROWS
        assert not [p for p in stage_files if p.exists()]  # the killed job's scratch files are gone
        with open(log_file, "rb") as f:  # sent again: nothing new
            again = server.http.post(f"/v1/sources/{sid}/uploads", files={"file": ("log.csv", f)}).json()
        again = server.wait_for(again["id"], lambda b: b["status"] in ("succeeded", "failed"))
        assert (again["status"], again["events_ingested"], again["events_duplicate"]) == ("succeeded", 0, ROWS)
        assert server.http.get(f"/v1/sources/{sid}/stats").json()["events"] == ROWS
    finally:
        server.proc.terminate()
        server.proc.wait(10)
    output = server_log.read_text()
    assert "Welcome to" not in output and "PM4Py" not in output  # pm4py's banner is silenced
    assert '"level": "info"' in output  # structured (JSON lines) logs
