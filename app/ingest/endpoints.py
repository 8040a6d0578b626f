"""Uploads and pushed events."""

from typing import Annotated

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app.auth.deps import IngestPrincipal, UploadStatusPrincipal
from app.db import SessionDep
from app.ingest import jobs, service
from app.ingest.schemas import PushedEvent, UploadDeleted, UploadOptions, UploadOut
from app.ingest.spool import receive_file
from app.openapi import problems
from app.params import SourceId, UploadId
from app.sources import service as sources

router = APIRouter(tags=["uploads"])
MULTIPART = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary"}}}}}}}
FILE_REFUSED = problems(413, 415, e413="The file is larger than max_upload_mb, or inflates beyond the limits",
                        e415="Not a format the service reads")


def _out(upload, runner) -> dict:
    out = UploadOut.model_validate(upload).model_dump(mode="json")
    if upload.status == "stored":  # committed; the copy the feed reads is being brought up to date
        out["status"] = "running"
    elif upload.status == "running" and (rows := runner.progress_of(upload.id)) is not None:
        out["rows_read"] = rows
    return out


@router.post("/v1/sources/{source_id}/uploads", status_code=201, response_model=UploadOut,
             openapi_extra=MULTIPART,
             responses={202: {"model": UploadOut, "description": "Queued"}, **FILE_REFUSED})
async def upload_file(source_id: SourceId, request: Request, session: SessionDep, principal: IngestPrincipal,
                      options: Annotated[UploadOptions, Query()]):
    """Upload a log (CSV, XES, Parquet, JSON lines, OCEL 2.0; optionally gzipped) as multipart field `file`.

    Small files answer 201 when stored; large ones answer 202 at once: poll GET /v1/uploads/{id}."""
    await run_in_threadpool(sources.get_source, session, workspace_id=principal.workspace_id,
                            source_id=source_id)
    settings, runner = request.app.state.settings, request.app.state.uploads
    spooled = await receive_file(request, directory=settings.upload_dir, max_bytes=settings.max_upload_mb << 20)
    upload, finished = await run_in_threadpool(jobs.submit_upload, runner, workspace_id=principal.workspace_id,
                                               source_id=source_id, spooled=spooled, options=options)
    return JSONResponse(_out(upload, runner), status_code=201 if finished else 202)


@router.post("/v1/sources/{source_id}/events", status_code=201, response_model=UploadOut)
def push_events(source_id: SourceId, request: Request, principal: IngestPrincipal,
                items: Annotated[list[PushedEvent], Body(max_length=100_000)]):
    """Push a JSON array of events (case_id, activity, timestamp, ...; a given event_id is the idempotency key)."""
    runner = request.app.state.uploads
    upload = jobs.push_events(runner, workspace_id=principal.workspace_id, source_id=source_id, items=items)
    return _out(upload, runner)


@router.get("/v1/sources/{source_id}/uploads", response_model=list[UploadOut])
def list_uploads(source_id: SourceId, request: Request, session: SessionDep, principal: UploadStatusPrincipal):
    """The source's uploads, newest first."""
    runner = request.app.state.uploads
    return [_out(u, runner) for u in service.list_uploads(session, workspace_id=principal.workspace_id,
                                                          source_id=source_id)]


@router.get("/v1/uploads/{upload_id}", response_model=UploadOut)
def get_upload(upload_id: UploadId, request: Request, session: SessionDep, principal: UploadStatusPrincipal):
    """An upload's status and progress (rows_read while running)."""
    upload = service.get_upload(session, workspace_id=principal.workspace_id, upload_id=upload_id)
    return _out(upload, request.app.state.uploads)


@router.delete("/v1/uploads/{upload_id}", response_model=UploadDeleted,
               responses=problems(409, e409="The upload is queued or running"))
def delete_upload(upload_id: UploadId, session: SessionDep, principal: IngestPrincipal):
    """Undo an upload: remove it and exactly the events it added."""
    removed = service.delete_upload(session, workspace_id=principal.workspace_id, upload_id=upload_id)
    return UploadDeleted(id=upload_id, events_deleted=removed)
