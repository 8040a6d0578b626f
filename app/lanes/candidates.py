"""Candidate rules and the signals behind them: actors named by the vocabulary, system accounts,
who opens the cases, the sources' system kinds, pm4py's roles. Pure."""

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from app.lanes import actors as who
from app.lanes.schemas import LANE_ORDER, Lane, LaneRule, RuleMatch
from app.lanes.vocabulary import MARKER_REASON, SYSTEM_REASON, classify
from app.mining.roles import OrganisationalRole

NAME_WEIGHT = 0.6
SYSTEM_NAME_WEIGHT = 0.7
SHARED_WEIGHT = 0.5
STAFF_OPENER_WEIGHT = 0.3
SYSTEM_KIND_WEIGHT = 0.2
PM4PY_WEIGHT = 0.1
PM4PY_AGREEMENT = 0.5  # share of the actor's events in pm4py roles made of its own people
PM4PY_OWN = 0.8  # a pm4py role is "its own" when this share of the role's work is by its people
WHOLE_ACTIVITY = 0.95  # an opening activity this much done by the opener needs no condition on who
MOSTLY = 0.5  # a rule on the activity alone must catch mostly the opener's events
MAX_LISTED = 60  # names in one alternation; a longer list is no class anyone reads
SYSTEM_KIND_LANES = {"crm": Lane.frontstage, "ticketing": Lane.frontstage, "ops": Lane.backstage}
SYSTEM_KIND_WHY = {Lane.frontstage: "where staff mostly deal with the customer",
                   Lane.backstage: "where work is mostly done out of the customer's sight"}
_RE_SPECIAL = set("\\.+*?()|[]{}^$")


@dataclass(frozen=True)
class Signal:
    kind: str  # name, opener, shared_account, system_kind, pm4py_roles, default
    lane: Lane
    weight: float
    clause: str  # a verb phrase about the subject, for the reason


@dataclass(frozen=True)
class Candidate:
    """A possible rule: what it matches, whom it is about, and the signals for its lane."""

    match: RuleMatch | None  # None: an actor no rule can name (people listed one by one)
    subject: str  # "The role 'budget owner'"
    signals: tuple[Signal, ...] = ()
    actor: who.Actor | None = None

    def support(self, lane: Lane) -> float:
        return 1 - float(np.prod([1 - s.weight for s in self.signals if s.lane == lane]))

    @property
    def lane(self) -> Lane:
        return max(LANE_ORDER, key=lambda lane: (self.support(lane), -LANE_ORDER.index(lane)))

    @property
    def confidence(self) -> float:
        against = max((self.support(lane) for lane in LANE_ORDER if lane != self.lane), default=0.0)
        return round(self.support(self.lane) * (1 - against), 2)

    @property
    def reason(self) -> str:
        """One sentence: the subject, what speaks for its lane, and what speaks against it."""
        lane = self.lane
        backing = sorted((s for s in self.signals if s.lane == lane), key=lambda s: -s.weight)
        against = sorted((s for s in self.signals if s.lane != lane), key=lambda s: -s.weight)
        clauses = [s.clause for s in backing]
        text = f"{self.subject} " + (", ".join(clauses[:-1]) + " and " if len(clauses) > 1 else "") + clauses[-1]
        return text + (f", though it {against[0].clause}" if against else "") + "."

    def rule(self) -> LaneRule:
        return LaneRule(lane=self.lane, match=self.match)

    def with_signal(self, signal: Signal) -> "Candidate":
        return self.with_signals((signal,))

    def with_signals(self, signals: tuple[Signal, ...]) -> "Candidate":
        return replace(self, signals=self.signals + signals) if signals else self


def exact_alternation(values: list[str]) -> str:
    """`^(a|b)$` with only the metacharacters escaped: a pattern RE2 and Python read alike."""
    escaped = ["".join("\\" + ch if ch in _RE_SPECIAL else ch for ch in v) for v in sorted(values)]
    return "^(" + "|".join(escaped) + ")$"


