"""The pure BPMN layout on small hand-made models: a loop, a parallel split, a lane with many tasks
in one column; coordinates counted by hand from the layout's constants."""

from app.blueprint.bpmn import StepFigures, documentation_text, duration_text, with_lanes
from app.blueprint.bpmn_layout import GAP, LABEL_W, LANE_PAD, ROW_H, Flow, Node, grid
from tests.blueprint.bpmn_checks import (
    bad_edges,
    edges_through_shapes,
    lanes_outside_pool,
    outside_their_lane,
    overlapping_pairs,
    read_diagram,
)

LANES = ["customer", "frontstage", "backstage", "support"]
KIND_TAG = {"task": "task", "xor": "exclusiveGateway", "and": "parallelGateway", "start": "startEvent",
            "end": "endEvent"}


def bpmn(nodes: dict[str, tuple[str, str]], flows: list[tuple[str, str]]) -> str:
    """A semantic-only BPMN document like pm4py's: nodes id -> (kind, name), flows (source, target)."""
    body = [f'<bpmn:{KIND_TAG[kind]} id="{i}" name="{name}"/>' for i, (kind, name) in nodes.items()]
    body += [f'<bpmn:sequenceFlow id="f{k}" sourceRef="{a}" targetRef="{b}"/>' for k, (a, b) in enumerate(flows)]
    return ('<?xml version="1.0" encoding="utf-8"?><bpmn:definitions '
            'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" targetNamespace="t">'
            f'<bpmn:process id="p">{"".join(body)}</bpmn:process></bpmn:definitions>')


def laid_out(nodes, flows, lanes_of_steps, figures=None) -> bytes:
    return with_lanes(bpmn(nodes, flows), step_lane=lanes_of_steps, lanes=LANES, pool_name="hand", figures=figures)


def assert_drawable(xml: bytes) -> None:
    d = read_diagram(xml)
    assert overlapping_pairs(d) == []
    assert outside_their_lane(d) == []
    assert lanes_outside_pool(d) == []
    assert bad_edges(d) == []
    assert edges_through_shapes(d) == []


LOOP = ({"s": ("start", "start"), "j": ("xor", ""), "a": ("task", "A"), "x": ("xor", ""), "b": ("task", "B"),
         "e": ("end", "end")},
        [("s", "j"), ("j", "a"), ("a", "x"), ("x", "b"), ("b", "j"), ("x", "e")])


def test_a_loop_is_laid_out_left_to_right_with_its_redo_edge_as_the_only_back_edge():
    nodes = [Node(i, {"task": "task", "xor": "gateway"}.get(k, "event"), "frontstage")
             for i, (k, _) in LOOP[0].items()]
    flows = [Flow(f"f{k}", a, b) for k, (a, b) in enumerate(LOOP[1])]
    g = grid(nodes, flows, LANES)
    assert g.back == {"f4"}  # B -> the loop's entry
    assert g.column == {"s": 0, "j": 1, "a": 2, "x": 3, "b": 4, "e": 4}
    # Column widths 36, 50, 100, 50 and 100 (B and the end event share the last), gaps of 50.
    assert g.spans == [(110, 146), (196, 246), (296, 396), (446, 496), (546, 646)]
    assert g.pool.w == 646 + GAP
    # B and the end event stack in their cell: two rows in the frontstage band.
    assert g.lanes["frontstage"].h == 2 * LANE_PAD + 2 * ROW_H
    assert {g.shapes["a"].cy, g.shapes["x"].cy} == {g.shapes["s"].cy}  # the main line is straight
    xml = laid_out(*LOOP, {"A": "frontstage", "B": "frontstage"})
    assert_drawable(xml)
    redo = read_diagram(xml).edges["f4"]
    assert redo[0][0] > redo[-1][0]  # it runs back, right to left


def test_a_parallel_split_stacks_its_branches_and_joins_on_the_main_line():
    nodes = {"s": ("start", "start"), "p": ("and", ""), "a": ("task", "A"), "b": ("task", "B"),
             "c": ("task", "C"), "q": ("and", ""), "e": ("end", "end")}
    flows = [("s", "p"), ("p", "a"), ("p", "b"), ("p", "c"), ("a", "q"), ("b", "q"), ("c", "q"), ("q", "e")]
    xml = laid_out(nodes, flows, {"A": "backstage", "B": "backstage", "C": "backstage"})
    assert_drawable(xml)
    d = read_diagram(xml)
    a, b, c = (d.shapes[i] for i in "abc")
    assert a.x == b.x == c.x and (b.y - a.y, c.y - b.y) == (ROW_H, ROW_H)
    assert d.shapes["q"].y + d.shapes["q"].h / 2 == a.y + a.h / 2 == d.shapes["p"].y + 25
    lane = d.shapes["lane_backstage"]
    assert lane.h == 2 * LANE_PAD + 3 * ROW_H
    # Empty lanes keep one row; the lanes stack in the fixed order, top to bottom.
    assert [d.shapes[f"lane_{name}"].y for name in LANES] == [0, 150, 300, 300 + lane.h]
    # The split leaves by its bottom corner towards the lower branches (one bend), the top one straight.
    assert d.edges["f1"] == [(d.shapes["p"].x + 50, a.y + 40), (a.x, a.y + 40)]
    assert d.edges["f3"] == [(d.shapes["p"].x + 25, d.shapes["p"].y + 50), (d.shapes["p"].x + 25, c.y + 40),
                             (c.x, c.y + 40)]


