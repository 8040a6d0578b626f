"""Suggested lane rules, each with its reason: a start the user edits. Pure but for `roles` input.

Roles and resources are classified by what their names say (customers, front-line staff, back
office, systems and bots); the source's system kind fills in where names say nothing; pm4py's
role discovery carries a lane to activities done by the same people."""

import re

import pandas as pd

PATTERNS = [
    ("customer", r"customer|client|patient|citizen|consumer|applicant|guest|user|buyer",
     "names the person the service is for"),
    ("support", r"system|bot|auto|api|batch|billing|network|notif|mail|sms|scheduler|integration|server|job",
     "names a system, bot or automated service"),
    ("frontstage", r"agent|sales|support|nurse|doctor|technician|advisor|adviser|clerk|desk|cashier|rep\b|"
                   r"service|consultant|courier|driver",
     "names staff who deal with the customer"),
    ("backstage", r"dispatch|warehouse|back|office|planner|analyst|manager|approv|admin|finance|lab|engineer|"
                  r"accounting|legal|underwrit|operations",
     "names staff who work out of the customer's sight"),
]
SYSTEM_LANES = {"crm": "frontstage", "ticketing": "frontstage", "ops": "backstage"}


def classify(name: str) -> tuple[str, str] | None:
    for lane, pattern, why in PATTERNS:
        if re.search(pattern, name, re.IGNORECASE):
            return lane, why
    return None


def suggest_rules(frame: pd.DataFrame, roles: list[dict]) -> list[dict]:
    """Rules (lane, match) with a reason and the events they would cover, in evaluation order."""
    out = []
    for column in ("role", "resource"):
        counts = frame[column].dropna().value_counts()
        for value, events in counts.items():
            found = classify(str(value))
            if found and not (column == "resource" and _covered(out, frame, column, value)):
                out.append({"rule": {"lane": found[0], "match": {column: value}}, "events": int(events),
                            "reason": f"the {column} '{value}' {found[1]}"})
    out += _from_roles(frame, roles, out)
    for (source, system), events in frame.groupby(["source", "system"]).size().items():
        if system in SYSTEM_LANES:
            out.append({"rule": {"lane": SYSTEM_LANES[system], "match": {"source": source}}, "events": int(events),
                        "reason": f"fallback: work logged by the {system} system '{source}' is usually "
                                  f"{SYSTEM_LANES[system]}"})
    return out


def _covered(rules: list[dict], frame: pd.DataFrame, column: str, value) -> bool:
    """A resource whose events all have a role a rule already covers needs no rule of its own."""
    roles = {r["rule"]["match"].get("role") for r in rules}
    return frame.loc[frame[column] == value, "role"].isin(roles).all()


def _from_roles(frame: pd.DataFrame, roles: list[dict], rules: list[dict]) -> list[dict]:
    lane_of_resource = {r["rule"]["match"]["resource"]: r["rule"]["lane"] for r in rules
                        if "resource" in r["rule"]["match"]}
    out = []
    for role in roles:
        votes = pd.Series({lane_of_resource.get(res): n for res, n in role["resources"].items()
                           if lane_of_resource.get(res)}, dtype="float64")
        if votes.empty:
            continue
        lane = votes.groupby(level=0).sum().idxmax()
        pattern = "^(" + "|".join(re.escape(a) for a in role["activities"]) + ")$"
        events = int(frame["activity"].isin(role["activities"]).sum())
        out.append({"rule": {"lane": lane, "match": {"activity_regex": pattern}}, "events": events,
                    "reason": f"pm4py's role discovery groups these {len(role['activities'])} activities by the "
                              f"resources who perform them, mostly {lane} resources"})
    return out
