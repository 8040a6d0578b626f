"""The worker: any number of these processes share the heavy work through the database.

Each turn of the loop asks every kind of job, in order, for one piece of work it can claim (a
queued large upload, a due or requested sync run, a queued process model) and does it; when none
has any, it sleeps until work is queued (app/jobs/wakeup.py) or a moment has passed. Claims go
through leases (app/jobs/leases.py), so two workers never do one piece of work at once, and a
worker that dies loses its lease to the next. SIGTERM (or
`stop()`) lets the current piece finish or release itself at its next checkpoint."""

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.jobs.leases import new_owner
from app.jobs.wakeup import Waiter

log = logging.getLogger("app.jobs.worker")


@dataclass
class WorkerContext:
    """What a job needs: the database, the settings, who it is, and whether to stop."""

    engine: Engine
    factory: sessionmaker[Session]
    settings: Settings
    owner: str = field(default_factory=lambda: new_owner("worker"))
    stopping: threading.Event = field(default_factory=threading.Event)
    state: dict = field(default_factory=dict)  # per-process caches the jobs share (feed cache, refresher)


JobKind = Callable[[WorkerContext], bool]  # claims and does one piece of work; False if there was none


def job_kinds() -> list[JobKind]:
    """The kinds of job a worker runs, in the order it looks for work."""
    from app.blueprint.model_jobs import run_next_model
    from app.ingest.worker_jobs import run_next_upload
    from app.sync.runner import run_next_sync, schedule_due_syncs

    return [run_next_upload, schedule_due_syncs, run_next_sync, run_next_model]


def run_worker(ctx: WorkerContext, *, poll_s: float = 0.5, kinds: list[JobKind] | None = None,
               once: bool = False) -> None:
    """Work until stopped (or, with `once`, until no kind has work left)."""
    kinds = kinds if kinds is not None else job_kinds()
    waiter = Waiter(ctx.engine)
    log.info("worker started", extra={"owner": ctx.owner})
    try:
        while not ctx.stopping.is_set():
            waiter.mark()
            did = _one_pass(ctx, kinds)
            if once and not did:
                break
            if not did:
                waiter.wait(poll_s, ctx.stopping)
    finally:
        waiter.close()
    log.info("worker stopped", extra={"owner": ctx.owner})


def _one_pass(ctx: WorkerContext, kinds: list[JobKind]) -> bool:
    """Each kind of job asked once for a piece of work; whether any did one."""
    did = False
    for kind in kinds:
        if ctx.stopping.is_set():
            break
        try:
            did = kind(ctx) or did
        except Exception:  # one job's crash is recorded by the job itself; the worker goes on
            log.exception("job failed", extra={"kind": getattr(kind, "__name__", str(kind))})
    return did


def stop_on_signals(ctx: WorkerContext) -> None:
    """SIGTERM and SIGINT stop the worker after (or at a checkpoint of) the current job."""
    def handler(signum, _frame):
        log.info("worker stopping", extra={"signal": signum})
        ctx.stopping.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, handler)
