"""Phases: the blueprint's columns. User-defined, or derived from where steps sit in cases. Pure."""

from app.blueprint.schemas import PhaseSpec
from app.patterns import search

DERIVED_BINS = 4


def user_phases(specs: list[PhaseSpec], activities: list[str]) -> tuple[list[str], dict[str, int]]:
    """Phase names and activity -> phase index; a step belongs to the first phase that names it."""
    phase_of: dict[str, int] = {}
    for i, spec in enumerate(specs):
        named = set(spec.activities)
        for activity in activities:
            if activity in phase_of:
                continue
            if activity in named or (spec.activity_regex and search(spec.activity_regex, activity)):
                phase_of[activity] = i
    return [s.name for s in specs], phase_of


def derived_phases(position: dict[str, float]) -> tuple[list[str], dict[str, int]]:
    """Steps ordered by median relative position in their cases, cut into up to four equal spans
    (beginning, early middle, late middle, end); each phase is named after its first step."""
    ordered = sorted(position.items(), key=lambda kv: (kv[1], kv[0]))
    bins: dict[int, list[str]] = {}
    for activity, pos in ordered:
        bins.setdefault(min(int(pos * DERIVED_BINS), DERIVED_BINS - 1), []).append(activity)
    names, phase_of = [], {}
    for i, (_, members) in enumerate(sorted(bins.items())):
        names.append(f"Phase {i + 1}: {members[0]}")
        for activity in members:
            phase_of[activity] = i
    return names, phase_of
