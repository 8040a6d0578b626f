"""The case-level figures of the synergy analysis: what insight_rules chooses from the steps,
measured by mining over the instance arrays (observe_blueprint calls it once)."""

import numpy as np
import pandas as pd

from app.blueprint.events import BlueprintEvents
from app.blueprint.insight_parameters import InsightParameters
from app.blueprint.insight_rules import (
    contact_steps,
    designed_steps,
    evidence_anchors,
    fail_points,
    is_system,
    milestones,
    same_action_pairs,
)
from app.blueprint.instances import BlueprintInstances
from app.blueprint.schemas import BlueprintIn
from app.lanes.assign import LANES, LINES
from app.mining.journeys import (
    FailSpec,
    answers,
    conformance,
    contact_episodes,
    contact_groups,
    evidence_follows,
    fail_group,
    returned_after,
    step_waits,
)
from app.mining.observe import per_activity, phase_spans
from app.mining.results import CaseFigures, Observed
from app.mining.workload import duplicate_check, line_waits, role_effort, step_makeup


def _matches(labels: np.ndarray, codes: np.ndarray, parameters: InsightParameters) -> np.ndarray:
    """Per instance: whether its label (by code, -1 none) names a system; one match per label."""
    table = np.array([is_system(str(x), parameters) for x in labels] + [False], dtype=bool)
    return table[np.where(codes >= 0, codes, len(labels))]


def _objects(thread_labels: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Per instance: its thread's value across sources ("0:APT-1" and "2:APT-1" are one object);
    -1 where the event names none (labels are "<source index>:<value>")."""
    values = pd.Series([str(x).partition(":")[2] if x is not None else "" for x in thread_labels], dtype=object)
    table, _ = pd.factorize(values.where(values != "", None), use_na_sentinel=True)
    return np.append(table.astype(np.int64), -1)[np.where(codes >= 0, codes, len(thread_labels))]


def _codes(labels: np.ndarray) -> dict[str, int]:
    return {str(x): i for i, x in enumerate(labels)}


def measure_synergy(found: BlueprintEvents, inst: BlueprintInstances, definition: BlueprintIn, seen: Observed, *,
                    parameters: InsightParameters, step_lane: dict[str, str | None], event_lane: np.ndarray,
                    phase_of: dict[str, int], phases: int, evidence: dict[str, list]) -> CaseFigures:
    ev = inst.ev
    code = _codes(ev.act_labels)
    role, thread = inst.text(found, "role"), inst.text(found, "thread")
    role_labels = role.names()
    system = _matches(ev.resource_labels, ev.resource, parameters) | _matches(role_labels, role.codes, parameters)
    lane = per_activity(ev, step_lane, LANES)
    makeup = step_makeup(ev, system=system, lane=event_lane, lanes=len(LANES), returned=returned_after(ev))
    contacts = contact_steps(seen.steps, step_lane, parameters)
    is_contact = np.zeros(max(len(ev.act_labels), 1), dtype=bool)
    is_contact[[code[c] for c in contacts]] = True
    episodes = contact_episodes(ev, is_contact)
    anchors = evidence_anchors(seen.steps, step_lane, evidence, seen.flows)
    unthreaded = list(thread.names()) == list(found.text["source"].names())  # each source one thread
    objects = np.full(ev.n, -1, dtype=np.int64) if unthreaded else _objects(thread.names(), thread.codes)
    follows, missing = evidence_follows(ev, objects, [(code[a], code[e]) for a, e in anchors], episodes.with_contact)
    cases = len(ev.case_first)
    fails = [fail_group(ev, FailSpec(step=code.get(f.step, -1), failures=tuple(code[x] for x in f.failures),
                                     direct=tuple(code[x] for x in f.direct)))
             for f in fail_points(seen.steps, makeup, seen.flows, cases, parameters)]
    journey = milestones(seen.steps, step_lane, makeup, cases, parameters)
    designed = designed_steps(definition)
    main = _main_phases(inst, phase_of, phases, parameters) if definition.phases else []
    return CaseFigures(
        makeup=makeup, fails=tuple(fails),
        contacts=contact_groups(ev, episodes, {e: m for (_, e), m in zip(anchors, missing, strict=True)}),
        milestone_waits=step_waits(ev, [(code[a], code[b]) for a, b in zip(journey, journey[1:], strict=False)]),
        answers=answers(ev, thread.codes, lane, LANES.index("customer"), LANES.index("frontstage")),
        duplicates=tuple(duplicate_check(ev, code[a], code[b], objects) for a, b in same_action_pairs(seen.steps)),
        effort=role_effort(ev, role.codes, role_labels, system),
        conformance=conformance(ev, np.array([str(a) in designed for a in ev.act_labels] or [False], dtype=bool),
                                phase_spans(ev, phase_of, phases), main) if definition.phases else None,
        evidence_follows=follows,
        line_waits=line_waits(ev, lane, [line["id"] for line in LINES]), contact_steps=tuple(contacts),
        milestones=tuple(journey), designed_steps=tuple(sorted(designed)), main_phases=tuple(main))


def _main_phases(inst: BlueprintInstances, phase_of: dict[str, int], phases: int,
                 parameters: InsightParameters) -> list[int]:
    """The phases at least the share of cases enter."""
    spans = phase_spans(inst.ev, phase_of, phases)
    if spans is None:
        return []
    entered = np.bincount(spans.phase, minlength=phases)
    return np.flatnonzero(entered >= parameters.main_phase_min_case_share * len(inst.ev.case_first)).tolist()