def _quoted(values: tuple[str, ...]) -> str:
    shown = [f"'{v}'" for v in values[:3]]
    if len(values) > 3:
        return ", ".join(shown) + f" and {len(values) - 3} more"
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def value_candidates(events: who.Events, column: str) -> list[Candidate]:
    """One candidate per role or team value; its name's signal where the vocabulary knows it."""
    out = []
    for actor in who.actors_by_value(events, column):
        value = actor.values[0]
        if column == "role":
            match, subject = RuleMatch(role=value), f"The role '{value}'"
        else:
            match, subject = RuleMatch(attribute={column.removeprefix("attr:"): value}), f"The team '{value}'"
        term = classify(value)
        signals = (Signal("name", term.lane, _name_weight(term.lane), term.reason),) if term else ()
        out.append(Candidate(match=match, subject=subject, signals=signals, actor=actor))
    return out


def _name_weight(lane: Lane) -> float:
    return SYSTEM_NAME_WEIGHT if lane == Lane.support else NAME_WEIGHT


def resource_candidates(events: who.Events) -> list[Candidate]:
    """Resources by class: named systems and markers, shared accounts, accounts named after a
    lane; everyone else is one class of people (which no rule lists name by name)."""
    frame = events.frame
    shared = who.shared_accounts(events)
    groups: dict[tuple, list[str]] = {}
    for name in pd.unique(frame["resource"].dropna()):
        term = classify(str(name))
        if term and term.lane == Lane.support:
            key = ("name", term.lane, term.reason)
        elif str(name) in shared:
            key = ("shared_account", Lane.support, "takes part in nearly every case")
        elif term:
            key = ("name", term.lane, term.reason)
        else:
            key = ("people",)
        groups.setdefault(key, []).append(str(name))
    return [_resource_class(events, key, names) for key, names in groups.items()]


def _resource_class(events: who.Events, key: tuple, names: list[str]) -> Candidate:
    actor = who.merged(events, "resource", names)
    if key == ("people",) or len(names) > MAX_LISTED:  # no rule lists people one by one
        return Candidate(match=None, subject=f"The {len(names)} other resources", actor=actor)
    kind, lane, clause = key
    if kind == "shared_account":
        clause = f"takes part in {actor.cases / events.cases:.0%} of cases (no person does that)"
    weight = SHARED_WEIGHT if kind == "shared_account" else _name_weight(lane)
    return Candidate(match=_resource_match(actor.values), subject=_resource_subject(actor.values),
                     signals=(Signal(kind, lane, weight, clause),), actor=actor)


def _resource_match(names: tuple[str, ...]) -> RuleMatch:
    return RuleMatch(resource=names[0]) if len(names) == 1 else RuleMatch(resource_regex=exact_alternation(
        list(names)))


def _resource_subject(names: tuple[str, ...]) -> str:
    return f"The resource '{names[0]}'" if len(names) == 1 else f"Each of the resources {_quoted(names)}"


def system_account_candidates(events: who.Events) -> list[Candidate]:
    """Where rules are made on roles or teams: the accounts named as systems (or case markers),
    for the events no role or team rule catches."""
    names = [str(n) for n in pd.unique(events.frame["resource"].dropna())]
    systems = sorted(n for n in names if (t := classify(n)) and t.lane == Lane.support and t.reason !=
                     MARKER_REASON)
    markers = sorted(n for n in names if (t := classify(n)) and t.reason == MARKER_REASON)
    out = []
    for found, reason in ((systems, SYSTEM_REASON), (markers, MARKER_REASON)):
        if found and len(found) <= MAX_LISTED:
            out.append(Candidate(match=_resource_match(tuple(found)), subject=_resource_subject(tuple(found)),
                                 signals=(Signal("name", Lane.support, SYSTEM_NAME_WEIGHT, reason),)))
    return out


def opening_candidates(opened: who.Opening | None, classes: list[Candidate]) \
        -> tuple[list[Candidate], list[Candidate]]:
    """What the cases' opener says: rules for the opening activity (to go first), and the
    classes with the opener's signal added; classes without any signal or match are dropped."""
    first: list[Candidate] = []
    if opened is not None:
        index = next((i for i, c in enumerate(classes) if c.actor == opened.actor), None)
        opener = classes[index] if index is not None else None
        added, changed = _opener(opened, opener)
        first += added
        if changed is not None and index is not None:
            classes = classes[:index] + [changed] + classes[index + 1:]
    return first, [c for c in classes if c.signals and c.match is not None]


