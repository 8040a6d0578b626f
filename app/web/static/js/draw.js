// The layout (GET /v1/blueprints/{id}/layout) drawn as SVG in the page: the same elements, in the same
// order, with the same colours as the SVG export (app/web/svg.py), so both show one picture. The page
// adds only what a picture on paper cannot have: focus, selection and tooltips.

import {s} from "./dom.js";

const TITLE_SIZE = 12, FIGURE_SIZE = 11, SMALL_SIZE = 10;
const TEXT_PAD = 10, TITLE_LEADING = 15, FIGURE_LEADING = 14;

function num(value) {
  return Number.isInteger(value) ? String(value) : value.toFixed(1).replace(/\.0$/, "");
}

function rect(box, attrs) {
  return s("rect", {x: num(box.x), y: num(box.y), width: num(box.width), height: num(box.height), ...attrs});
}

function text(content, x, y, attrs) {
  return s("text", {x: num(x), y: num(y), ...attrs}, content);
}

function markers(theme) {
  const defs = s("defs");
  for (const [name, colour] of [["arrow", theme.flow], ["arrow-backward", theme.flow_backward],
    ["arrow-worst", theme.worst]]) {
    defs.append(s("marker", {id: name, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 9, markerHeight: 9,
      markerUnits: "userSpaceOnUse", orient: "auto"}, s("path", {d: "M0,0 L10,5 L0,10 z", fill: colour})));
  }
  return defs;
}

function bands(layout, theme) {
  const group = s("g", {class: "bands"});
  for (const band of layout.bands) {
    group.append(s("g", {class: "band", id: `band-${band.id}`},
      rect(band.box, {fill: theme.band[band.id]}),
      text(band.name, band.box.x + 12, band.box.y + 24, {fill: theme.band_text, "font-size": 13, "font-weight": "bold"}),
      text(band.caption, band.box.x + 12, band.box.y + 40, {fill: theme.muted, "font-size": SMALL_SIZE})));
  }
  for (const phase of layout.phases) {
    const c = phase.column;
    group.append(s("line", {x1: num(c.x), y1: num(c.y), x2: num(c.x), y2: num(c.y + c.height),
      stroke: theme.phase_divider, "stroke-width": 1}));
  }
  return group;
}

function lines(layout, theme) {
  const group = s("g", {class: "lines"});
  for (const line of layout.lines) {
    group.append(s("g", {class: "line", id: `line-${line.id}`},
      s("title", {}, `${line.name}: ${line.note}`),
      s("line", {x1: num(line.x1), y1: num(line.y), x2: num(line.x2), y2: num(line.y), stroke: theme.line,
        "stroke-width": 1.5, "stroke-dasharray": "8 5"}),
      text(line.name, line.x1 + 12, line.y - 7, {fill: theme.line, "font-size": SMALL_SIZE, "font-weight": "bold"})));
  }
  return group;
}

function evidenceLinks(layout, theme) {
  const group = s("g", {class: "evidence-links"});
  for (const item of layout.evidence) {
    if (!item.connector.length) continue;
    const [x, y1, y2] = item.connector;
    group.append(s("line", {x1: num(x), y1: num(y1), x2: num(x), y2: num(y2), stroke: theme.evidence_border,
      "stroke-width": 1, "stroke-dasharray": "2 3"}));
  }
  return group;
}

function flows(layout, theme) {
  const group = s("g", {class: "flows", fill: "none"});
  for (const flow of layout.flows) {
    let colour = theme.flow, marker = "arrow";
    if (flow.worst_at.length) [colour, marker] = [theme.worst, "arrow-worst"];
    else if (flow.backward) [colour, marker] = [theme.flow_backward, "arrow-backward"];
    group.append(s("g", {class: "flow", id: flow.id, tabindex: -1, "data-kind": "flow"},
      s("title", {}, flow.tooltip),
      s("path", {d: flow.path, stroke: colour, "stroke-width": num(flow.width), "stroke-opacity": flow.backward ? 0.55 : 0.75,
        "stroke-dasharray": flow.backward ? "6 4" : null, "marker-end": `url(#${marker})`}),
      s("path", {class: "hit", d: flow.path, stroke: "transparent", "stroke-width": 12})));
  }
  return group;
}

