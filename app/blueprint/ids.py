"""The feed's stable names for what it shows: step ids, and the lines a flow crosses. Pure."""

import hashlib

from app.lanes.assign import LANES, LINES


def step_id(activity: str) -> str:
    """A stable id for a step: the same activity has the same id in every feed."""
    return "step-" + hashlib.sha1(activity.encode()).hexdigest()[:12]


def crosses(a: str | None, b: str | None) -> list[str]:
    """The lines a flow from lane a to lane b crosses, in order (none within a lane)."""
    if a not in LANES or b not in LANES or a == b:
        return []
    i, j = sorted((LANES.index(a), LANES.index(b)))
    return [line["id"] for line in LINES[i:j]]
