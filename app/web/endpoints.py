"""/v1/blueprints/{id}/layout, /svg, /png: the blueprint's picture, from its feed, for any client."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from app.auth.deps import ReadPrincipal
from app.blueprint.endpoints import SEGMENT_REFUSED
from app.db import SessionDep
from app.deps import FeedCacheDep, ModelStoreDep, SettingsDep
from app.params import DATE_TIME_TEXT, BlueprintId, UtcDateTime
from app.web import service
from app.web.service import PictureQuery

router = APIRouter(tags=["blueprint pictures"])
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
NOT_MODIFIED = {304: {"description": "Not modified (If-None-Match named the current ETag)"}}


def picture_query(from_: Annotated[UtcDateTime | None, Query(alias="from", description=DATE_TIME_TEXT)] = None,
                  to: Annotated[UtcDateTime | None, Query(description=DATE_TIME_TEXT)] = None,
                  segment: Annotated[list[str] | None, Query(description="attribute=value; repeatable")] = None,
                  min_step_share: Annotated[float | None, Query(
                      ge=0, le=1, description="show the steps in at least this share of the cases; default: the "
                                              "smallest share that shows at most 60 steps")] = None,
                  min_flow_share: Annotated[float | None, Query(
                      ge=0, le=1, description="show the flows in at least this share of the cases; default: the "
                                              "smallest share that shows about two flows per step, at most 80")]
                  = None) -> PictureQuery:
    return PictureQuery(window=(from_, to), segment=segment or [], step_share=min_step_share,
                        flow_share=min_flow_share)


PictureDep = Annotated[PictureQuery, Depends(picture_query)]


def _layout(blueprint_id, session, principal, settings, cache, models, query):
    return service.blueprint_layout(session, cache, workspace_id=principal.workspace_id,
                                    blueprint_id=blueprint_id, query=query, models=models,
                                    data_dir=settings.data_dir)


def _not_modified(request: Request, etag: str) -> Response | None:
    quoted = f'"{etag}"'
    if request.headers.get("if-none-match") in (quoted, f"W/{quoted}"):
        return Response(status_code=304, headers={"ETag": quoted})
    return None


@router.get("/v1/blueprints/{blueprint_id}/layout", responses={
    200: {"description": "The layout (blueprint-layout/1)", "content": {"application/json": {"schema": {
        "type": "object"}}}}, **NOT_MODIFIED, **SEGMENT_REFUSED})
def get_layout(blueprint_id: BlueprintId, request: Request, session: SessionDep, principal: ReadPrincipal,
               settings: SettingsDep, cache: FeedCacheDep, models: ModelStoreDep, query: PictureDep):
    """The blueprint's picture as positioned shapes (schema blueprint-layout/1): bands (evidence and the
    four lanes, top to bottom), the three lines, phase columns with their observed and assumed durations,
    one card per shown step, evidence items, arrows with labels where they cross a line. The same query as
    the feed, plus frequency thresholds; the page, the SVG and the PNG all draw this layout."""
    layout, etag = _layout(blueprint_id, session, principal, settings, cache, models, query)
    return _not_modified(request, etag) or JSONResponse(
        layout.as_json(), headers={"ETag": f'"{etag}"', "Cache-Control": "private, no-cache"})


@router.get("/v1/blueprints/{blueprint_id}/svg", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {"schema": {"type": "string"}}},
                             "description": "The blueprint as SVG"}, **NOT_MODIFIED, **SEGMENT_REFUSED})
def get_svg(blueprint_id: BlueprintId, request: Request, session: SessionDep, principal: ReadPrincipal,
            settings: SettingsDep, cache: FeedCacheDep, models: ModelStoreDep, query: PictureDep):
    """The blueprint's picture as an SVG document: the layout drawn, one <g class="step"> per shown step."""
    layout, etag = _layout(blueprint_id, session, principal, settings, cache, models, query)
    return _not_modified(request, etag) or Response(
        service.svg_of(layout), media_type="image/svg+xml",
        headers={"ETag": f'"{etag}"', "Content-Security-Policy": SVG_CSP,
                 "Content-Disposition": f'inline; filename="blueprint-{blueprint_id}.svg"'})


@router.get("/v1/blueprints/{blueprint_id}/png", response_class=Response,
            responses={200: {"content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
                             "description": "The blueprint as PNG"}, **NOT_MODIFIED, **SEGMENT_REFUSED})
def get_png(blueprint_id: BlueprintId, request: Request, session: SessionDep, principal: ReadPrincipal,
            settings: SettingsDep, cache: FeedCacheDep, models: ModelStoreDep, query: PictureDep,
            zoom: Annotated[float, Query(ge=0.1, le=4, description="pixels per layout unit")] = 1.0):
    """The blueprint's picture as PNG (the SVG drawn by resvg), `zoom` times the layout's size; very large
    pictures are drawn smaller so that they stay under 60 million pixels."""
    layout, etag = _layout(blueprint_id, session, principal, settings, cache, models, query)
    etag = f"{etag}-{zoom}"
    return _not_modified(request, etag) or Response(
        service.png_of(layout, zoom=zoom), media_type="image/png",
        headers={"ETag": f'"{etag}"', "Content-Disposition": f'inline; filename="blueprint-{blueprint_id}.png"'})
