"""The synergy analysis (step 6 of the service blueprint method): where the flow gets stuck, where
work is duplicated, what could be automated, where the frontstage could do better. Pure: the
observed blueprint (its case-level figures were measured in app/mining) and the assembled feed
in, ranked insights with readable summaries out.

This module: the entry point and the kinds about time and the customer's path (bottleneck,
stuck_at_line, frontstage_wait, fail_point, wait_point, avoidable_contact);
insights_work.py: the kinds about work (duplicated_work, automation_candidate, evidence_gap,
happy_path, effort)."""

from app.blueprint.insight_context import Context
from app.blueprint.insight_parameters import parameters_json
from app.blueprint.insight_text import Insight, count, duration, ordinal, quoted, ratio, share, times, total
from app.blueprint.insights_work import automation, duplicated_work, effort, evidence_gaps, happy_path
from app.blueprint.observed import ObservedBlueprint
from app.blueprint.schemas import BlueprintIn
from app.lanes.assign import LINES
from app.mining.results import Flow, Summary

KINDS = ("bottleneck", "duplicated_work", "stuck_at_line", "automation_candidate", "evidence_gap",
         "frontstage_wait", "fail_point", "wait_point", "avoidable_contact", "happy_path", "effort")
DAY = 86400.0


def total_s(waiting: Summary) -> float:
    """All the time waited: count × mean (the sum of the waits)."""
    return waiting.count * (waiting.mean_s or 0.0)


def _flow_rows(flows: list[Flow]) -> list[dict]:
    return [{"label": f"{f.source} -> {f.target}", "step": f.source,
             "numbers": {"count": f.count, "median_s": f.waiting.median_s, "total_wait_days": total_s(f.waiting) / DAY}}
            for f in flows]


def _step_bottlenecks(ctx: Context) -> list[Insight]:
    steps = [s for s in ctx.observed.observed.steps if s.waiting.count >= ctx.floor and total_s(s.waiting) > 0]
    steps.sort(key=lambda s: (-total_s(s.waiting), s.activity))
    everything = sum(total_s(s.waiting) for s in ctx.observed.observed.steps)
    out = []
    for rank, step in enumerate(steps[:ctx.parameters.top], start=1):
        into = sorted((f for f in ctx.observed.observed.flows if f.target == step.activity),
                      key=lambda f: (-total_s(f.waiting), f.source))[:ctx.parameters.top]
        w = step.waiting
        longest = "the longest wait of the service" if rank == 1 else \
            f"the {ordinal(rank)}longest wait of the service, after {quoted(s.activity for s in steps[:rank - 1])}"
        lead = into[0] if into else None
        mostly = f"; mostly after '{lead.source}' ({times(lead.count)}, median " \
                 f"{duration(lead.waiting.median_s)}, {total(total_s(lead.waiting))})" if lead else ""
        out.append(Insight(
            kind="bottleneck", subject=f"step\n{step.activity}",
            summary=f"Cases wait a median {duration(w.median_s)} (p90 {duration(w.p90_s)}) before '{step.activity}', "
                    f"{total(total_s(w))} in all: {longest}{mostly}.",
            numbers={"rank": rank, "waits": w.count, "median_s": w.median_s, "p90_s": w.p90_s,
                     "total_wait_days": total_s(w) / DAY, "share_of_all_waiting": ratio(total_s(w), everything)},
            cases=step.cases, steps=[step.activity], flows=[(f.source, f.target) for f in into],
            breakdown=_flow_rows(into)))
    return out


def _handoff_bottlenecks(ctx: Context) -> list[Insight]:
    handoffs = sorted((h for h in ctx.observed.lane_handovers if h.count >= ctx.floor and total_s(h.waiting) > 0),
                      key=lambda h: (-total_s(h.waiting), h.source, h.target))
    out = []
    for rank, h in enumerate(handoffs[:ctx.parameters.top], start=1):
        out.append(Insight(
            kind="bottleneck", subject=f"handoff\n{h.source}\n{h.target}",
            summary=f"Work handed from the {h.source} to the {h.target} waits a median {duration(h.waiting.median_s)} "
                    f"({count(h.count)} handoffs in {count(h.cases)} cases), {total(total_s(h.waiting))} in "
                    f"all: the {ordinal(rank)}most waiting of any handoff between lanes.",
            numbers={"rank": rank, "count": h.count, "median_s": h.waiting.median_s, "p90_s": h.waiting.p90_s,
                     "total_wait_days": total_s(h.waiting) / DAY},
            cases=h.cases, handoffs=[("lane", h.source, h.target)]))
    return out


