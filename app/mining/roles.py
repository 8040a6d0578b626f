"""pm4py's organisational role discovery: activities grouped by the resources that perform them."""

import pandas as pd

from app.mining.pm4py_import import pm4py


def discover_roles(frame: pd.DataFrame) -> list[dict]:
    """Groups of activities done by the same resources, with each resource's event count."""
    events = frame.dropna(subset=["resource"])
    if events.empty:
        return []
    log = pd.DataFrame({"case:concept:name": events["case_id"].astype(str), "concept:name": events["activity"],
                        "org:resource": events["resource"],
                        "time:timestamp": pd.to_datetime(events["timestamp"], unit="us", utc=True)})
    try:
        roles = pm4py.discover_organizational_roles(log)
    except Exception:  # pm4py raises bare exceptions on degenerate logs; suggestions are optional
        return []
    return [{"activities": sorted(r.activities), "resources": dict(r.originator_importance)} for r in roles]
