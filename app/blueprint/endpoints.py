"""/v1/blueprints: define a service's blueprint and read its observed feed."""

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query, Request, Response
from fastapi.responses import JSONResponse

from app.auth.deps import AdminPrincipal, ReadPrincipal
from app.blueprint import feed as feeds
from app.blueprint import service
from app.blueprint.feed_schema import Feed, feed_json_schema
from app.blueprint.schemas import BlueprintIn, BlueprintOut
from app.db import SessionDep
from app.openapi import problems
from app.params import DATE_TIME_TEXT, BlueprintId, UtcDateTime

router = APIRouter(tags=["blueprints"])


@router.post("/v1/blueprints", status_code=201, response_model=BlueprintOut)
def create_blueprint(body: BlueprintIn, session: SessionDep, principal: AdminPrincipal):
    """Define a service: its sources, how they correlate, lane rules, phases and assumptions."""
    return BlueprintOut.of(service.create_blueprint(session, workspace_id=principal.workspace_id, body=body))


@router.get("/v1/blueprints", response_model=list[BlueprintOut])
def list_blueprints(session: SessionDep, principal: ReadPrincipal):
    """The workspace's blueprints."""
    return [BlueprintOut.of(b) for b in service.list_blueprints(session, workspace_id=principal.workspace_id)]


@router.get("/v1/blueprints/{blueprint_id}", response_model=BlueprintOut)
def get_blueprint(blueprint_id: BlueprintId, session: SessionDep, principal: ReadPrincipal):
    """One blueprint's definition."""
    return BlueprintOut.of(service.get_blueprint(session, workspace_id=principal.workspace_id,
                                                 blueprint_id=blueprint_id))


@router.put("/v1/blueprints/{blueprint_id}", response_model=BlueprintOut)
def replace_blueprint(blueprint_id: BlueprintId, body: BlueprintIn, session: SessionDep, principal: AdminPrincipal):
    """Replace a blueprint's definition (its revision goes up; feeds recompute)."""
    return BlueprintOut.of(service.replace_blueprint(session, workspace_id=principal.workspace_id,
                                                     blueprint_id=blueprint_id, body=body))


@router.delete("/v1/blueprints/{blueprint_id}", status_code=204)
def delete_blueprint(blueprint_id: BlueprintId, session: SessionDep, principal: AdminPrincipal):
    """Delete a blueprint (its sources and events stay)."""
    service.delete_blueprint(session, workspace_id=principal.workspace_id, blueprint_id=blueprint_id)
    return Response(status_code=204)


@router.get("/v1/blueprints/{blueprint_id}/feed", response_model=Feed, response_model_by_alias=True,
            responses={304: {"description": "Not modified (If-None-Match named the current ETag)"},
                       **problems(400, e400="A segment is not attribute=value")})
def get_feed(blueprint_id: BlueprintId, request: Request, background: BackgroundTasks, session: SessionDep,
             principal: ReadPrincipal,
             from_: Annotated[UtcDateTime | None, Query(alias="from", description=DATE_TIME_TEXT)] = None,
             to: Annotated[UtcDateTime | None, Query(description=DATE_TIME_TEXT)] = None,
             segment: Annotated[list[str] | None, Query(description="attribute=value; repeatable")] = None):
    """The observed blueprint (schema blueprint-feed/1). Cases are in the window when they begin in
    [from, to); a segment keeps cases with an event holding attribute=value. ETag / If-None-Match."""
    models = request.app.state.models
    feed, etag = feeds.feed_for(session, request.app.state.feed_cache, workspace_id=principal.workspace_id,
                                blueprint_id=blueprint_id, window=(from_, to), segment=segment or [], models=models,
                                data_dir=request.app.state.settings.data_dir, defer=background.add_task)
    feed, etag = feeds.with_model(feed, etag, models)
    quoted = f'"{etag}"'
    if request.headers.get("if-none-match") in (quoted, etag, f"W/{quoted}"):
        return Response(status_code=304, headers={"ETag": quoted})
    return JSONResponse(feed, headers={"ETag": quoted, "Cache-Control": "private, no-cache"})


@router.get("/v1/blueprints/{blueprint_id}/bpmn", response_class=Response,
            responses={200: {"content": {"application/xml": {"schema": {"type": "string"}}},
                             "description": "BPMN 2.0 XML"},
                       **problems(400, e400="A segment of the blueprint's filters is not attribute=value")})
def get_bpmn(blueprint_id: BlueprintId, request: Request, session: SessionDep, principal: ReadPrincipal):
    """The process model (pm4py's inductive miner on the variants covering 95% of cases) as BPMN 2.0,
    one lane per blueprint lane; opens in bpmn.io and Camunda Modeler. Waits while it is computed."""
    models = request.app.state.models
    _, etag = feeds.feed_for(session, request.app.state.feed_cache, workspace_id=principal.workspace_id,
                             blueprint_id=blueprint_id, window=(None, None), segment=[], models=models,
                             data_dir=request.app.state.settings.data_dir)
    xml = feeds.model_xml(models, etag)
    return Response(xml, media_type="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="blueprint-{blueprint_id}.bpmn"'})


@router.get("/v1/blueprints/{blueprint_id}/lanes/suggest",
            responses=problems(400, e400="A segment of the blueprint's filters is not attribute=value"))
def suggest_lanes(blueprint_id: BlueprintId, request: Request, session: SessionDep, principal: ReadPrincipal) -> dict:
    """Proposed lane rules, each with its reason (role and resource names, source system kinds,
    pm4py's organisational roles): a start to edit, then PUT into the blueprint's `lanes`."""
    return feeds.suggest_lanes(session, workspace_id=principal.workspace_id, blueprint_id=blueprint_id,
                               data_dir=request.app.state.settings.data_dir)


@router.get("/v1/schema/blueprint-feed.json", tags=["schema"])
def feed_schema(principal: ReadPrincipal) -> dict:
    """The JSON Schema of the feed (blueprint-feed/1)."""
    return feed_json_schema()
