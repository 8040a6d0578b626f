"""Lane suggestions, pure: rules on roles, teams and system accounts (never on people), names as
whole words, who opens the cases, evidence counted as the rules run, and nothing left unmapped."""

import pandas as pd
import pytest

from app.lanes.candidates import PM4PY_WEIGHT
from app.lanes.rules import assign_lanes
from app.lanes.schemas import Lane
from app.lanes.suggest import suggest_lanes
from app.mining.roles import OrganisationalRole

COLUMNS = ["case_id", "activity", "timestamp", "resource", "role", "source", "system"]


def frame(cases: list[list[tuple]], *, source: str = "src", system: str = "other", **attrs: list) -> pd.DataFrame:
    """Events from cases of (activity, resource, role) steps, a minute apart, in case order."""
    rows = [(f"c{i}", act, i * 10_000 + j * 60_000_000, res, role, source, system)
            for i, steps in enumerate(cases) for j, (act, res, role) in enumerate(steps)]
    out = pd.DataFrame(rows, columns=COLUMNS).astype(object)
    for name, values in attrs.items():
        out[f"attr:{name.replace('_', ' ')}"] = pd.Series(values, dtype=object)
    return out.where(out.notna(), None)


def by_match(result) -> dict[str, object]:
    return {str(s.rule.match.model_dump(exclude_none=True)): s for s in result.rules}


def lanes_after_all(result, events: pd.DataFrame) -> pd.Series:
    """Each event's lane when the suggested `lanes` are taken as a whole."""
    return assign_lanes(events, result.lane_rules())["lane"]


def reimbursement() -> pd.DataFrame:
    """A travel-expense log as in the reimbursement process: the employee submits (first event),
    a supervisor or budget owner approves, administration checks, the system pays. `MISSING` is
    the log's placeholder role. Every person is 'STAFF MEMBER', as in the published log."""
    cases = []
    for i in range(40):
        steps = [("Declaration SUBMITTED by EMPLOYEE", "STAFF MEMBER", "EMPLOYEE")]
        approver = "BUDGET OWNER" if i % 4 == 0 else "SUPERVISOR"
        steps.append((f"Declaration APPROVED by {approver}", "STAFF MEMBER", approver))
        if i % 5 == 0:
            steps.append(("Declaration REJECTED by ADMINISTRATION", "STAFF MEMBER", "ADMINISTRATION"))
            steps.append(("Declaration SUBMITTED by EMPLOYEE", "STAFF MEMBER", "EMPLOYEE"))
        steps += [("Request Payment", "SYSTEM", "SYSTEM"), ("Payment Handled", "SYSTEM", "SYSTEM")]
        if i % 8 == 0:
            steps.append(("Declaration FOR_APPROVAL", "STAFF MEMBER", "MISSING"))
        cases.append(steps)
    return frame(cases)


def test_the_one_who_opens_most_cases_is_the_customer_and_approvers_are_backstage():
    events = reimbursement()
    got = suggest_lanes(events)
    assert got.actor == "role"
    lanes = {s.rule.match.role: s for s in got.rules}
    assert lanes["EMPLOYEE"].lane == Lane.customer
    assert [s.kind for s in lanes["EMPLOYEE"].signals] == ["opener"]
    # 40 submissions opening 40 cases, 8 resubmissions after a rejection.
    assert (lanes["EMPLOYEE"].evidence.events, lanes["EMPLOYEE"].evidence.cases) == (48, 40)
    assert lanes["EMPLOYEE"].reason == ("The role 'EMPLOYEE' does the first event of 100% of cases (as the one "
                                        "who asks for the service does).")
    assert lanes["BUDGET OWNER"].lane == lanes["SUPERVISOR"].lane == lanes["ADMINISTRATION"].lane == Lane.backstage
    assert lanes["BUDGET OWNER"].reason == ("The role 'BUDGET OWNER' names staff who approve out of the "
                                            "customer's sight.")
    assert lanes["SYSTEM"].lane == Lane.support and lanes["SYSTEM"].evidence.events == 80
    assert "MISSING" not in lanes  # a placeholder is no role: its 5 events go to the default
    assert (got.default.lane, got.default.evidence.events, got.default.evidence.cases) == (Lane.backstage, 5, 5)
    assert lanes_after_all(got, events).notna().all()


def test_rules_are_in_evaluation_order_and_their_evidence_adds_up_to_every_event():
    events = reimbursement()
    got = suggest_lanes(events)
    order = [s.lane for s in got.rules]
    assert order == sorted(order, key=list(Lane).index)  # customer, frontstage, backstage, support
    # 40 cases of submit, approve, two system steps; 8 rejected and resubmitted; 5 with a MISSING step.
    assert sum(s.evidence.events for s in got.rules) + got.default.evidence.events == len(events) == 181
    assert all(s.evidence.share == round(s.evidence.events / 181, 4) for s in got.rules)
    # What each rule says it catches is what it catches when the rules run in this order.
    ran = assign_lanes(events, got.lane_rules())["rule"].value_counts()
    assert [int(ran[i]) for i in range(len(got.rules))] == [s.evidence.events for s in got.rules]


