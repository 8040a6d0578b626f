"""The production shape, for real: two API processes and one worker process on one database and
data directory. Uploads, syncs and feeds through either API are all correct."""

import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT
from tests.support.postgres import free_port
from tests.support.server import START_S, serving_failure

KEY = "bpm_processes_key_0123456789abcdef"
EXE = str(ROOT / ".venv" / "bin" / "blueprint-miner")
MAPPING = {"case_id": "c", "activity": "a", "timestamp": "t"}


def _csv(cases: int, prefix: str) -> bytes:
    rows = [f"{prefix}{c},{a},2024-01-{1 + c % 28:02d}T{h:02d}:00:00Z" for c in range(cases)
            for h, a in ((8, "Open"), (9, "Work"), (10, "Close"))]
    return ("c,a,t\n" + "\n".join(rows) + "\n").encode()


class Process:
    def __init__(self, args: list[str], env: dict, log: Path) -> None:
        self.log = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([EXE, *args], env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def _api(port: int, process: Process, log: Path) -> httpx.Client:
    http = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {KEY}"}, timeout=60)
    failure = serving_failure(http, process.proc)
    if failure is None:
        return http
    http.close()
    raise AssertionError(f"the API on port {port} {failure}:\n{log.read_text()[-4000:]}")


def _ports(count: int) -> list[int]:
    """Free ports, all different (two looks at the kernel's free ports may give one port twice)."""
    ports: list[int] = []
    while len(ports) < count:
        if (port := free_port()) not in ports:
            ports.append(port)
    return ports


def _until(predicate, what: str, timeout: float = START_S):  # generous: three processes share a loaded machine
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"never: {what}")


@pytest.mark.slow
def test_two_apis_and_a_worker_share_the_work(db_url, tmp_path):
    env = {**os.environ, "BLUEPRINT_DATABASE_URL": db_url, "BLUEPRINT_DATA_DIR": str(tmp_path / "data"),
           "BLUEPRINT_BOOTSTRAP_API_KEY": KEY, "BLUEPRINT_ASYNC_UPLOAD_MB": "0.01", "BLUEPRINT_LOG_JSON": "false"}
    subprocess.run([EXE, "migrate"], env=env, check=True, capture_output=True, timeout=120)
    ports = _ports(2)
    procs = [Process(["serve", "--no-worker", "--port", str(p)], env, tmp_path / f"api{i}.log")
             for i, p in enumerate(ports)]
    procs.append(Process(["worker"], env, tmp_path / "worker.log"))
    clients: list[httpx.Client] = []
    try:
        for i, port in enumerate(ports):
            clients.append(_api(port, procs[i], tmp_path / f"api{i}.log"))
        one, two = clients
        source = one.post("/v1/sources", json={"name": "ops", "mapping": MAPPING}).json()["id"]
        # A large upload through one API is queued and run by the worker; the other API sees it end.
        queued = one.post(f"/v1/sources/{source}/uploads", files={"file": ("big.csv", _csv(2000, "B"))})
        assert queued.status_code == 202
        done = _until(lambda: (u := two.get(f"/v1/uploads/{queued.json()['id']}").json())["status"]
                      in ("succeeded", "failed") and u, "the upload ended")
        assert (done["status"], done["events_ingested"]) == ("succeeded", 6000), done
        # Pushed events through the other API are stored at once.
        pushed = two.post(f"/v1/sources/{source}/events", json=[
            {"case_id": "P1", "activity": "Open", "timestamp": "2024-02-01T08:00:00Z"}])
        assert pushed.status_code == 201 and pushed.json()["events_ingested"] == 1
        # A sync configured through one API, run through the other, carried out by the worker. Not
        # scheduled: a new schedule is due at once, and on a loaded machine the worker's scheduled
        # run could take the file before the run asked for below was queued (which then took none).
        inbox = tmp_path / "inbox"
        inbox.mkdir()
        (inbox / "day1.csv").write_bytes(_csv(100, "S"))
        synced = one.post("/v1/sources", json={"name": "inbox", "mapping": MAPPING}).json()["id"]
        assert one.put(f"/v1/sources/{synced}/sync", json={
            "connector": "files", "params": {"path": str(inbox), "settle_s": 0},
            "schedule": {"every_s": 3600}, "enabled": False}).status_code == 200
        run = two.post(f"/v1/sources/{synced}/sync/run").json()["id"]
        ran = _until(lambda: (r := one.get(f"/v1/sync/runs/{run}").json())["status"] in ("succeeded", "failed")
                     and r, "the sync run ended")
        assert (ran["status"], ran["events_ingested"]) == ("succeeded", 300), ran
        # Feeds through either API: the same data version and the same figures.
        bp = one.post("/v1/blueprints", json={"name": "both", "sources": [source, synced]}).json()["id"]
        feeds = [api.get(f"/v1/blueprints/{bp}/feed") for api in (one, two)]
        assert [f.status_code for f in feeds] == [200, 200]
        assert feeds[0].json()["data_version"] == feeds[1].json()["data_version"]
        stats = feeds[1].json()["stats"]
        assert (stats["events"], stats["cases"]) == (6000 + 1 + 300, 2000 + 1 + 100)
        bpmn = two.get(f"/v1/blueprints/{bp}/bpmn")  # computed by the worker, waited for by the API
        assert bpmn.status_code == 200 and b"Close" in bpmn.content
        assert _until(lambda: one.get(f"/v1/blueprints/{bp}/feed").json()["model"]["status"] == "ready",
                      "the first API sees the model")
    finally:
        for http in clients:
            http.close()
        for proc in procs:
            proc.stop()
    logs = "".join((tmp_path / name).read_text() for name in ("api0.log", "api1.log", "worker.log"))
    assert "Traceback" not in logs and "unhandled error" not in logs
