"""Assemble the blueprint feed from observed figures and the definition. Pure: plain data in and out."""

import hashlib
from typing import Any

from app.blueprint.compare import compare
from app.blueprint.schemas import BlueprintIn
from app.lanes.schemas import LANE_ORDER

LANES = [lane.value for lane in LANE_ORDER]
LINES = [{"id": "interaction", "name": "Line of interaction", "between": ["customer", "frontstage"]},
         {"id": "visibility", "name": "Line of visibility", "between": ["frontstage", "backstage"]},
         {"id": "internal_interaction", "name": "Line of internal interaction", "between": ["backstage", "support"]}]
SCHEMA = "blueprint-feed/1"


def step_id(activity: str) -> str:
    """A stable id for a step: the same activity has the same id in every feed."""
    return "step-" + hashlib.sha1(activity.encode()).hexdigest()[:12]


def crosses(a: str | None, b: str | None) -> list[str]:
    """The lines a flow from lane a to lane b crosses, in order (none within a lane)."""
    if a not in LANES or b not in LANES or a == b:
        return []
    i, j = sorted((LANES.index(a), LANES.index(b)))
    return [line["id"] for line in LINES[i:j]]


def _steps(parts: dict, definition: BlueprintIn) -> list[dict]:
    tolerance = definition.assumptions.tolerance
    out = []
    for act in parts["activities"]:
        name = act["activity"]
        observed = act["service_time"] or parts["waiting_before"].get(name)
        assumed = definition.assumptions.steps.get(name)
        assumed = getattr(assumed, "assumed_s", assumed)
        out.append({
            "id": step_id(name), "activity": name, "lane": parts["step_lane"].get(name),
            "phase": parts["phase_of"].get(name), "events": act["events"], "cases": act["cases"],
            "service_time": act["service_time"], "waiting_before": parts["waiting_before"].get(name),
            "rework": act["rework"], "position": parts["position"].get(name),
            "evidence": parts["evidence"].get(name, []),
            "assumed": compare(assumed, observed, tolerance)})
    return sorted(out, key=lambda s: (s["phase"] if s["phase"] is not None else 99, s["position"] or 0, s["activity"]))


def _flows(parts: dict) -> list[dict]:
    lane = parts["step_lane"]
    return [{"source": f["source"], "target": f["target"], "source_step": step_id(f["source"]),
             "target_step": step_id(f["target"]), "source_lane": lane.get(f["source"]),
             "target_lane": lane.get(f["target"]), "count": f["count"], "cases": f["cases"],
             "waiting": {k: f[k] for k in ("mean_s", "median_s", "p90_s")},
             "crosses": crosses(lane.get(f["source"]), lane.get(f["target"]))}
            for f in sorted(parts["flows"], key=lambda f: -f["count"])]


def _handoffs(parts: dict, definition: BlueprintIn) -> dict:
    between = [{"from": h["from"], "to": h["to"], "lines": crosses(h["from"], h["to"]), "count": h["count"],
                "cases": h["cases"], "median_s": h["median_s"], "p90_s": h["p90_s"], "mean_s": h["mean_s"]}
               for h in sorted(parts["lane_handovers"], key=lambda h: -h["count"])]
    resources = sorted(parts["resource_handovers"], key=lambda h: -h["count"])[:20]
    return {"between_lanes": between, "within_lanes": parts["within_lanes"],
            "resources": [{k: h[k] for k in ("from", "to", "count", "cases", "median_s")} for h in resources]}


def _phases(parts: dict, definition: BlueprintIn, steps: list[dict]) -> list[dict]:
    tolerance = definition.assumptions.tolerance
    out = []
    for i, name in enumerate(parts["phase_names"]):
        observed = parts["phase_durations"][i]
        assumed = definition.assumptions.phases.get(name)
        if assumed is None and i < len(definition.phases):
            assumed = definition.phases[i].assumed_duration_s
        out.append({"id": f"phase-{i + 1}", "index": i, "name": name,
                    "steps": [s["id"] for s in steps if s["phase"] == i], "observed": observed,
                    "assumed": compare(assumed, observed, tolerance)})
    return out


def _design_gaps(parts: dict, definition: BlueprintIn) -> dict:
    observed = {a["activity"] for a in parts["activities"]}
    designed = set(definition.assumptions.steps) | {a for p in definition.phases for a in p.activities}
    flows = {(f["source"], f["target"]) for f in parts["flows"]}
    lane_pairs = {(h["from"], h["to"]) for h in parts["lane_handovers"]}
    missing_handoffs = [h.model_dump() for h in definition.assumptions.handoffs
                        if (h.source, h.target) not in flows and (h.source, h.target) not in lane_pairs]
    return {"not_observed": {"steps": sorted(designed - observed), "handoffs": missing_handoffs},
            "undesigned": {"steps": sorted(observed - designed) if designed else []}}


def _handoff_assumptions(parts: dict, definition: BlueprintIn) -> list[dict]:
    flows = {(f["source"], f["target"]): f for f in parts["flows"]}
    lanes = {(h["from"], h["to"]): h for h in parts["lane_handovers"]}
    out = []
    for h in definition.assumptions.handoffs:
        observed = lanes.get((h.source, h.target)) or flows.get((h.source, h.target))
        out.append({"source": h.source, "target": h.target,
                    "comparison": compare(h.assumed_latency_s, observed, definition.assumptions.tolerance)
                    if h.assumed_latency_s is not None else None, "observed": observed is not None})
    return out


def build_feed(meta: dict[str, Any], definition: BlueprintIn, parts: dict) -> dict:
    """The feed (schema blueprint-feed/1) from the blueprint's meta, definition and observed parts."""
    steps = _steps(parts, definition)
    lanes = [{"id": lane, "name": lane.capitalize(), "steps": [s["id"] for s in steps if s["lane"] == lane]}
             for lane in LANES]
    return {"schema": SCHEMA, **meta, "stats": parts["stats"], "lanes": lanes, "lines": LINES,
            "phases": _phases(parts, definition, steps), "steps": steps, "flows": _flows(parts),
            "handoffs": _handoffs(parts, definition), "variants": parts["variants"],
            "case_duration": parts["case_duration"], "start_activities": parts["starts"],
            "end_activities": parts["ends"], "unmapped": parts["unmapped"], "sources": parts["sources"],
            "assumptions": {"handoffs": _handoff_assumptions(parts, definition),
                            "tolerance": definition.assumptions.tolerance, **_design_gaps(parts, definition)}}
