"""Which steps and flows show: at most 60 steps and about two flows per step by default."""

from app.web.visibility import budget_threshold, min_cases_for, visible
from tests.web.feeds import flow, journey, many_steps, step


def test_the_budget_threshold_keeps_at_most_the_budget():
    assert budget_threshold([5, 4, 3], 3) == 0
    assert budget_threshold([9, 7, 7, 7, 1], 3) == 8  # the tie at 7 cannot be split: fewer show
    assert budget_threshold([9, 7, 6, 5], 2) == 7
    assert min_cases_for(0.05, 1000) == 50 and min_cases_for(0.051, 1000) == 51 and min_cases_for(0, 10) == 0


def test_a_log_with_200_steps_shows_its_60_most_frequent_by_default():
    shown = visible(many_steps(200))
    assert len(shown.steps) == 60 and shown.folded_steps == 140
    assert [s["activity"] for s in shown.steps] == [f"Step {i:03d}" for i in range(60)]
    assert shown.step_threshold.default and shown.step_threshold.min_cases == 1000 - 4 * 60 + 1
    assert len(shown.flows) == 59  # between shown steps only


def test_given_shares_show_what_reaches_them_and_flows_only_between_shown_steps():
    feed = journey()
    shown = visible(feed, step_share=0.5, flow_share=0.0)
    assert [s["activity"] for s in shown.steps] == ["Order online", "Send confirmation", "Pick items",
                                                    "Courier delivers", "Receive parcel"]
    assert not shown.step_threshold.default and shown.step_threshold.min_cases == 50
    assert ("Order by phone", "Send confirmation") not in {(f["source"], f["target"]) for f in shown.flows}
    assert shown.loops == 1 and all(f["source"] != f["target"] for f in shown.flows)
    assert len(visible(feed, flow_share=0.1).flows) == 5  # the courier's 5 cases back to picking fold away


def test_steps_no_rule_maps_are_never_drawn():
    feed = journey()
    stray = step("Unmapped thing", None, 0, 0.5, 100)
    feed["steps"].append(stray)
    feed["flows"].append(flow(feed["steps"][0], stray, 50))
    shown = visible(feed)
    assert stray["id"] not in {s["id"] for s in shown.steps} and shown.unplaced_steps == 1
    assert all(stray["id"] not in (f["source_step"], f["target_step"]) for f in shown.flows)
