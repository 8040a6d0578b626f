"""The blueprint feed: load the blueprint's events, correlate, filter, map lanes, observe, assemble.

A feed is computed once per data version (cache.data_version: the workspace, the blueprint's
identity, revision and definition, each source's identity and data version, the query) and
served from the cache otherwise; the version is also the ETag."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from app.blueprint import saved_feeds, service
from app.blueprint.assemble import LANES, all_handoffs, build_feed
from app.blueprint.bpmn import step_figures, with_lanes
from app.blueprint.cache import FeedCache, data_version
from app.blueprint.events import SEGMENT_COLUMNS, gather
from app.blueprint.loading import blueprint_sources, definition_of, source_rows
from app.blueprint.observed import CHANNEL, observe_blueprint
from app.blueprint.process_model import ModelStore
from app.blueprint.schemas import BlueprintIn
from app.db import release_connection
from app.errors import InvalidInput, UnprocessableEvents
from app.ingest import repository as uploads
from app.lanes.schemas import lane_name
from app.memory import release_free_memory
from app.mining.model import MODEL_COVERAGE, discover_bpmn_xml
from app.store import repository as store


def _segments(raw: list[str]) -> list[tuple[str, str]]:
    out = []
    for item in raw:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise InvalidInput(f"segment {item!r}: write it as attribute=value")
        out.append((name, value))
    return out


def _micros(value: datetime | None) -> int | None:
    if value is None:
        return None
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1_000_000)


@dataclass(frozen=True)
class FeedResult:
    """A computed feed, and every handoff pair behind its top lists (for paging)."""

    feed: dict
    handoffs: dict[str, list[dict]]  # by "lane", "resource", "role": every pair, most frequent first


def feed_for(session: Session, cache: FeedCache, **query) -> tuple[dict, str]:
    """The feed and its ETag (see feed_result)."""
    result, etag = feed_result(session, cache, **query)
    return result.feed, etag


@dataclass(frozen=True)
class FeedQuery:
    """What a feed is asked for, resolved: the blueprint, its sources, the window and segments."""

    blueprint: object
    definition: BlueprintIn
    sources: list
    window: tuple[int | None, int | None]
    segments: list[tuple[str, str]]
    etag: str

    def as_json(self) -> dict:
        return {"from": self.window[0], "to": self.window[1], "segment": [f"{k}={v}" for k, v in self.segments]}


def resolve_query(session: Session, *, workspace_id: int, blueprint_id: int,
                  window: tuple[datetime | None, datetime | None], segment: list[str]) -> FeedQuery:
    bp = service.get_blueprint(session, workspace_id=workspace_id, blueprint_id=blueprint_id)
    definition = definition_of(bp)
    srcs = blueprint_sources(session, workspace_id=workspace_id, definition=definition)
    start, end = _micros(window[0] or definition.filters.from_), _micros(window[1] or definition.filters.to)
    segs = _segments(segment or definition.filters.segment)
    etag = data_version(workspace_id=workspace_id, blueprint=bp, sources=srcs, window=(start, end), segments=segs)
    return FeedQuery(blueprint=bp, definition=definition, sources=srcs, window=(start, end), segments=segs,
                     etag=etag)


def feed_result(session: Session, cache: FeedCache, *, workspace_id: int, blueprint_id: int,
                window: tuple[datetime | None, datetime | None], segment: list[str],
                data_dir: Path, models: ModelStore | None = None) -> tuple[FeedResult, str]:
    """The feed and its ETag: from the cache in memory, else from the feeds saved on disk (by any
    process sharing the data directory: a worker saves the feeds of the sources it brought in),
    else computed (concurrent requests for one data version share one computation)."""
    query = resolve_query(session, workspace_id=workspace_id, blueprint_id=blueprint_id, window=window,
                          segment=segment)

    def compute() -> FeedResult:
        saved = saved_feeds.load(data_dir, query.etag)
        if saved is not None:
            return FeedResult(feed=saved["feed"], handoffs=saved["handoffs"])
        result = _compute(session, query, data_dir, models=models)
        saved_feeds.save(data_dir, query.etag, {"feed": result.feed, "handoffs": result.handoffs})
        return result

    # A request that waits for another's computation gives its connection back first: the one
    # computing may need one more (the columnar copy's read) from the same pool.
    return cache.get_or_compute(query.etag, compute, before_waiting=lambda: release_connection(session)), query.etag


def handoff_page(result: FeedResult, *, by: str, lane: str | None, limit: int, offset: int) -> dict:
    """One page of the feed's handoff pairs (by lane, resource, or resource within a lane, or role)."""
    if lane is not None:
        if by != "resource":
            raise InvalidInput("lane= narrows by=resource (the pairs of resources inside one lane)")
        try:
            lane = lane_name(lane)
        except ValueError as exc:
            raise InvalidInput(f"lane: {exc}") from None
    pairs = result.handoffs.get(f"resource:{lane}" if lane else by, [])
    return {"by": by, "lane": lane, "total": len(pairs), "offset": offset, "limit": limit,
            "items": pairs[offset:offset + limit]}


