"""Put a BPMN model into a pool with one lane per blueprint lane, and lay it out. Pure (lxml).

Tasks go to their step's lane; gateways and events to the lane of the nearest task. Columns
follow the longest path from the start (back edges of loops ignored); each lane is a band."""

from collections import deque

from lxml import etree

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "omgdc": "http://www.omg.org/spec/DD/20100524/DC", "omgdi": "http://www.omg.org/spec/DD/20100524/DI"}
NODE_TAGS = ("task", "startEvent", "endEvent", "exclusiveGateway", "parallelGateway", "inclusiveGateway",
             "intermediateThrowEvent", "intermediateCatchEvent")
SIZE = {"task": (100, 80), "startEvent": (36, 36), "endEvent": (36, 36)}
GAP_X, BAND_H, LABEL_W = 150, 140, 30


def _q(prefix: str, tag: str) -> str:
    return f"{{{NS[prefix]}}}{tag}"


def _graph(process) -> tuple[dict, list[tuple[str, str, str]]]:
    nodes = {el.get("id"): el for tag in NODE_TAGS for el in process.iter(_q("bpmn", tag))}
    flows = [(f.get("id"), f.get("sourceRef"), f.get("targetRef")) for f in process.iter(_q("bpmn", "sequenceFlow"))]
    return nodes, flows


def _node_lanes(nodes: dict, flows, step_lane: dict, lanes: list[str]) -> dict[str, str]:
    """Tasks by their step's lane; other nodes take the lane of the nearest task (breadth-first)."""
    lane_of = {i: step_lane.get(el.get("name")) for i, el in nodes.items() if el.tag == _q("bpmn", "task")}
    lane_of = {i: lane for i, lane in lane_of.items() if lane in lanes}
    near: dict[str, set[str]] = {i: set() for i in nodes}
    for _, a, b in flows:
        near[a].add(b)
        near[b].add(a)
    queue = deque(lane_of)
    while queue:
        current = queue.popleft()
        for other in near[current]:
            if other not in lane_of:
                lane_of[other] = lane_of[current]
                queue.append(other)
    return {i: lane_of.get(i, lanes[0]) for i in nodes}


def _columns(nodes: dict, flows) -> dict[str, int]:
    """Longest-path layering from the start events, ignoring the back edges of loops."""
    succ: dict[str, list[str]] = {i: [] for i in nodes}
    for _, a, b in flows:
        succ[a].append(b)
    order, state = [], {}

    def visit(start: str) -> None:
        stack = [(start, iter(succ[start]))]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                order.append(node)
                stack.pop()
            elif state.get(child) is None:
                state[child] = 1
                stack.append((child, iter(succ[child])))

    for start in [i for i, el in nodes.items() if el.tag == _q("bpmn", "startEvent")] + list(nodes):
        if state.get(start) is None:
            visit(start)
    rank = {i: 0 for i in nodes}
    position = {n: k for k, n in enumerate(reversed(order))}
    for node in reversed(order):
        for child in succ[node]:
            if position[child] > position[node]:  # forward edge
                rank[child] = max(rank[child], rank[node] + 1)
    return rank


def _bounds(parent, x: float, y: float, w: float, h: float) -> None:
    etree.SubElement(parent, _q("omgdc", "Bounds"), x=str(x), y=str(y), width=str(w), height=str(h))


def _diagram(root, collab_id: str, pool_id: str, lane_ids: dict, nodes, flows, lane_of, column, lanes) -> None:
    for old in root.findall(_q("bpmndi", "BPMNDiagram")):
        root.remove(old)
    diagram = etree.SubElement(root, _q("bpmndi", "BPMNDiagram"), id="diagram")
    plane = etree.SubElement(diagram, _q("bpmndi", "BPMNPlane"), id="plane", bpmnElement=collab_id)
    width = (max(column.values(), default=0) + 1) * GAP_X + 2 * LABEL_W
    shape = etree.SubElement(plane, _q("bpmndi", "BPMNShape"), id=f"{pool_id}_di", bpmnElement=pool_id,
                             isHorizontal="true")
    _bounds(shape, 0, 0, width + LABEL_W, BAND_H * len(lanes))
    for k, lane in enumerate(lanes):
        shape = etree.SubElement(plane, _q("bpmndi", "BPMNShape"), id=f"{lane_ids[lane]}_di",
                                 bpmnElement=lane_ids[lane], isHorizontal="true")
        _bounds(shape, LABEL_W, k * BAND_H, width, BAND_H)
    slots: dict[tuple[str, int], int] = {}
    centre = {}
    for node_id, el in nodes.items():
        tag = etree.QName(el).localname
        w, h = SIZE.get(tag, (50, 50))
        key = (lane_of[node_id], column[node_id])
        offset = slots.get(key, 0)
        slots[key] = offset + 1
        x = 2 * LABEL_W + column[node_id] * GAP_X + 10
        y = lanes.index(lane_of[node_id]) * BAND_H + (BAND_H - h) / 2 + offset * 12
        shape = etree.SubElement(plane, _q("bpmndi", "BPMNShape"), id=f"{node_id}_di", bpmnElement=node_id)
        _bounds(shape, x, y, w, h)
        centre[node_id] = (x, y, w, h)
    for flow_id, a, b in flows:
        edge = etree.SubElement(plane, _q("bpmndi", "BPMNEdge"), id=f"{flow_id}_di", bpmnElement=flow_id)
        (ax, ay, aw, ah), (bx, by, _, bh) = centre[a], centre[b]
        for px, py in ((ax + aw, ay + ah / 2), (bx, by + bh / 2)):
            etree.SubElement(edge, _q("omgdi", "waypoint"), x=str(px), y=str(py))


def with_lanes(xml: str, *, step_lane: dict[str, str | None], lanes: list[str], pool_name: str) -> bytes:
    """The model in a pool with one lane per entry of `lanes`, laid out in lane bands."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True)
    root = etree.fromstring(xml.encode(), parser)
    process = root.find(_q("bpmn", "process"))
    nodes, flows = _graph(process)
    lane_of = _node_lanes(nodes, flows, step_lane, lanes)
    collab = etree.Element(_q("bpmn", "collaboration"), id="collaboration")
    etree.SubElement(collab, _q("bpmn", "participant"), id="pool", name=pool_name, processRef=process.get("id"))
    root.insert(list(root).index(process), collab)
    lane_set = etree.Element(_q("bpmn", "laneSet"), id="lanes")
    lane_ids = {lane: f"lane_{lane}" for lane in lanes}
    for lane in lanes:
        el = etree.SubElement(lane_set, _q("bpmn", "lane"), id=lane_ids[lane], name=lane.capitalize())
        for node_id in nodes:
            if lane_of[node_id] == lane:
                etree.SubElement(el, _q("bpmn", "flowNodeRef")).text = node_id
    process.insert(0, lane_set)
    _diagram(root, "collaboration", "pool", lane_ids, nodes, flows, lane_of, _columns(nodes, flows), lanes)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
