"""/v1/sources: register the systems whose logs are ingested."""

from fastapi import APIRouter, Request, Response

from app.auth.deps import AdminPrincipal, ReadPrincipal
from app.db import SessionDep
from app.openapi import problems
from app.params import SourceId
from app.sources import service
from app.sources.schemas import SourceCreate, SourceOut, SourceStats, SourceUpdate
from app.store import columnar

router = APIRouter(prefix="/v1/sources", tags=["sources"])
NAME_TAKEN = problems(409, e409="A source of that name exists already")


@router.post("", status_code=201, response_model=SourceOut, responses=NAME_TAKEN)
def create_source(body: SourceCreate, session: SessionDep, principal: AdminPrincipal):
    """Register a source system and how its columns map onto events."""
    return service.create_source(session, workspace_id=principal.workspace_id, body=body)


@router.get("", response_model=list[SourceOut])
def list_sources(session: SessionDep, principal: ReadPrincipal):
    """List the workspace's sources."""
    return service.list_sources(session, workspace_id=principal.workspace_id)


@router.get("/{source_id}", response_model=SourceOut)
def get_source(source_id: SourceId, session: SessionDep, principal: ReadPrincipal):
    """One source."""
    return service.get_source(session, workspace_id=principal.workspace_id, source_id=source_id)


@router.patch("/{source_id}", response_model=SourceOut, responses=NAME_TAKEN)
def update_source(source_id: SourceId, body: SourceUpdate, session: SessionDep, principal: AdminPrincipal):
    """Change a source's name, kind, time zone or mapping (applies to later uploads)."""
    return service.update_source(session, workspace_id=principal.workspace_id, source_id=source_id, body=body)


@router.delete("/{source_id}", status_code=204)
def delete_source(source_id: SourceId, request: Request, session: SessionDep, principal: AdminPrincipal):
    """Delete a source with all its uploads and events."""
    service.delete_source(session, workspace_id=principal.workspace_id, source_id=source_id)
    # Its columnar copy goes too (a cache: were the transaction to fail, it is rebuilt on reading).
    columnar.forget_source(request.app.state.settings.data_dir, source_id)
    return Response(status_code=204)


@router.get("/{source_id}/stats", response_model=SourceStats)
def source_stats(source_id: SourceId, session: SessionDep, principal: ReadPrincipal):
    """Events, cases, activities, resources and time span stored for the source."""
    return service.source_stats(session, workspace_id=principal.workspace_id, source_id=source_id)
