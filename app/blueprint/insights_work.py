"""The synergy analysis' kinds about work and design (pure): duplicated_work, automation_candidate,
evidence_gap, happy_path and effort (see insights.py)."""

from app.blueprint.insight_context import Context
from app.blueprint.insight_text import Insight, count, duration, plural, quoted, ratio, share
from app.lanes.assign import LANES

CUSTOMER_FACING = ("customer", "frontstage")


def _shared_steps(ctx: Context) -> list[Insight]:
    """Steps a second role (or lane) does a real share of."""
    out = []
    for step in ctx.observed.observed.steps:
        lanes = ctx.observed.synergy.makeup[step.activity].lanes
        by_lane = sorted(((n, LANES[i]) for i, n in enumerate(lanes) if n), reverse=True)
        for what, holders in (("roles", [(r.share, r.name) for r in step.roles]),
                              ("lanes", [(n / step.instances, name) for n, name in by_lane])):
            if len(holders) < 2 or holders[1][0] < ctx.parameters.shared_step_min_share or step.cases < ctx.floor:
                continue
            listed = ", ".join(f"{name} {share(x)}" for x, name in holders)
            out.append(Insight(
                kind="duplicated_work", subject=f"shared {what}\n{step.activity}",
                summary=f"'{step.activity}' is done in {len(holders)} {what}: {listed}; one owner, or one way of "
                        f"doing it, would do.",
                numbers={"holders": len(holders), "first_share": holders[0][0], "second_share": holders[1][0],
                         "instances": step.instances},
                cases=step.cases, steps=[step.activity], roles=[name for _, name in holders] if what == "roles" else [],
                breakdown=[{"label": name, "step": None, "numbers": {"share": x}} for x, name in holders]))
    return out


def _rework_loops(ctx: Context) -> list[Insight]:
    """Steps repeated in a case, those repeated in exactly the same cases as one loop."""
    p, loops = ctx.parameters, {}
    for step in ctx.observed.observed.steps:
        if step.rework.cases >= ctx.floor and step.rework.case_share >= p.rework_min_case_share:
            key = ctx.observed.synergy.makeup[step.activity].repeat_key
            loops.setdefault((key, step.rework.cases), []).append(step)
    ranked = sorted(loops.values(), key=lambda steps: (-sum(s.rework.events for s in steps), steps[0].activity))
    out = []
    for steps in ranked[:p.top]:
        steps.sort(key=lambda s: (s.position, s.activity))
        extra, cases = sum(s.rework.events for s in steps), steps[0].rework.cases
        out.append(Insight(
            kind="duplicated_work", subject="rework\n" + "\n".join(s.activity for s in steps),
            summary=f"{count(cases)} cases ({share(cases / ctx.cases)}) do {quoted(s.activity for s in steps)} again: "
                    f"{count(extra)} extra instances in all.",
            numbers={"cases": cases, "case_share_of_step": steps[0].rework.case_share, "extra_instances": extra},
            cases=cases, steps=[s.activity for s in steps],
            breakdown=[{"label": s.activity, "step": s.activity,
                        "numbers": {"extra_instances": s.rework.events, "cases": s.rework.cases}} for s in steps]))
    return out


def _role_of(ctx: Context, activity: str) -> str:
    roles = ctx.steps[activity].roles
    return roles[0].name if roles else "unknown role"


def _duplicate_checks(ctx: Context) -> list[Insight]:
    out = []
    for d in ctx.observed.synergy.duplicates:
        rarer = min(d.first_units, d.second_units)
        if d.both_units < ctx.floor or d.both_units < ctx.parameters.duplicate_min_overlap * rarer:
            continue
        units = "objects (the thread value both name)" if d.unit == "object" else "cases"
        first, second = _role_of(ctx, d.first), _role_of(ctx, d.second)
        hours = f": {d.second_hours:,.1f} {second} hours" + (f" on top of {d.first_hours:,.1f} {first} hours"
                                                             if d.first_hours else "") if d.second_hours else ""
        out.append(Insight(
            kind="duplicated_work", subject=f"same action\n{d.first}\n{d.second}",
            summary=f"'{d.second}' ({second}) does again what '{d.first}' ({first}) did, on {count(d.both_units)} of "
                    f"{count(d.first_units)} {units}, {_when(d.lag.median_s)}{hours}.",
            numbers={"first_units": d.first_units, "second_units": d.second_units, "both_units": d.both_units,
                     "both_cases": d.both_cases, "lag_median_s": d.lag.median_s, "lag_p90_s": d.lag.p90_s,
                     "first_hours": d.first_hours, "second_hours": d.second_hours},
            cases=d.both_cases, steps=[d.first, d.second], roles=[first, second]))
    return out


