"""SQL of the sync package: configurations, runs, taken files, and the fence on a run's lease."""

from datetime import datetime, timedelta

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from app.db import dialect_insert
from app.jobs.leases import lease_seconds
from app.jobs.models import Lease
from app.jobs.wakeup import announce
from app.models_common import utcnow
from app.sync.connectors.base import TakenFiles
from app.sync.models import ACTIVE, SyncConfig, SyncFile, SyncRun

_ACTIVE_ROWS = text("status IN ('queued', 'running')")


def get_config(session: Session, *, source_id: int) -> SyncConfig | None:
    return session.get(SyncConfig, source_id)


def add_config(session: Session, config: SyncConfig) -> SyncConfig:
    session.add(config)
    session.flush()
    return config


def delete_config(session: Session, config: SyncConfig) -> None:
    session.delete(config)
    session.flush()


def configs_of(session: Session, *, workspace_id: int) -> list[SyncConfig]:
    return list(session.scalars(select(SyncConfig).where(SyncConfig.workspace_id == workspace_id)
                                .order_by(SyncConfig.source_id)))


def due_configs(session: Session, *, now: datetime) -> list[SyncConfig]:
    """Enabled configurations whose next run time has passed, the longest overdue first."""
    return list(session.scalars(select(SyncConfig).where(SyncConfig.enabled.is_(True),
                                                         SyncConfig.next_run_at <= now)
                                .order_by(SyncConfig.next_run_at)))


def advance_next_run(session: Session, *, source_id: int, now: datetime, to: datetime) -> bool:
    """Move a due next_run_at on, if still due: of two schedulers that saw it due, one wins (the
    other's UPDATE waits for the first's row lock, then finds the time moved past `now`)."""
    return session.execute(update(SyncConfig).where(SyncConfig.source_id == source_id,
                                                    SyncConfig.next_run_at <= now)
                           .values(next_run_at=to).execution_options(synchronize_session=False)).rowcount == 1


def set_next_run(session: Session, *, source_id: int, to: datetime | None) -> None:
    session.execute(update(SyncConfig).where(SyncConfig.source_id == source_id).values(next_run_at=to))


def active_run(session: Session, *, source_id: int) -> SyncRun | None:
    return session.scalars(select(SyncRun).where(SyncRun.source_id == source_id,
                                                 SyncRun.status.in_(ACTIVE))).first()


def add_run(session: Session, run: SyncRun) -> SyncRun | None:
    """Insert a queued run; None if the source has a queued or running one (the partial unique
    index decides, so two schedulers or a scheduler and a person racing add one run, not two)."""
    insert = dialect_insert(session)
    values = {c: getattr(run, c) for c in ("workspace_id", "source_id", "trigger")}
    announce(session)
    made = session.execute(insert(SyncRun).values(**values, status="queued", errors=[], created_at=utcnow())
                           .on_conflict_do_nothing(index_elements=["source_id"], index_where=_ACTIVE_ROWS)
                           .returning(SyncRun.id)).scalar()
    return None if made is None else session.get(SyncRun, made)


def get_run(session: Session, *, run_id: int, workspace_id: int | None = None) -> SyncRun | None:
    query = select(SyncRun).where(SyncRun.id == run_id)
    if workspace_id is not None:
        query = query.where(SyncRun.workspace_id == workspace_id)
    return session.scalars(query).first()


def runs_of(session: Session, *, source_id: int, limit: int, offset: int) -> tuple[list[SyncRun], int]:
    total = session.scalar(select(func.count()).select_from(SyncRun).where(SyncRun.source_id == source_id))
    runs = session.scalars(select(SyncRun).where(SyncRun.source_id == source_id)
                           .order_by(SyncRun.id.desc()).limit(limit).offset(offset))
    return list(runs), int(total or 0)


def last_run(session: Session, *, source_id: int, status: str | None = None) -> SyncRun | None:
    query = select(SyncRun).where(SyncRun.source_id == source_id)
    if status is not None:
        query = query.where(SyncRun.status == status)
    return session.scalars(query.order_by(SyncRun.id.desc()).limit(1)).first()


def newest_event_at(session: Session, *, source_id: int) -> datetime | None:
    """The newest event time any successful run of the source stored."""
    return session.scalar(select(func.max(SyncRun.newest_event_at))
                          .where(SyncRun.source_id == source_id, SyncRun.status == "succeeded"))


def claimable_runs(session: Session, *, limit: int = 20) -> list[SyncRun]:
    """Queued runs (oldest first), then running ones (their worker may be gone: the lease tells).
    On PostgreSQL the queued rows are read with SKIP LOCKED, so workers that poll at once are not
    handed rows another one is updating right now."""
    queued = select(SyncRun).where(SyncRun.status == "queued").order_by(SyncRun.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        queued = queued.with_for_update(skip_locked=True)
    running = select(SyncRun).where(SyncRun.status == "running").order_by(SyncRun.id).limit(limit)
    return [*session.scalars(queued), *session.scalars(running)]


def taken_files(session: Session, *, source_id: int) -> TakenFiles:
    rows = session.execute(select(SyncFile.checksum, SyncFile.name, SyncFile.size, SyncFile.mtime_ns)
                           .where(SyncFile.source_id == source_id)).all()
    return TakenFiles(checksums=frozenset(row.checksum for row in rows),
                      listed=frozenset((row.name, row.size, row.mtime_ns) for row in rows if row.size is not None))


def add_file(session: Session, taken: SyncFile) -> None:
    session.add(taken)
    session.flush()


def hold_lease(session: Session, *, resource: str, owner: str) -> bool:
    """Renew `owner`'s lease inside the caller's transaction: False if someone else took it. The row
    stays locked until that transaction ends (PostgreSQL), so a unit is stored only while its
    worker still holds the source; a taker waits for the commit, then resumes after it."""
    until = utcnow() + timedelta(seconds=lease_seconds(session))
    return session.execute(update(Lease).where(Lease.resource == resource, Lease.owner == owner)
                           .values(until=until)).rowcount == 1
