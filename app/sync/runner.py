"""The sync jobs a worker runs: queue due runs, and claim and carry out one run.

A run holds the lease `sync-source:<id>` (app/jobs/leases.py) from claim to end, so one source is
never pulled twice at once, whatever the number of workers; a worker that dies loses the lease
and the next claims the run where it stands. Each unit the connector yields is stored in ONE
transaction together with the watermark it reaches, the run's counters and (files) its checksum,
and only while the lease is still held (app/sync/units.py): a crash loses nothing committed and
commits nothing twice, and a restart from the committed watermark (less lookback_s) re-reads
only what the digests then recognise."""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from app.db import transaction
from app.errors import AppError
from app.jobs import leases
from app.jobs.worker import WorkerContext
from app.models_common import utcnow
from app.store.digests import RunMemory
from app.sync import repository
from app.sync.connectors import SyncError, get_connector, validate
from app.sync.connectors.base import TakenFiles
from app.sync.models import ACTIVE, SyncRun
from app.sync.prefetch import Prefetched
from app.sync.schedule import next_run
from app.sync.secrets import decrypt
from app.sync.units import Claim, FailedFiles, LeaseLost, store_unit

log = logging.getLogger("app.sync.runner")
Progress = Callable[[int], None]


def lease_name(source_id: int) -> str:
    return f"sync-source:{source_id}"


def schedule_due_syncs(ctx: WorkerContext) -> bool:
    """Queue one run for every enabled source whose next run time has passed (none for a source
    with a run queued or running), and move its next run time on; whether any was queued."""
    now, queued = utcnow(), 0
    with transaction(ctx.factory) as session:
        for config in repository.due_configs(session, now=now):
            upcoming = next_run(config.schedule, now=now, last_started=now)
            if not repository.advance_next_run(session, source_id=config.source_id, now=now, to=upcoming):
                continue  # another scheduler took this turn
            run = SyncRun(workspace_id=config.workspace_id, source_id=config.source_id, trigger="schedule")
            queued += repository.add_run(session, run) is not None
    return queued > 0


def run_next_sync(ctx: WorkerContext) -> bool:
    """Claim the oldest queued run (or a running one whose worker is gone) and carry it out."""
    with transaction(ctx.factory) as session:
        candidates = [(r.id, r.source_id) for r in repository.claimable_runs(session)]
    for run_id, source_id in candidates:
        claim = _claim(ctx, run_id, source_id)
        if claim is not None:
            carry_out(ctx, claim)
            return True
    return False


def run_queued_sync(ctx: WorkerContext, run_id: int, *, progress: Progress | None = None) -> SyncRun | None:
    """Carry out this queued run now, in this process (the CLI); None if another worker holds its source."""
    with transaction(ctx.factory) as session:
        run = repository.get_run(session, run_id=run_id)
        source_id = run.source_id if run is not None else None
    claim = _claim(ctx, run_id, source_id) if source_id is not None else None
    if claim is None:
        return None
    carry_out(ctx, claim, progress=progress)
    with transaction(ctx.factory) as session:
        return repository.get_run(session, run_id=run_id)


def _claim(ctx: WorkerContext, run_id: int, source_id: int) -> Claim | None:
    """Take the source's lease, then the run if it is still queued or running (its worker gone)."""
    resource = lease_name(source_id)
    if not leases.acquire(ctx.factory, resource, ctx.owner):
        return None
    with transaction(ctx.factory) as session:
        run = repository.get_run(session, run_id=run_id)
        if run is None or run.status not in ACTIVE:
            run = None
        else:
            now = utcnow()
            if run.status == "running":
                log.warning("resuming a sync run whose worker is gone", extra={"run_id": run_id, "was": run.owner})
            run.status, run.owner, run.attempts = "running", ctx.owner, run.attempts + 1
            run.started_at = run.started_at or now
            config = repository.get_config(session, source_id=source_id)
            if run.attempts == 1 and config is not None:
                run.watermark_before = run.watermark_after = config.watermark
                if config.enabled and config.schedule.get("every_s"):  # every_s counts from a run's start
                    repository.set_next_run(session, source_id=source_id,
                                            to=next_run(config.schedule, now=now, last_started=now))
    if run is None:
        leases.release(ctx.factory, resource, ctx.owner)
        return None
    return Claim(run_id=run_id, source_id=source_id, resource=resource)


@dataclass(frozen=True)
class _Setup:
    kind: str
    params: object
    credentials: object
    watermark: str | None
    lookback_s: float
    taken: TakenFiles


