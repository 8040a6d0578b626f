"""An idle worker wakes when work is queued (NOTIFY on PostgreSQL, data_version on SQLite) and
otherwise sleeps its whole poll: idle passes write nothing, so they never wake it themselves."""

import threading
import time

import pytest
from sqlalchemy import text

from app.db import transaction
from app.jobs.wakeup import Waiter
from app.jobs.worker import WorkerContext, run_worker
from app.main import create_app
from app.sources.models import Source
from app.sync import service as sync
from tests.helpers import make_source

POLL_S = 30.0  # far longer than any wait below: a worker that ends its sleep early was woken


@pytest.fixture
def app(settings):
    """No embedded worker: the only worker is the test's own."""
    return create_app(settings.model_copy(update={"worker": "none"}))


def _files_sync(client, tmp_path) -> int:
    source = make_source(client, mapping={"case_id": "c", "activity": "a", "timestamp": "t"})
    (tmp_path / "inbox").mkdir()
    assert client.put(f"/v1/sources/{source}/sync", json={
        "connector": "files", "params": {"path": str(tmp_path / "inbox")},
        "schedule": {"every_s": 3600}}).status_code == 200
    return source


def test_a_waiting_worker_wakes_when_a_run_is_queued_and_not_before(client, app, tmp_path):
    source = _files_sync(client, tmp_path)
    waiter, stopping = Waiter(app.state.engine), threading.Event()
    try:
        waiter.mark()
        started = time.monotonic()
        waiter.wait(1.0, stopping)  # nothing happens: the whole second
        assert time.monotonic() - started >= 0.95
        waiter.mark()
        timer = threading.Timer(0.5, lambda: client.post(f"/v1/sources/{source}/sync/run"))
        timer.start()
        started = time.monotonic()
        waiter.wait(POLL_S, stopping)
        woke_after = time.monotonic() - started
        timer.join()
        assert 0.4 <= woke_after < 10, woke_after
    finally:
        waiter.close()


def test_a_rolled_back_queueing_wakes_no_worker(client, app, tmp_path):
    source = _files_sync(client, tmp_path)
    waiter, stopping = Waiter(app.state.engine), threading.Event()
    try:
        waiter.mark()
        try:
            with transaction(app.state.session_factory) as session:
                workspace = session.get(Source, source).workspace_id
                sync.queue_run(session, workspace_id=workspace, source_id=source)
                raise RuntimeError("changed my mind")
        except RuntimeError:
            pass
        started = time.monotonic()
        waiter.wait(1.0, stopping)
        assert time.monotonic() - started >= 0.95
    finally:
        waiter.close()


def _until_waiting(engine, passes: list[float]) -> None:
    """Until the worker has looked for work once and (PostgreSQL) listens. Its first LISTEN comes
    after its first pass: a run queued in between is found by no pass and announced to no one, so
    it waits for the poll (by design: a missed wake-up costs one poll), which a loaded machine's
    late worker thread could otherwise make this test wait for."""
    deadline = time.monotonic() + 60
    while not (passes and _listening(engine)):
        assert time.monotonic() < deadline, f"the worker did not start waiting ({len(passes)} passes)"
        time.sleep(0.02)


def _listening(engine) -> bool:
    if engine.dialect.name != "postgresql":
        return True  # SQLite: the worker's mark before its pass sees any later commit
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                 "AND query LIKE 'LISTEN %'")).scalar() > 0


def test_an_idle_worker_loop_does_not_spin_and_a_queued_run_is_taken_at_once(client, app, tmp_path):
    source = _files_sync(client, tmp_path)
    passes: list[float] = []

    def counting(ctx: WorkerContext) -> bool:
        passes.append(time.monotonic())
        return False

    from app.sync.runner import run_next_sync

    ctx = WorkerContext(engine=app.state.engine, factory=app.state.session_factory, settings=app.state.settings)
    worker = threading.Thread(target=run_worker, args=(ctx,), kwargs={"poll_s": POLL_S,
                                                                     "kinds": [counting, run_next_sync]})
    worker.start()
    try:
        _until_waiting(app.state.engine, passes)
        time.sleep(1.5)
        assert len(passes) <= 2, f"{len(passes)} passes while idle"
        queued_at = time.monotonic()
        run = client.post(f"/v1/sources/{source}/sync/run").json()["id"]
        deadline = time.monotonic() + 20
        while client.get(f"/v1/sync/runs/{run}").json()["status"] != "succeeded" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert client.get(f"/v1/sync/runs/{run}").json()["status"] == "succeeded"
        assert passes[-1] - queued_at < 10  # woken, not after its 30-s poll
    finally:
        ctx.stopping.set()
        worker.join(POLL_S + 5)