def test_people_whose_names_hold_a_word_get_no_rule_and_pm4py_moves_nothing():
    """'Labib' holds 'lab', 'Padmini' 'admin': neither is a lab or an admin. pm4py grouping their
    12 events with a big activity moves nothing either."""
    staff = [f"P{n:03d}" for n in range(30)]
    cases = []
    for i in range(300):
        steps = [("Submit claim", None, None), ("Review claim", staff[i % 30], None)]
        if i < 6:
            steps += [("Check lab results", "Labib", None), ("Check lab results", "Padmini", None)]
        cases.append(steps)
    events = frame(cases)
    roles = [OrganisationalRole(activities=("Check lab results", "Review claim"),
                                resources=(("Labib", 6), ("Padmini", 6)))]
    got = suggest_lanes(events, roles)
    assert got.actor == "resource"
    matches = by_match(got)
    assert list(matches) == ["{'activity': 'Submit claim'}"]  # nobody recorded opens every case
    assert matches["{'activity': 'Submit claim'}"].lane == Lane.customer
    lanes = lanes_after_all(got, events)
    assert set(lanes[events["activity"] != "Submit claim"]) == {"backstage"}  # the default, by nobody's name


@pytest.mark.parametrize("role", ["lab technician", "LAB_TECH", "Lab-Technician", "labTech"])
def test_a_lab_named_as_a_word_is_backstage(role):
    events = frame([[("Order test", "dr.x", "doctor"), ("Run test", "t1", role)] for _ in range(10)])
    lanes = {s.rule.match.role: s.lane for s in suggest_lanes(events).rules}
    assert lanes[role] == Lane.backstage and lanes["doctor"] == Lane.frontstage


def test_system_accounts_go_to_support_as_one_class_never_one_rule_per_person():
    people = [f"user{n:02d}" for n in range(12)] + ["Labib", "Padmini"]
    systems = ["SYSTEM", "batch-runner", "auto_close", "mail.bot"]
    cases = [[("Open", people[i % 14], None), ("Work", people[(i + 3) % 14], None),
              ("Notify", systems[i % 4], None)] for i in range(40)]
    events = frame(cases)
    got = suggest_lanes(events)
    assert len(got.rules) == 2  # the system accounts, and the staff's opening activity
    systems_rule = next(s for s in got.rules if s.rule.match.resource_regex)
    assert systems_rule.rule.match.resource_regex == r"^(SYSTEM|auto_close|batch-runner|mail\.bot)$"
    assert (systems_rule.lane, systems_rule.evidence.events, systems_rule.evidence.cases) == (Lane.support, 40, 40)
    assert systems_rule.reason.startswith("Each of the resources 'SYSTEM', 'auto_close', 'batch-runner' and 1 more "
                                          "names a system")
    opened = next(s for s in got.rules if s.rule.match.activity)
    assert opened.rule.match.activity == "Open" and opened.lane == Lane.frontstage  # staff take the request
    re2 = pytest.importorskip("re2")
    for s in got.rules:
        if s.rule.match.resource_regex:
            re2.compile(s.rule.match.resource_regex)


def test_a_team_attribute_is_used_when_there_is_no_role():
    groups = ["Service Desk", "L1-Support", "Network Operations", "DBA"]
    cases = [[("Log incident", "u", None), ("Work", "v", None), ("Fix", "w", None)] for _ in range(8)]
    team = [group for i in range(8) for group in ("Service Desk", groups[1 + 2 * (i % 2)], "Network Operations")]
    events = frame(cases, Assignment_Group=team)
    got = suggest_lanes(events, team_columns=["attr:Assignment Group"])
    assert got.actor == "attr:Assignment Group"
    lanes = {s.rule.match.attribute["Assignment Group"]: s for s in got.rules if s.rule.match.attribute}
    assert lanes["Service Desk"].lane == lanes["L1-Support"].lane == Lane.frontstage
    assert lanes["Network Operations"].lane == Lane.backstage and "DBA" not in lanes
    assert lanes["Service Desk"].reason.startswith("The team 'Service Desk' names the team that answers the customer")
    assert sum(s.evidence.events for s in lanes.values()) == team.count("Service Desk") + team.count(
        "L1-Support") + team.count("Network Operations")
    # A role, where the events have one, comes first: the team is then left alone.
    with_roles = events.assign(role=["customer", "agent", "engineer"] * 8)
    assert suggest_lanes(with_roles, team_columns=["attr:Assignment Group"]).actor == "role"


