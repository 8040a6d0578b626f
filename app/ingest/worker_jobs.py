"""The upload job of a worker: claim the oldest upload no live process is running, and run it."""

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import transaction
from app.errors import AppError, Conflict
from app.ingest.jobs import UploadRunner
from app.ingest.models import Upload
from app.jobs import leases
from app.jobs.worker import WorkerContext

log = logging.getLogger("app.ingest.worker_jobs")


def _candidates(session: Session, limit: int = 20) -> list[int]:
    """Uploads waiting (queued) or left mid-way (running, stored) by a process that may be gone."""
    return list(session.scalars(select(Upload.id).where(Upload.status.in_(("queued", "running", "stored")))
                                .order_by(Upload.id).limit(limit)))


def runner_of(ctx: WorkerContext) -> UploadRunner:
    """The worker's upload runner (one per process), with its on_stored hook."""
    if "uploads" not in ctx.state:
        runner = UploadRunner(ctx.engine, ctx.factory, ctx.settings, owner=ctx.owner)
        runner.on_stored = ctx.state.get("on_stored", lambda source_id: None)
        ctx.state["uploads"] = runner
    return ctx.state["uploads"]


def run_next_upload(ctx: WorkerContext) -> bool:
    """Run one upload that needs a process; False if none does."""
    with transaction(ctx.factory) as session:
        waiting = _candidates(session)
    runner = runner_of(ctx)
    for upload_id in waiting:
        if leases.holder(ctx.factory, f"upload:{upload_id}") is not None:
            continue  # a live process runs it
        try:
            runner.run(upload_id)
        except Conflict:
            continue  # another worker took it first
        except AppError:
            pass  # recorded on the upload
        return True
    return False
