"""Lanes for events and steps: rules run over distinct event kinds, then map back to events."""

import pandas as pd

from app.lanes.rules import assign_lanes
from app.lanes.schemas import LaneRules

KIND = ["activity", "source", "system", "resource", "role"]


def lanes_for_events(frame: pd.DataFrame, rules: LaneRules) -> pd.DataFrame:
    """`frame` with `lane` and `evidence` per event (rules see each distinct kind of event once)."""
    columns = KIND + [f"attr:{a}" for a in sorted(rules.attributes_used())]
    kinds = frame[columns].drop_duplicates().reset_index(drop=True)
    assigned = assign_lanes(kinds, rules)
    out = frame.merge(assigned[[*columns, "lane", "evidence"]], on=columns, how="left", sort=False)
    return out


def step_lanes(events: pd.DataFrame) -> dict[str, str | None]:
    """Each activity's lane: the lane most of its events were given (None: no rule matched any)."""
    counted = events[["activity", "lane"]].dropna().groupby(["activity", "lane"]).size().reset_index(name="n")
    best = counted.sort_values(["activity", "n"], ascending=[True, False]).drop_duplicates("activity")
    lanes = dict(zip(best["activity"], best["lane"], strict=True))
    return {a: lanes.get(a) for a in events["activity"].unique()}


def unmapped(events: pd.DataFrame) -> list[dict]:
    """Activities with events no rule matched, with their event and case counts."""
    missing = events.loc[events["lane"].isna(), ["activity", "case_id"]]
    grouped = missing.groupby("activity").agg(events=("case_id", "size"), cases=("case_id", "nunique"))
    return [{"activity": a, "events": int(r.events), "cases": int(r.cases)}
            for a, r in grouped.sort_values("events", ascending=False).iterrows()]


def evidence(events: pd.DataFrame) -> dict[str, list[dict]]:
    """Per activity, the evidence its events produce, with counts."""
    found = events[["activity", "evidence"]].dropna().groupby(["activity", "evidence"]).size()
    out: dict[str, list[dict]] = {}
    for (activity, name), count in found.items():
        out.setdefault(activity, []).append({"name": name, "events": int(count)})
    return out
