"""Who does the blueprint's events: the actor column (role, else a team attribute, else resource
classes), each actor's figures, and who opens the cases. Pure: a pandas frame in, dataclasses out.

Rules are made for roles, teams and systems, never for individual people: 1,440 people make no
lanes. Only where no event has a role or team are resources used, and then by class."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from app.lanes.vocabulary import is_null_like

ROLE_COVERAGE = 0.2  # a role column on fewer events than this says too little to build on
TEAM_COVERAGE = 0.5
MAX_TEAMS = 200  # more distinct values than this are people, not teams
SHARED_CASES = 0.9  # an account in this share of cases is no person: a system account
SHARED_MIN_CASES = 50
OPENS_MOST = 0.5  # an opener does the first event of at least this share of cases...
OPENER_LIFT = 1.5  # ...and this many times more often than its share of events would give
REQUESTER_CASES = 3  # a crowd of people who each take part in this few cases: the customers themselves
CUSTOMER_CROWD = 100
MIN_PEOPLE = 5  # fewer distinct resources than this tell nothing about who they are (anonymised)


@dataclass(frozen=True)
class Events:
    """The frame sorted by (case, time), with each case's first event flagged."""

    frame: pd.DataFrame
    first: np.ndarray
    cases: int

    @property
    def n(self) -> int:
        return len(self.frame)


@dataclass(frozen=True)
class Actor:
    """One role or team value, or one class of resources, and what its events show."""

    column: str  # "role", "attr:<name>" or "resource"
    values: tuple[str, ...]
    events: int
    cases: int
    openings: int  # cases whose first event it does
    people: int  # distinct resources among its events
    cases_per_person: float  # median cases per such resource (0: none)


@dataclass(frozen=True)
class Opening:
    """The actor that opens most cases, and the activity its openings mostly are."""

    actor: Actor | None  # None: the opening events have no role, team or resource at all
    share: float  # of the cases it opens
    activity: str
    activity_share: float  # of that activity's events this actor does


def prepare(frame: pd.DataFrame, team_columns: list[str]) -> Events:
    """Sorted by case and time (stable: the file's order breaks ties); placeholder values such as
    'EMPTY' or '?' in role and team columns become missing."""
    frame = frame.sort_values(["case_id", "timestamp"], kind="stable").reset_index(drop=True)
    for column in ["role", *team_columns]:
        frame[column] = _without_placeholders(frame[column])
    frame["resource"] = frame["resource"].where(frame["resource"].notna() & (frame["resource"] != ""), None)
    case = frame["case_id"].to_numpy()
    first = np.ones(len(frame), dtype=bool)
    first[1:] = case[1:] != case[:-1]
    return Events(frame=frame, first=first, cases=int(first.sum()))


def _without_placeholders(values: pd.Series) -> pd.Series:
    distinct = pd.unique(values.dropna())
    placeholders = [v for v in distinct if is_null_like(v)]
    return values.where(~values.isin(placeholders) & values.notna(), None).astype(object)


def actor_column(events: Events, team_columns: list[str]) -> str:
    """The mapped role if events carry one; else the first team-like attribute that covers most
    events with a handful of values; else the resource ("none" when there is none either)."""
    frame = events.frame
    if events.n and frame["role"].notna().mean() >= ROLE_COVERAGE:
        return "role"
    for column in team_columns:
        values = frame[column]
        if events.n and values.notna().mean() >= TEAM_COVERAGE and 2 <= values.nunique() <= MAX_TEAMS:
            return column
    return "resource" if frame["resource"].notna().any() else "none"


def actors_by_value(events: Events, column: str) -> list[Actor]:
    """One actor per distinct value of the column (a role or team), most events first."""
    frame = events.frame
    if not frame[column].notna().any():
        return []
    keyed = frame.assign(first=events.first)
    groups = keyed.groupby(column, sort=False)
    figures = pd.DataFrame({"events": groups.size(), "cases": groups["case_id"].nunique(),
                            "openings": groups["first"].sum()})
    per_person = keyed.dropna(subset=["resource"]).groupby([column, "resource"], sort=False)["case_id"].nunique()
    people = per_person.groupby(level=0).agg(["size", "median"])
    figures = figures.join(people).fillna(0).sort_values("events", ascending=False, kind="stable")
    return [Actor(column=column, values=(str(value),), events=int(row.events), cases=int(row.cases),
                  openings=int(row.openings), people=int(row["size"]), cases_per_person=float(row["median"]))
            for value, row in figures.iterrows()]


def merged(events: Events, column: str, values: list[str]) -> Actor:
    """One actor for a class of values (e.g. all system accounts), figures counted over its events."""
    mask = events.frame[column].isin(values).to_numpy()
    frame = events.frame[mask]
    per_person = frame.dropna(subset=["resource"]).groupby("resource")["case_id"].nunique()
    return Actor(column=column, values=tuple(sorted(values)), events=int(mask.sum()),
                 cases=int(frame["case_id"].nunique()), openings=int(events.first[mask].sum()),
                 people=len(per_person), cases_per_person=float(per_person.median()) if len(per_person) else 0.0)


def shared_accounts(events: Events) -> set[str]:
    """Resources that take part in nearly every case of a sizeable log: no person does that."""
    frame = events.frame.dropna(subset=["resource"])
    if events.cases < SHARED_MIN_CASES or frame["resource"].nunique() < 3:
        return set()
    cases = frame.groupby("resource")["case_id"].nunique()
    return set(cases.index[cases >= SHARED_CASES * events.cases].astype(str))


def opening(events: Events, actors: list[Actor], residual: list[Actor]) -> Opening | None:
    """Who opens most cases, if they do so far more often than their share of the work would
    give: a role, team or class of accounts; or one of the residual actors (the people no rule
    names, or nobody: events with no role, team or resource), judged by the opening activity's
    share of the events, as the residual ones may do most of the work anyway."""
    if not events.n:
        return None
    column = next((a.column for a in actors + residual), "resource")
    frame = events.frame
    nobody = Actor(column=column, values=(), events=0, cases=0, openings=0, people=0, cases_per_person=0.0)
    masks = [(a, frame[column].isin(a.values).to_numpy(), False) for a in actors]
    masks += [(a, frame[column].isin(a.values).to_numpy(), True) for a in residual]
    masks.append((nobody, (frame[column].isna() & frame["resource"].isna()).to_numpy(), True))
    actor, mask, is_residual = max(masks, key=lambda m: int(events.first[m[1]].sum()))
    share = events.first[mask].sum() / events.cases
    if share < OPENS_MOST:
        return None
    activity = str(frame.loc[events.first & mask, "activity"].value_counts().index[0])
    of_activity = (frame["activity"] == activity).to_numpy()
    work = (of_activity & mask).sum() if is_residual else mask.sum()
    if share < OPENER_LIFT * work / events.n:
        return None
    return Opening(actor=None if actor is nobody else actor, share=float(share), activity=activity,
                   activity_share=float((of_activity & mask).sum() / of_activity.sum()))


def is_requester(actor: Actor, *, by_focus: bool) -> bool:
    """Whether the actor opening the cases is the customer: a crowd of people who each take part
    in a few cases of their own; or, where no people are recorded to tell by (`by_focus`), an
    actor that does little but open cases. A handful of people opening cases are staff."""
    if actor.people >= CUSTOMER_CROWD:
        return actor.cases_per_person <= REQUESTER_CASES
    return by_focus and actor.people < MIN_PEOPLE and actor.openings >= OPENS_MOST * actor.events