def test_an_account_in_every_case_is_a_system_and_its_opening_step_the_customers_request():
    """As in BPIC 2012: resource '112' records every application (A_SUBMITTED) and the automatic
    steps after it; staff do the rest."""
    cases = [[("A_SUBMITTED", "112", None), ("A_PARTLYSUBMITTED", "112", None),
              ("W_Completeren aanvraag", f"10{i % 7}", None), ("O_SENT", f"10{(i + 1) % 7}", None)]
             for i in range(60)]
    got = suggest_lanes(frame(cases))
    first, account = got.rules
    assert (first.rule.match.activity, first.lane, first.evidence.events) == ("A_SUBMITTED", Lane.customer, 60)
    assert (account.rule.match.resource, account.lane, account.evidence.events) == ("112", Lane.support, 60)
    assert account.reason == "The resource '112' takes part in 100% of cases (no person does that)."


def test_a_crowd_of_people_who_each_open_their_own_case_are_the_customers():
    cases = [[("Apply", f"person{i}", None), ("Assess", f"staff{i % 4}", None)] for i in range(150)]
    opened = suggest_lanes(frame(cases)).rules[0]
    assert (opened.rule.match.activity, opened.lane) == ("Apply", Lane.customer)
    assert "the customers" in opened.reason


def test_confidence_adds_agreeing_signals_and_pm4py_only_supports():
    cases = [[("Place order", "cust", "customer"), ("Confirm", "ann", "agent"), ("Ship", "wh1", "R7")]
             for _ in range(20)]
    events = frame(cases)
    roles = [OrganisationalRole(activities=("Confirm",), resources=(("ann", 20),)),
             OrganisationalRole(activities=("Ship",), resources=(("wh1", 20),))]
    got = {s.rule.match.role: s for s in suggest_lanes(events, roles).rules}
    # customer: its name (0.6) and opening every case (0.6): 1 - 0.4 * 0.4.
    assert got["customer"].confidence == 0.84
    # agent: its name (0.6) and pm4py's role made of its own people (0.1): 1 - 0.4 * 0.9.
    assert got["agent"].confidence == round(1 - 0.4 * (1 - PM4PY_WEIGHT), 2) == 0.64
    assert "R7" not in got  # pm4py alone names no lane


def test_the_sources_system_kind_is_weak_evidence_for_what_nothing_else_explains():
    crm = frame([[("Call", "a", "R1"), ("Note", "b", "R2")] for _ in range(2)], source="crm", system="crm")
    ops = frame([[("Pick", "c", "R3")] for _ in range(10)], source="wms", system="ops")
    ops["case_id"] = ops["case_id"] + "-ops"
    got = suggest_lanes(pd.concat([crm, ops], ignore_index=True))
    (rule,) = got.rules
    assert (rule.rule.match.source, rule.lane, rule.confidence, rule.evidence.events) == (
        "crm", Lane.frontstage, 0.2, 4)
    assert (got.default.lane, got.default.evidence.events) == (Lane.backstage, 10)  # the ops system's
    ticketing = suggest_lanes(frame([[("Open", "a", None)]], system="ticketing"))
    assert (ticketing.rules, ticketing.default.lane, ticketing.default.confidence) == ((), Lane.frontstage, 0.2)


def test_no_events_no_rules_and_a_default():
    got = suggest_lanes(frame([]))
    assert got.rules == () and got.default.lane == Lane.backstage and got.default.evidence.events == 0
    assert got.lane_rules().default == Lane.backstage


def test_staff_opening_cases_put_only_their_opening_step_frontstage_named_with_them():
    """As in Sepsis: group A registers 9 of 10 patients, then puts in IV drips; L registers the rest."""
    cases = [[("ER Registration", None, "A" if i < 9 else "L"), ("IV Liquid", None, "A"), ("CRP", None, "B"),
              ("Leucocytes", None, "B")] for i in range(10)]
    got = suggest_lanes(frame(cases))
    (opened,) = got.rules
    assert opened.rule.match.model_dump(exclude_none=True) == {"activity": "ER Registration", "role": "A"}
    assert (opened.lane, opened.confidence, opened.evidence.events) == (Lane.frontstage, 0.3, 9)
    assert opened.reason.startswith("The activity 'ER Registration' by the role 'A' opens 90% of cases")


def test_a_tools_start_and_end_markers_are_support_and_open_nothing():
    cases = [[("Start", "Start", None), ("Turning", f"ID{i % 6}", None), ("End", "End", None)] for i in range(60)]
    (markers,) = suggest_lanes(frame(cases)).rules
    assert markers.rule.match.resource_regex == "^(End|Start)$" and markers.lane == Lane.support
    assert markers.evidence.events == 120


def test_an_opening_step_mostly_done_by_others_gets_no_rule_of_its_own():
    # Nobody is recorded on 30 case openings, but 'Submit' is mostly staff's (60 resubmissions).
    cases = [[("Submit", None, None), ("Check", "s1", None)] + [("Submit", f"s{i % 3}", None)] * 2
             for i in range(30)]
    assert suggest_lanes(frame(cases)).rules == ()
