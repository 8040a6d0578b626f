"""Put a BPMN model into a pool with one lane per blueprint lane, lay it out, and note on every task
what was observed of its step. Pure (lxml): the same model and figures give the same document.

Tasks go to their step's lane; gateways, events and unmapped tasks to the lane of the nearest
mapped task. The geometry is bpmn_layout's (columns, rows, lane bands) and bpmn_routes' (edges)."""

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from app.blueprint.bpmn_layout import Box, Flow, Node, grid
from app.blueprint.bpmn_routes import routes

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "omgdc": "http://www.omg.org/spec/DD/20100524/DC", "omgdi": "http://www.omg.org/spec/DD/20100524/DI"}
KINDS = {"task": "task", "startEvent": "event", "endEvent": "event", "intermediateThrowEvent": "event",
         "intermediateCatchEvent": "event", "exclusiveGateway": "gateway", "parallelGateway": "gateway",
         "inclusiveGateway": "gateway"}


@dataclass(frozen=True)
class StepFigures:
    """What the feed observed of one step, for the task's documentation (times in seconds)."""

    events: int
    service_median_s: float | None = None
    service_p90_s: float | None = None
    waiting_median_s: float | None = None
    waiting_p90_s: float | None = None


def step_figures(steps) -> dict[str, StepFigures]:
    """Per activity, its figures as the feed computed them (mining's StepFigures)."""
    out = {}
    for step in steps:
        service, waiting = step.service, step.waiting
        out[step.activity] = StepFigures(
            events=step.events, service_median_s=service.median_s if service else None,
            service_p90_s=service.p90_s if service else None,
            waiting_median_s=None if waiting.empty else waiting.median_s,
            waiting_p90_s=None if waiting.empty else waiting.p90_s)
    return out


def duration_text(seconds: float) -> str:
    """A duration for people: one decimal under 10 of its unit, none from 10 on ("2.5 h", "45 min")."""
    value, unit = seconds, "s"
    for size, name in ((86400, "d"), (3600, "h"), (60, "min")):
        if abs(seconds) >= size:
            value, unit = seconds / size, name
            break
    text = f"{value:.1f}" if abs(value) < 9.95 else f"{value:,.0f}"
    return f"{text.removesuffix('.0')} {unit}"


def documentation_text(figures: StepFigures) -> str:
    """E.g. "observed: 1,234 events; service time median 2.5 h, p90 6 h; waiting before median 1.2 d, p90 3 d"."""
    parts = [f"observed: {figures.events:,} events"]
    for name, median, p90 in (("service time", figures.service_median_s, figures.service_p90_s),
                              ("waiting before", figures.waiting_median_s, figures.waiting_p90_s)):
        if median is not None and p90 is not None:
            parts.append(f"{name} median {duration_text(median)}, p90 {duration_text(p90)}")
    return "; ".join(parts)


def _q(prefix: str, tag: str) -> str:
    return f"{{{NS[prefix]}}}{tag}"


def _graph(process) -> tuple[dict, list[Flow]]:
    nodes = {el.get("id"): el for el in process if etree.QName(el).localname in KINDS}
    flows = [Flow(f.get("id"), f.get("sourceRef"), f.get("targetRef")) for f in process.iter(_q("bpmn", "sequenceFlow"))
             if f.get("sourceRef") in nodes and f.get("targetRef") in nodes]
    return nodes, flows