def observe_query(session: Session, query: FeedQuery, data_dir: Path):
    """The observed blueprint of a resolved query (events loaded, laned, paired, mined)."""
    definition, srcs, segs = query.definition, query.sources, query.segments
    attributes = sorted(definition.lanes.attributes_used() | {k for k, _ in segs if k not in SEGMENT_COLUMNS})
    rows = source_rows(session, definition, srcs, attributes, data_dir)
    found = gather(rows, sorted({*attributes, CHANNEL}), query.window, segs)
    _check_segments(session, segs, found, srcs)
    return observe_blueprint(found, definition, source_ids=sorted(s.id for s in srcs))


def _meta(query: FeedQuery) -> dict:
    bp, (start, end) = query.blueprint, query.window
    return {"blueprint": {"id": bp.id, "name": bp.name, "revision": bp.revision},
            "generated_at": datetime.now(UTC).isoformat(), "data_version": query.etag,
            "window": {"from": _iso(start), "to": _iso(end)}, "segment": [f"{k}={v}" for k, v in query.segments]}


def _iso(micros: int | None) -> str | None:
    return None if micros is None else datetime.fromtimestamp(micros / 1e6, tz=UTC).isoformat()


def _compute(session: Session, query: FeedQuery, data_dir: Path, *, models: ModelStore | None) -> FeedResult:
    observed = observe_query(session, query, data_dir)
    bp = query.blueprint
    if models is not None and observed.instances.n:
        # A worker computes the model; the feed says "computing" until it has.
        # In a transaction of its own: the request's would hold SQLite's write lock while the feed
        # is assembled (a second connection, held briefly, by the one computing only).
        models.request(query.etag, workspace_id=bp.workspace_id, blueprint_id=bp.id, query=query.as_json())
    counts = observed.source_counts
    feed = build_feed(_meta(query), query.definition, observed,
                      [_source_info(session, s, counts, observed.source_modes) for s in query.sources])
    feed["model"] = {"status": "unknown", "bpmn_url": f"/v1/blueprints/{bp.id}/bpmn",
                     "coverage": observed.model_coverage, "error": None}
    handoffs = all_handoffs(observed)
    del observed
    release_free_memory()  # the arrays are gone
    return FeedResult(feed=feed, handoffs=handoffs)


def model_document(session: Session, query: FeedQuery, data_dir: Path) -> bytes:
    """The BPMN model of a query's data (the worker's job: imports pm4py)."""
    observed = observe_query(session, query, data_dir)
    xml = discover_bpmn_xml(observed.instances, MODEL_COVERAGE)
    return with_lanes(xml, step_lane=observed.step_lane, lanes=LANES, pool_name=query.blueprint.name,
                      figures=step_figures(observed.observed.steps))


def _check_segments(session: Session, segs: list[tuple[str, str]], found, srcs) -> None:
    """A segment on an attribute no event of the blueprint has is a typo, not an empty answer."""
    for name, _ in segs:
        column = found.text.get(f"attr:{name}")
        if name in SEGMENT_COLUMNS or (column is not None and (column.codes >= 0).any()):
            continue
        if column is not None and not found.ev.n and not found.uncorrelated and not sum(found.source_counts.values()):
            continue  # no events at all yet: nothing to compare with
        known = sorted({a for s in srcs for a in store.attribute_names(session, source_id=s.id)})
        raise UnprocessableEvents(
            f"segment {name!r}: no event of this blueprint has that attribute; known attributes: "
            f"{', '.join(list(SEGMENT_COLUMNS) + known)}",
            errors=[{"row": None, "column": "segment", "message": f"unknown attribute {name!r}"}],
            known_attributes=list(SEGMENT_COLUMNS) + known)


def _source_info(session: Session, source, counts: dict[int, int], modes: dict[int, str]) -> dict:
    last = uploads.stored_counts(session, source_id=source.id)[1]
    return {"id": source.id, "name": source.name, "system": source.system, "events": counts.get(source.id, 0),
            "last_ingest_at": last.isoformat() if last else None, "lifecycle": modes.get(source.id, "events")}


def with_live_status(session: Session, feed: dict, etag: str, models: ModelStore) -> tuple[dict, str]:
    """The feed with what changes without its data changing: its model's status and each
    source's sync freshness (read at every request; both are part of the ETag, but for lag_s,
    which only says how long ago the newest event was)."""
    from app.sync.service import sync_freshness

    status, error = models.status(etag, session)
    sources = [{**s, "sync": _json_times(sync_freshness(session, s["id"]))} for s in feed["sources"]]
    moving = json.dumps([status, [{k: v for k, v in (s["sync"] or {}).items() if k != "lag_s"} for s in sources]],
                        default=str)
    suffix = hashlib.sha256(moving.encode()).hexdigest()[:8]
    live = {**feed, "sources": sources, "model": {**feed["model"], "status": status, "error": error}}
    return live, f"{etag}-{status}-{suffix}"


def _json_times(found: dict | None) -> dict | None:
    if found is None:
        return None
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in found.items()}


def model_xml(session: Session, models: ModelStore, etag: str, timeout: float = 300) -> bytes:
    """The BPMN document of the data version `etag` (waits for it; 422 if there is none). The
    request's connection goes back to the pool first: the wait polls in transactions of its own."""
    from app.errors import MiningError

    release_connection(session)
    if models.status(etag)[0] == "unknown":
        raise MiningError("the blueprint has no events yet: there is no process to model")
    try:
        return models.result(etag, timeout)
    except MiningError:
        raise
    except Exception as exc:
        raise MiningError(f"process discovery failed: {exc}") from exc
