"""The insights, kind by kind: each on a small log built to contain it (found, with its numbers
counted by hand) and on one without it (not found). The logs run through the feed's pipeline
(tests/blueprint/insight_logs.py); times are in hours after 2024-01-01."""

import pytest

from tests.blueprint.insight_logs import H, feed_of, flow, ids, insights

HEAD = "case,activity,start,end,resource,role,thread,channel,evidence\n"


def log(*cases: list[str]) -> str:
    """Cases as lists of 'activity,start,end,resource,role[,thread,channel,evidence]', each case
    100 h after the one before."""
    def shift(hours: str, i: int) -> str:
        return "" if hours == "" else str(float(hours) + 100 * i)

    lines = []
    for i, events in enumerate(cases, start=1):
        for event in events:
            activity, start, end, *rest = event.split(",")
            lines.append(",".join([f"c{i}", activity, shift(start, i), shift(end, i), *rest] + [""] * (5 - len(rest))))
    return HEAD + "\n".join(lines)


# -- bottleneck ---------------------------------------------------------------------------------

def waiting_log(b_at: float, c_at: float) -> str:
    return log(*[[f"A,,0,clerk.{i},clerk", f"B,,{b_at},clerk.{i},clerk", f"C,,{c_at},clerk.{i},clerk"]
                 for i in range(5)])


def test_the_longest_wait_is_the_bottleneck_and_slower_than_assumed():
    feed = feed_of(waiting_log(1, 11), assumptions={"steps": {"C": {"assumed_s": H, "measure": "waiting"},
                                                              "B": {"assumed_s": H, "measure": "waiting"}}})
    found = insights(feed, "bottleneck")
    first, second = found[0], found[1]
    # Before C: 5 waits of 10 h = 50 h; before B: 5 of 1 h.
    assert first["steps"] == ids("C") and first["flows"] == [flow("B", "C")]
    assert first["numbers"]["median_s"] == 10 * H and first["numbers"]["waits"] == 5
    assert first["numbers"]["total_wait_days"] == pytest.approx(50 / 24)
    assert first["numbers"]["share_of_all_waiting"] == pytest.approx(50 / 55)
    assert first["cases"] == {"count": 5, "share": 1.0}
    assert first["summary"] == ("Cases wait a median 10.0 h (p90 10.0 h) before 'C', 2.1 days in all: the longest "
                                "wait of the service; mostly after 'B' (5 times, median 10.0 h, 2.1 days).")
    assert second["steps"] == ids("B") and second["numbers"]["total_wait_days"] == pytest.approx(5 / 24)
    slower = [i for i in found if "assumed_s" in i["numbers"]]
    assert len(slower) == 1  # B's 1 h is as assumed
    assert slower[0]["steps"] == ids("C")
    assert slower[0]["numbers"]["delta_ratio"] == pytest.approx(9.0)
    assert slower[0]["numbers"]["excess_days"] == pytest.approx(9 * H * 5 / 86400)
    assert "10.0 times as long, over 5 instances" in slower[0]["summary"]


def test_no_waiting_no_bottleneck():
    feed = feed_of(waiting_log(0, 0), assumptions={"steps": {"C": {"assumed_s": 0, "measure": "waiting"}}})
    assert insights(feed, "bottleneck") == []


# -- duplicated_work ----------------------------------------------------------------------------

def checks_log(second: str) -> str:
    both = ["Agent checks order,1,1.5,ann,agent,O", f"{second},3,4,dan,dispatcher,O", "Ship,5,5.5,kim,clerk,O"]
    return log(*[both] * 5, ["Agent checks order,1,1.5,ann,agent,O", "Ship,5,5.5,kim,clerk,O"])


