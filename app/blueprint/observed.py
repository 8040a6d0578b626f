"""The observed blueprint: from a blueprint's loaded events to every figure the feed shows."""

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from app.blueprint.events import BlueprintEvents, Coded
from app.blueprint.insight_parameters import InsightParameters, parameters_of
from app.blueprint.instances import BlueprintInstances, to_instances
from app.blueprint.phases import derived_phases, user_phases
from app.blueprint.schemas import BlueprintIn, Measure, StepAssumption
from app.blueprint.synergy import measure_synergy
from app.blueprint.warnings import Vocabulary, definition_warnings, rule_hit_warnings
from app.lanes.assign import LANES, evidence, step_lanes, unmapped
from app.mining.discover import discover_handovers
from app.mining.frame import EventArrays
from app.mining.model import MODEL_COVERAGE, covered_share
from app.mining.observe import handovers_within_lanes, lane_handovers, lead_times, observe, phase_figures
from app.mining.results import CaseFigures, Handover, LifecycleFigures, Observed, PhaseFigures, Summary
from app.store.columnar import CHANNEL  # noqa: E402 - the attribute of the channel breakdown


@dataclass(frozen=True)
class FeedStats:
    cases: int
    events: int  # stored events of the selected cases
    instances: int
    activities: int
    first_timestamp: str | None
    last_timestamp: str | None
    uncorrelated_events: int
    lifecycle: LifecycleFigures


@dataclass(frozen=True)
class ObservedBlueprint:
    stats: FeedStats
    observed: Observed
    step_lane: dict[str, str | None]
    evidence: dict[str, list[dict]]
    unmapped: list[dict]
    phase_names: list[str]
    phase_of: dict[str, int]
    phases: list[PhaseFigures]
    lane_handovers: tuple[Handover, ...]
    within_lanes: dict[str, tuple[Handover, ...]]
    role_handovers: tuple[Handover, ...]
    leads: dict[tuple[str, str], Summary | None]
    model_coverage: float
    threaded: bool
    source_modes: dict[int, str]
    source_counts: dict[int, int]  # stored events per source id, before correlation and filters
    instances: EventArrays  # for the process model, which runs after the answer
    warnings: list[dict]
    insight_parameters: InsightParameters
    synergy: CaseFigures  # the insights' case-level figures


def _iso(micros) -> str:
    return datetime.fromtimestamp(int(micros) / 1e6, tz=UTC).isoformat()


def vocabulary_of(found: BlueprintEvents) -> Vocabulary:
    """The distinct values the loaded events hold."""
    text = found.text
    attributes = {name[5:] for name, column in text.items() if name.startswith("attr:") and (column.codes >= 0).any()}
    return Vocabulary(activities=frozenset(found.ev.act_labels.tolist()),
                      resources=frozenset(found.ev.resource_labels.tolist()),
                      roles=frozenset(text["role"].names().tolist()),
                      sources=frozenset(text["source"].names().tolist()),
                      systems=frozenset(text["system"].names().tolist()), attributes=frozenset(attributes),
                      empty=found.ev.n == 0)


def _warnings(definition: BlueprintIn, found: BlueprintEvents, rule_hits: list[int]) -> list[dict]:
    if not found.ev.n:
        return []
    named = definition_warnings(definition, vocabulary_of(found))
    said = {w["where"].split(".match")[0] for w in named}  # a rule already warned about by its field
    return named + [w for w in rule_hit_warnings(definition, rule_hits) if w["where"] not in said]


def lead_pairs(definition: BlueprintIn) -> set[tuple[str, str]]:
    """The (from, to) steps whose lead time the definition's assumptions compare."""
    pairs = {(s.from_, s.to) for s in definition.assumptions.segments}
    for name, value in definition.assumptions.steps.items():
        if isinstance(value, StepAssumption) and value.measure == Measure.lead:
            pairs.add((value.from_, name))
    return pairs


def _who(found: BlueprintEvents, inst: BlueprintInstances) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    def at(name: str) -> tuple[np.ndarray, np.ndarray]:
        column: Coded = inst.text(found, name)
        return column.codes, column.names()

    out = {"roles": at("role"), "resources": (inst.ev.resource, inst.ev.resource_labels)}
    if f"attr:{CHANNEL}" in found.text:
        out["channels"] = at(f"attr:{CHANNEL}")
    return out


