"""The layout as an SVG document. Pure: a Layout in, text out.

Built with ElementTree, so every text and attribute from the data (activity names, evidence,
phase names) is XML-escaped. Colours are presentation attributes (no style sheet, no script), so
any viewer, and resvg for the PNG, draws it alike. The page draws the same layout with the same
elements (app/web/static/js/draw.js)."""

import re
import xml.etree.ElementTree as ET

from app.web.shapes import Box, Layout

SVG_NS = "http://www.w3.org/2000/svg"
TITLE_SIZE, FIGURE_SIZE, SMALL_SIZE = 12, 11, 10
TEXT_PAD, TITLE_LEADING, FIGURE_LEADING = 10, 15, 14


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs) -> ET.Element:
    node = ET.SubElement(parent, tag, {k.rstrip("_").replace("_", "-"): _value(v) for k, v in attrs.items()
                                       if v is not None})
    if text is not None:
        node.text = text
    return node


def _value(v) -> str:
    if isinstance(v, float):
        return f"{v:.1f}".removesuffix(".0")
    return str(v)


def _rect(parent, box: Box, **attrs) -> ET.Element:
    return _el(parent, "rect", x=box.x, y=box.y, width=box.width, height=box.height, **attrs)


def _markers(svg: ET.Element, theme: dict) -> None:
    defs = _el(svg, "defs")
    for name, colour in (("arrow", theme["flow"]), ("arrow-backward", theme["flow_backward"]),
                         ("arrow-worst", theme["worst"])):
        marker = _el(defs, "marker", id=name, viewBox="0 0 10 10", refX=9, refY=5, markerWidth=9, markerHeight=9,
                     markerUnits="userSpaceOnUse", orient="auto")
        _el(marker, "path", d="M0,0 L10,5 L0,10 z", fill=colour)


def _bands(svg, layout: Layout, theme: dict) -> None:
    group = _el(svg, "g", class_="bands")
    for band in layout.bands:
        g = _el(group, "g", class_="band", id=f"band-{band.id}")
        _rect(g, band.box, fill=theme["band"][band.id])
        _el(g, "text", band.name, x=band.box.x + 12, y=band.box.y + 24, fill=theme["band_text"],
            font_size=13, font_weight="bold")
        _el(g, "text", band.caption, x=band.box.x + 12, y=band.box.y + 40, fill=theme["muted"], font_size=SMALL_SIZE)
    for phase in layout.phases:
        _el(group, "line", x1=phase.column.x, y1=phase.column.y, x2=phase.column.x, y2=phase.column.bottom,
            stroke=theme["phase_divider"], stroke_width=1)


def _lines(svg, layout: Layout, theme: dict) -> None:
    group = _el(svg, "g", class_="lines")
    for line in layout.lines:
        g = _el(group, "g", class_="line", id=f"line-{line.id}")
        _el(g, "title", f"{line.name}: {line.note}")
        _el(g, "line", x1=line.x1, y1=line.y, x2=line.x2, y2=line.y, stroke=theme["line"], stroke_width=1.5,
            stroke_dasharray="8 5")
        _el(g, "text", line.name, x=line.x1 + 12, y=line.y - 7, fill=theme["line"], font_size=SMALL_SIZE,
            font_weight="bold")


def _flows(svg, layout: Layout, theme: dict) -> None:
    group = _el(svg, "g", class_="flows", fill="none")
    for flow in layout.flows:
        g = _el(group, "g", class_="flow", id=flow.id)
        _el(g, "title", flow.tooltip)
        colour, marker = theme["flow"], "arrow"
        if flow.worst_at:
            colour, marker = theme["worst"], "arrow-worst"
        elif flow.backward:
            colour, marker = theme["flow_backward"], "arrow-backward"
        _el(g, "path", d=flow.path, stroke=colour, stroke_width=flow.width,
            stroke_opacity=0.55 if flow.backward else 0.75, stroke_dasharray="6 4" if flow.backward else None,
            marker_end=f"url(#{marker})")


def _labels(svg, layout: Layout, theme: dict) -> None:
    group = _el(svg, "g", class_="labels")
    for flow in layout.flows:
        if flow.label is None:
            continue
        label = flow.label
        colour = theme["worst"] if label.worst else theme["flow"]
        g = _el(group, "g", class_="flow-label", id=f"label-{flow.id}")
        _rect(g, label.box, rx=8, fill=theme["label"], stroke=colour, stroke_width=1.5 if label.worst else 1)
        _el(g, "text", label.text, x=label.box.cx, y=label.box.y + 12, fill=colour, font_size=SMALL_SIZE,
            text_anchor="middle", font_weight="bold" if label.worst else None)