def test_the_same_check_by_two_roles_on_one_object_is_duplicated_work():
    found = insights(feed_of(checks_log("Dispatcher re-checks order")), "duplicated_work")
    assert len(found) == 1
    check = found[0]
    assert check["steps"] == ids("Agent checks order", "Dispatcher re-checks order")
    # 6 orders checked by the agent, 5 of them again by a dispatcher 1.5 h after the agent's check
    # ended; the agent's 6 checks of 30 min, the dispatcher's 5 of 1 h.
    assert check["numbers"] == {"first_units": 6, "second_units": 5, "both_units": 5, "both_cases": 5,
                                "lag_median_s": 1.5 * H, "lag_p90_s": 1.5 * H, "first_hours": 3.0,
                                "second_hours": 5.0}
    assert check["cases"] == {"count": 5, "share": 5 / 6} and check["roles"] == ["agent", "dispatcher"]
    assert check["summary"] == ("'Dispatcher re-checks order' (dispatcher) does again what 'Agent checks order' "
                                "(agent) did, on 5 of 6 objects (the thread value both name), a median 1.5 h later: "
                                "5.0 dispatcher hours on top of 3.0 agent hours.")


def test_a_different_action_by_another_role_is_not_duplicated():
    assert insights(feed_of(checks_log("Dispatcher books order")), "duplicated_work") == []


def rework_log(repeat: bool) -> str:
    plain = ["A,,0,k,clerk", "B,,1,k,clerk", "C,,2,k,clerk"]
    again = plain + ["B,,3,k,clerk", "C,,4,k,clerk"] if repeat else plain
    return log(*[again] * 5, *[plain] * 5)


def test_steps_repeated_in_the_same_cases_are_one_rework_loop():
    found = insights(feed_of(rework_log(True)), "duplicated_work")
    assert len(found) == 1
    loop = found[0]
    assert loop["steps"] == ids("B", "C")
    assert loop["numbers"] == {"cases": 5, "case_share_of_step": 0.5, "extra_instances": 10}
    assert [row["numbers"] for row in loop["breakdown"]] == [{"extra_instances": 5, "cases": 5}] * 2
    assert loop["summary"] == "5 cases (50.0%) do 'B' and 'C' again: 10 extra instances in all."
    assert insights(feed_of(rework_log(False)), "duplicated_work") == []


def test_a_step_two_roles_share_is_named_with_their_shares():
    cases = [["A,,0,k,clerk", f"Pack,,1,p,{'clerk' if i < 6 else 'dispatcher'}"] for i in range(10)]
    found = insights(feed_of(log(*cases)), "duplicated_work")
    assert [(i["steps"], i["numbers"]) for i in found] == [
        (ids("Pack"), {"holders": 2, "first_share": 0.6, "second_share": 0.4, "instances": 10})]
    assert "'Pack' is done in 2 roles: clerk 60.0%, dispatcher 40.0%" in found[0]["summary"]
    one_role = [["A,,0,k,clerk", "Pack,,1,p,clerk"] for _ in range(10)]
    assert insights(feed_of(log(*one_role)), "duplicated_work") == []


# -- stuck_at_line ------------------------------------------------------------------------------

def line_log(last_wait_h: float) -> str:
    m10 = 10 / 60
    case = ["F1,,0,a,agent", f"B1,,{m10},k,clerk", f"F2,,{2 * m10},a,agent", f"B2,,{2 * m10 + last_wait_h},k,clerk"]
    return log(*[case] * 6)


def test_a_handoff_far_slower_than_its_line_is_stuck():
    found = insights(feed_of(line_log(5)), "stuck_at_line")
    # Across the line of visibility: per case 10 min, 10 min and 5 h; 18 waits, median 10 min.
    assert len(found) == 1
    stuck = found[0]
    assert stuck["flows"] == [flow("F2", "B2")] and stuck["handoffs"] == [
        {"by": "lane", "from": "frontstage", "to": "backstage"}]
    assert stuck["numbers"] == pytest.approx({"count": 6, "median_s": 5 * H, "p90_s": 5 * H, "line_median_s": 600,
                                              "ratio": 30.0, "excess_days": 6 * (5 * H - 600) / 86400})
    assert stuck["summary"] == ("Across the line of visibility, 'F2' (frontstage) -> 'B2' (backstage) waits a median "
                                "5.0 h, 30 times the line's median of 10 min (6 times in 6 cases).")