def _step_lanes(found: BlueprintEvents, inst, lane_of_event: np.ndarray, lane: np.ndarray) -> dict[str, str | None]:
    """Each step's lane, by its instances; a step whose events form no instance (only `schedule`
    events of a paired lifecycle, as BPIC 2012's 'W_Wijzigen contractgegevens') by its events,
    so a step whose events a rule took is never shown without a lane."""
    ev = inst.ev
    lanes_of = step_lanes(ev.act, ev.act_labels, lane)
    instances = np.bincount(ev.act, minlength=len(ev.act_labels))
    without = {ev.act_labels[i] for i in np.flatnonzero(instances == 0)}
    if not without:
        return lanes_of
    by_event = step_lanes(found.ev.act, found.ev.act_labels, lane_of_event)
    return {name: by_event.get(name) if name in without else value for name, value in lanes_of.items()}


def observe_blueprint(found: BlueprintEvents, definition: BlueprintIn, *, source_ids: list[int]) -> ObservedBlueprint:
    """Lanes, instances, flows, steps, phases, handoffs and lead times of the blueprint's events."""
    lane_of_event, evidence_code, evidence_labels, rule_hits = found.lanes(definition.lanes)
    inst = to_instances(found)
    ev = inst.ev
    lane = lane_of_event[inst.rep]
    seen = observe(ev, event_counts=inst.event_counts, open_counts=inst.open_counts,
                   aborted_counts=inst.aborted_counts, who=_who(found, inst))
    lanes_of = _step_lanes(found, inst, lane_of_event, lane)
    position = {s.activity: s.position for s in seen.steps}
    names, phase_of = (user_phases(definition.phases, list(position)) if definition.phases
                       else derived_phases(position))
    role = inst.text(found, "role")
    raw = found.ev
    stats = FeedStats(cases=len(ev.case_first), events=raw.n, instances=ev.n, activities=len(ev.act_labels),
                      first_timestamp=_iso(raw.ts.min()) if raw.n else None,
                      last_timestamp=_iso(raw.ts.max()) if raw.n else None,
                      uncorrelated_events=found.uncorrelated, lifecycle=inst.lifecycle)
    produced = evidence(ev.act, ev.act_labels, evidence_code[inst.rep], evidence_labels)
    parameters = parameters_of(definition.insights)
    synergy = measure_synergy(found, inst, definition, seen, parameters=parameters, step_lane=lanes_of,
                              event_lane=lane, phase_of=phase_of, phases=len(names), evidence=produced)
    return ObservedBlueprint(
        stats=stats, observed=seen, step_lane=lanes_of, evidence=produced,
        unmapped=_unmapped(found, lane_of_event, inst, lane), phase_names=names, phase_of=phase_of,
        phases=phase_figures(ev, phase_of, len(names)), lane_handovers=lane_handovers(ev, lanes_of, LANES),
        within_lanes=handovers_within_lanes(ev, lanes_of, LANES),
        role_handovers=discover_handovers(ev, role.codes, role.names()) if (role.codes >= 0).any() else (),
        leads={pair: lead_times(ev, *pair) for pair in lead_pairs(definition)},
        model_coverage=covered_share(np.asarray(seen.variants.counts), MODEL_COVERAGE), threaded=inst.threaded,
        source_modes={sid: mode.value for sid, mode in zip(source_ids, inst.modes, strict=False)},
        source_counts=found.source_counts, instances=ev,
        warnings=_warnings(definition, found, rule_hits), insight_parameters=parameters, synergy=synergy)


def _unmapped(found: BlueprintEvents, lane_of_event: np.ndarray, inst: BlueprintInstances,
              lane: np.ndarray) -> list[dict]:
    """Activities with events no rule matched: their events, instances and cases."""
    raw = found.ev
    by_events = {u["activity"]: u for u in unmapped(raw.act, raw.act_labels, raw.case, lane_of_event)}
    by_instances = {u["activity"]: u for u in unmapped(inst.ev.act, inst.ev.act_labels, inst.ev.case, lane)}
    return [{"activity": name, "events": u["events"], "instances": by_instances.get(name, {}).get("events", 0),
             "cases": u["cases"]} for name, u in by_events.items()]
