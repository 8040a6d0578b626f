"""The blueprint feed: load the blueprint's events, correlate, filter, map lanes, observe, assemble.

A feed is computed once per data version (blueprint revision, each source's data version, the
query) and served from a cache otherwise; the version is also the ETag."""

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from app.blueprint import service
from app.blueprint.assemble import LANES, build_feed
from app.blueprint.bpmn import with_lanes
from app.blueprint.events import SEGMENT_COLUMNS, SourceRows, gather
from app.blueprint.phases import derived_phases, user_phases
from app.blueprint.process_model import ModelStore
from app.blueprint.schemas import BlueprintIn
from app.errors import InvalidInput
from app.lanes.assign import evidence, step_lanes, unmapped
from app.memory import release_free_memory
from app.mining.model import covered_share, discover_bpmn_xml, variant_sequences
from app.mining.observe import handovers_within_lanes, lane_handovers, observe, phase_durations
from app.sources import repository as sources
from app.store import columnar
from app.store import repository as store

MODEL_COVERAGE = 0.95
SMALL_LOG_EVENTS = 200_000


class FeedCache:
    """The last feeds computed, by data version (a small LRU, per process)."""

    def __init__(self, size: int = 64) -> None:
        self._items: OrderedDict[str, dict] = OrderedDict()
        self._lock = threading.Lock()
        self.size = size

    def get(self, key: str) -> dict | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key: str, feed: dict) -> None:
        with self._lock:
            self._items[key] = feed
            while len(self._items) > self.size:
                self._items.popitem(last=False)


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


def feed_for(session: Session, cache: FeedCache, *, workspace_id: int, blueprint_id: int,
             window: tuple[datetime | None, datetime | None], segment: list[str],
             data_dir: Path, models: ModelStore | None = None,
             defer: Callable[[Callable[[], None]], None] | None = None) -> tuple[dict, str]:
    """The feed and its ETag (served from the cache when nothing changed). `defer` runs a task
    once the answer is sent (the endpoint's background tasks); without it, tasks run at once."""
    bp = service.get_blueprint(session, workspace_id=workspace_id, blueprint_id=blueprint_id)
    definition = BlueprintIn(name=bp.name, **bp.definition)
    srcs = [sources.get(session, workspace_id=workspace_id, source_id=i) for i in definition.sources]
    srcs = [s for s in srcs if s is not None]
    start = window[0] or definition.filters.from_
    end = window[1] or definition.filters.to
    segs = _segments(segment or definition.filters.segment)
    version = json.dumps([bp.id, bp.revision, [(s.id, s.data_version) for s in srcs],
                          _micros(start), _micros(end), segs])
    etag = hashlib.sha256(version.encode()).hexdigest()[:32]
    cached = cache.get(etag)
    if cached is not None:
        return cached, etag
    meta = {"blueprint": {"id": bp.id, "name": bp.name, "revision": bp.revision},
            "generated_at": datetime.now(UTC).isoformat(), "data_version": etag,
            "window": {"from": start.isoformat() if start else None, "to": end.isoformat() if end else None},
            "segment": [f"{k}={v}" for k, v in segs]}
    parts = _parts(session, definition, srcs, _micros(start), _micros(end), segs, data_dir)
    ev, step_lane, coverage = parts.pop("events"), parts["step_lane"], parts.pop("model_coverage")
    if models is not None and ev.n:
        # The variants, the model and its lanes are computed off the request path.
        small = parts["stats"]["events"] < SMALL_LOG_EVENTS
        models.request(etag, lambda: with_lanes(discover_bpmn_xml(variant_sequences(ev), MODEL_COVERAGE),
                                                step_lane=step_lane, lanes=LANES, pool_name=bp.name),
                       defer=None if small else defer)  # a large log's starts once the answer is sent
        if small:
            # A small log's model takes well under a second: wait for it, so the first answer is
            # complete and its ETag stays valid (the model's status is part of the feed).
            models.settle(etag, timeout=2.0)
    feed = build_feed(meta, definition, parts)
    del parts
    release_free_memory()  # the arrays are gone; the model job keeps what it needs
    feed["model"] = {"status": "unknown", "bpmn_url": f"/v1/blueprints/{bp.id}/bpmn",
                     "coverage": coverage, "error": None}
    cache.put(etag, feed)
    return feed, etag


