"""Small logs for the insights' tests, run through the feed's own pipeline from the columnar rows
on (gather, observe_blueprint, build_feed; the database only stores those rows and is covered by
the API tests), and the feed checked against its published contract.

A log is CSV text: case,activity,start,end,resource,role[,thread,channel,evidence], times in hours
after 2024-01-01 00:00 UTC (start empty: an instant)."""

import csv
import io

import pyarrow as pa

from app.blueprint.assemble import build_feed
from app.blueprint.events import SourceRows, gather
from app.blueprint.feed_schema import Feed
from app.blueprint.ids import step_id
from app.blueprint.observed import CHANNEL, observe_blueprint
from app.blueprint.schemas import BlueprintIn
from app.store.columnar import schema

EPOCH_US = 1_704_067_200_000_000
H = 3600
HOUR_US = 3_600_000_000
# Lanes by role; systems send the messages; `evidence` names what the customer gets.
LANES = [{"lane": "customer", "match": {"role": "customer"}, "evidence_attribute": "evidence"},
         {"lane": "frontstage", "match": {"role_regex": "^(agent|technician|notifier)$"},
          "evidence_attribute": "evidence"},
         {"lane": "backstage", "match": {"role_regex": "^(clerk|dispatcher|robot)$"}},
         {"lane": "support", "match": {"role_regex": "^(courier|network_system)$"}}]


def _micros(hours: str) -> int | None:
    return None if hours == "" else EPOCH_US + round(float(hours) * HOUR_US)


def rows_of(text: str) -> SourceRows:
    records = list(csv.DictReader(io.StringIO(text.strip())))
    attributes = ["channel", "evidence", "thread"]
    columns = {"source_id": [1] * len(records), "upload_id": [1] * len(records), "ordinal": list(range(len(records))),
               "case_id": [r["case"] for r in records], "activity": [r["activity"] for r in records],
               "timestamp": [_micros(r["end"]) for r in records],
               "start_timestamp": [_micros(r.get("start", "")) for r in records],
               "resource": [r.get("resource") or None for r in records],
               "role": [r.get("role") or None for r in records],
               "lifecycle": [None] * len(records)}
    for name in attributes:
        columns[f"attr:{name}"] = [r.get(name) or None for r in records]
    target = schema(attributes)
    table = pa.table({f.name: pa.array(columns[f.name], pa.int64() if pa.types.is_integer(f.type) else pa.string())
                      for f in target}).cast(target)
    threaded = any(r.get("thread") for r in records)
    return SourceRows(id=1, name="log", system="other", table=table, case_column="case_id",
                      thread_column="attr:thread" if threaded else None)


def feed_of(text: str, **definition) -> dict:
    """The feed of the log under the definition (lanes: LANES unless given)."""
    body = BlueprintIn(**{"name": "test", "sources": [1], "lanes": LANES, **definition})
    rows = rows_of(text)
    found = gather([rows], sorted({*body.lanes.attributes_used(), CHANNEL}), (None, None), [])
    observed = observe_blueprint(found, body, source_ids=[1])
    meta = {"blueprint": {"id": 1, "name": "test", "revision": 1}, "generated_at": "2024-01-01T00:00:00+00:00",
            "data_version": "0" * 32, "window": {"from": None, "to": None}, "segment": []}
    feed = build_feed(meta, body, observed, [])
    Feed.model_validate({**feed, "model": {"status": "unknown", "bpmn_url": "/", "coverage": 1.0, "error": None}})
    return feed


def insights(feed: dict, kind: str) -> list[dict]:
    return [i for i in feed["insights"]["items"] if i["kind"] == kind]


def ids(*activities: str) -> list[str]:
    return [step_id(a) for a in activities]


def flow(source: str, target: str) -> dict:
    return {"source_step": step_id(source), "target_step": step_id(target)}