def test_handoffs_as_fast_as_their_line_are_not_stuck():
    assert insights(feed_of(line_log(10 / 60)), "stuck_at_line") == []


# -- automation_candidate -----------------------------------------------------------------------

def automation_log(check_minutes: list[int]) -> str:
    route = [5, 5, 5, 5, 5, 60, 60, 60, 60, 60]
    return log(*[["Order,,0,customer,customer", f"Check stock,1,{1 + check_minutes[i] / 60},clerk.{i % 2},clerk",
                  f"Plan route,2,{2 + route[i] / 60},clerk.{i % 3},clerk", "Auto-file,3,4,file-bot,robot"]
                 for i in range(10)])


def test_a_frequent_steady_step_few_people_do_is_an_automation_candidate():
    found = insights(feed_of(automation_log([10] * 10)), "automation_candidate")
    # Check stock: every case, 10 min each (p90/median 1.0), two clerks: 100 staff minutes. Plan
    # route varies (median 32.5 min, p90 60 min: 1.85); Auto-file is done by a system.
    assert [i["steps"] for i in found] == [ids("Check stock")]
    assert found[0]["numbers"] == pytest.approx({"instances": 10, "per_case": 1.0, "median_s": 600, "p90_s": 600,
                                                 "spread": 1.0, "resources": 2, "staff_hours": 10 / 6})
    assert found[0]["summary"] == ("'Check stock' (backstage) runs 1.00 times per case and takes a steady 10 min (p90 "
                                   "1.00 times the median), by 2 people: 1.7 staff hours a rule or a system could "
                                   "take over.")
    looser = feed_of(automation_log([10] * 10), insights={"automation_max_spread": 2})  # a threshold overridden
    # Plan route's 5.4 staff hours rank before Check stock's 1.7.
    assert [i["steps"] for i in insights(looser, "automation_candidate")] == [ids("Plan route"), ids("Check stock")]
    assert looser["insights"]["parameters"]["automation_max_spread"] == 2


def test_a_step_that_varies_is_no_automation_candidate():
    varied = [5, 5, 5, 5, 5, 30, 30, 30, 30, 30]
    assert insights(feed_of(automation_log(varied)), "automation_candidate") == []


# -- evidence_gap -------------------------------------------------------------------------------

PHASES = [{"name": "Order", "activities": ["Order", "Send confirmation"]},
          {"name": "Visit", "activities": ["Technician visits", "Sign"]}]


def phase_log(sign_evidence: str) -> str:
    case = ["Order,,0,customer,customer", "Send confirmation,,0.1,notify-bot,notifier,,email,confirmation",
            "Technician visits,24,25,tom,technician", f"Sign,,25.1,customer,customer,,,{sign_evidence}"]
    return log(*[case] * 5)


def test_a_customer_facing_phase_without_evidence_is_a_gap():
    found = insights(feed_of(phase_log(""), phases=PHASES), "evidence_gap")
    assert [(i["steps"], i["numbers"]) for i in found] == [
        (ids("Technician visits", "Sign"), {"customer_facing_steps": 2, "steps": 2, "cases": 5})]
    assert found[0]["summary"].startswith("Phase 'Visit' meets the customer in 2 steps ('Technician visits' and "
                                          "'Sign') and leaves no evidence")
    assert insights(feed_of(phase_log("report"), phases=PHASES), "evidence_gap") == []


def tracking_log(untracked: int) -> str:
    cases = []
    for i in range(20):
        case = ["Ship,,0,kim,clerk"]
        tracked = i >= untracked
        if tracked:
            case.append("Send tracking,,0.1,notify-bot,notifier,,sms,tracking sms")
        if (not tracked and i < 6) or (tracked and i >= 18):  # calls: 6 of the untracked, 2 of the tracked
            case.append("Call support,,20,customer,customer,,phone")
        case.append("Receive,,48,customer,customer,,,parcel")
        cases.append(case)
    return log(*cases)


