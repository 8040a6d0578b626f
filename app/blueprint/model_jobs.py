"""The process-model job of a worker: the oldest queued model no live process is computing."""

import logging
from datetime import UTC, datetime

from sqlalchemy import select

from app.blueprint.feed import model_document, resolve_query
from app.blueprint.models import ProcessModel
from app.db import transaction
from app.errors import AppError
from app.jobs import leases
from app.jobs.worker import WorkerContext
from app.memory import release_free_memory

log = logging.getLogger("app.blueprint.model_jobs")


def _window(query: dict):
    return tuple(None if v is None else datetime.fromtimestamp(v / 1e6, tz=UTC) for v in (query.get("from"),
                                                                                          query.get("to")))


def _set(ctx: WorkerContext, key: str, **values) -> None:
    with transaction(ctx.factory) as session:
        row = session.get(ProcessModel, key)
        if row is not None:
            for name, value in values.items():
                setattr(row, name, value)


def _compute(ctx: WorkerContext, key: str) -> None:
    with transaction(ctx.factory) as session:
        row = session.get(ProcessModel, key)
        if row is None or row.status not in ("queued", "running"):
            return
        row.status = "running"
        query = resolve_query(session, workspace_id=row.workspace_id, blueprint_id=row.blueprint_id,
                              window=_window(row.query), segment=row.query.get("segment", []))
        if query.etag != key:  # the data changed since the feed asked: a newer feed asks again
            row.status, row.finished_at = "stale", datetime.now(UTC)
            return
        try:
            xml = model_document(session, query, ctx.settings.data_dir).decode()
        except AppError as exc:
            row.status, row.error, row.finished_at = "failed", exc.detail, datetime.now(UTC)
            return
        except Exception as exc:  # pm4py raises bare exceptions
            log.exception("process discovery failed", extra={"model": key})
            row.status, row.error, row.finished_at = "failed", f"process discovery failed: {exc}", datetime.now(UTC)
            return
        finally:
            release_free_memory()
        row.status, row.bpmn, row.error, row.finished_at = "ready", xml, None, datetime.now(UTC)


def run_next_model(ctx: WorkerContext) -> bool:
    """Compute one queued process model; False if none waits."""
    with transaction(ctx.factory) as session:
        waiting = list(session.scalars(select(ProcessModel.key).where(ProcessModel.status.in_(("queued", "running")))
                                       .order_by(ProcessModel.created_at).limit(20)))
    for key in waiting:
        resource = f"model:{key}"
        if not leases.acquire(ctx.factory, resource, ctx.owner):
            continue
        try:
            with leases.Heartbeat(ctx.factory, resource, ctx.owner):
                _compute(ctx, key)
        except Exception:
            log.exception("model job failed", extra={"model": key})
            _set(ctx, key, status="failed", error="the model job crashed", finished_at=datetime.now(UTC))
        finally:
            leases.release(ctx.factory, resource, ctx.owner)
        return True
    return False