def source_rows(session: Session, definition: BlueprintIn, srcs, attributes: list[str], data_dir: Path) \
        -> list[SourceRows]:
    """Each source's columnar events, with the attributes asked for and its correlation key."""
    corr = definition.correlation
    out = []
    for s in srcs:
        key = corr.per_source.get(s.name, corr.attribute)
        wanted = sorted(set(attributes) | ({key} - {"case_id"}))
        table = columnar.source_table(session.get_bind(), source_id=s.id, attributes=wanted, data_dir=data_dir,
                                      uploads=store.upload_keys(session, source_id=s.id))
        out.append(SourceRows(id=s.id, name=s.name, system=s.system, table=table,
                              case_column="case_id" if key == "case_id" else f"attr:{key}"))
    return out


def _parts(session, definition: BlueprintIn, srcs, start, end, segs, data_dir: Path) -> dict:
    attributes = sorted(definition.lanes.attributes_used() | {k for k, _ in segs if k not in SEGMENT_COLUMNS})
    found = gather(source_rows(session, definition, srcs, attributes, data_dir), attributes, (start, end), segs)
    ev = found.ev
    lane, evidence_code, evidence_labels = found.lanes(definition.lanes)
    seen = observe(ev)
    variants = dict(seen.variants)
    counts = variants.pop("counts")
    lanes_of = step_lanes(ev.act, ev.act_labels, lane)
    names, phase_of = (user_phases(definition.phases, list(seen.position)) if definition.phases
                       else derived_phases(seen.position))
    return {
        "stats": {"cases": len(ev.case_first), "events": ev.n, "activities": len(ev.act_labels),
                  "first_timestamp": _iso(ev.ts.min()) if ev.n else None,
                  "last_timestamp": _iso(ev.ts.max()) if ev.n else None,
                  "uncorrelated_events": found.uncorrelated},
        "activities": seen.activities, "flows": seen.flows, "variants": variants,
        "model_coverage": covered_share(counts, MODEL_COVERAGE),
        "case_duration": seen.case_duration, "starts": seen.starts, "ends": seen.ends,
        "waiting_before": seen.waiting_before, "position": seen.position, "step_lane": lanes_of,
        "evidence": evidence(ev.act, ev.act_labels, evidence_code, evidence_labels),
        "unmapped": unmapped(ev.act, ev.act_labels, ev.case, lane), "phase_names": names, "phase_of": phase_of,
        "phase_durations": phase_durations(ev, phase_of, len(names)),
        "lane_handovers": lane_handovers(ev, lanes_of, LANES),
        "within_lanes": handovers_within_lanes(ev, lanes_of, LANES),
        "resource_handovers": seen.resource_handovers, "events": ev,
        "sources": [_source_info(session, s, found.source_counts) for s in srcs]}


def _source_info(session: Session, source, counts: dict[int, int]) -> dict:
    last = store.last_ingest_at(session, source_id=source.id)
    return {"id": source.id, "name": source.name, "system": source.system, "events": counts.get(source.id, 0),
            "last_ingest_at": last.isoformat() if last else None}


def _iso(micros) -> str:
    return datetime.fromtimestamp(int(micros) / 1e6, tz=UTC).isoformat()


def with_model(feed: dict, etag: str, models: ModelStore) -> tuple[dict, str]:
    """The feed with its model's current status; the status is part of the ETag."""
    status, error = models.status(etag)
    return {**feed, "model": {**feed["model"], "status": status, "error": error}}, f"{etag}-{status}"


def model_xml(models: ModelStore, etag: str, timeout: float = 300) -> bytes:
    """The BPMN document of the data version `etag` (waits for it; 422 if there is none)."""
    from app.errors import MiningError

    if models.status(etag)[0] == "unknown":
        raise MiningError("the blueprint has no events yet: there is no process to model")
    try:
        return models.result(etag, timeout)
    except MiningError:
        raise
    except Exception as exc:
        raise MiningError(f"process discovery failed: {exc}") from exc