def _evidence(svg, layout: Layout, theme: dict, *, connectors: bool) -> None:
    group = _el(svg, "g", class_="evidence-links" if connectors else "evidence")
    for item in layout.evidence:
        if connectors:
            if item.connector:
                x, y1, y2 = item.connector
                _el(group, "line", x1=x, y1=y1, x2=x, y2=y2, stroke=theme["evidence_border"], stroke_width=1,
                    stroke_dasharray="2 3")
            continue
        g = _el(group, "g", class_="evidence-item")
        _rect(g, item.box, rx=3, fill=theme["evidence"], stroke=theme["evidence_border"])
        _el(g, "text", item.text, x=item.box.x + 8, y=item.box.y + 15, fill=theme["text"], font_size=SMALL_SIZE)


def _steps(svg, layout: Layout, theme: dict) -> None:
    group = _el(svg, "g", class_="steps")
    for step in layout.steps:
        g = _el(group, "g", class_="step", id=step.id)
        _el(g, "title", step.tooltip)
        border = theme["status"].get(step.status, theme["card_border"]) if step.status else theme["card_border"]
        _rect(g, step.box, rx=6, fill=theme["card"], stroke=border, stroke_width=2 if step.status == "slower" else 1)
        if step.status:
            _rect(g, Box(step.box.x, step.box.y + 6, 4, step.box.height - 12), fill=border)
        y = step.box.y + TEXT_PAD + TITLE_SIZE
        for line in step.title:
            _el(g, "text", line, x=step.box.x + TEXT_PAD, y=y, fill=theme["text"], font_size=TITLE_SIZE,
                font_weight="bold", class_="name")
            y += TITLE_LEADING
        y += 3
        for i, line in enumerate(step.figures):
            slower = step.status == "slower" and line.startswith("assumed")
            _el(g, "text", line, x=step.box.x + TEXT_PAD, y=y, font_size=FIGURE_SIZE, class_="figure",
                fill=theme["status"]["slower"] if slower else (theme["text"] if i == 0 else theme["muted"]))
            y += FIGURE_LEADING


def _phases(svg, layout: Layout, theme: dict) -> None:
    group = _el(svg, "g", class_="phases")
    for phase in layout.phases:
        g = _el(group, "g", class_="phase", id=phase.id)
        _el(g, "title", phase.tooltip)
        slower = phase.status == "slower"
        _rect(g, Box(phase.header.x + 4, phase.header.y, phase.header.width - 8, phase.header.height), rx=6,
              fill=theme["phase_header"], stroke=theme["status"]["slower"] if slower else theme["phase_divider"],
              stroke_width=2 if slower else 1)
        for i, line in enumerate(phase.lines):
            colour = theme["status"]["slower"] if slower and i == 2 else (theme["text"] if i == 0 else theme["muted"])
            _el(g, "text", line, x=phase.header.x + 14, y=phase.header.y + 18 + i * 16, fill=colour,
                font_size=TITLE_SIZE if i == 0 else FIGURE_SIZE, font_weight="bold" if i == 0 or slower else None)


def _heading(svg, layout: Layout, theme: dict) -> None:
    _el(svg, "text", layout.title, x=24, y=40, fill=theme["text"], font_size=20, font_weight="bold", class_="title")
    _el(svg, "text", layout.subtitle, x=24, y=62, fill=theme["muted"], font_size=12, class_="subtitle")


def _legend(svg, layout: Layout, theme: dict) -> None:
    group = _el(svg, "g", class_="legend")
    _el(group, "text", "  ·  ".join(item.text for item in layout.legend), x=24, y=layout.legend_y + 14,
        fill=theme["muted"], font_size=SMALL_SIZE)


def render_svg(layout: Layout) -> str:
    """The SVG document of a layout (one <g class="step"> per shown step, one <g class="flow"> per flow)."""
    theme = layout.theme
    svg = ET.Element("svg", {"xmlns": SVG_NS, "version": "1.1", "width": _value(layout.width),
                             "height": _value(layout.height), "viewBox": f"0 0 {_value(layout.width)} "
                             f"{_value(layout.height)}", "font-family": theme["font"]})
    _el(svg, "title", layout.title)
    _el(svg, "desc", layout.subtitle)
    _markers(svg, theme)
    _rect(svg, Box(0, 0, layout.width, layout.height), fill=theme["background"])
    for part in (_bands, _lines):
        part(svg, layout, theme)
    _evidence(svg, layout, theme, connectors=True)
    _flows(svg, layout, theme)
    _steps(svg, layout, theme)
    _evidence(svg, layout, theme, connectors=False)
    for part in (_labels, _phases, _heading, _legend):
        part(svg, layout, theme)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + _xml_chars(ET.tostring(svg, encoding="unicode"))


# Characters XML 1.0 does not allow, even escaped (control characters, lone surrogates, U+FFFE/F).
# ElementTree writes them as they are, and a name holding one made the SVG unreadable (resvg and
# browsers refuse it): they are shown as U+FFFD. The markup itself never holds one.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_chars(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