def test_evidence_missing_after_the_step_it_usually_follows_is_a_gap_and_draws_contacts():
    found = [i for i in insights(feed_of(tracking_log(8)), "evidence_gap") if i["flows"]]
    # 20 shipments, 12 tracked: 8 without a tracking SMS; 6 of those 8 cases call, 2 of the 12 others.
    assert len(found) == 1
    gap = found[0]
    assert gap["flows"] == [flow("Ship", "Send tracking")]
    assert gap["numbers"] == pytest.approx({"units": 20, "missing": 8, "missing_share": 0.4, "cases_missing": 8,
                                            "contact_share_missing": 0.75, "contact_share_complete": 2 / 12})
    assert gap["summary"] == ("'Send tracking' usually follows 'Ship' but is missing after 8 of 20 (40.0%), in 8 "
                              "cases; 75.0% of those cases contact the service, against 16.7% where it came.")
    assert [i for i in insights(feed_of(tracking_log(0)), "evidence_gap") if i["flows"]] == []


# -- frontstage_wait ----------------------------------------------------------------------------

def test_the_longest_wait_for_the_frontstage_to_answer_ranks_first():
    case = ["Ask question,,0,customer,customer", "Check account,,1,kim,clerk", "Answer,,6,ann,agent",
            "Order,,10,customer,customer", f"Confirm order,,{10 + 1 / 60},notify-bot,notifier"]
    found = insights(feed_of(log(*[case] * 6)), "frontstage_wait")
    assert [(i["steps"], i["numbers"]["median_s"]) for i in found] == [
        (ids("Ask question", "Answer"), 6 * H), (ids("Order", "Confirm order"), 60)]
    assert found[0]["numbers"] == {"count": 6, "median_s": 6 * H, "p90_s": 6 * H, "unanswered": 0}
    assert found[0]["summary"] == ("After 'Ask question' the frontstage answers with 'Answer' a median 6.0 h later "
                                   "(p90 6.0 h, 6 times).")


def test_no_frontstage_no_frontstage_wait():
    case = ["Ask question,,0,customer,customer", "Check account,,1,kim,clerk"]
    assert insights(feed_of(log(*[case] * 6)), "frontstage_wait") == []


# -- fail_point ---------------------------------------------------------------------------------

def visits_log(failing: set[int]) -> str:
    cases = []
    for i in range(12):
        case = ["Book,,0,dan,dispatcher", "Visit,24,25,tom,technician"]
        if i in failing:
            case += ["Report no access,,25.2,tom,clerk", "Book,,26,dan,dispatcher", "Visit,72,73,tom,technician",
                     "Sign,,73.1,customer,customer"]
        else:
            case.append("Sign,,25.1,customer,customer")
        cases.append(case)
    return log(*cases)


def test_a_step_after_which_cases_go_back_is_a_fail_point_with_its_cost():
    found = insights(feed_of(visits_log({1, 3, 5, 7, 9})), "fail_point")
    assert len(found) == 1
    fail = found[0]
    # 17 visits, 5 followed by 'Report no access' in 5 of 12 cases; each case books and visits
    # again: the next visit starts 46.8 h after the report; 2 steps repeated per failed case;
    # 73.1 h from the booking to the signature against 25.1 h.
    assert fail["steps"] == ids("Visit", "Report no access") and fail["flows"] == [flow("Visit", "Report no access")]
    assert fail["numbers"] == pytest.approx({
        "failures": 5, "step_instances": 17, "failure_share": 5 / 17, "back_median_s": 46.8 * H,
        "back_p90_s": 46.8 * H, "extra_step_instances": 5, "repeated_after": 10,
        "duration_with_median_s": 73.1 * H, "duration_without_median_s": 25.1 * H})
    assert fail["cases"] == {"count": 5, "share": 5 / 12}
    assert fail["summary"] == ("After 'Visit', 5 of 17 (29.4%) fail ('Report no access' 5) in 5 cases (41.7%); they "
                               "do 'Visit' 5 more times, a median 1.9 days after the failure, and 10 steps in all are "
                               "done again; those cases last a median 3.0 days against 25.1 h.")


