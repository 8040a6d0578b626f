"""Lane = row, phase then median position = column; alternatives stack; no graph layout."""

import random

from app.web.grid import MAX_STACK, UNPHASED, place_steps
from tests.web.feeds import journey, phase, step


def test_alternatives_stack_and_lanes_share_columns():
    feed = journey()
    grid = place_steps(feed["steps"], feed["phases"])
    cell = {s["activity"]: grid.cells[s["id"]] for s in feed["steps"]}
    assert (cell["Order online"].column, cell["Order online"].slot) == (0, 0)
    assert (cell["Order by phone"].column, cell["Order by phone"].slot) == (0, 1)  # same position, same lane
    assert cell["Send confirmation"].column == 1  # 0.2 is past the first column's span
    assert [g.key for g in grid.groups] == ["phase-1", "phase-2"]
    assert [(g.first_column, g.columns) for g in grid.groups] == [(0, 2), (2, 3)]
    assert grid.depth == {"customer": 2, "frontstage": 1, "backstage": 1, "support": 1}
    assert grid.occupied == {"customer", "frontstage", "backstage", "support"}


def test_steps_at_about_the_same_point_in_different_lanes_share_a_column():
    steps = [step("A", "customer", 0, 0.50, 10), step("B", "backstage", 0, 0.51, 10), step("C", "customer", 0, 0.6, 9)]
    grid = place_steps(steps, [phase(0, "Only")])
    assert [grid.cells[s["id"]].column for s in steps] == [0, 0, 1]


def test_a_full_stack_opens_a_new_column():
    steps = [step(f"S{i}", "backstage", 0, 0.5, 10 - i) for i in range(MAX_STACK + 1)]
    grid = place_steps(steps, [phase(0, "Only")])
    assert [(grid.cells[s["id"]].column, grid.cells[s["id"]].slot) for s in steps] == [
        (0, 0), (0, 1), (0, 2), (1, 0)]


def test_empty_phases_keep_a_column_and_steps_outside_phases_come_last():
    steps = [step("A", "customer", 0, 0.1, 10), step("Z", "support", None, 0.9, 3)]
    grid = place_steps(steps, [phase(0, "First"), phase(1, "Empty")])
    assert [(g.key, g.first_column, g.columns) for g in grid.groups] == [
        ("phase-1", 0, 1), ("phase-2", 1, 1), (UNPHASED, 2, 1)]
    assert grid.cells[steps[1]["id"]].column == 2


def test_the_grid_does_not_depend_on_the_order_of_the_feeds_steps():
    feed = journey()
    first = place_steps(feed["steps"], feed["phases"])
    shuffled = feed["steps"][:]
    random.Random(7).shuffle(shuffled)
    assert place_steps(shuffled, feed["phases"]) == first
