"""The insights' pure rules: names that say the same action, contact steps, fail point groups,
the thresholds and their overrides, and how numbers are written."""

import pytest
from pydantic import ValidationError

from app.blueprint.insight_parameters import DEFAULTS, InsightSettings, parameters_of
from app.blueprint.insight_rules import action_of, contact_steps, fail_points, same_action_pairs, stem
from app.blueprint.insight_text import duration, quoted, total
from app.mining.results import EMPTY, Flow, Rework, Share, StepFigures, StepMakeup


def step(activity: str, role: str | None = None, *, position: float = 0.5, instances: int = 10, cases: int = 10,
         channel: str | None = None) -> StepFigures:
    return StepFigures(activity=activity, events=instances, instances=instances, cases=cases,
                       rework=Rework(events=0, cases=0, case_share=0.0), service=None, waiting=EMPTY, queue=None,
                       position=position, open=0, aborted=0,
                       roles=(Share(role, instances, 1.0),) if role else (),
                       channels=(Share(channel, instances, 1.0),) if channel else ())


def test_stems_and_actions_leave_out_who_does_it():
    assert [stem(w) for w in ("checks", "booking", "boxes", "access", "reports")] == [
        "check", "book", "box", "access", "report"]
    assert action_of("Dispatcher re-checks appointment", {"dispatcher"}) == ("check", "appointment")
    assert action_of("Support agent checks appointment", {"support", "agent"}) == ("check", "appointment")
    assert action_of("Check line availability", set()) == ("check", "line")
    assert action_of("Dispatcher checks line before booking", {"dispatcher"}) == ("check", "line")
    assert action_of("Approve", set()) is None
    assert action_of("T06 Determine necessity of stop advice", set()) == ("determine", "necessity")  # no "t"


def test_same_action_pairs_need_different_roles():
    steps = (step("Support agent checks appointment", "support_agent", position=0.6),
             step("Dispatcher re-checks appointment", "dispatcher", position=0.7),
             step("Place order online", "customer"), step("Place order by phone", "customer"))
    assert same_action_pairs(steps) == [("Support agent checks appointment", "Dispatcher re-checks appointment")]


def test_contact_steps_by_name_or_channel_in_the_customer_lane():
    steps = (step("Call support"), step("Report problem online"), step("Sign installation report"),
             step("Write to us", channel="chat"), step("Answer call"), step("Pay"))
    lanes = {"Call support": "customer", "Report problem online": "customer", "Sign installation report": "customer",
             "Write to us": "customer", "Answer call": "frontstage", "Pay": "customer"}
    assert contact_steps(steps, lanes, DEFAULTS) == ["Call support", "Report problem online", "Write to us"]


def test_a_failure_that_follows_a_failure_is_its_recovery():
    steps = (step("Visit"), step("No access"), step("Line fault"), step("Repair"), step("Sign"))
    made = {s.activity: StepMakeup(resources=1, system_share=0.0, lanes=(0, 0, 0, 0), returned=0, repeat_key=0)
            for s in steps}
    for name in ("No access", "Line fault", "Repair"):
        made[name] = StepMakeup(resources=1, system_share=0.0, lanes=(0, 0, 0, 0), returned=10, repeat_key=0)
    flows = tuple(Flow(source=a, target=b, count=n, cases=n, waiting=EMPTY) for a, b, n in (
        ("Visit", "No access", 10), ("Visit", "Line fault", 10), ("Line fault", "Repair", 10), ("Visit", "Sign", 8)))
    (group,) = fail_points(steps, made, flows, cases=20, parameters=DEFAULTS)
    assert (group.step, group.failures, group.direct) == ("Visit", ("Line fault", "No access", "Repair"),
                                                         ("Line fault", "No access"))
    # In 10 of 15 cases: what most cases do is the process, not a failure.
    assert fail_points(steps, made, flows, cases=15, parameters=DEFAULTS) == []


def test_overrides_replace_only_what_they_name():
    given = parameters_of(InsightSettings(top=1, contact_pattern="(?i)mail"))
    assert (given.top, given.contact_pattern, given.min_cases) == (1, "(?i)mail", DEFAULTS.min_cases)
    assert parameters_of(None) == DEFAULTS
    for bad in ({"top": 0}, {"stuck_min_ratio": float("inf")}, {"contact_pattern": "(a"}, {"thresholds": 1}):
        with pytest.raises(ValidationError):
            InsightSettings(**bad)


def test_numbers_read_as_people_say_them():
    assert [duration(s) for s in (75, 720, 4.2 * 3600, 5.39 * 86400, 99.94 * 86400, 487.04 * 86400,
                                  1204.4 * 86400, None)] == [
        "75 s", "12 min", "4.2 h", "5.4 days", "99.9 days", "487 days", "1,204 days", "unknown"]
    assert total(2361.8 * 86400) == "2,362 days" and total(1.5 * 86400) == "1.5 days"
    assert quoted(["a"]) == "'a'" and quoted(["a", "b", "c"]) == "'a', 'b' and 'c'" and quoted([]) == "none"
