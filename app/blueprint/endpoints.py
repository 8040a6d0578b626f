"""/v1/blueprints: define a service's blueprint and read its observed feed."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from app.auth.deps import AdminPrincipal, ReadPrincipal
from app.blueprint import feed as feeds
from app.blueprint import service
from app.blueprint.feed_schema import Feed, feed_json_schema
from app.blueprint.loading import warnings_for
from app.blueprint.schemas import BlueprintIn, BlueprintOut, HandoffPage, HandoffsBy
from app.db import SessionDep
from app.deps import FeedCacheDep, ModelStoreDep, SettingsDep
from app.lanes import service as suggestions
from app.lanes.schemas import DryRunOut, LaneRules, LaneSuggestionsOut
from app.openapi import problems
from app.params import DATE_TIME_TEXT, BlueprintId, PageOffset, UtcDateTime

router = APIRouter(tags=["blueprints"])
# Reads of the feed parse the blueprint's filter segments (and a query's): attribute=value.
SEGMENT_REFUSED = problems(400, e400="A segment is not attribute=value")


def _out(session, blueprint, principal, settings) -> BlueprintOut:
    """The blueprint with the warnings of its definition against its sources' events."""
    found = warnings_for(session, workspace_id=principal.workspace_id, blueprint=blueprint,
                         data_dir=settings.data_dir)
    return BlueprintOut.of(blueprint, warnings=found)


@router.post("/v1/blueprints", status_code=201, response_model=BlueprintOut)
def create_blueprint(body: BlueprintIn, session: SessionDep, principal: AdminPrincipal, settings: SettingsDep):
    """Define a service: its sources, how they correlate, lane rules, phases and assumptions."""
    made = service.create_blueprint(session, workspace_id=principal.workspace_id, body=body)
    return _out(session, made, principal, settings)


@router.get("/v1/blueprints", response_model=list[BlueprintOut])
def list_blueprints(session: SessionDep, principal: ReadPrincipal):
    """The workspace's blueprints."""
    return [BlueprintOut.of(b) for b in service.list_blueprints(session, workspace_id=principal.workspace_id)]


@router.get("/v1/blueprints/{blueprint_id}", response_model=BlueprintOut)
def get_blueprint(blueprint_id: BlueprintId, session: SessionDep, principal: ReadPrincipal, settings: SettingsDep):
    """One blueprint's definition."""
    found = service.get_blueprint(session, workspace_id=principal.workspace_id, blueprint_id=blueprint_id)
    return _out(session, found, principal, settings)


@router.put("/v1/blueprints/{blueprint_id}", response_model=BlueprintOut)
def replace_blueprint(blueprint_id: BlueprintId, body: BlueprintIn, session: SessionDep, principal: AdminPrincipal,
                      settings: SettingsDep):
    """Replace a blueprint's definition (its revision goes up; feeds recompute)."""
    replaced = service.replace_blueprint(session, workspace_id=principal.workspace_id, blueprint_id=blueprint_id,
                                         body=body)
    return _out(session, replaced, principal, settings)


@router.delete("/v1/blueprints/{blueprint_id}", status_code=204)
def delete_blueprint(blueprint_id: BlueprintId, session: SessionDep, principal: AdminPrincipal):
    """Delete a blueprint (its sources and events stay)."""
    service.delete_blueprint(session, workspace_id=principal.workspace_id, blueprint_id=blueprint_id)
    return Response(status_code=204)


@router.get("/v1/blueprints/{blueprint_id}/feed", response_model=Feed, response_model_by_alias=True,
            responses={304: {"description": "Not modified (If-None-Match named the current ETag)"},
                       **SEGMENT_REFUSED})
def get_feed(blueprint_id: BlueprintId, request: Request, session: SessionDep, principal: ReadPrincipal,
             settings: SettingsDep, cache: FeedCacheDep, models: ModelStoreDep,
             from_: Annotated[UtcDateTime | None, Query(alias="from", description=DATE_TIME_TEXT)] = None,
             to: Annotated[UtcDateTime | None, Query(description=DATE_TIME_TEXT)] = None,
             segment: Annotated[list[str] | None, Query(description="attribute=value; repeatable")] = None):
    """The observed blueprint (schema blueprint-feed/1). Cases are in the window when they begin in
    [from, to); a segment keeps cases with an event holding attribute=value. ETag / If-None-Match."""
    feed, etag = feeds.feed_for(session, cache, workspace_id=principal.workspace_id, blueprint_id=blueprint_id,
                                window=(from_, to), segment=segment or [], models=models, data_dir=settings.data_dir)
    feed, etag = feeds.with_live_status(session, feed, etag, models)
    quoted = f'"{etag}"'
    if request.headers.get("if-none-match") in (quoted, etag, f"W/{quoted}"):
        return Response(status_code=304, headers={"ETag": quoted})
    return JSONResponse(feed, headers={"ETag": quoted, "Cache-Control": "private, no-cache"})


