"""/v1/sources/{id}/sync and /v1/sync/runs: configure scheduled pulls, run them, follow them."""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.auth.deps import AdminPrincipal, IngestPrincipal, ReadPrincipal
from app.db import SessionDep
from app.deps import SettingsDep
from app.params import PageOffset, SourceId, SyncRunId
from app.sync import service
from app.sync.schemas import SyncConfigIn, SyncConfigOut, SyncRunOut, SyncRunPage

router = APIRouter(tags=["sync"])


@router.put("/v1/sources/{source_id}/sync", response_model=SyncConfigOut)
def put_sync(source_id: SourceId, body: SyncConfigIn, session: SessionDep, principal: AdminPrincipal,
             settings: SettingsDep):
    """Create or replace the source's sync: connector, params, credentials, schedule, lookback.

    Credentials are write-only (stored encrypted, never returned); leave them out to keep the
    stored ones. The watermark is kept unless the connector changes or reset_watermark is true."""
    config = service.put_config(session, workspace_id=principal.workspace_id, source_id=source_id, body=body,
                                settings=settings)
    return service.describe(session, config)


@router.get("/v1/sync", response_model=list[SyncConfigOut])
def list_syncs(session: SessionDep, principal: ReadPrincipal):
    """Every synced source of the workspace, by source id: its configuration (without
    credentials), next run and last run. Sources without a sync are not listed."""
    return [service.describe(session, config)
            for config in service.list_configs(session, workspace_id=principal.workspace_id)]


@router.get("/v1/sources/{source_id}/sync", response_model=SyncConfigOut)
def get_sync(source_id: SourceId, session: SessionDep, principal: ReadPrincipal):
    """The source's sync configuration (without credentials), its next run time and last run."""
    return service.describe(session, service.get_config(session, workspace_id=principal.workspace_id,
                                                        source_id=source_id))


@router.delete("/v1/sources/{source_id}/sync", status_code=204)
def delete_sync(source_id: SourceId, session: SessionDep, principal: AdminPrincipal):
    """Stop syncing the source (its runs and stored events stay)."""
    service.delete_config(session, workspace_id=principal.workspace_id, source_id=source_id)
    return Response(status_code=204)


@router.post("/v1/sources/{source_id}/sync/run", status_code=202, response_model=SyncRunOut)
def run_sync(source_id: SourceId, session: SessionDep, principal: IngestPrincipal):
    """Queue a run now (a worker carries it out); if one is queued or running already, that one."""
    return service.queue_run(session, workspace_id=principal.workspace_id, source_id=source_id)


@router.get("/v1/sources/{source_id}/sync/runs", response_model=SyncRunPage)
def list_sync_runs(source_id: SourceId, session: SessionDep, principal: ReadPrincipal,
                   limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: PageOffset = 0):
    """The source's runs, newest first."""
    return service.list_runs(session, workspace_id=principal.workspace_id, source_id=source_id, limit=limit,
                             offset=offset)


@router.get("/v1/sync/runs/{sync_run_id}", response_model=SyncRunOut)
def get_sync_run(sync_run_id: SyncRunId, session: SessionDep, principal: ReadPrincipal):
    """One run: status, counters, watermarks, and the error to act on when it failed."""
    return service.get_run(session, workspace_id=principal.workspace_id, run_id=sync_run_id)