def test_cases_that_never_go_back_have_no_fail_point():
    assert insights(feed_of(visits_log(set())), "fail_point") == []


# -- wait_point ---------------------------------------------------------------------------------

def test_the_longest_wait_between_customer_milestones_is_a_wait_point():
    case = ["Order,,0,customer,customer", "Pack,,1,kim,clerk", "Send tracking,,2,notify-bot,notifier",
            "Receive,,48,customer,customer", "Book,,50,dan,dispatcher", "Visit,168,170,tom,technician",
            "Sign,,170,customer,customer"]
    found = insights(feed_of(log(*[case] * 6)), "wait_point")
    # The milestones: Order, Receive, Visit (a person), Sign; not the message a system sends.
    assert [(i["steps"], i["numbers"]["median_s"]) for i in found] == [
        (ids("Receive", "Visit"), 120 * H), (ids("Order", "Receive"), 48 * H), (ids("Visit", "Sign"), 0)]
    assert found[0]["numbers"] == {"rank": 1, "cases": 6, "median_s": 120 * H, "p90_s": 120 * H,
                                   "total_wait_days": 30.0}
    assert found[0]["summary"] == ("Between 'Receive' and 'Visit' the customer waits a median 5.0 days (p90 5.0 days, "
                                   "6 cases): the longest wait between two steps of the customer's journey.")


def test_one_customer_step_has_no_wait_point():
    case = ["Order,,0,customer,customer", "Pack,,1,kim,clerk", "Ship,,30,kim,clerk"]
    assert insights(feed_of(log(*[case] * 6)), "wait_point") == []


# -- avoidable_contact --------------------------------------------------------------------------

def contacts_log(closing: str = "Sign report") -> str:
    cases = []
    for i in range(12):
        case = ["Book,,0,dan,dispatcher"]
        if i < 6:
            case.append("Send notice,,0.1,notify-bot,notifier,,email,notice")
        else:
            case.append("Call support,,20,customer,customer,,phone")
            if i == 6:  # abandoned, then called again: one contact, two attempts
                case += ["Abandon call,,20.05,customer,customer,,phone", "Call support,,21,customer,customer,,phone"]
            case.append("Agent answers call,21.02,21.1,ann,agent,,phone")
        case += ["Visit,48,49,tom,technician", f"{closing},,49.1,customer,customer"]
        cases.append(case)
    return log(*cases)


def test_contacts_are_grouped_by_the_step_before_them_with_the_missing_notice():
    found = insights(feed_of(contacts_log()), "avoidable_contact")
    assert len(found) == 1
    calls = found[0]
    # 6 calls right after 'Book', 20 h later, 7 attempts (one abandoned and repeated); in all 6
    # cases 'Send notice', which follows 'Book' in the other half, was missing.
    assert calls["flows"] == [flow("Book", "Call support")]
    assert calls["steps"] == ids("Book", "Call support", "Send notice")
    assert calls["numbers"] == {"contacts": 6, "attempts": 7, "median_s": 20 * H, "missing_evidence_cases": 6,
                                "missing_evidence_share": 1.0}
    assert calls["summary"] == ("6 'Call support' contacts come right after 'Book' (6 cases, 50.0%), a median 20.0 h "
                                "later, 7 attempts; in 6 of these cases 'Send notice' was missing after 'Book'.")


def test_customer_steps_that_are_no_contact_are_not_counted_unless_the_pattern_says_so():
    quiet = log(*[["Book,,0,dan,dispatcher", "Visit,48,49,tom,technician", "Sign report,,49.1,customer,customer"]] * 6)
    assert insights(feed_of(quiet), "avoidable_contact") == []  # 'report' only counts at the start of a name
    told = feed_of(quiet, insights={"contact_pattern": "^Sign"})
    assert [(i["flows"], i["numbers"]["contacts"]) for i in insights(told, "avoidable_contact")] == [
        ([flow("Visit", "Sign report")], 6)]


# -- happy_path ---------------------------------------------------------------------------------