@router.get("/v1/blueprints/{blueprint_id}/bpmn", response_class=Response,
            responses={200: {"content": {"application/xml": {"schema": {"type": "string"}}},
                             "description": "BPMN 2.0 XML"}, **SEGMENT_REFUSED})
def get_bpmn(blueprint_id: BlueprintId, session: SessionDep, principal: ReadPrincipal, settings: SettingsDep,
             cache: FeedCacheDep, models: ModelStoreDep):
    """The process model (pm4py's inductive miner on the variants covering 95% of cases) as BPMN 2.0,
    one lane per blueprint lane; opens in bpmn.io and Camunda Modeler. Waits while it is computed."""
    _, etag = feeds.feed_for(session, cache, workspace_id=principal.workspace_id, blueprint_id=blueprint_id,
                             window=(None, None), segment=[], models=models, data_dir=settings.data_dir)
    xml = feeds.model_xml(session, models, etag)
    return Response(xml, media_type="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="blueprint-{blueprint_id}.bpmn"'})


@router.get("/v1/blueprints/{blueprint_id}/handoffs", response_model=HandoffPage, responses=SEGMENT_REFUSED)
def get_handoffs(blueprint_id: BlueprintId, session: SessionDep, principal: ReadPrincipal, settings: SettingsDep,
                 cache: FeedCacheDep, models: ModelStoreDep,
                 by: Annotated[HandoffsBy, Query(description="lane, resource or role")] = HandoffsBy.resource,
                 lane: Annotated[str | None, Query(description="with by=resource: only the pairs inside this lane")]
                 = None,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 100, offset: PageOffset = 0):
    """Every handoff pair of the blueprint's feed (no window or segment), most frequent first, a page at a time:
    between lanes, between resources (optionally within one lane) or between roles."""
    result, _ = feeds.feed_result(session, cache, workspace_id=principal.workspace_id, blueprint_id=blueprint_id,
                                  window=(None, None), segment=[], models=models, data_dir=settings.data_dir)
    return feeds.handoff_page(result, by=by, lane=lane, limit=limit, offset=offset)


@router.get("/v1/blueprints/{blueprint_id}/lanes/suggest", response_model=LaneSuggestionsOut,
            response_model_exclude_none=True, responses=SEGMENT_REFUSED)
def suggest_lanes(blueprint_id: BlueprintId, request: Request, session: SessionDep, principal: ReadPrincipal):
    """Proposed lane rules on roles, teams and system accounts (never one per person), each with its
    evidence, a confidence and a one-sentence reason; `lanes` is all of it, ready to PUT into the
    blueprint's `lanes`, and leaves no event unmapped."""
    return suggestions.suggest_blueprint_lanes(session, workspace_id=principal.workspace_id,
                                               blueprint_id=blueprint_id,
                                               data_dir=request.app.state.settings.data_dir)


@router.post("/v1/blueprints/{blueprint_id}/lanes/dry-run", response_model=DryRunOut, responses=SEGMENT_REFUSED)
def dry_run_lanes(blueprint_id: BlueprintId, rules: LaneRules, session: SessionDep, principal: ReadPrincipal,
                  settings: SettingsDep):
    """What lane rules (the body, shaped like a blueprint's `lanes`) would do to the blueprint's events, without
    saving them: per rule in order (first match wins) the events, cases and activities it takes, then what goes
    to the default lane or stays unmapped."""
    return suggestions.dry_run_lanes(session, workspace_id=principal.workspace_id, blueprint_id=blueprint_id,
                                     rules=rules, data_dir=settings.data_dir)


@router.get("/v1/schema/blueprint-feed.json", tags=["schema"])
def feed_schema(principal: ReadPrincipal) -> dict:
    """The JSON Schema of the feed (blueprint-feed/1)."""
    return feed_json_schema()
