"""Configure a source's sync, queue runs, read them back, and tell how fresh a source is."""

from datetime import UTC, datetime
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from app.config import Settings
from app.errors import NotFound
from app.models_common import utcnow
from app.sources import service as sources
from app.sync import repository
from app.sync.connectors import InvalidConnectorConfig, get_connector, validate
from app.sync.models import SyncConfig, SyncRun
from app.sync.schedule import next_run
from app.sync.schemas import SyncConfigIn, SyncConfigOut, SyncRunOut, SyncRunPage
from app.sync.secrets import decrypt, encrypt


def _aware(moment: datetime | None) -> datetime | None:
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


def get_config(session: Session, *, workspace_id: int, source_id: int) -> SyncConfig:
    source = sources.get_source(session, workspace_id=workspace_id, source_id=source_id)
    config = repository.get_config(session, source_id=source.id)
    if config is None:
        raise NotFound(f"source {source_id} has no sync configuration (PUT /v1/sources/{source_id}/sync)")
    return config


def describe(session: Session, config: SyncConfig) -> SyncConfigOut:
    """The configuration as the API shows it: no credentials, only whether some are stored."""
    last = repository.last_run(session, source_id=config.source_id)
    return SyncConfigOut(
        source_id=config.source_id, connector=config.connector, params=config.params,
        credentials_set=bool(config.credentials), schedule=config.schedule, enabled=config.enabled,
        lookback_s=config.lookback_s, watermark=config.watermark, next_run_at=_aware(config.next_run_at),
        last_run=SyncRunOut.model_validate(last) if last else None, created_at=config.created_at,
        updated_at=config.updated_at)


def list_configs(session: Session, *, workspace_id: int) -> list[SyncConfig]:
    return repository.configs_of(session, workspace_id=workspace_id)  # by source id


def put_config(session: Session, *, workspace_id: int, source_id: int, body: SyncConfigIn,
               settings: Settings) -> SyncConfig:
    """Create or replace the configuration; credentials left out keep the stored ones."""
    source = sources.get_source(session, workspace_id=workspace_id, source_id=source_id)
    config = repository.get_config(session, source_id=source.id)
    get_connector(body.connector)
    credentials = body.credentials
    if credentials is None:
        credentials = decrypt(settings, config.credentials) if config is not None else {}
    validate(body.connector, body.params, credentials)
    _refuse_inline_password(body.params)
    if config is None:
        config = repository.add_config(session, SyncConfig(source_id=source.id, workspace_id=workspace_id,
                                                           connector=body.connector))
    elif body.reset_watermark or config.connector != body.connector:
        config.watermark = None
    config.connector, config.params = body.connector, body.params
    config.credentials = encrypt(settings, credentials) if credentials else None
    config.schedule = body.schedule.model_dump(exclude_none=True)
    config.enabled, config.lookback_s = body.enabled, body.lookback_s
    config.updated_at = utcnow()
    last = repository.last_run(session, source_id=source.id)
    config.next_run_at = next_run(config.schedule, now=utcnow(), last_started=_aware(last and last.started_at)) \
        if body.enabled else None
    return config


def _refuse_inline_password(params: dict) -> None:
    """A password inside a URL would be stored and shown in plain text: it belongs in credentials."""
    for key in ("url", "base_url"):
        value = params.get(key)
        if isinstance(value, str) and _has_password(value):
            raise InvalidConnectorConfig(f"params.{key}", "holds a password: put it in credentials (stored "
                                                          "encrypted, never shown) and leave it out of the URL")


def _has_password(url: str) -> bool:
    try:
        return urlsplit(url).password is not None
    except ValueError:
        return False


def delete_config(session: Session, *, workspace_id: int, source_id: int) -> None:
    """Stop syncing the source (its runs stay listed, its stored events stay)."""
    repository.delete_config(session, get_config(session, workspace_id=workspace_id, source_id=source_id))


def queue_run(session: Session, *, workspace_id: int, source_id: int, trigger: str = "manual") -> SyncRun:
    """Queue a run now; if the source has one queued or running already, that one is returned."""
    config = get_config(session, workspace_id=workspace_id, source_id=source_id)
    run = repository.add_run(session, SyncRun(workspace_id=workspace_id, source_id=config.source_id,
                                              trigger=trigger, status="queued", errors=[]))
    return run or repository.active_run(session, source_id=config.source_id)


def get_run(session: Session, *, workspace_id: int, run_id: int) -> SyncRun:
    run = repository.get_run(session, run_id=run_id, workspace_id=workspace_id)
    if run is None:
        raise NotFound(f"no sync run {run_id}")
    return run


def list_runs(session: Session, *, workspace_id: int, source_id: int, limit: int, offset: int) -> SyncRunPage:
    source = sources.get_source(session, workspace_id=workspace_id, source_id=source_id)
    runs, total = repository.runs_of(session, source_id=source.id, limit=limit, offset=offset)
    return SyncRunPage(items=[SyncRunOut.model_validate(r) for r in runs], total=total, limit=limit,
                       offset=offset)


def sync_freshness(session: Session, source_id: int) -> dict | None:
    """How fresh the source's synced events are, for the feed; None if the source is not synced.

    `last_success_at`: when the last successful run finished; `lag_s`: now minus the newest event
    time a successful run stored (None before any event); `next_run_at`; `last_error`: the error of
    the latest run if it failed, else None."""
    config = repository.get_config(session, source_id=source_id)
    if config is None:
        return None
    success = repository.last_run(session, source_id=source_id, status="succeeded")
    latest = repository.last_run(session, source_id=source_id)
    newest = _aware(repository.newest_event_at(session, source_id=source_id))
    return {"last_success_at": _aware(success.finished_at) if success else None,
            "lag_s": (utcnow() - newest).total_seconds() if newest else None,
            "next_run_at": _aware(config.next_run_at),
            "last_error": latest.error if latest is not None and latest.status == "failed" else None}


def status_rows(session: Session, *, workspace_id: int) -> list[tuple]:
    """(source, config, last run) of every source of the workspace, for the CLI's table."""
    rows = []
    for source in sources.list_sources(session, workspace_id=workspace_id):
        config = repository.get_config(session, source_id=source.id)
        rows.append((source, config, repository.last_run(session, source_id=source.id) if config else None))
    return rows
