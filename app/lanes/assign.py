"""Lanes for events and steps: rules run once per distinct kind of event, results map back by code.

Events arrive as integer codes (activity, lane, evidence per event); the per-step figures are
counted with bincount, never per event in Python."""

import numpy as np
import pandas as pd

from app.lanes.rules import assign_lanes
from app.lanes.schemas import LANE_ORDER, LaneRules
from app.mining.discover import distinct_pairs

LANES = [lane.value for lane in LANE_ORDER]
LINES = [{"id": "interaction", "name": "Line of interaction", "between": ["customer", "frontstage"]},
         {"id": "visibility", "name": "Line of visibility", "between": ["frontstage", "backstage"]},
         {"id": "internal_interaction", "name": "Line of internal interaction", "between": ["backstage", "support"]}]
KIND = ["activity", "source", "system", "resource", "role"]


def kind_lanes(kinds: pd.DataFrame, rules: LaneRules) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per distinct kind of event: its lane (index into LANES, -1 for none), evidence (or None)
    and the index of the rule that matched it (-1 for none).

    `kinds` has the KIND columns and `attr:<name>` for each attribute the rules use."""
    assigned = assign_lanes(kinds, rules)
    lane = np.array([LANES.index(v) if v is not None else -1 for v in assigned["lane"]], dtype=np.int64)
    return lane, assigned["evidence"].to_numpy(dtype=object), assigned["rule"].to_numpy(dtype=np.int64)


def step_lanes(act: np.ndarray, act_labels: np.ndarray, lane: np.ndarray) -> dict[str, str | None]:
    """Each activity's lane: the lane most of its events were given (None: no rule matched any;
    a tie goes to the lane nearer the customer)."""
    width = len(LANES)
    has = lane >= 0
    counts = np.bincount(act[has] * width + lane[has], minlength=len(act_labels) * width).reshape(-1, width)
    best = counts.argmax(axis=1)
    return {label: LANES[best[i]] if counts[i, best[i]] else None for i, label in enumerate(act_labels)}


def unmapped(act: np.ndarray, act_labels: np.ndarray, case: np.ndarray, lane: np.ndarray) -> list[dict]:
    """Activities with events no rule matched, with their event and case counts."""
    missing = lane < 0
    width = max(len(act_labels), 1)
    events = np.bincount(act[missing], minlength=width)
    cases = distinct_pairs(case[missing], act[missing], width)[0]
    found = sorted(np.flatnonzero(events).tolist(), key=lambda i: (-events[i], act_labels[i]))
    return [{"activity": act_labels[i], "events": int(events[i]), "cases": int(cases[i])} for i in found]


def evidence(act: np.ndarray, act_labels: np.ndarray, code: np.ndarray, labels: np.ndarray) -> dict[str, list[dict]]:
    """Per activity, the evidence its events produce (code indexes `labels`, -1 for none), with counts."""
    width = len(labels)
    if not width:
        return {}
    has = code >= 0
    counts = np.bincount(act[has] * width + code[has], minlength=len(act_labels) * width).reshape(-1, width)
    by_name = np.argsort(labels.astype(str), kind="stable")
    out: dict[str, list[dict]] = {}
    for a, e in zip(*np.nonzero(counts[:, by_name]), strict=True):
        out.setdefault(act_labels[a], []).append({"name": labels[by_name[e]], "events": int(counts[a, by_name[e]])})
    return out
