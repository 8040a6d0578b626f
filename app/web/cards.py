"""The text on the blueprint: step cards, phase headers, evidence, line notes, the subtitle. Pure."""

from app.web.format import clip, count, duration, share, signed_share, wrap
from app.web.shapes import Box, Phase, Step

CARD_W, CARD_H = 188, 118  # the tallest card: a name on two lines and five figure lines
TEXT_PAD, TITLE_LEADING, FIGURE_LEADING, MIN_CARD_H = 10, 15, 14, 64
TITLE_CHARS, FIGURE_CHARS, HEADER_CHARS = 22, 28, 30
STATUS_WORDS = {"slower": "slower", "faster": "faster", "as_assumed": "as assumed", "not_observed": "not observed"}
MEASURE_WORDS = {"service": "service", "waiting": "wait", "lead": "lead", "elapsed": "elapsed"}


def _timing(word: str, timing: dict | None) -> str | None:
    if not timing or timing.get("median_s") is None:
        return None
    return f"{word} {duration(timing['median_s'])} · p90 {duration(timing['p90_s'])}"


def _counts(step: dict) -> str:
    text = f"{count(step['events'])} events · {count(step['cases'])} cases"
    return text if len(text) <= FIGURE_CHARS else f"{count(step['events'])} ev · {count(step['cases'])} cases"


def _assumed(comparison: dict | None) -> str | None:
    if comparison is None:
        return None
    return f"assumed {duration(comparison['assumed_s'])} · {_verdict(comparison)}"


def _verdict(comparison: dict) -> str:
    """slower +52%, slower ×3.1 (three times the assumed), faster -33%, much faster, as assumed, not observed."""
    status, ratio = comparison["status"], comparison["delta_ratio"]
    if ratio is None or status not in ("slower", "faster"):
        return STATUS_WORDS[status]
    if status == "slower" and ratio >= 1:
        return f"slower ×{1 + ratio:.1f}"
    if status == "faster" and ratio <= -0.9:
        return "much faster"
    return f"{STATUS_WORDS[status]} {signed_share(ratio)}"


def assumed_detail(comparison: dict) -> str:
    """The comparison in a sentence: what was assumed, what it measures, what was observed."""
    word = MEASURE_WORDS.get(comparison["measure"], comparison["measure"])
    since = f" from {comparison['from']}" if comparison.get("from") else ""
    return (f"assumed {word}{since} {duration(comparison['assumed_s'])}; observed median "
            f"{duration(comparison['observed_median_s'])}, p90 {duration(comparison['observed_p90_s'])} over "
            f"{count(comparison['cases'])} cases: {STATUS_WORDS[comparison['status']]}")


def step_figures(step: dict) -> list[str]:
    """A card's figure lines: events and cases, waiting before, service time, rework, assumed."""
    lines = [_counts(step), _timing("wait", step["waiting_before"]) or "first step: no wait before"]
    if service := _timing("service", step["service_time"]):
        lines.append(service)
    if step["rework"]["cases"]:
        lines.append(f"rework in {share(step['rework']['case_share'])} of cases")
    if assumed := _assumed(step["assumed"]):
        lines.append(assumed)
    return [clip(line, FIGURE_CHARS) for line in lines]


def card_height(step: dict) -> float:
    """The height a step's card needs for its name and figures (cards of one lane take the tallest)."""
    lines = len(wrap(step["activity"], TITLE_CHARS, 2))
    return max(MIN_CARD_H, 2 * TEXT_PAD + lines * TITLE_LEADING + 3 + len(step_figures(step)) * FIGURE_LEADING)


def step_card(step: dict, box: Box, phase: str) -> Step:
    status = step["assumed"]["status"] if step["assumed"] else None
    tooltip = step["activity"] + (f" ({assumed_detail(step['assumed'])})" if step["assumed"] else "")
    return Step(id=step["id"], activity=step["activity"], lane=step["lane"], phase=phase, box=box,
                title=wrap(step["activity"], TITLE_CHARS, 2), figures=step_figures(step), status=status,
                tooltip=tooltip)


def phase_header(phase: dict, header: Box, column: Box, all_cases: int) -> Phase:
    """A phase's header: its name, the observed elapsed time (median, p90) and the assumed one."""
    elapsed = phase["elapsed"]
    observed = (f"median {duration(elapsed['median_s'])} · p90 {duration(elapsed['p90_s'])}"
                if elapsed["median_s"] is not None else "not observed")
    assumed = phase["assumed"]
    if assumed is None:
        third, status = "no assumed duration", None
    else:
        third, status = _assumed(assumed), assumed["status"]
    tooltip = (f"{phase['name']}: elapsed per case {observed} over {count(phase['cases'])} of "
               f"{count(all_cases)} cases; {third}")
    return Phase(id=phase["id"], name=phase["name"], header=header, column=column,
                 lines=[clip(phase["name"], HEADER_CHARS), observed, clip(third, HEADER_CHARS)],
                 status=status, tooltip=tooltip)


def evidence_text(item: dict) -> str:
    """An evidence item: its name and how often the customer met it (the name alone if both do not fit)."""
    text = f"{item['name']} · {count(item['events'])}"
    return text if len(text) <= FIGURE_CHARS else clip(item["name"], FIGURE_CHARS)


def line_note(feed: dict, line_id: str) -> str:
    """The handoffs between lanes across a line: how many, and their median latency."""
    across = [h for h in feed["handoffs"]["between_lanes"] if line_id in h["lines"]]
    if not across:
        return "no handoffs across"
    total = sum(h["count"] for h in across)
    busiest = max(across, key=lambda h: (h["count"], h["from"], h["to"]))
    return (f"{count(total)} handoffs across; most {busiest['from']} → {busiest['to']}, "
            f"median {duration(busiest['median_s'])}")


def subtitle(feed: dict) -> str:
    stats, window = feed["stats"], feed["window"]
    parts = [f"{count(stats['cases'])} cases", f"{count(stats['events'])} events"]
    if stats["first_timestamp"]:
        parts.append(f"{stats['first_timestamp'][:10]} to {stats['last_timestamp'][:10]}")
    if window["from"] or window["to"]:
        parts.append(f"cases begun {(window['from'] or '…')[:10]} to {(window['to'] or '…')[:10]}")
    if feed["segment"]:
        parts.append("segment " + ", ".join(feed["segment"]))
    return " · ".join(parts)


def folded_text(shown) -> str:
    steps, flows = shown.step_threshold, shown.flow_threshold
    text = (f"showing steps in ≥ {share(steps.share)} and flows in ≥ {share(flows.share)} of cases; "
            f"{shown.folded_steps} steps, {shown.folded_flows} flows folded")
    return text + (f"; {shown.unplaced_steps} unmapped steps not drawn" if shown.unplaced_steps else "")