def test_a_lane_with_many_tasks_in_one_column_grows_to_hold_them():
    names = [f"T{k}" for k in range(6)]
    nodes = {"s": ("start", "start"), "x": ("xor", ""), "y": ("xor", ""), "e": ("end", "end"),
             **{n: ("task", n) for n in names}, "c": ("task", "Call")}
    flows = [("s", "x"), *[("x", n) for n in names], ("x", "c"), *[(n, "y") for n in names], ("c", "y"), ("y", "e")]
    lanes = {n: "frontstage" for n in names} | {"Call": "customer"}
    xml = laid_out(nodes, flows, lanes)
    assert_drawable(xml)
    d = read_diagram(xml)
    assert {d.shapes[n].x for n in names} == {d.shapes["c"].x}  # one column
    assert sorted(d.shapes[n].y for n in names) == [d.shapes["T0"].y + k * ROW_H for k in range(6)]
    assert d.shapes["lane_frontstage"].h == 2 * LANE_PAD + 6 * ROW_H
    assert d.shapes["lane_customer"].h == 2 * LANE_PAD + ROW_H
    assert d.shapes["pool"].h == sum(d.shapes[f"lane_{n}"].h for n in LANES)
    # The gateways and events take the lane of the nearest task: the first one reached.
    assert {d.lane_of[i] for i in "sxye"} == {"lane_frontstage"}


def test_width_follows_the_longest_path_and_narrow_columns_stay_narrow():
    seq = {"s": ("start", "start"), "a": ("task", "A"), "e": ("end", "end")}
    d = read_diagram(laid_out(seq, [("s", "a"), ("a", "e")], {"A": "customer"}))
    # Two label bands, then a gap before and after each column (36, 100 and 36 wide).
    assert d.shapes["pool"].w == 2 * LABEL_W + GAP + 36 + GAP + 100 + GAP + 36 + GAP
    # A skippable task: the skip edge goes over the task along the row border above it.
    skip = {"s": ("start", "start"), "x": ("xor", ""), "a": ("task", "A"), "y": ("xor", ""), "e": ("end", "end")}
    xml = laid_out(skip, [("s", "x"), ("x", "a"), ("a", "y"), ("x", "y"), ("y", "e")], {"A": "customer"})
    assert_drawable(xml)
    d = read_diagram(xml)
    x, y = d.shapes["x"], d.shapes["y"]
    assert d.edges["f3"] == [(x.x + 25, x.y), (x.x + 25, LANE_PAD), (y.x + 25, LANE_PAD), (y.x + 25, y.y)]


def test_the_same_model_gives_the_same_document_and_tasks_carry_their_figures():
    figures = {"A": StepFigures(events=1234, service_median_s=9000, service_p90_s=21600,
                                waiting_median_s=1.2 * 86400, waiting_p90_s=3 * 86400), "B": StepFigures(events=7)}
    one = laid_out(*LOOP, {"A": "customer", "B": "support"}, figures)
    assert one == laid_out(*LOOP, {"A": "customer", "B": "support"}, figures)
    assert_drawable(one)
    docs = read_diagram(one).documentation
    assert docs == {"A": "observed: 1,234 events; service time median 2.5 h, p90 6 h; "
                         "waiting before median 1.2 d, p90 3 d", "B": "observed: 7 events"}


def test_durations_read_as_people_write_them():
    assert [duration_text(s) for s in (0, 30, 59.4, 60, 2700, 599 * 60, 9000, 86400 * 1.24, 86400 * 12.4)] == [
        "0 s", "30 s", "59 s", "1 min", "45 min", "10 h", "2.5 h", "1.2 d", "12 d"]
    assert documentation_text(StepFigures(events=3, waiting_median_s=0.5, waiting_p90_s=0.5)) == (
        "observed: 3 events; waiting before median 0.5 s, p90 0.5 s")
