# SPDX-License-Identifier: AGPL-3.0-or-later
"""The demo's events as one pandas frame, and the measures findings.py is built from: lanes by the
manifest's rules, case and thread flows with their waits, lead times, the reason of each call."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

SYSTEMS = ["crm", "ticketing", "ops"]
REASONS = {"Support agent tracks parcel": "where is my router?",
           "Support agent checks appointment": "when is the technician coming?",
           "Open support ticket": "a problem after activation", "Cancel order": "cancel the order"}


def load(folder: Path) -> tuple[pd.DataFrame, dict]:
    manifest = json.loads((folder / "manifest.json").read_text())
    frames = [pd.read_csv(folder / f"{s}.csv", dtype=str, keep_default_na=False).assign(system=s) for s in SYSTEMS]
    ev = pd.concat(frames, ignore_index=True)
    # Durations in UTC, as the feed computes them (a wait across the switch to summer time on
    # 29 March is an hour shorter than its wall-clock difference); `local` keeps the wall clock.
    ev["local"] = pd.to_datetime(ev["timestamp"])
    ev["timestamp"] = utc(ev["local"])
    ev["start_timestamp"] = utc(pd.to_datetime(ev["start_timestamp"].replace("", None)))
    ev["begin"] = ev["start_timestamp"].fillna(ev["timestamp"])
    ev["service_s"] = (ev["timestamp"] - ev["start_timestamp"]).dt.total_seconds()
    ev = ev.sort_values(["order_id", "timestamp"], kind="mergesort").reset_index(drop=True)
    ev["lane"] = lanes(ev, manifest["blueprint"]["lanes"]["rules"])
    return ev, manifest


def utc(local: pd.Series) -> pd.Series:
    """Naive Europe/London wall-clock times as naive UTC."""
    return local.dt.tz_localize("Europe/London", ambiguous=True, nonexistent="shift_forward") \
        .dt.tz_convert("UTC").dt.tz_localize(None)


def lanes(ev: pd.DataFrame, rules: list[dict]) -> pd.Series:
    """The manifest's lane rules (first match wins), for the conditions it uses."""
    def lane_of(activity: str, role: str) -> str | None:
        for rule in rules:
            m = rule["match"]
            if ("activity_regex" in m and not re.search(m["activity_regex"], activity)) or \
                    ("role" in m and m["role"] != role) or ("role_regex" in m and not re.search(m["role_regex"], role)):
                continue
            return rule["lane"]
        return None
    kinds = ev[["activity", "role"]].drop_duplicates()
    found = {(a, r): lane_of(a, r) for a, r in kinds.itertuples(index=False)}
    return pd.Series([found[(a, r)] for a, r in zip(ev["activity"], ev["role"], strict=True)], index=ev.index)


def days(delta: pd.Series) -> pd.Series:
    return delta.dt.total_seconds() / 86400


def q(values: pd.Series, unit: str = "d", digits: int = 1) -> str:
    """'median X, p90 Y (n=N)' in the unit."""
    scale = {"d": 1, "h": 24, "min": 1440, "s": 86400}[unit]
    v = values.dropna() * scale
    return f"median {v.median():.{digits}f} {unit}, p90 {v.quantile(0.9):.{digits}f} {unit} (n={len(v)})"


def first(ev: pd.DataFrame, activity: str, by: str = "order_id", column: str = "timestamp") -> pd.Series:
    return ev[ev["activity"] == activity].groupby(by)[column].min()


def cases_with(ev: pd.DataFrame, activity: str) -> set[str]:
    return set(ev.loc[ev["activity"] == activity, "order_id"])


def thread_flows(ev: pd.DataFrame) -> pd.DataFrame:
    """Flows as the feed draws them: each event from the previous event of its thread (a thread is
    a source's thread value: APT-10001-1 in the CRM and in ops are two threads), a thread's first
    event from the previous event of its case; the wait runs from that event's end to this one's
    start (no wait where they overlap)."""
    prev_in_case = ev.groupby("order_id").cumcount() > 0
    pos = pd.Series(range(len(ev)), index=ev.index)
    prev_thread = pos.groupby([ev["order_id"], ev["system"], ev["thread"]]).shift(1)
    source = prev_thread.where(prev_thread.notna(), (pos - 1).where(prev_in_case)).dropna().astype(int)
    target = source.index
    wait = (ev.loc[target, "begin"].to_numpy() - ev["timestamp"].to_numpy()[source.to_numpy()])
    return pd.DataFrame({"source": ev["activity"].to_numpy()[source.to_numpy()],
                         "target": ev.loc[target, "activity"].to_numpy(),
                         "wait_d": pd.Series(wait).dt.total_seconds().clip(lower=0).to_numpy() / 86400})


