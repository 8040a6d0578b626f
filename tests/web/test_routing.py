"""Arrows: their ends, where they cross a line, their labels and the slowest handoff per line."""

import pytest

from app.web.routing import Ends, crossing, curve, place_labels, slowest_per_line, stroke_width
from app.web.shapes import Box

A, B = Box(0, 0, 100, 50), Box(200, 200, 100, 50)


def test_forward_flows_run_from_right_edge_to_left_edge():
    p0, _, _, p3, backward = curve(Ends(A, B, 0, 1))
    assert (p0, p3, backward) == ((100, 25), (200, 225), False)


def test_flows_back_to_an_earlier_column_run_left_to_right_and_bow_below():
    p0, p1, p2, p3, backward = curve(Ends(B, A, 1, 0))
    assert backward and p0 == (200, 237) and p3 == (100, 37)
    assert min(p1[1], p2[1]) > max(p0[1], p3[1])


def test_flows_within_a_column_run_between_bottom_and_top_edges():
    below = Box(0, 100, 100, 50)
    p0, _, _, p3, _ = curve(Ends(A, below, 0, 0))
    assert (p0, p3) == ((60, 50), (60, 100))
    p0, _, _, p3, _ = curve(Ends(below, A, 0, 0))
    assert (p0, p3) == ((40, 100), (40, 50))  # the way back runs beside the way down


def test_the_crossing_of_a_line_is_on_the_curve_at_its_height():
    points = curve(Ends(A, B, 0, 1))[:4]
    x, y = crossing(points, 125.0)
    assert y == 125.0 and x == pytest.approx(150.0, abs=1.0)  # the curve is symmetric about its middle
    assert crossing(points, 400.0) is None


def _flow(fid, cases, median, lines=("visibility",)):
    return {"id": fid, "cases": cases, "waiting": {"median_s": median}, "crosses": list(lines)}


def test_the_slowest_handoff_per_line_ignores_rare_flows():
    flows = [_flow("busy", 100, 3600), _flow("slow", 10, 7200), _flow("rare-but-slowest", 4, 99999),
             _flow("none", 50, None), _flow("other", 60, 50, ("interaction",))]
    assert slowest_per_line(flows) == {"visibility": "slow", "interaction": "other"}


def test_labels_that_would_overlap_are_left_out_the_slowest_never():
    flows = [_flow("a", 100, 60), _flow("b", 90, 60), _flow("c", 5, 86400)]
    for f in flows:
        f["count"] = f["cases"]
    wanted = [(flows[0], "visibility", (100, 100), False), (flows[1], "visibility", (110, 100), False),
              (flows[2], "visibility", (300, 100), True)]
    placed = place_labels(wanted, keep_clear=[])
    assert set(placed) == {"a", "c"} and placed["c"].worst and placed["c"].text.startswith("slowest: 5 ·")
    assert placed["a"].text == "100 · 1 min"


def test_arrows_are_as_wide_as_the_square_root_of_their_cases():
    assert stroke_width(100, 100) == 6.0 and stroke_width(25, 100) == 3.6 and stroke_width(0, 0) == 1.2
