"""Two real worker processes on PostgreSQL, a 1-second schedule on two sources for 20 seconds (and
on, until each source has had RUNS runs and both workers have run some), new records arriving all
along: no two runs of one source overlap, every run is recorded as ended, both workers take turns,
and each source stores exactly the records the API holds."""

import signal
import threading
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from tests.helpers import make_source
from tests.support.api_routes import BASE
from tests.sync.conftest import configure, generic_params, start_worker

SECONDS = 20
RUNS = 8  # per source at least: about one a run's length, in 20 s
LIMIT_S = 300  # a loaded machine starts the workers late and runs them slowly: wait that long for RUNS


def drain(client, api, sources: list[int]) -> None:
    """Stop scheduling, let the last runs end, then run each source once more for the last records."""
    for source_id in sources:
        configure(client, source_id, "http_json", generic_params(api), schedule={"every_s": 1}, enabled=False)
    deadline = time.monotonic() + 120
    while any(r["status"] in ("queued", "running") for s in sources for r in runs_of(client, s)):
        assert time.monotonic() < deadline, "runs did not end"
        time.sleep(0.2)
    finals = [client.post(f"/v1/sources/{s}/sync/run").json()["id"] for s in sources]
    while any(client.get(f"/v1/sync/runs/{r}").json()["status"] in ("queued", "running") for r in finals):
        assert time.monotonic() < deadline, "the final runs did not end"
        time.sleep(0.2)


def enough_runs(engine, sources: list[int]) -> tuple[bool, str]:
    """Whether each source has had RUNS runs that succeeded and both workers have run some; what there is."""
    with engine.connect() as conn:
        ended = dict(conn.execute(text("SELECT source_id, count(*) FROM sync_runs WHERE status = 'succeeded' "
                                       "GROUP BY source_id")).all())
        owners = conn.execute(text("SELECT count(DISTINCT owner) FROM sync_runs WHERE status = 'succeeded'")).scalar()
    counts = [ended.get(source_id, 0) for source_id in sources]
    return min(counts) >= RUNS and owners == 2, f"runs that succeeded per source {counts}, by {owners} workers"


def runs_of(client, source_id: int) -> list[dict]:
    return client.get(f"/v1/sources/{source_id}/sync/runs", params={"limit": 500}).json()["items"]


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_two_workers_never_overlap_runs_of_one_source(client, engine, settings, api, tmp_path):
    api.data.generate_generic(400)
    api.slow("/generic/", 0.05)  # a run reads 10+ pages: long enough for a second worker to try
    sources = [make_source(client, name=f"api-{n}") for n in range(2)]
    for source_id in sources:
        configure(client, source_id, "http_json", generic_params(api), {"bearer": "test-token"},
                  schedule={"every_s": 1}, lookback_s=30)
    arriving = threading.Event()

    def add_records():
        ident = 400
        while not arriving.wait(0.25):
            with api.lock:
                api.data.add_generic(ident, BASE + timedelta(seconds=ident), "Open", case=f"C{ident // 5}")
            ident += 1

    feeder = threading.Thread(target=add_records)
    workers = [start_worker(settings, log_path=tmp_path / f"worker-{n}.log") for n in range(2)]
    feeder.start()
    try:
        started = time.monotonic()
        time.sleep(SECONDS)
        # A loaded machine starts the workers late and runs them slowly: on until there is enough to judge.
        while not (found := enough_runs(engine, sources))[0]:
            assert time.monotonic() - started < LIMIT_S, f"after {LIMIT_S} s: {found[1]}"
            time.sleep(0.5)
        arriving.set()
        feeder.join()
        drain(client, api, sources)
    finally:
        arriving.set()  # also when an assertion above failed: the feeder must not outlive the test
        feeder.join()
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        assert all(worker.wait(30) == 0 for worker in workers)

    owners = set()
    for source_id in sources:
        runs = sorted(runs_of(client, source_id), key=lambda r: r["started_at"])
        assert len(runs) >= RUNS, len(runs)
        assert all(r["status"] == "succeeded" and r["finished_at"] for r in runs), runs
        for before, after in zip(runs, runs[1:], strict=False):
            assert datetime.fromisoformat(before["finished_at"]) <= datetime.fromisoformat(after["started_at"])
        assert sum(r["trigger"] == "schedule" for r in runs) == len(runs) - 1
        owners |= {r_owner(engine, r["id"]) for r in runs}
        with engine.connect() as conn:
            keys = conn.execute(text("SELECT event_key FROM events WHERE source_id = :s"), {"s": source_id}).scalars()
            assert sorted(int(k) for k in keys) == sorted(record["id"] for record in api.data.generic)
    assert len(owners) == 2  # both workers ran some


def r_owner(engine, run_id: int) -> str:
    with engine.connect() as conn:
        return conn.execute(text("SELECT owner FROM sync_runs WHERE id = :r"), {"r": run_id}).scalar_one()
