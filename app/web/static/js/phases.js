// The phases board of the blueprint screen: phases as columns of step chips, moved by dragging or
// with each chip's buttons (the keyboard way), each phase with its name and assumed duration.

import {h, put} from "./dom.js";
import {inUnit, toSeconds, UNITS} from "./format.js";

/** A duration picker (number and unit) reporting seconds (null when empty). Empty, it offers the
 *  unit of `like` (what was observed), so "90" typed for a wait of months means days, not hours. */
export function durationInput(label, seconds, onChange, {disabled, id, like} = {}) {
  const start = seconds === null || seconds === undefined ? {value: "", unit: inUnit(like ?? null).unit}
    : inUnit(seconds);
  const number = h("input", {type: "number", min: 0, step: "any", value: start.value, "aria-label": `${label}: amount`,
    disabled, id});
  const unit = h("select", {"aria-label": `${label}: unit`, disabled},
    Object.keys(UNITS).map((u) => h("option", {value: u, selected: u === start.unit}, u)));
  const report = () => onChange(toSeconds(number.value, unit.value));
  number.addEventListener("change", report);
  unit.addEventListener("change", report);
  return h("span", {class: "duration"}, number, unit);
}

function chip(activity, from, board) {
  const {phases, editable} = board;
  const move = (to) => board.move(activity, from, to);
  const node = h("li", {class: "chip", draggable: editable ? "true" : null, "data-activity": activity},
    editable ? h("button", {type: "button", "aria-label": `Move ${activity} to the previous phase`,
      disabled: from === -1, onclick: () => move(from - 1)}, "◀") : null,
    h("span", {class: "name"}, activity),
    editable ? h("button", {type: "button", "aria-label": `Move ${activity} to the next phase`,
      disabled: from === phases.length - 1, onclick: () => move(from + 1)}, "▶") : null);
  node.addEventListener("dragstart", (e) => {
    e.dataTransfer.setData("text/plain", JSON.stringify({activity, from}));
    e.dataTransfer.effectAllowed = "move";
  });
  return node;
}

function dropTarget(column, index, board) {
  column.addEventListener("dragover", (e) => { e.preventDefault(); column.classList.add("over"); });
  column.addEventListener("dragleave", () => column.classList.remove("over"));
  column.addEventListener("drop", (e) => {
    e.preventDefault();
    column.classList.remove("over");
    const {activity, from} = JSON.parse(e.dataTransfer.getData("text/plain"));
    board.move(activity, from, index);
  });
}

function phaseColumn(phase, index, board) {
  const {editable} = board;
  const column = h("section", {class: "phase-col", "aria-label": `Phase ${index + 1}`},
    h("h2", {}, h("input", {value: phase.name, size: 18, "aria-label": `Phase ${index + 1}: name`, disabled: !editable,
      class: "phase-name", onchange: (e) => { phase.name = e.target.value.trim() || phase.name; board.changed(); }})),
    h("p", {}, "assumed ", durationInput(`Phase ${index + 1}: assumed duration`, phase.assumed_duration_s,
      (seconds) => { phase.assumed_duration_s = seconds; board.changed(); }, {disabled: !editable})),
    phase.activity_regex ? h("p", {class: "muted"}, `and every step matching ${phase.activity_regex}`) : null,
    h("ul", {}, phase.activities.map((a) => chip(a, index, board))),
    editable ? h("button", {type: "button", class: "link", onclick: () => board.removePhase(index)},
      "Remove this phase") : null);
  if (editable) dropTarget(column, index, board);
  return column;
}

/** Put the focus on the chip of `activity` after a redraw: on its button the same way if it can go on,
 *  else the other one (moving a chip with its buttons redraws the board, and the focus fell to the page). */
export function focusChip(node, activity, forward) {
  const chip = [...node.querySelectorAll(".chip")].find((c) => c.dataset.activity === activity);
  const [back, on] = chip ? chip.querySelectorAll("button") : [];
  const wanted = forward ? on : back;
  (wanted && !wanted.disabled ? wanted : forward ? back : on)?.focus();
}

/** Draw the board: the pool of steps in no phase (index -1), then one column per phase. */
export function drawBoard(node, board) {
  const named = new Set(board.phases.flatMap((p) => p.activities));
  const pool = board.activities.filter((a) => !named.has(a));
  const poolColumn = h("section", {class: "phase-col", "aria-label": "Steps in no phase"},
    h("h2", {}, "In no phase"), h("ul", {}, pool.map((a) => chip(a, -1, board))));
  if (board.editable) dropTarget(poolColumn, -1, board);
  put(node, poolColumn, board.phases.map((phase, i) => phaseColumn(phase, i, board)));
}
