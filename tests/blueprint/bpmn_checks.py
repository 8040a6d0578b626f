"""Reading a BPMN document's diagram back, for the checks the layout must pass: shapes that do not
overlap, nodes inside their lanes, lanes inside the pool, edges from border to border."""

import re
from dataclasses import dataclass
from itertools import combinations

from lxml import etree

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "omgdc": "http://www.omg.org/spec/DD/20100524/DC", "omgdi": "http://www.omg.org/spec/DD/20100524/DI"}
UNITS = {"s": 1, "min": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Bounds:
    x: float
    y: float
    w: float
    h: float

    def overlaps(self, other: "Bounds") -> bool:
        """Interiors meet (shapes that only touch do not overlap)."""
        return (self.x < other.x + other.w and other.x < self.x + self.w
                and self.y < other.y + other.h and other.y < self.y + self.h)

    def contains(self, other: "Bounds") -> bool:
        return (self.x <= other.x and self.y <= other.y and other.x + other.w <= self.x + self.w
                and other.y + other.h <= self.y + self.h)

    def on_border(self, x: float, y: float) -> bool:
        inside = self.x <= x <= self.x + self.w and self.y <= y <= self.y + self.h
        return inside and (x in (self.x, self.x + self.w) or y in (self.y, self.y + self.h))


@dataclass(frozen=True)
class Diagram:
    shapes: dict[str, Bounds]  # by BPMN element id
    lane_of: dict[str, str]  # flow node id -> lane id
    lanes: list[str]  # lane ids, in document order
    pool: str
    edges: dict[str, list[tuple[float, float]]]  # by sequence flow id
    flows: dict[str, tuple[str, str]]  # sequence flow id -> (source, target)
    tasks: dict[str, str]  # task id -> name
    documentation: dict[str, str]  # task name -> documentation text


def read_diagram(xml: bytes) -> Diagram:
    root = etree.fromstring(xml)
    shapes = {}
    for shape in root.iterfind(".//bpmndi:BPMNShape", NS):
        b = shape.find("omgdc:Bounds", NS)
        shapes[shape.get("bpmnElement")] = Bounds(*(float(b.get(k)) for k in ("x", "y", "width", "height")))
    lanes = root.findall(".//bpmn:laneSet/bpmn:lane", NS)
    lane_of = {ref.text: lane.get("id") for lane in lanes for ref in lane.findall("bpmn:flowNodeRef", NS)}
    edges = {e.get("bpmnElement"): [(float(p.get("x")), float(p.get("y"))) for p in e.findall("omgdi:waypoint", NS)]
             for e in root.iterfind(".//bpmndi:BPMNEdge", NS)}
    flows = {f.get("id"): (f.get("sourceRef"), f.get("targetRef")) for f in root.iterfind(".//bpmn:sequenceFlow", NS)}
    tasks = {t.get("id"): t.get("name") for t in root.iterfind(".//bpmn:task", NS)}
    docs = {t.get("name"): t.findtext("bpmn:documentation", default=None, namespaces=NS)
            for t in root.iterfind(".//bpmn:task", NS)}
    return Diagram(shapes=shapes, lane_of=lane_of, lanes=[lane.get("id") for lane in lanes],
                   pool=root.find(".//bpmn:participant", NS).get("id"), edges=edges, flows=flows, tasks=tasks,
                   documentation={k: v for k, v in docs.items() if v is not None})


def overlapping_pairs(d: Diagram) -> list[tuple[str, str]]:
    """Every pair of flow-node shapes whose bounds overlap."""
    nodes = sorted(d.lane_of)
    return [(a, b) for a, b in combinations(nodes, 2) if d.shapes[a].overlaps(d.shapes[b])]


def outside_their_lane(d: Diagram) -> list[str]:
    return [n for n, lane in d.lane_of.items() if not d.shapes[lane].contains(d.shapes[n])]


def lanes_outside_pool(d: Diagram) -> list[str]:
    return [lane for lane in d.lanes if not d.shapes[d.pool].contains(d.shapes[lane])]


def bad_edges(d: Diagram) -> list[str]:
    """Flows whose waypoints do not start on the source's border, end on the target's, and run
    horizontally or vertically in between."""
    out = []
    for flow, (source, target) in d.flows.items():
        points = d.edges[flow]
        straight = all(x1 == x2 or y1 == y2 for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False))
        if not (len(points) >= 2 and straight and d.shapes[source].on_border(*points[0])
                and d.shapes[target].on_border(*points[-1])):
            out.append(flow)
    return out


def edges_through_shapes(d: Diagram) -> list[tuple[str, str]]:
    """(flow, node) where a segment of the flow's edge runs through the inside of the node's shape."""
    out = []
    for flow, points in d.edges.items():
        for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False):
            segment = Bounds(min(x1, x2), min(y1, y2), abs(x2 - x1), abs(y2 - y1))
            out += [(flow, n) for n in d.lane_of if segment.overlaps(d.shapes[n])]
    return sorted(set(out))


def assert_documents(text: str, step: dict) -> None:
    """The documentation states the step's event count exactly and its times as rounded for display."""
    assert re.match(r"observed: ([\d,]+) events", text).group(1).replace(",", "") == str(step["events"])
    for name, key in (("service time", "service_time"), ("waiting before", "waiting_before")):
        found = re.search(name + r" median ([\d.,]+) (s|min|h|d), p90 ([\d.,]+) (s|min|h|d)", text)
        if step[key] is None:
            assert found is None, text
            continue
        shown_exact = ((found[1], found[2], step[key]["median_s"]), (found[3], found[4], step[key]["p90_s"]))
        for value, unit, exact in shown_exact:
            shown = float(value.replace(",", ""))
            half_digit = (0.05 if "." in value or shown < 9.95 else 0.5) * UNITS[unit]
            assert abs(shown * UNITS[unit] - exact) <= half_digit + 1e-6, (text, step[key])