def _slower(ctx: Context) -> list[Insight]:
    """The feed's comparisons that came out slower than assumed, per subject by the time they
    cost over the assumption (delta × cases)."""
    feed = ctx.feed
    found = {"step": [], "segment": [], "phase": [], "handoff": []}
    for s in feed["steps"]:
        if s["assumed"] and s["assumed"]["status"] == "slower":
            frm = f" from '{s['assumed']['from']}'" if s["assumed"]["from"] else ""
            found["step"].append((s["activity"], f"'{s['activity']}' ({s['assumed']['measure']}{frm})", s["assumed"],
                                  [s["activity"]], []))
    for seg in feed["assumptions"]["segments"]:
        c = seg["comparison"]
        if c and c["status"] == "slower":
            found["segment"].append((f"{seg['from']}\n{seg['to']}", f"the lead from '{seg['from']}' to '{seg['to']}'",
                                     c, [seg["from"], seg["to"]], []))
    for p in feed["phases"]:
        if p["assumed"] and p["assumed"]["status"] == "slower":
            found["phase"].append((p["name"], f"phase '{p['name']}' (elapsed)", p["assumed"],
                                   [ctx.activity_of[i] for i in p["steps"]], []))
    for h in feed["assumptions"]["handoffs"]:
        c = h["comparison"]
        if c and c["status"] == "slower":
            flows = [(h["source"], h["target"])] if c["measure"] == "flow" else []
            found["handoff"].append((f"{h['source']}\n{h['target']}", f"the handoff '{h['source']}' -> '{h['target']}'",
                                     c, [h["source"], h["target"]] if flows else [], flows))
    out = []
    for subject, items in found.items():
        items.sort(key=lambda x: (-(x[2]["delta_s"] * x[2]["cases"]), x[0]))
        for key, what, c, steps, flows in items[:ctx.parameters.top]:
            out.append(Insight(
                kind="bottleneck", subject=f"assumed {subject}\n{key}",
                summary=f"{what[0].upper()}{what[1:]} takes a median {duration(c['observed_median_s'])} against "
                        f"{duration(c['assumed_s'])} assumed ({_slower_by(c['delta_ratio'])}, over "
                        f"{count(c['cases'])} {MEASURED[c['measure']]}).",
                numbers={"assumed_s": c["assumed_s"], "observed_median_s": c["observed_median_s"],
                         "observed_p90_s": c["observed_p90_s"], "delta_ratio": c["delta_ratio"], "cases": c["cases"],
                         "excess_days": c["delta_s"] * c["cases"] / DAY},
                cases=c["cases"] if subject != "step" or c["measure"] == "lead" else ctx.cases_of(steps[0]),
                steps=[s for s in steps if s in ctx.steps], flows=flows,
                handoffs=[("lane", h[0], h[1]) for h in [key.split("\n")] if subject == "handoff" and not flows]))
    return out


MEASURED = {"service": "instances", "waiting": "instances", "lead": "cases", "elapsed": "cases",
            "lane_handoff": "handoffs", "flow": "handoffs"}


def _slower_by(delta_ratio: float | None) -> str:
    if delta_ratio is None:
        return "slower"
    return f"{1 + delta_ratio:.1f} times as long" if delta_ratio >= 1 else f"{share(delta_ratio)} slower"


