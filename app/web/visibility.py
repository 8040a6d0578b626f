"""Which steps and flows the blueprint shows: those in at least a share of the cases. Pure.

A real log has dozens of activities and hundreds of flows; drawn all at once they are a hairball.
By default the least frequent fold away, so that at most MAX_STEPS steps and about two flows per
shown step remain; the page offers the folded ones back."""

import math
from dataclasses import dataclass

MAX_STEPS = 60
MAX_FLOWS = 80
FLOWS_PER_STEP = 2
MIN_FLOW_BUDGET = 20


@dataclass(frozen=True)
class Threshold:
    """A frequency threshold: shown when in at least `min_cases` cases (`share` of all cases)."""

    share: float
    min_cases: int
    default: bool


@dataclass(frozen=True)
class Visible:
    steps: list[dict]  # the feed's steps that show, in feed order
    flows: list[dict]  # the flows between shown steps that show (no self-loops), most frequent first
    step_threshold: Threshold
    flow_threshold: Threshold
    folded_steps: int  # placed steps (with a lane) under the threshold
    folded_flows: int  # flows between shown steps under the threshold
    unplaced_steps: int  # steps no lane rule matched: listed as unmapped, never drawn
    loops: int  # flows from a step to itself: shown as the step's rework, not as arrows


def min_cases_for(share: float, cases: int) -> int:
    """The fewest cases a step or flow needs to be in to reach `share` of `cases`."""
    return max(math.ceil(share * cases - 1e-9), 0)


def budget_threshold(counts: list[int], budget: int) -> int:
    """The smallest case count such that at most `budget` of `counts` reach it (0: all fit)."""
    if len(counts) <= budget:
        return 0
    ranked = sorted(counts, reverse=True)
    return ranked[budget] + 1


def _threshold(share: float | None, counts: list[int], budget: int, cases: int) -> Threshold:
    if share is not None:
        return Threshold(share=share, min_cases=min_cases_for(share, cases), default=False)
    needed = budget_threshold(counts, budget)
    return Threshold(share=needed / cases if cases else 0.0, min_cases=needed, default=True)


def flow_budget(steps_shown: int) -> int:
    """How many flows show by default: about two per shown step, within [MIN_FLOW_BUDGET, MAX_FLOWS]."""
    return min(MAX_FLOWS, max(MIN_FLOW_BUDGET, FLOWS_PER_STEP * steps_shown))


def visible(feed: dict, *, step_share: float | None = None, flow_share: float | None = None) -> Visible:
    """The steps and flows over their thresholds: given shares of the cases, else the defaults."""
    cases = feed["stats"]["cases"]
    placed = [s for s in feed["steps"] if s["lane"] is not None]
    step_threshold = _threshold(step_share, [s["cases"] for s in placed], MAX_STEPS, cases)
    steps = [s for s in placed if s["cases"] >= step_threshold.min_cases]
    shown = {s["id"] for s in steps}
    between = [f for f in feed["flows"] if f["source_step"] != f["target_step"]
               and f["source_step"] in shown and f["target_step"] in shown]
    flow_threshold = _threshold(flow_share, [f["cases"] for f in between], flow_budget(len(steps)), cases)
    flows = [f for f in between if f["cases"] >= flow_threshold.min_cases]
    return Visible(steps=steps, flows=flows, step_threshold=step_threshold, flow_threshold=flow_threshold,
                   folded_steps=len(placed) - len(steps), folded_flows=len(between) - len(flows),
                   unplaced_steps=len(feed["steps"]) - len(placed),
                   loops=sum(f["source_step"] == f["target_step"] for f in feed["flows"]))