def _setup(ctx: WorkerContext, claim: Claim) -> _Setup:
    with transaction(ctx.factory) as session:
        config = repository.get_config(session, source_id=claim.source_id)
        if config is None:
            raise SyncError("the source's sync configuration was removed", retryable=False)
        params, credentials = validate(config.connector, config.params, decrypt(ctx.settings, config.credentials))
        taken = repository.taken_files(session, source_id=claim.source_id) if config.connector == "files" \
            else TakenFiles()
        return _Setup(config.connector, params, credentials, config.watermark, config.lookback_s, taken)


def carry_out(ctx: WorkerContext, claim: Claim, *, progress: Progress | None = None) -> None:
    """Pull and store the run's units; record how it ended; release the source."""
    try:
        with leases.Heartbeat(ctx.factory, claim.resource, ctx.owner) as beat:
            outcome = _pull(ctx, claim, beat, progress)
        _end(ctx, claim, status="succeeded" if outcome == "done" else "queued")
    except LeaseLost:
        log.warning("sync run lost its lease; another worker goes on with it", extra={"run_id": claim.run_id})
    except AppError as exc:  # SyncError, bad rows (UnprocessableEvents), unreadable credentials
        _end(ctx, claim, status="failed", error=exc.detail, extra=exc.extra)
    except Exception as exc:
        log.exception("sync run crashed", extra={"run_id": claim.run_id})
        _end(ctx, claim, status="failed", error=f"internal error while syncing: {type(exc).__name__} "
                                                "(the server log has the details)")
    finally:
        leases.release(ctx.factory, claim.resource, ctx.owner)


def _pull(ctx: WorkerContext, claim: Claim, beat: leases.Heartbeat, progress: Progress | None) -> str:
    """'done' when the connector has nothing more, 'stopped' when the worker stops or the lease went."""
    setup = _setup(ctx, claim)
    units = get_connector(setup.kind).pull(setup.params, setup.credentials, setup.watermark,
                                           lookback_s=setup.lookback_s, taken=setup.taken,
                                           progress=progress)
    if setup.kind != "files":  # a file unit's copy is valid only until the next unit is read
        units = Prefetched(units)
    refresh = _Refresh(ctx.state.get("on_stored", lambda source_id: None), claim.source_id)
    memory, failed = RunMemory(), FailedFiles()
    try:
        for unit in units:
            if ctx.stopping.is_set() or beat.lost.is_set():
                return "stopped"
            try:
                if store_unit(ctx, claim, unit, memory):
                    refresh.changed()
            except AppError as exc:
                if unit.checksum is None or isinstance(exc, SyncError):
                    raise
                failed.add(unit.name or "", exc)  # one bad file must not keep the others out
            if ctx.stopping.is_set() or beat.lost.is_set():
                return "stopped"
    finally:
        units.close()
        refresh.now()  # before the run says succeeded: its first feed is then a read
    failed.raise_if_any()
    return "done"


class _Refresh:
    """What reads the source (its columnar copy, its blueprints' feeds) is brought up to date once
    a run has stored its units, and every REFRESH_S while a long run goes on: not after every
    unit, which would rewrite the copy and recompute the feeds hundreds of times in one run."""

    REFRESH_S = 30.0

    def __init__(self, on_stored, source_id: int) -> None:
        self.on_stored, self.source_id = on_stored, source_id
        self.pending, self.last = False, time.monotonic()

    def changed(self) -> None:
        self.pending = True
        if time.monotonic() - self.last >= self.REFRESH_S:
            self.now()

    def now(self) -> None:
        if self.pending:
            self.on_stored(self.source_id)
            self.pending, self.last = False, time.monotonic()


def _end(ctx: WorkerContext, claim: Claim, *, status: str, error: str | None = None,
         extra: dict | None = None) -> None:
    """Record how the run ended (queued again: it was stopped), unless another worker has it now.
    A finished run keeps the owner that finished it."""
    extra = extra or {}
    with transaction(ctx.factory) as session:
        run = repository.get_run(session, run_id=claim.run_id)
        if run is None or run.owner != ctx.owner or run.status != "running":
            return
        run.status = status
        if status == "queued":
            run.owner = None
            log.info("sync run stopped; queued again", extra={"run_id": run.id})
            return
        run.finished_at = utcnow()
        if status == "failed":
            run.error = error
            run.errors = extra.get("errors", []) or []
            run.rows_rejected += int(extra.get("rows_rejected", 0) or 0)
        log.info("sync run ended", extra={"run_id": run.id, "status": status, "events": run.events_ingested,
                                          "duplicates": run.events_duplicate, "error": error})