def _when(lag_s: float | None) -> str:
    if lag_s is None:
        return "at an unknown time"
    return f"a median {duration(lag_s)} later" if lag_s >= 0 else f"usually before it (a median {duration(-lag_s)})"


def duplicated_work(ctx: Context) -> list[Insight]:
    return _duplicate_checks(ctx) + _rework_loops(ctx) + _shared_steps(ctx)[:ctx.parameters.top]


def automation(ctx: Context) -> list[Insight]:
    """Frequent backstage or support steps people do, steady in time, by few hands."""
    p, found = ctx.parameters, []
    for step in ctx.observed.observed.steps:
        made, service = ctx.observed.synergy.makeup[step.activity], step.service
        if ctx.observed.step_lane.get(step.activity) not in ("backstage", "support") or made.system_share >= 0.5:
            continue
        if service is None or not service.median_s or service.count < p.automation_min_timed_share * step.instances:
            continue
        spread, per_case = service.p90_s / service.median_s, step.instances / max(ctx.cases, 1)
        if per_case >= p.automation_min_per_case and spread <= p.automation_max_spread \
                and 0 < made.resources <= p.automation_max_resources:
            found.append((service.count * service.mean_s / 3600, step, spread, per_case, made.resources))
    found.sort(key=lambda x: (-x[0], x[1].activity))
    return [Insight(
        kind="automation_candidate", subject=step.activity,
        summary=f"'{step.activity}' ({ctx.observed.step_lane[step.activity]}) runs {per_case:.2f} times per case and "
                f"takes a steady {duration(step.service.median_s)} (p90 {spread:.2f} times the median), by "
                f"{resources} {'person' if resources == 1 else 'people'}: {hours:,.1f} staff hours a rule or a system "
                f"could take over.",
        numbers={"instances": step.instances, "per_case": per_case, "median_s": step.service.median_s,
                 "p90_s": step.service.p90_s, "spread": spread, "resources": resources, "staff_hours": hours},
        cases=step.cases, steps=[step.activity]) for hours, step, spread, per_case, resources in found[:p.top]]


def _phase_gaps(ctx: Context) -> list[Insight]:
    out = []
    for phase in ctx.feed["phases"]:
        steps = [ctx.activity_of[i] for i in phase["steps"]]
        facing = [a for a in steps if ctx.observed.step_lane.get(a) in CUSTOMER_FACING]
        if not facing or phase["cases"] < ctx.floor or any(ctx.observed.evidence.get(a) for a in steps):
            continue
        out.append(Insight(
            kind="evidence_gap", subject=f"phase\n{phase['name']}",
            summary=f"Phase '{phase['name']}' meets the customer in {plural(len(facing), 'step')} ({quoted(facing[:3])}"
                    f"{' and more' if len(facing) > 3 else ''}) and leaves no evidence: nothing the customer can keep "
                    f"or show ({count(phase['cases'])} cases).",
            numbers={"customer_facing_steps": len(facing), "steps": len(steps), "cases": phase["cases"]},
            cases=phase["cases"], steps=facing))
    return out


def _missing_evidence(ctx: Context) -> list[Insight]:
    p, out = ctx.parameters, []
    for e in ctx.expected_evidence:
        missing = e.units - e.followed
        if missing < ctx.floor or missing < p.evidence_min_missing_share * e.units:
            continue
        with_rate = ratio(e.contact_cases_missing, e.cases_missing)
        without_rate = ratio(e.contact_cases_complete, e.cases_complete)
        contacts = f"; {share(with_rate)} of those cases contact the service, against {share(without_rate)} where it " \
                   f"came" if with_rate is not None and without_rate is not None else ""
        out.append((missing, Insight(
            kind="evidence_gap", subject=f"missing\n{e.after}\n{e.evidence}",
            summary=f"'{e.evidence}' usually follows '{e.after}' but is missing after {count(missing)} of "
                    f"{count(e.units)} ({share(missing / e.units)}), in {count(e.cases_missing)} cases{contacts}.",
            numbers={"units": e.units, "missing": missing, "missing_share": missing / e.units,
                     "cases_missing": e.cases_missing, "contact_share_missing": with_rate,
                     "contact_share_complete": without_rate},
            cases=e.cases_missing, steps=[e.after, e.evidence], flows=[(e.after, e.evidence)])))
    return [i for _, i in sorted(out, key=lambda x: (-x[0], x[1].subject))]


