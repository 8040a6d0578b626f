"""Assemble the blueprint feed from the observed blueprint and the definition. Pure: typed data in,
JSON-ready dicts out."""

from typing import Any

from app.blueprint.compare import compare
from app.blueprint.ids import crosses, step_id
from app.blueprint.insights import describe_insights
from app.blueprint.observed import ObservedBlueprint
from app.blueprint.schemas import BlueprintIn, Measure, StepAssumption
from app.lanes.assign import LANES, LINES
from app.mining.results import Handover, Share, StepFigures, Summary

SCHEMA = "blueprint-feed/1"
TOP_RESOURCE_PAIRS, TOP_WITHIN_LANE = 20, 5


def _timing(summary: Summary | None) -> dict | None:
    return None if summary is None else summary.as_json()


def _shares(items: tuple[Share, ...]) -> list[dict]:
    return [{"name": s.name, "count": s.count, "share": s.share} for s in items]


def _step_assumption(step: StepFigures, observed: ObservedBlueprint, definition: BlueprintIn) -> dict | None:
    """The step's assumption compared with what it measures (service, waiting or lead)."""
    value = definition.assumptions.steps.get(step.activity)
    if value is None:
        return None
    spec = value if isinstance(value, StepAssumption) else StepAssumption(assumed_s=value)
    measure = spec.measure or (Measure.service if step.service is not None else Measure.waiting)
    figure = {Measure.service: step.service, Measure.waiting: step.waiting,
              Measure.lead: observed.leads.get((spec.from_, step.activity))}[measure]
    out = compare(spec.assumed_s, figure.as_json() if figure else None, definition.assumptions.tolerance)
    return {**out, "measure": measure.value, "from": spec.from_, "cases": figure.count if figure else 0}


def _steps(observed: ObservedBlueprint, definition: BlueprintIn) -> list[dict]:
    out = []
    for step in observed.observed.steps:
        name = step.activity
        out.append({
            "id": step_id(name), "activity": name, "lane": observed.step_lane.get(name),
            "phase": observed.phase_of.get(name), "events": step.events, "instances": step.instances,
            "cases": step.cases, "service_time": _timing(step.service),
            "waiting_before": _timing(step.waiting) if not step.waiting.empty else None,
            "queue_time": _timing(step.queue), "open": step.open, "aborted": step.aborted,
            "rework": {"events": step.rework.events, "cases": step.rework.cases,
                       "case_share": step.rework.case_share},
            "position": step.position, "evidence": observed.evidence.get(name, []),
            "roles": _shares(step.roles), "resources": _shares(step.resources), "channels": _shares(step.channels),
            "assumed": _step_assumption(step, observed, definition)})
    return sorted(out, key=lambda s: (s["phase"] if s["phase"] is not None else 99, s["position"] or 0, s["activity"]))


def _flows(observed: ObservedBlueprint) -> list[dict]:
    lane = observed.step_lane
    flows = sorted(observed.observed.flows, key=lambda f: -f.count)
    return [{"source": f.source, "target": f.target, "source_step": step_id(f.source),
             "target_step": step_id(f.target), "source_lane": lane.get(f.source), "target_lane": lane.get(f.target),
             "count": f.count, "cases": f.cases,
             "waiting": {"mean_s": f.waiting.mean_s, "median_s": f.waiting.median_s, "p90_s": f.waiting.p90_s},
             "crosses": crosses(lane.get(f.source), lane.get(f.target))} for f in flows]


def by_count(handovers) -> list[Handover]:
    return sorted(handovers, key=lambda h: (-h.count, str(h.source), str(h.target)))


def handoff_json(h: Handover, *, lines: bool = False) -> dict:
    out = {"from": h.source, "to": h.target, "count": h.count, "cases": h.cases, "median_s": h.waiting.median_s,
           "p90_s": h.waiting.p90_s, "mean_s": h.waiting.mean_s}
    return {**out, "lines": crosses(h.source, h.target)} if lines else out


def _handoffs(observed: ObservedBlueprint) -> dict:
    resources = by_count(observed.observed.resource_handovers)
    return {"between_lanes": [handoff_json(h, lines=True) for h in by_count(observed.lane_handovers)],
            "within_lanes": {lane: [{"from": h.source, "to": h.target, "count": h.count}
                                    for h in found[:TOP_WITHIN_LANE]]
                             for lane, found in observed.within_lanes.items()},
            "within_lanes_total_pairs": {lane: len(found) for lane, found in observed.within_lanes.items()},
            "resources": [{k: v for k, v in handoff_json(h).items() if k not in ("p90_s", "mean_s")}
                          for h in resources[:TOP_RESOURCE_PAIRS]],
            "total_pairs": len(resources)}


def all_handoffs(observed: ObservedBlueprint) -> dict[str, list[dict]]:
    """Every handoff pair: between lanes, resources, roles, and per lane between its resources
    (keys "lane", "resource", "role", "resource:<lane>"), most frequent first."""
    out = {"lane": [handoff_json(h, lines=True) for h in by_count(observed.lane_handovers)],
           "resource": [handoff_json(h) for h in by_count(observed.observed.resource_handovers)],
           "role": [handoff_json(h) for h in by_count(observed.role_handovers)]}
    for lane, found in observed.within_lanes.items():
        out[f"resource:{lane}"] = [handoff_json(h) for h in found]
    return out