def _stuck(ctx: Context) -> list[Insight]:
    out = []
    for line in LINES[1:]:  # the line of interaction: frontstage_wait
        typical = ctx.observed.synergy.line_waits.get(line["id"], Summary()).median_s
        crossing = [f for f in ctx.flows_json if f["crosses"] == [line["id"]] and f["count"] >= ctx.floor
                    and (f["waiting"]["median_s"] or 0) > 0
                    and f["waiting"]["median_s"] >= ctx.parameters.stuck_min_ratio * (typical or 0)]
        crossing.sort(key=lambda f: (-(f["count"] * (f["waiting"]["median_s"] - (typical or 0))), f["source"]))
        for f in crossing[:ctx.parameters.top]:
            factor = ratio(f["waiting"]["median_s"], typical)
            than = f", {factor:,.0f} times the line's median of {duration(typical)}" if factor else ""
            out.append(Insight(
                kind="stuck_at_line", subject=f"{line['id']}\n{f['source']}\n{f['target']}",
                summary=f"Across the {line['name'].lower()}, '{f['source']}' ({f['source_lane']}) -> '{f['target']}' "
                        f"({f['target_lane']}) waits a median {duration(f['waiting']['median_s'])}{than} "
                        f"({times(f['count'])} in {count(f['cases'])} cases).",
                numbers={"count": f["count"], "median_s": f["waiting"]["median_s"], "p90_s": f["waiting"]["p90_s"],
                         "line_median_s": typical, "ratio": factor,
                         "excess_days": f["count"] * (f["waiting"]["median_s"] - (typical or 0)) / DAY},
                cases=f["cases"], steps=[f["source"], f["target"]], flows=[(f["source"], f["target"])],
                handoffs=[("lane", f["source_lane"], f["target_lane"])]))
    return out


def _frontstage_waits(ctx: Context) -> list[Insight]:
    answers = ctx.observed.synergy.answers
    unanswered = {a.customer_step: a.count for a in answers if a.answer_step is None}
    found = sorted((a for a in answers if a.answer_step is not None and a.count >= ctx.floor),
                   key=lambda a: (-(a.waiting.median_s or 0), a.customer_step))
    return [Insight(
        kind="frontstage_wait", subject=f"{a.customer_step}\n{a.answer_step}",
        summary=f"After '{a.customer_step}' the frontstage answers with '{a.answer_step}' a median "
                f"{duration(a.waiting.median_s)} later (p90 {duration(a.waiting.p90_s)}, {times(a.count)})"
                + (f"; {times(unanswered[a.customer_step])} nothing in the frontstage follows."
                   if unanswered.get(a.customer_step) else "."),
        numbers={"count": a.count, "median_s": a.waiting.median_s, "p90_s": a.waiting.p90_s,
                 "unanswered": unanswered.get(a.customer_step, 0)},
        cases=ctx.cases_of(a.customer_step), steps=[a.customer_step, a.answer_step])
        for a in found[:ctx.parameters.top]]


def _fail_points(ctx: Context) -> list[Insight]:
    out = []
    for g in sorted(ctx.observed.synergy.fails, key=lambda g: (-g.cases, g.step or "")):
        if g.cases < ctx.floor:
            continue
        direct = sorted((f for f in g.failures if f.direct), key=lambda f: (-f.instances, f.activity))
        what = ", ".join(f"'{f.activity}' {count(f.after_step)}" for f in direct)
        after = f"After '{g.step}', {count(g.failure_instances)} of {count(g.step_instances)} " \
                f"({share(ratio(g.failure_instances, g.step_instances))})" if g.step else \
                f"{count(g.failure_instances)} times, cases"
        again = f"; they do '{g.step}' {count(g.extra_step_instances)} more times" if g.extra_step_instances else ""
        back = f"{again or '; they return to it'}, a median {duration(g.back.median_s)} after the failure" \
            if g.step and g.back.count else again
        out.append(Insight(
            kind="fail_point", subject=f"{g.step}\n" + "\n".join(f.activity for f in g.failures),
            summary=f"{after} fail ({what}) in {count(g.cases)} cases ({share(g.cases / ctx.cases)}){back}, and "
                    f"{count(g.repeated_after)} steps in all are done again; those cases last a median "
                    f"{duration(g.duration_with.median_s)} against {duration(g.duration_without.median_s)}.",
            numbers={"failures": g.failure_instances, "step_instances": g.step_instances,
                     "failure_share": ratio(g.failure_instances, g.step_instances), "back_median_s": g.back.median_s,
                     "back_p90_s": g.back.p90_s, "extra_step_instances": g.extra_step_instances,
                     "repeated_after": g.repeated_after, "duration_with_median_s": g.duration_with.median_s,
                     "duration_without_median_s": g.duration_without.median_s},
            cases=g.cases, steps=([g.step] if g.step else []) + [f.activity for f in g.failures],
            flows=[(g.step, f.activity) for f in direct] if g.step else [],
            breakdown=[{"label": f.activity, "step": f.activity,
                        "numbers": {"instances": f.instances, "after_step": f.after_step, "cases": f.cases,
                                    "case_share": f.cases / ctx.cases,
                                    "direct": int(f.direct), "back_median_s": f.back.median_s}}
                       for f in g.failures]))
    return out[:ctx.parameters.top]