def evidence_gaps(ctx: Context) -> list[Insight]:
    return _phase_gaps(ctx)[:ctx.parameters.top] + _missing_evidence(ctx)[:ctx.parameters.top]


def happy_path(ctx: Context) -> list[Insight]:
    variants = ctx.observed.observed.variants
    top = variants.top[0] if variants.top else None
    numbers = {"variants": variants.count, "top_variant_cases": top.cases if top else 0,
               "top_variant_share": top.share if top else 0.0}
    common = f"the most common of {count(variants.count)} variants covers {count(top.cases)} cases " \
             f"({share(top.share)})" if top else "there are no cases"
    c = ctx.observed.synergy.conformance
    if c is None or not ctx.observed.synergy.main_phases:  # no design, or no phase most cases enter
        return [Insight(kind="happy_path", subject="variant", summary=f"Without a designed path: {common}.",
                        numbers={"following": top.cases if top else 0, "share": top.share if top else 0.0, **numbers},
                        cases=top.cases if top else 0, steps=list(top.activities) if top else [])]
    names = [ctx.observed.phase_names[i] for i in ctx.observed.synergy.main_phases]
    reasons = [("an undesigned step", c.undesigned), ("a repeated step", c.repeated),
               ("a phase out of order", c.out_of_order), ("a main phase skipped", c.missing_phase),
               ("a detour through another phase", c.detour)]
    left = ", ".join(f"{label} ({count(n)})" for label, n in reasons if n)
    main_steps = [a for a in ctx.observed.synergy.designed_steps
                  if ctx.observed.phase_of.get(a) in ctx.observed.synergy.main_phases]
    return [Insight(
        kind="happy_path", subject="design",
        summary=f"{count(c.following)} of {count(c.cases)} cases ({share(c.following / max(c.cases, 1))}) follow the "
                f"designed path: only designed steps, each once, through {quoted(names)} in order"
                + (f"; the others leave it by {left}" if left else "") + f"; {common}.",
        numbers={"following": c.following, "share": c.following / max(c.cases, 1), **numbers},
        cases=c.following, steps=[a for a in main_steps if a in ctx.steps],
        breakdown=[{"label": label, "step": None, "numbers": {"cases": n}} for label, n in reasons])]


def effort(ctx: Context) -> list[Insight]:
    roles = ctx.observed.synergy.effort
    staff = sum(r.hours for r in roles)
    out = []
    for r in roles[:ctx.parameters.top]:
        main = r.steps[0]
        timed = f"; {count(r.instances - r.timed)} of its {count(r.instances)} instances have no start and are not " \
                f"counted" if r.timed < r.instances else ""
        who = "Staff with no role recorded spend" if r.role == "(no role)" else f"The {r.role} role spends"
        out.append(Insight(
            kind="effort", subject=r.role,
            summary=f"{who} {r.hours:,.1f} staff hours ({share(ratio(r.hours, staff))} of all), "
                    f"{r.hours / max(ctx.cases, 1):.2f} h per case, most on '{main.activity}' "
                    f"({main.hours:,.1f} h){timed}.",
            numbers={"hours": r.hours, "share_of_staff_hours": ratio(r.hours, staff),
                     "hours_per_case": r.hours / max(ctx.cases, 1), "instances": r.instances, "timed": r.timed},
            cases=max((ctx.cases_of(s.activity) for s in r.steps), default=0), steps=[s.activity for s in r.steps],
            roles=[r.role],
            breakdown=[{"label": s.activity, "step": s.activity,
                        "numbers": {"hours": s.hours, "instances": s.instances, "timed": s.timed,
                                    "hours_per_instance": s.hours / s.timed if s.timed else None}}
                       for s in r.steps]))
    return out
