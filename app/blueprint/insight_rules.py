"""What the synergy analysis measures, chosen from the steps' names and figures (pure): contact
steps, systems, customer milestones, designed steps, the pairs of steps doing the same action,
the step each evidence step usually follows, and the fail points to measure."""

import re
from dataclasses import dataclass

from app.blueprint.insight_parameters import InsightParameters
from app.blueprint.schemas import BlueprintIn
from app.mining.results import Flow, StepFigures, StepMakeup
from app.patterns import search

# Words that carry no action or object: left out when names are compared.
STOP_WORDS = frozenset({"a", "an", "the", "to", "of", "for", "in", "on", "at", "by", "with", "from", "before", "after",
                        "and", "or", "no", "not", "again", "re"})


def stem(word: str) -> str:
    """A crude English stem: checks -> check, booking -> book, boxes -> box (access stays)."""
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if word.endswith("es") and (word[-3:-2] in ("s", "x", "z") or word[-4:-2] in ("ch", "sh")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def action_of(activity: str, doers: set[str]) -> tuple[str, str] | None:
    """The action and its object: the first two words of the name that are neither who does it
    (the words of its roles) nor stop words nor codes ("T06", single letters), stemmed.
    "Dispatcher re-checks appointment" (role dispatcher) and "Support agent checks appointment"
    (role support_agent) are both (check, appointment)."""
    words = [w for token in activity.lower().split() if not any(c.isdigit() for c in token)  # codes: "T06"
             for w in re.split(r"[^a-z]+", token) if len(w) > 1]
    content = [stem(w) for w in words if w not in STOP_WORDS and w not in doers]
    return (content[0], content[1]) if len(content) >= 2 else None


def _role_words(step: StepFigures) -> set[str]:
    return {w for r in step.roles for w in re.split(r"[^a-z]+", r.name.lower()) if w}


def same_action_pairs(steps: tuple[StepFigures, ...]) -> list[tuple[str, str]]:
    """Pairs of steps whose names say the same action on the same object and whose main roles
    differ; the one usually earlier in the case first."""
    by_action: dict[tuple[str, str], list[StepFigures]] = {}
    for step in steps:
        key = action_of(step.activity, _role_words(step))
        if key is not None and step.roles:
            by_action.setdefault(key, []).append(step)
    pairs = []
    for group in by_action.values():
        group = sorted(group, key=lambda s: (s.position, s.activity))
        for i, a in enumerate(group):
            pairs += [(a.activity, b.activity) for b in group[i + 1:] if a.roles[0].name != b.roles[0].name]
    return sorted(pairs)


def is_system(name: str | None, parameters: InsightParameters) -> bool:
    return name is not None and search(parameters.system_pattern, name)


def contact_steps(steps: tuple[StepFigures, ...], step_lane: dict[str, str | None],
                  parameters: InsightParameters) -> list[str]:
    """Customer-lane steps whose activity, or the channel of most of their instances, says contact."""
    out = []
    for step in steps:
        if step_lane.get(step.activity) != "customer":
            continue
        channel = step.channels[0] if step.channels and step.channels[0].share > 0.5 else None
        if search(parameters.contact_pattern, step.activity) or (
                channel is not None and search(parameters.contact_pattern, channel.name)):
            out.append(step.activity)
    return out


def milestones(steps: tuple[StepFigures, ...], step_lane: dict[str, str | None], makeup: dict[str, StepMakeup],
               cases: int, parameters: InsightParameters) -> list[str]:
    """The customer's journey: customer steps and frontstage steps done by people (not messages a
    system sends) that at least the share of cases reach, in their usual order (median position)."""
    def counts(step: StepFigures) -> bool:
        lane = step_lane.get(step.activity)
        person = lane == "frontstage" and makeup[step.activity].system_share < 0.5
        return (lane == "customer" or person) and step.cases >= parameters.milestone_min_case_share * cases

    return [s.activity for s in sorted((s for s in steps if counts(s)), key=lambda s: (s.position, s.activity))]


def designed_steps(definition: BlueprintIn) -> set[str]:
    """Every step the definition names: in a phase or an assumption."""
    return set(definition.assumptions.steps) | {a for p in definition.phases for a in p.activities}


def main_flow_into(flows: tuple[Flow, ...]) -> dict[str, str]:
    """Per step, the step its most frequent flow comes from (not itself)."""
    best: dict[str, Flow] = {}
    for f in flows:
        if f.source != f.target and (f.target not in best or (f.count, f.source) > (best[f.target].count,
                                                                                     best[f.target].source)):
            best[f.target] = f
    return {target: f.source for target, f in best.items()}


def evidence_anchors(steps: tuple[StepFigures, ...], step_lane: dict[str, str | None], evidence: dict[str, list],
                     flows: tuple[Flow, ...]) -> list[tuple[str, str]]:
    """(step, evidence step) for each customer-facing step that produces evidence, with the step
    it usually follows."""
    into = main_flow_into(flows)
    return sorted((into[s.activity], s.activity) for s in steps
                  if evidence.get(s.activity) and step_lane.get(s.activity) in ("customer", "frontstage")
                  and s.activity in into)


@dataclass(frozen=True)
class FailPoint:
    step: str | None  # the step the failures follow
    failures: tuple[str, ...]
    direct: tuple[str, ...]


def fail_points(steps: tuple[StepFigures, ...], makeup: dict[str, StepMakeup], flows: tuple[Flow, ...], cases: int,
                parameters: InsightParameters) -> list[FailPoint]:
    """Failure steps (after most of their instances the case goes back to a step it had done)
    grouped by the step they follow; a failure that follows another failure is its recovery."""
    floor = max(parameters.min_cases, parameters.min_case_share * cases)
    failing = {s.activity for s in steps if s.instances and floor <= s.cases <= parameters.fail_max_case_share * cases
               and makeup[s.activity].returned >= parameters.fail_min_return_share * s.instances}
    into = main_flow_into(flows)
    groups: dict[str | None, tuple[list[str], list[str]]] = {}
    for name in sorted(failing):
        step, seen = into.get(name), {name}
        while step in failing and step not in seen:
            seen.add(step)
            step = into.get(step)
        step = None if step in failing else step
        members, direct = groups.setdefault(step, ([], []))
        members.append(name)
        if into.get(name) == step or into.get(name) not in failing:
            direct.append(name)
    return [FailPoint(step=step, failures=tuple(m), direct=tuple(d)) for step, (m, d) in groups.items()]