def _wait_points(ctx: Context) -> list[Insight]:
    waits = sorted((w for w in ctx.observed.synergy.milestone_waits if w.waiting.count >= ctx.floor),
                   key=lambda w: (-(w.waiting.median_s or 0), w.source))
    return [Insight(
        kind="wait_point", subject=f"{w.source}\n{w.target}",
        summary=f"Between '{w.source}' and '{w.target}' the customer waits a median {duration(w.waiting.median_s)} "
                f"(p90 {duration(w.waiting.p90_s)}, {count(w.waiting.count)} cases): the {ordinal(rank)}longest wait "
                f"between two steps of the customer's journey.",
        numbers={"rank": rank, "cases": w.waiting.count, "median_s": w.waiting.median_s, "p90_s": w.waiting.p90_s,
                 "total_wait_days": total_s(w.waiting) / DAY},
        cases=w.waiting.count, steps=[w.source, w.target])
        for rank, w in enumerate(waits[:ctx.parameters.top], start=1)]


def _contacts(ctx: Context) -> list[Insight]:
    expected = {e.evidence: e for e in ctx.expected_evidence}
    groups = sorted((g for g in ctx.observed.synergy.contacts if g.episodes >= ctx.floor),
                    key=lambda g: (-g.episodes, g.before, g.contact))
    out = []
    for g in groups[:ctx.parameters.top]:
        missing = [m for m in g.missing if m.name in expected]
        gap = missing[0] if missing and missing[0].share >= 0.5 else None
        why = f"; in {count(gap.count)} of these cases '{gap.name}' was missing after '{expected[gap.name].after}'" \
            if gap else ""
        out.append(Insight(
            kind="avoidable_contact", subject=f"{g.before}\n{g.contact}",
            summary=f"{count(g.episodes)} '{g.contact}' contacts come right after '{g.before}' "
                    f"({count(g.cases)} cases, {share(g.cases / ctx.cases)}), a median "
                    f"{duration(g.waiting.median_s)} later, {count(g.attempts)} attempts{why}.",
            numbers={"contacts": g.episodes, "attempts": g.attempts, "median_s": g.waiting.median_s,
                     "missing_evidence_cases": gap.count if gap else None,
                     "missing_evidence_share": gap.share if gap else None},
            cases=g.cases, steps=[g.before, g.contact] + ([gap.name] if gap else []), flows=[(g.before, g.contact)],
            breakdown=[{"label": f"missing '{m.name}'", "step": m.name,
                        "numbers": {"cases": m.count, "share": m.share}} for m in missing]))
    return out


def describe_insights(observed: ObservedBlueprint, definition: BlueprintIn, feed: dict) -> dict:
    """The feed's `insights`: the thresholds used, and every finding, by kind and rank."""
    ctx = Context.of(observed, definition, feed)
    found = (_step_bottlenecks(ctx) + _handoff_bottlenecks(ctx) + _slower(ctx) + duplicated_work(ctx) + _stuck(ctx)
             + automation(ctx) + evidence_gaps(ctx) + _frontstage_waits(ctx) + _fail_points(ctx) + _wait_points(ctx)
             + _contacts(ctx) + happy_path(ctx) + effort(ctx))
    found.sort(key=lambda i: KINDS.index(i.kind))  # stable: each kind keeps its ranking
    return {"parameters": parameters_json(ctx.parameters), "items": [i.as_json(ctx.cases) for i in found]}