DESIGN = [{"name": "P1", "activities": ["A", "B"]}, {"name": "P2", "activities": ["C", "D"]}]


def steps(*names: str) -> list[str]:
    return [f"{n},,{t},k,clerk" for t, n in enumerate(names)]


def test_the_share_of_cases_on_the_designed_path():
    cases = [steps("A", "B", "C", "D")] * 6 + [steps("A", "B", "X", "C", "D"), steps("A", "B", "B", "C", "D"),
                                               steps("A", "B"), steps("C", "A", "B", "D")]
    found = insights(feed_of(log(*cases), phases=DESIGN), "happy_path")
    assert len(found) == 1
    happy = found[0]
    assert happy["numbers"] == {"following": 6, "share": 0.6, "variants": 5, "top_variant_cases": 6,
                                "top_variant_share": 0.6}
    assert [(r["label"], r["numbers"]["cases"]) for r in happy["breakdown"]] == [
        ("an undesigned step", 1), ("a repeated step", 1), ("a phase out of order", 1), ("a main phase skipped", 1),
        ("a detour through another phase", 0)]
    assert happy["summary"] == ("6 of 10 cases (60.0%) follow the designed path: only designed steps, each once, "
                                "through 'P1' and 'P2' in order; the others leave it by an undesigned step (1), a "
                                "repeated step (1), a phase out of order (1), a main phase skipped (1); the most "
                                "common of 5 variants covers 6 cases (60.0%).")
    undesigned = insights(feed_of(log(*[steps("A", "X", "B", "C", "D")] * 5), phases=DESIGN), "happy_path")
    assert undesigned[0]["numbers"]["following"] == 0


def test_without_a_design_the_most_common_variant():
    cases = [steps("A", "B")] * 3 + [steps("A", "C")] * 2
    happy = insights(feed_of(log(*cases)), "happy_path")[0]
    assert happy["numbers"] == {"following": 3, "share": 0.6, "variants": 2, "top_variant_cases": 3,
                                "top_variant_share": 0.6}
    assert happy["steps"] == ids("A", "B")


# -- effort -------------------------------------------------------------------------------------

def test_staff_hours_per_role_and_step_from_service_times():
    cases = [[f"Advise,0,{1.5 if i == 4 else 0.5},ann,agent", "File,1,1.25,kim,clerk", "Auto-sort,2,4,sort-bot,robot"]
             for i in range(5)]
    found = insights(feed_of(log(*cases)), "effort")
    # The agent: 4 x 30 min + 90 min = 3.5 h; the clerk: 5 x 15 min; the robot's 10 h are no staff time.
    assert [(i["steps"], i["roles"]) for i in found] == [(ids("Advise"), ["agent"]), (ids("File"), ["clerk"])]
    assert found[0]["numbers"] == pytest.approx({"hours": 3.5, "share_of_staff_hours": 3.5 / 4.75,
                                                 "hours_per_case": 0.7, "instances": 5, "timed": 5})
    assert found[1]["numbers"] == pytest.approx({"hours": 1.25, "share_of_staff_hours": 1.25 / 4.75,
                                                 "hours_per_case": 0.25, "instances": 5, "timed": 5})
    assert found[0]["breakdown"][0]["numbers"] == pytest.approx({"hours": 3.5, "instances": 5, "timed": 5,
                                                                 "hours_per_instance": 0.7})
    assert found[0]["summary"] == ("The agent role spends 3.5 staff hours (73.7% of all), 0.70 h per case, most on "
                                   "'Advise' (3.5 h).")


def test_no_start_times_no_effort():
    cases = [["Advise,,0.5,ann,agent", "File,,1.25,kim,clerk"] for _ in range(5)]
    assert insights(feed_of(log(*cases)), "effort") == []


def test_an_empty_log_has_no_insights_but_its_happy_path():
    feed = feed_of(HEAD.strip())
    assert [i["kind"] for i in feed["insights"]["items"]] == ["happy_path"]
    assert feed["insights"]["items"][0]["numbers"]["following"] == 0