def _node_lanes(nodes: dict, flows: list[Flow], step_lane: Mapping[str, str | None], lanes: list[str]) -> dict:
    """Tasks by their step's lane; other nodes take the lane of the nearest such task (breadth-first,
    neighbours in the order of the flows, so the result does not depend on hashing)."""
    lane_of = {i: step_lane.get(el.get("name")) for i, el in nodes.items() if el.tag == _q("bpmn", "task")}
    lane_of = {i: lane for i, lane in lane_of.items() if lane in lanes}
    near: dict[str, list[str]] = {i: [] for i in nodes}
    for f in flows:
        near[f.source].append(f.target)
        near[f.target].append(f.source)
    queue = deque(lane_of)
    while queue:
        current = queue.popleft()
        for other in near[current]:
            if other not in lane_of:
                lane_of[other] = lane_of[current]
                queue.append(other)
    return {i: lane_of.get(i, lanes[0]) for i in nodes}


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _shape(plane, element_id: str, box: Box, **extra: str) -> None:
    shape = etree.SubElement(plane, _q("bpmndi", "BPMNShape"), id=f"{element_id}_di", bpmnElement=element_id, **extra)
    etree.SubElement(shape, _q("omgdc", "Bounds"), x=_number(box.x), y=_number(box.y), width=_number(box.w),
                     height=_number(box.h))


def _diagram(root, process, nodes: dict, flows: list[Flow], lane_of: dict, lanes: list[str]) -> None:
    for old in root.findall(_q("bpmndi", "BPMNDiagram")):
        root.remove(old)
    kinds = {i: KINDS[etree.QName(el).localname] for i, el in nodes.items()}
    laid = grid([Node(i, kinds[i], lane_of[i]) for i in nodes], flows, lanes)
    diagram = etree.SubElement(root, _q("bpmndi", "BPMNDiagram"), id="diagram")
    plane = etree.SubElement(diagram, _q("bpmndi", "BPMNPlane"), id="plane", bpmnElement="collaboration")
    _shape(plane, "pool", laid.pool, isHorizontal="true")
    for lane in lanes:
        _shape(plane, f"lane_{lane}", laid.lanes[lane], isHorizontal="true")
    for node_id in nodes:
        _shape(plane, node_id, laid.shapes[node_id])
    for flow_id, points in routes(laid, flows, kinds).items():
        edge = etree.SubElement(plane, _q("bpmndi", "BPMNEdge"), id=f"{flow_id}_di", bpmnElement=flow_id)
        for x, y in points:
            etree.SubElement(edge, _q("omgdi", "waypoint"), x=_number(x), y=_number(y))


def _document(nodes: dict, figures: Mapping[str, StepFigures]) -> None:
    for el in nodes.values():
        found = figures.get(el.get("name")) if el.tag == _q("bpmn", "task") else None
        if found is not None:
            for old in el.findall(_q("bpmn", "documentation")):
                el.remove(old)
            el.insert(0, etree.Element(_q("bpmn", "documentation")))  # first: BPMN's schema wants it there
            el[0].text = documentation_text(found)


def with_lanes(xml: str, *, step_lane: Mapping[str, str | None], lanes: list[str], pool_name: str,
               figures: Mapping[str, StepFigures] | None = None) -> bytes:
    """The model in a pool with one lane per entry of `lanes`, laid out in lane bands, each task
    documented with its step's observed `figures`."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True)
    root = etree.fromstring(xml.encode(), parser)
    process = root.find(_q("bpmn", "process"))
    nodes, flows = _graph(process)
    lane_of = _node_lanes(nodes, flows, step_lane, lanes)
    _document(nodes, figures or {})
    collab = etree.Element(_q("bpmn", "collaboration"), id="collaboration")
    etree.SubElement(collab, _q("bpmn", "participant"), id="pool", name=pool_name, processRef=process.get("id"))
    root.insert(list(root).index(process), collab)
    lane_set = etree.Element(_q("bpmn", "laneSet"), id="lanes")
    for lane in lanes:
        el = etree.SubElement(lane_set, _q("bpmn", "lane"), id=f"lane_{lane}", name=lane.capitalize())
        for node_id in nodes:
            if lane_of[node_id] == lane:
                etree.SubElement(el, _q("bpmn", "flowNodeRef")).text = node_id
    process.insert(len(process.findall(_q("bpmn", "documentation"))), lane_set)  # after them, as BPMN's schema says
    _diagram(root, process, nodes, flows, lane_of, lanes)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