def _opener(opened: who.Opening, opener: Candidate | None) -> tuple[list[Candidate], Candidate | None]:
    share = f"{opened.share:.0%}"
    weight = 0.3 + 0.3 * (opened.share - who.OPENS_MOST) / (1 - who.OPENS_MOST)
    if opener is None:  # nobody recorded on the opening events
        return _opening_activity(opened, None, Lane.customer, weight,
                                  f"opens {share} of cases with no one recorded doing it, so it is most "
                                  "likely the customer's own request"), None
    named = opener.lane if opener.signals else None
    asks = f"does the first event of {share} of cases (as the one who asks for the service does)"
    if named == Lane.customer:
        return [], opener.with_signal(Signal("opener", Lane.customer, weight, asks))
    if named == Lane.support and opener.signals[0].clause == MARKER_REASON:
        return [], None  # a case's start marker opens every case and says nothing
    if named == Lane.support:
        return _opening_activity(opened, opener, Lane.customer, weight,
                                  f"opens {share} of cases and is recorded by a system account, so it is the "
                                  "customer's request as a system takes it in"), None
    if named is not None:  # staff by name: they take the customer's request, the name says how
        return [], None
    if who.is_requester(opened.actor, by_focus=opener.match is not None):
        if opener.match is not None:
            return [], opener.with_signal(Signal("opener", Lane.customer, weight, asks))
        return _opening_activity(opened, None, Lane.customer, weight,
                                  f"opens {share} of cases, done by people who each take part in a few cases "
                                  "of their own: the customers"), None
    return _opening_activity(opened, opener, Lane.frontstage, STAFF_OPENER_WEIGHT,
                              f"opens {share} of cases, done by staff who each work on many cases, so it is "
                              "where staff take in the customer's request"), None


def _opening_activity(opened: who.Opening, opener: Candidate | None, lane: Lane, weight: float,
                      clause: str) -> list[Candidate]:
    """A rule for the opening activity; on the opener too where others also do that activity and
    the opener can be named in a rule. None where the rule would catch mostly others' events."""
    match, subject = RuleMatch(activity=opened.activity), f"The activity '{opened.activity}'"
    if opened.activity_share < WHOLE_ACTIVITY:
        if opener is None or opener.match is None:
            if opened.activity_share < MOSTLY:
                return []
        else:
            match = RuleMatch(**match.model_dump(exclude_none=True), **opener.match.model_dump(exclude_none=True))
            subject += " by the " + opener.subject.removeprefix("The ").removeprefix("Each of the ")
    return [Candidate(match=match, subject=subject, signals=(Signal("opener", lane, weight, clause),))]


def source_candidates(frame: pd.DataFrame, caught: np.ndarray, default: Lane) -> list[Candidate]:
    """Weak evidence for events no actor rule catches: the source's system kind, where its lane
    differs from the default's."""
    rest = frame.loc[caught < 0, ["source", "system"]].drop_duplicates()
    out = []
    for source, system in rest.itertuples(index=False):
        lane = SYSTEM_KIND_LANES.get(system)
        if lane is not None and lane != default:
            out.append(Candidate(match=RuleMatch(source=source), subject=f"The source '{source}'",
                                 signals=(Signal("system_kind", lane, SYSTEM_KIND_WEIGHT,
                                                 f"is a {system} system, {SYSTEM_KIND_WHY[lane]}"),)))
    return out


def pm4py_signal(events: who.Events, candidate: Candidate, roles: list[OrganisationalRole]) -> tuple[Signal, ...]:
    """Support, never a reason on its own: pm4py groups the actor's activities by its own people."""
    if not roles or not candidate.signals or candidate.actor is None or not candidate.actor.people:
        return ()
    frame = events.frame
    mine = frame[candidate.actor.column].isin(candidate.actor.values).to_numpy()
    people = set(frame.loc[mine, "resource"].dropna())
    own = {a for r in roles for a in r.activities
           if sum(n for res, n in r.resources if res in people) >= PM4PY_OWN * sum(n for _, n in r.resources)}
    agreement = frame.loc[mine, "activity"].isin(own).mean()
    if agreement < PM4PY_AGREEMENT:
        return ()
    return (Signal("pm4py_roles", candidate.lane, PM4PY_WEIGHT,
                   "forms a role of its own in pm4py's role discovery too"),)