function cardLines(step, theme, border) {
  const out = [];
  let y = step.box.y + TEXT_PAD + TITLE_SIZE;
  for (const line of step.title) {
    out.push(text(line, step.box.x + TEXT_PAD, y, {fill: theme.text, "font-size": TITLE_SIZE, "font-weight": "bold",
      class: "name"}));
    y += TITLE_LEADING;
  }
  y += 3;
  step.figures.forEach((line, i) => {
    const slower = step.status === "slower" && line.startsWith("assumed");
    out.push(text(line, step.box.x + TEXT_PAD, y, {"font-size": FIGURE_SIZE,
      fill: slower ? theme.status.slower : (i === 0 ? theme.text : theme.muted), class: "figure"}));
    y += FIGURE_LEADING;
  });
  return out;
}

function steps(layout, theme) {
  const group = s("g", {class: "steps"});
  for (const step of layout.steps) {
    const border = step.status ? (theme.status[step.status] || theme.card_border) : theme.card_border;
    const label = `${step.activity}, ${step.lane}: ${step.figures.join("; ")}`;
    group.append(s("g", {class: "step", id: step.id, tabindex: 0, role: "button", "aria-label": label,
      "data-kind": "step"},
    s("title", {}, step.tooltip),
    rect(step.box, {rx: 6, fill: theme.card, stroke: border, "stroke-width": step.status === "slower" ? 2 : 1}),
    step.status ? rect({x: step.box.x, y: step.box.y + 6, width: 4, height: step.box.height - 12}, {fill: border}) : null,
    ...cardLines(step, theme, border)));
  }
  return group;
}

function evidence(layout, theme) {
  const group = s("g", {class: "evidence"});
  for (const item of layout.evidence) {
    group.append(s("g", {class: "evidence-item"},
      rect(item.box, {rx: 3, fill: theme.evidence, stroke: theme.evidence_border}),
      text(item.text, item.box.x + 8, item.box.y + 15, {fill: theme.text, "font-size": SMALL_SIZE})));
  }
  return group;
}

function labels(layout, theme) {
  const group = s("g", {class: "labels"});
  for (const flow of layout.flows) {
    if (!flow.label) continue;
    const label = flow.label, colour = label.worst ? theme.worst : theme.flow;
    group.append(s("g", {class: "flow-label", id: `label-${flow.id}`, "data-flow": flow.id},
      rect(label.box, {rx: 8, fill: theme.label, stroke: colour, "stroke-width": label.worst ? 1.5 : 1}),
      text(label.text, label.box.x + label.box.width / 2, label.box.y + 12, {fill: colour, "font-size": SMALL_SIZE,
        "text-anchor": "middle", "font-weight": label.worst ? "bold" : null})));
  }
  return group;
}

function phases(layout, theme) {
  const group = s("g", {class: "phases"});
  for (const phase of layout.phases) {
    const slower = phase.status === "slower", header = phase.header;
    group.append(s("g", {class: "phase", id: phase.id},
      s("title", {}, phase.tooltip),
      rect({x: header.x + 4, y: header.y, width: header.width - 8, height: header.height}, {rx: 6,
        fill: theme.phase_header, stroke: slower ? theme.status.slower : theme.phase_divider,
        "stroke-width": slower ? 2 : 1}),
      ...phase.lines.map((line, i) => text(line, header.x + 14, header.y + 18 + i * 16, {
        fill: slower && i === 2 ? theme.status.slower : (i === 0 ? theme.text : theme.muted),
        "font-size": i === 0 ? TITLE_SIZE : FIGURE_SIZE, "font-weight": i === 0 || slower ? "bold" : null}))));
  }
  return group;
}

/** The layout as an <svg> element, `id`'d for the page. */
export function drawLayout(layout) {
  const theme = layout.theme;
  const svg = s("svg", {version: "1.1", width: num(layout.width), height: num(layout.height), id: "picture",
    viewBox: `0 0 ${num(layout.width)} ${num(layout.height)}`, "font-family": theme.font, role: "group",
    "aria-label": `Service blueprint: ${layout.title}`});
  svg.append(s("title", {}, layout.title), s("desc", {}, layout.subtitle), markers(theme),
    rect({x: 0, y: 0, width: layout.width, height: layout.height}, {fill: theme.background}),
    bands(layout, theme), lines(layout, theme), evidenceLinks(layout, theme), flows(layout, theme),
    steps(layout, theme), evidence(layout, theme), labels(layout, theme), phases(layout, theme),
    text(layout.title, 24, 40, {fill: theme.text, "font-size": 20, "font-weight": "bold", class: "title"}),
    text(layout.subtitle, 24, 62, {fill: theme.muted, "font-size": 12, class: "subtitle"}),
    s("g", {class: "legend"}, text(layout.legend.map((item) => item.text).join("  ·  "), 24, layout.legend_y + 14,
      {fill: theme.muted, "font-size": SMALL_SIZE})));
  return svg;
}
