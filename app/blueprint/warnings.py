"""Warnings about a definition that names what the data does not have: a phase listing an activity
no event has, a lane rule that can match nothing, an assumption for an unknown step. Accepted (the
data may come later), but said, each with what and where, and the nearest name where one is close.
Pure: the definition and the data's vocabulary in, warnings out."""

import difflib
from dataclasses import dataclass

from app.blueprint.schemas import BlueprintIn
from app.lanes.schemas import LaneRule
from app.patterns import search


@dataclass(frozen=True)
class Vocabulary:
    """The distinct values the blueprint's events hold (from its sources' columnar copies)."""

    activities: frozenset[str] = frozenset()
    resources: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()
    systems: frozenset[str] = frozenset()
    attributes: frozenset[str] = frozenset()
    empty: bool = False  # no events yet: nothing to warn about


def warning(code: str, where: str, message: str) -> dict:
    return {"code": code, "where": where, "message": message}


def _nearest(name: str, known) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _unknown(kind: str, name: str, known, where: str, code: str) -> dict:
    return warning(code, where, f"{where}: no event has the {kind} {name!r}{_nearest(name, known)}")


def _rule_warnings(rule: LaneRule, where: str, vocab: Vocabulary) -> list[dict]:
    m, out = rule.match, []
    for field_name, value, known in (("activity", m.activity, vocab.activities), ("resource", m.resource,
                                     vocab.resources), ("role", m.role, vocab.roles),
                                     ("source", m.source, vocab.sources), ("system", m.system, vocab.systems)):
        if value is not None and value not in known:
            out.append(_unknown(field_name, value, known, f"{where}.match.{field_name}", "rule_matches_nothing"))
    for field_name, pattern, known in (("activity_regex", m.activity_regex, vocab.activities),
                                       ("resource_regex", m.resource_regex, vocab.resources),
                                       ("role_regex", m.role_regex, vocab.roles)):
        if pattern is not None and not any(search(pattern, v) for v in known):
            out.append(warning("rule_matches_nothing", f"{where}.match.{field_name}",
                               f"{where}.match.{field_name}: {pattern!r} matches no {field_name[:-6]} of the events"))
    for name in sorted(rule.match.attributes_used() | ({rule.evidence_attribute} - {None})):
        if name not in vocab.attributes:
            out.append(_unknown("attribute", name, vocab.attributes, f"{where}.match.attribute", "unknown_attribute"))
    return out


def definition_warnings(definition: BlueprintIn, vocab: Vocabulary) -> list[dict]:
    """Everything the definition names that the events do not have."""
    if vocab.empty:
        return []
    out = []
    for i, rule in enumerate(definition.lanes.rules):
        out += _rule_warnings(rule, f"lanes.rules[{i}]", vocab)
    for i, phase in enumerate(definition.phases):
        for j, activity in enumerate(phase.activities):
            if activity not in vocab.activities:
                out.append(_unknown("activity", activity, vocab.activities, f"phases[{i}].activities[{j}]",
                                    "unknown_activity"))
        if phase.activity_regex and not any(search(phase.activity_regex, a) for a in vocab.activities):
            out.append(warning("phase_matches_nothing", f"phases[{i}].activity_regex",
                               f"phases[{i}].activity_regex: {phase.activity_regex!r} matches no activity"))
    for name in definition.assumptions.steps:
        if name not in vocab.activities:
            out.append(_unknown("activity", name, vocab.activities, f"assumptions.steps[{name!r}]", "unknown_step"))
    for i, seg in enumerate(definition.assumptions.segments):
        for end, name in (("from", seg.from_), ("to", seg.to)):
            if name not in vocab.activities:
                out.append(_unknown("activity", name, vocab.activities, f"assumptions.segments[{i}].{end}",
                                    "unknown_step"))
    phase_names = {p.name for p in definition.phases}
    for name in definition.assumptions.phases:
        if definition.phases and name not in phase_names:
            out.append(warning("unknown_phase", f"assumptions.phases[{name!r}]",
                               f"assumptions.phases: no phase is called {name!r}{_nearest(name, phase_names)}"))
    return out


def rule_hit_warnings(definition: BlueprintIn, hits: list[int]) -> list[dict]:
    """Rules that, all their conditions together, matched no event (`hits`: events per rule).
    A rule whose earlier rules took every event it would match also matches nothing."""
    return [warning("rule_matches_nothing", f"lanes.rules[{i}]",
                    f"lanes.rules[{i}] ({rule.lane.value}) matched no event: no event meets all its conditions, "
                    "or earlier rules took every one that does")
            for i, (rule, n) in enumerate(zip(definition.lanes.rules, hits, strict=True)) if n == 0]
