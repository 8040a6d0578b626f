"""A first guess at a file's mapping from its column names, for the upload screen to offer. Pure."""

import re

# Per canonical field, the column names that usually hold it, best first (compared lower-cased,
# with spaces, dashes and underscores alike).
CANDIDATES: dict[str, tuple[str, ...]] = {
    "case_id": ("case:concept:name", "case id", "case", "caseid", "case number", "order id", "ticket id",
                "incident id", "process id", "trace id"),
    "activity": ("concept:name", "activity", "activity name", "event", "event name", "action", "task", "step"),
    "timestamp": ("time:timestamp", "complete timestamp", "timestamp", "end timestamp", "end time",
                  "completed at", "time", "date", "datetime", "event time"),
    "start_timestamp": ("start timestamp", "time:start timestamp", "start time", "started at", "start"),
    "resource": ("org:resource", "resource", "user", "agent", "performer", "assignee", "employee", "operator"),
    "role": ("org:role", "role", "org:group", "group", "team", "department"),
}


def _key(name: str) -> str:
    return re.sub(r"[\s_\-]+", " ", name.strip().lower())


def guess_mapping(columns: list[str]) -> dict[str, str]:
    """The likeliest column for each canonical field (fields without one are left out); a column is
    given to one field only."""
    by_key = {}
    for column in columns:
        by_key.setdefault(_key(column), column)
    taken: set[str] = set()
    out: dict[str, str] = {}
    for field, names in CANDIDATES.items():
        for name in names:
            column = by_key.get(_key(name))
            if column is not None and column not in taken:
                out[field] = column
                taken.add(column)
                break
    return out
