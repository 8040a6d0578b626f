"""What names of roles, teams and accounts say about lanes: one table, matched by whole tokens.

A name is split into tokens (`budget_owner`, `BUDGET OWNER`, `L1-Support`, `SupportAgent`,
`admin1`) and the table's terms are matched as whole tokens or token sequences, never as
substrings: 'Padmini' holds no 'admin' and 'Labib' no 'lab'. Where several terms match, the
longest wins (`lab technician` over `technician`), then the rightmost, the head of an English
compound (`support agent` is an agent, `notification service` a notification service)."""

import re
from dataclasses import dataclass

from app.lanes.schemas import Lane


@dataclass(frozen=True)
class Term:
    """A word or phrase (as tokens), the lane it points to, and why, as a verb phrase."""

    words: tuple[str, ...]
    lane: Lane
    reason: str


SYSTEM_REASON = "names a system or an automated job rather than a person"
# (lane, the terms, one reason for all of them). Each term is matched as whole tokens.
_TABLE: tuple[tuple[Lane, str, str], ...] = (
    (Lane.customer, "customer, customers, client, clients, patient, citizen, consumer, applicant, requester, "
                    "requestor, submitter, claimant, guest, buyer, subscriber, passenger, student, traveller, "
                    "traveler, tenant, resident, visitor, caller, end user, policyholder",
     "names the person the service is for"),
    (Lane.frontstage, "customer service, client service, customer care, customer support, service desk, "
                      "help desk, helpdesk, front desk, front office, frontline, front line, call center, "
                      "call centre, contact center, contact centre, first line, 1st line, l 1, tier 1, level 1",
     "names the team that answers the customer directly"),
    (Lane.frontstage, "agent, agents, sales, salesperson, seller, advisor, adviser, clerk, cashier, teller, "
                      "receptionist, reception, concierge, representative, rep, consultant, account manager, "
                      "support, care",
     "names staff who deal with the customer"),
    (Lane.frontstage, "nurse, nurses, doctor, physician, technician, technicians, tech, driver, "
                      "field service, field engineer, field technician, installer",
     "names staff who serve the customer in person"),
    (Lane.frontstage, "mailer, notifier, notification, notifications, notify, sms, messaging, messenger, "
                      "newsletter, reminder, reminders, chatbot, chat bot, ivr",
     "names a service that sends the customer messages: a digital touchpoint the customer meets"),
    (Lane.support, "courier, couriers, carrier, delivery service, parcel service, postal service, post office, "
                   "supplier, suppliers, vendor, subcontractor, contractor, third party, 3pl, partner",
     "names a supplier outside the organisation that supports the service"),
    (Lane.backstage, "back office, back end, backoffice, second line, 2nd line, third line, 3rd line, l 2, l 3, "
                     "tier 2, tier 3, level 2, level 3",
     "names a team that works behind the front line"),
    (Lane.backstage, "approver, approval, supervisor, manager, director, budget owner, owner, board, committee, "
                     "management, controller, reviewer, assessor, underwriter, underwriting",
     "names staff who approve out of the customer's sight"),
    (Lane.backstage, "admin, administrator, administration, office, finance, accounting, accountant, billing, "
                     "payroll, audit, auditor, legal, compliance, procurement, purchasing, hr",
     "names administrative staff who work out of the customer's sight"),
    (Lane.backstage, "analyst, planner, planning, dispatcher, dispatch, warehouse, logistics, lab, laboratory, "
                     "lab technician, lab tech, engineer, engineering, developer, development, operations, ops, "
                     "specialist, expert",
     "names specialists who work out of the customer's sight"),
    (Lane.support, "system, systems, bot, robot, rpa, batch, auto, automatic, automated, automation, api, "
                   "scheduler, cron, job, daemon, integration, interface, server, script, workflow engine, "
                   "service account",
     SYSTEM_REASON),
)

# Values that say "nobody recorded": they are no role, team or account of their own.
NULL_LIKE = frozenset({"", "empty", "none", "null", "nan", "na", "n/a", "unknown", "undefined", "missing",
                       "?", "-", "--", "not set", "unassigned"})
# Whole names that mark where a case starts or ends (added by log converters), done by nobody.
MARKERS = frozenset({("start",), ("end",), ("begin",), ("finish",), ("stop",)})
MARKER_REASON = "marks where a case starts or ends (a step a tool added, which no one does)"
# Attribute names that hold a team: the better tier first.
_TEAM_WORDS = ({"group", "team", "queue", "workgroup", "squad"}, {"department", "dept", "division", "unit",
                                                                  "section"})

_SPLIT = re.compile(r"[\W_]+")
# camelCase and letter/digit boundaries: SupportAgent -> Support Agent, HTTPServer -> HTTP Server, L1 -> L 1
_BOUNDARY = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def tokens(name: str) -> tuple[str, ...]:
    """The name's words, lower case: split at punctuation, spaces, camelCase and digits."""
    out: list[str] = []
    for part in _SPLIT.split(name):
        out += [t.casefold() for t in _BOUNDARY.split(part) if t]
    return tuple(out)


def _terms() -> tuple[Term, ...]:
    terms = []
    for lane, words, reason in _TABLE:
        for phrase in words.split(","):
            terms.append(Term(words=tokens(phrase.strip()), lane=lane, reason=reason))
    return tuple(terms)


VOCABULARY = _terms()
_BY_FIRST: dict[str, list[Term]] = {}
for _term in VOCABULARY:
    _BY_FIRST.setdefault(_term.words[0], []).append(_term)


def is_null_like(value: object) -> bool:
    return value is None or str(value).strip().casefold() in NULL_LIKE


def classify(name: str) -> Term | None:
    """The table's term that names this role, team or account (None: the name says nothing)."""
    words = tokens(name)
    if words in MARKERS:
        return Term(words=words, lane=Lane.support, reason=MARKER_REASON)
    best: tuple[int, int] | None = None
    found: Term | None = None
    for i, word in enumerate(words):
        for term in _BY_FIRST.get(word, ()):
            if words[i:i + len(term.words)] == term.words and (best is None or (len(term.words), i) > best):
                best, found = (len(term.words), i), term
    return found


def team_attribute_candidates(names: list[str], limit: int = 3) -> list[str]:
    """Attribute names that hold a team or group (`org:group`, `Assignment Group`, `department`),
    the likeliest first; case-level attributes (`case:...`) after event-level ones."""
    ranked = []
    for name in set(names):
        words = set(tokens(name))
        tier = next((t for t, wanted in enumerate(_TEAM_WORDS) if words & wanted), None)
        if tier is not None:
            ranked.append((tier + (2 if name.startswith("case:") else 0), name))
    return [name for _, name in sorted(ranked)[:limit]]
