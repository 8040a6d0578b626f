"""pm4py's organisational role discovery: activities grouped by the resources that perform them."""

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class OrganisationalRole:
    """Activities pm4py finds done by the same resources, and each resource's events in them."""

    activities: tuple[str, ...]
    resources: tuple[tuple[str, int], ...]  # (resource, events), most events first


def discover_roles(frame: pd.DataFrame) -> list[OrganisationalRole]:
    """pm4py's roles over the events that name a resource (none for a log without resources)."""
    from app.mining.pm4py_import import pm4py  # here: the role dataclass is imported by pure code

    events = frame.dropna(subset=["resource"])
    if events.empty:
        return []
    log = pd.DataFrame({"case:concept:name": events["case_id"].astype(str), "concept:name": events["activity"],
                        "org:resource": events["resource"],
                        "time:timestamp": pd.to_datetime(events["timestamp"], unit="us", utc=True)})
    try:
        roles = pm4py.discover_organizational_roles(log)
    except Exception:  # pm4py raises bare exceptions on degenerate logs; roles only support suggestions
        return []
    return [OrganisationalRole(activities=tuple(sorted(r.activities)),
                               resources=tuple(sorted(((str(k), int(v)) for k, v in r.originator_importance.items()),
                                                      key=lambda p: (-p[1], p[0]))))
            for r in roles]
