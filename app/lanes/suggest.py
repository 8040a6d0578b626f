"""Suggested lane rules, each with its evidence, confidence and a one-sentence reason. Pure: a
pandas frame (case_id, activity, timestamp, resource, role, source, system, attr:<team>) and
pm4py's organisational roles in, frozen dataclasses out.

Rules are made on who does the work: the role, else a team attribute, else classes of resources
(systems, shared accounts, accounts named after a lane), never one rule per person. The signals
and their weights (the chance, on its own, that the lane is right):
  name            a role, team or account whose name the vocabulary knows    0.6 (systems 0.7)
  opener          who does the first event of most cases                     0.3 .. 0.6
  shared_account  an account in nearly every case: no person does that      0.5
  system_kind     the source's kind (crm, ticketing: frontstage; ops)        0.2
  pm4py_roles     pm4py groups the actor's people with these activities      0.1, never alone
A suggestion's confidence is 1 - prod(1 - w) over the signals for its lane, times one minus the
same over the signals for the strongest other lane. The default lane catches the rest."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from app.lanes import actors as who
from app.lanes.assign import KIND
from app.lanes.candidates import (
    SYSTEM_KIND_LANES,
    SYSTEM_KIND_WEIGHT,
    SYSTEM_KIND_WHY,
    Candidate,
    Signal,
    opening_candidates,
    pm4py_signal,
    resource_candidates,
    source_candidates,
    system_account_candidates,
    value_candidates,
)
from app.lanes.rules import assign_lanes
from app.lanes.schemas import LANE_ORDER, Lane, LaneRule, LaneRules
from app.mining.roles import OrganisationalRole

NO_EVIDENCE_WEIGHT = 0.1


@dataclass(frozen=True)
class Evidence:
    """What the rule catches when all the rules are taken in order."""

    events: int
    cases: int
    share: float  # of the blueprint's events


@dataclass(frozen=True)
class Suggestion:
    rule: LaneRule | None  # None: the default lane's entry
    lane: Lane
    reason: str
    confidence: float
    evidence: Evidence
    signals: tuple[Signal, ...]


@dataclass(frozen=True)
class LaneSuggestions:
    rules: tuple[Suggestion, ...]  # in evaluation order: first match wins
    default: Suggestion
    actor: str  # what the rules are built on: role, attr:<name>, resource, or none

    def lane_rules(self) -> LaneRules:
        """All of it, ready for a blueprint's `lanes`: nothing is left unmapped."""
        return LaneRules(rules=[s.rule for s in self.rules if s.rule is not None], default=self.default.lane)


def suggest_lanes(frame: pd.DataFrame, roles: list[OrganisationalRole] | None = None, *,
                  team_columns: list[str] | None = None) -> LaneSuggestions:
    """Lane rules for these events. `team_columns` are the frame's team-like `attr:` columns, the
    likeliest first; they are used only where the events carry no role."""
    teams = [c for c in team_columns or [] if c in frame]
    events = who.prepare(frame, teams)
    column = who.actor_column(events, teams)
    counter = Counter(events)
    made = candidates(events, column, roles or [])
    caught = counter.rule_of_event([c.rule() for c in made])
    default, weight, why = default_lane(events.frame, caught)
    made += source_candidates(events.frame, caught, default)
    rule = counter.rule_of_event([c.rule() for c in made])
    rules = tuple(Suggestion(rule=c.rule(), lane=c.lane, reason=c.reason, confidence=c.confidence,
                             evidence=counter.evidence(rule, i), signals=c.signals)
                  for i, c in enumerate(made) if (rule == i).any())
    rest = Suggestion(rule=None, lane=default, reason=f"Every event no rule above matches {why}.",
                      confidence=weight, evidence=counter.evidence(rule, -1),
                      signals=(Signal("default", default, weight, why),))
    return LaneSuggestions(rules=rules, default=rest, actor=column)


def candidates(events: who.Events, column: str, roles: list[OrganisationalRole]) -> list[Candidate]:
    """Rules from who does the work, in evaluation order: the opening activity's first, then
    the actors by lane and size, then (beside roles or teams) the accounts named as systems."""
    if column == "none":
        classes: list[Candidate] = []
    else:
        classes = resource_candidates(events) if column == "resource" else value_candidates(events, column)
    opened = who.opening(events, [c.actor for c in classes if c.actor is not None and c.match is not None],
                         [c.actor for c in classes if c.actor is not None and c.match is None])
    first, classes = opening_candidates(opened, classes)
    ordered = first + sorted(classes, key=lambda c: (LANE_ORDER.index(c.lane), -c.actor.events))
    if column not in ("resource", "none"):
        ordered += system_account_candidates(events)
    return [c.with_signals(pm4py_signal(events, c, roles)) for c in ordered]


def default_lane(frame: pd.DataFrame, caught: np.ndarray) -> tuple[Lane, float, str]:
    """The lane of the events no rule catches: their sources' kind where most of them say one,
    else the backstage (work in the organisation's systems, no sign the customer sees it)."""
    rest = frame.loc[caught < 0, "system"]
    lanes = rest.map(SYSTEM_KIND_LANES).dropna()
    if len(rest) and len(lanes) > len(rest) / 2:
        lane = Lane(lanes.value_counts().idxmax())
        kinds = sorted(rest[lanes.index[lanes == lane]].unique())
        return lane, SYSTEM_KIND_WEIGHT, (f"goes to the {lane.value}, as most of them come from "
                                          f"{' and '.join(kinds)} systems, {SYSTEM_KIND_WHY[lane]}")
    return Lane.backstage, NO_EVIDENCE_WEIGHT, ("goes to the backstage: it is work recorded in the organisation's "
                                               "systems with no sign that the customer sees it")


class Counter:
    """Runs rules over the distinct kinds of event (as the feed does) and counts what each catches."""

    def __init__(self, events: who.Events) -> None:
        frame = events.frame
        columns = KIND + sorted(c for c in frame.columns if c.startswith("attr:"))
        self.kind = frame.groupby(columns, dropna=False, sort=False).ngroup().to_numpy()
        _, first = np.unique(self.kind, return_index=True)
        self.kinds = frame.iloc[first][columns].reset_index(drop=True).astype(object)
        self.kinds = self.kinds.where(self.kinds.notna(), None)
        self.case = pd.factorize(frame["case_id"])[0]
        self.n = len(frame)

    def rule_of_event(self, rules: list[LaneRule]) -> np.ndarray:
        """The index of the rule each event meets first (-1: none)."""
        if not self.n:
            return np.zeros(0, dtype=np.int64)
        return assign_lanes(self.kinds, LaneRules(rules=rules))["rule"].to_numpy()[self.kind]

    def evidence(self, rule: np.ndarray, index: int) -> Evidence:
        caught = rule == index
        events = int(caught.sum())
        return Evidence(events=events, cases=int(np.unique(self.case[caught]).size),
                        share=round(events / self.n, 4) if self.n else 0.0)