def case_flows(ev: pd.DataFrame) -> pd.DataFrame:
    """Directly-follows flows of the case (the feed today): each event from the case's previous one."""
    prev = ev.groupby("order_id")[["activity", "timestamp"]].shift(1)
    has = prev["activity"].notna()
    wait = (ev.loc[has, "begin"] - prev.loc[has, "timestamp"]).dt.total_seconds().clip(lower=0) / 86400
    return pd.DataFrame({"source": prev.loc[has, "activity"], "target": ev.loc[has, "activity"], "wait_d": wait})


def call_reasons(ev: pd.DataFrame) -> pd.DataFrame:
    """Each call attempt with the reason the answered call turned out to have: the agent's (or
    the customer's) next step after the answered call."""
    attempts = ev[ev["activity"] == "Call support"][["order_id", "timestamp", "thread"]]
    reasons = ev[ev["activity"].isin(list(REASONS)) & ((ev["activity"] != "Cancel order") | (ev["channel"] == "phone"))]
    reasons = reasons[["order_id", "timestamp", "activity", "thread"]].rename(
        columns={"activity": "reason", "thread": "object", "timestamp": "reason_at"})
    joined = pd.merge_asof(attempts.sort_values("timestamp"), reasons.sort_values("reason_at"),
                           left_on="timestamp", right_on="reason_at", by="order_id", direction="forward")
    return joined


def silence_before_visit(ev: pd.DataFrame) -> pd.Series:
    """Per first appointment: days from the router's arrival to the first notice or reminder after it
    (0 when the notice came before the router)."""
    received = first(ev, "Receive router")
    apt = ev[ev["thread"].str.endswith("-1") & ev["thread"].str.startswith("APT")]
    told = apt[apt["activity"].isin(["Send appointment notice", "Send appointment reminder"])]
    gaps = {}
    for thread, group in told.groupby("thread"):
        arrived = received.get(group["order_id"].iloc[0])
        times = group["timestamp"]
        gaps[thread] = 0.0 if (times <= arrived).any() else (times.min() - arrived).total_seconds() / 86400
    return pd.Series(gaps)


def waits_before(ev: pd.DataFrame, activity: str) -> pd.Series:
    """Seconds of waiting before each event of `activity`, along the flow into it (thread_flows)."""
    flows = thread_flows(ev)
    return flows.loc[flows["target"] == activity, "wait_d"] * 86400


def lead_s(ev: pd.DataFrame, source: str, target: str) -> pd.Series:
    """Per case: from the first occurrence of `source` (its start, else its end) to the first end
    of `target` at or after it (the feed's lead)."""
    start = first(ev, source, column="begin")
    ends = ev[ev["activity"] == target][["order_id", "timestamp"]]
    ends = ends[ends["timestamp"] >= ends["order_id"].map(start)]
    return (ends.groupby("order_id")["timestamp"].min() - start).dropna().dt.total_seconds()


def phase_times(ev: pd.DataFrame, phases: list[list[str]]) -> tuple[list[pd.Series], list[pd.Series]]:
    """Per phase, per case (seconds): active, from its first entry (start, else end) to its last
    exit; elapsed, from the end of the phases before it (or the case's start) to the latest exit of
    it and of every phase before it, so that a case's elapsed times add up (the feed's phases)."""
    phase_of = {a: i for i, names in enumerate(phases) for a in names}
    code = ev["activity"].map(phase_of)
    mine = ev[code.notna()].assign(phase=code[code.notna()].astype(int))
    spans = mine.groupby(["order_id", "phase"]).agg(entry=("begin", "min"), exit=("timestamp", "max"))
    spans = spans.reset_index().sort_values(["order_id", "phase"])
    case_start = ev.groupby("order_id")["begin"].min()
    spans["ended"] = spans.groupby("order_id")["exit"].cummax()
    spans["before"] = spans.groupby("order_id")["ended"].shift(1).fillna(spans["order_id"].map(case_start))
    active = (spans["exit"] - spans["entry"]).dt.total_seconds()
    elapsed = (spans["ended"] - spans["before"]).dt.total_seconds()
    return ([active[spans["phase"] == i] for i in range(len(phases))],
            [elapsed[spans["phase"] == i] for i in range(len(phases))])