def _phases(observed: ObservedBlueprint, definition: BlueprintIn, steps: list[dict]) -> list[dict]:
    tolerance = definition.assumptions.tolerance
    out = []
    for i, name in enumerate(observed.phase_names):
        figures = observed.phases[i]
        assumed = definition.assumptions.phases.get(name)
        if assumed is None and i < len(definition.phases):
            assumed = definition.phases[i].assumed_duration_s
        elapsed = figures.elapsed.as_json()
        out.append({"id": f"phase-{i + 1}", "index": i, "name": name,
                    "steps": [s["id"] for s in steps if s["phase"] == i], "observed": elapsed, "elapsed": elapsed,
                    "active": figures.active.as_json(), "cases": figures.cases,
                    "overlapping_cases": figures.overlapping_cases,
                    "assumed": _with_measure(compare(assumed, elapsed, tolerance), "elapsed", figures.cases)})
    return out


def _with_measure(comparison: dict | None, measure: str, cases: int) -> dict | None:
    return None if comparison is None else {**comparison, "measure": measure, "from": None, "cases": cases}


def _design_gaps(observed: ObservedBlueprint, definition: BlueprintIn) -> dict:
    seen = {s.activity for s in observed.observed.steps}
    designed = set(definition.assumptions.steps) | {a for p in definition.phases for a in p.activities}
    flows = {(f.source, f.target) for f in observed.observed.flows}
    lane_pairs = {(h.source, h.target) for h in observed.lane_handovers}
    missing_handoffs = [h.model_dump() for h in definition.assumptions.handoffs
                        if (h.source, h.target) not in flows and (h.source, h.target) not in lane_pairs]
    return {"not_observed": {"steps": sorted(designed - seen), "handoffs": missing_handoffs},
            "undesigned": {"steps": sorted(seen - designed) if designed else []}}


def _handoff_assumptions(observed: ObservedBlueprint, definition: BlueprintIn) -> list[dict]:
    flows = {(f.source, f.target): f for f in observed.observed.flows}
    lanes = {(h.source, h.target): h for h in observed.lane_handovers}
    out = []
    for h in definition.assumptions.handoffs:
        found = lanes.get((h.source, h.target)) or flows.get((h.source, h.target))
        measure = "lane_handoff" if (h.source, h.target) in lanes else "flow"
        comparison = compare(h.assumed_latency_s, found.waiting.as_json() if found else None,
                             definition.assumptions.tolerance) if h.assumed_latency_s is not None else None
        out.append({"source": h.source, "target": h.target, "observed": found is not None,
                    "comparison": _with_measure(comparison, measure, found.cases if found else 0)})
    return out


def _segments(observed: ObservedBlueprint, definition: BlueprintIn) -> list[dict]:
    out = []
    for seg in definition.assumptions.segments:
        lead = observed.leads.get((seg.from_, seg.to))
        comparison = compare(seg.assumed_s, lead.as_json() if lead else None, definition.assumptions.tolerance)
        out.append({"from": seg.from_, "to": seg.to,
                    "comparison": _with_measure(comparison, "lead", lead.count if lead else 0)})
    return out


def _stats(observed: ObservedBlueprint) -> dict:
    s = observed.stats
    life = s.lifecycle
    return {"cases": s.cases, "events": s.events, "instances": s.instances, "activities": s.activities,
            "first_timestamp": s.first_timestamp, "last_timestamp": s.last_timestamp,
            "uncorrelated_events": s.uncorrelated_events,
            "lifecycle": {"mode": life.mode, "paired": life.paired, "open": life.open,
                          "unmatched_complete": life.unmatched_complete, "aborted": life.aborted}}


FLOW_RULES = {
    False: "directly-follows over each case's activity instances (one thread per case)",
    True: "directly-follows within each thread (a source, or its thread attribute), plus one flow into each "
          "thread's first instance from the instance before it in the case",
}


def _variants(observed: ObservedBlueprint) -> dict:
    v = observed.observed.variants
    return {"count": v.count, "top": [{"activities": list(x.activities), "cases": x.cases, "share": x.share}
                                      for x in v.top],
            "other": {"variants": v.other_variants, "cases": v.other_cases, "share": v.other_share}}


def build_feed(meta: dict[str, Any], definition: BlueprintIn, observed: ObservedBlueprint,
               sources: list[dict]) -> dict:
    """The feed (schema blueprint-feed/1) from the blueprint's meta, definition and observations."""
    steps = _steps(observed, definition)
    lanes = [{"id": lane, "name": lane.capitalize(), "steps": [s["id"] for s in steps if s["lane"] == lane]}
             for lane in LANES]
    seen = observed.observed
    feed = {"schema": SCHEMA, **meta, "stats": _stats(observed), "lanes": lanes, "lines": LINES,
            "phases": _phases(observed, definition, steps), "steps": steps, "flows": _flows(observed),
            "flow_rule": FLOW_RULES[observed.threaded], "handoffs": _handoffs(observed),
            "variants": _variants(observed), "case_duration": seen.case_duration.as_json(),
            "start_activities": seen.starts, "end_activities": seen.ends, "unmapped": observed.unmapped,
            "sources": sources, "warnings": observed.warnings,
            "assumptions": {"handoffs": _handoff_assumptions(observed, definition),
                            "segments": _segments(observed, definition),
                            "tolerance": definition.assumptions.tolerance, **_design_gaps(observed, definition)}}
    feed["insights"] = describe_insights(observed, definition, feed)
    return feed
