#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""The numbers of the demo README's "What a designer should find", computed from the CSVs.

Reads crm.csv, ticketing.csv, ops.csv and manifest.json (next to this file, or --folder) with
pandas and prints each finding with its figures. Times are in days (d), hours (h), minutes
(min) or seconds (s); medians and p90s are NumPy's linear quantiles.

Usage:  python findings.py [--folder DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from measures import (  # noqa: E402
    REASONS,
    SYSTEMS,
    call_reasons,
    case_flows,
    cases_with,
    days,
    first,
    lead_s,
    load,
    phase_times,
    q,
    silence_before_visit,
    thread_flows,
    waits_before,
)

BOTS = {"linecheck-api", "provisioning-bot", "notify-bot", "billing-bot"}
VISIT = "Technician visits on site"


def overview(ev: pd.DataFrame) -> list[str]:
    out = [f"{ev['order_id'].nunique()} orders, {len(ev)} events, {ev['activity'].nunique()} activities, "
           f"{ev['role'].nunique()} roles, {ev['resource'].nunique()} resources, {ev['thread'].nunique()} threads"]
    for system in SYSTEMS:
        part = ev[ev["system"] == system]
        out.append(f"  {system}.csv: {len(part)} rows, {part['order_id'].nunique()} orders, "
                   f"{part['activity'].nunique()} activities, {part['start_timestamp'].notna().sum()} with start")
    kinds = ev["thread"].str.split("-").str[0]
    out.append("  threads: " + ", ".join(f"{k} {n}" for k, n in ev.groupby(kinds)["thread"].nunique().items()))
    placed = ev.groupby("order_id")["local"].min()
    out.append(f"  orders placed {placed.min()} .. {placed.max()}; events {ev['local'].min()} .. "
               f"{ev['local'].max()} (local time)")
    starts = ev.groupby("order_id").head(1)["activity"].value_counts()
    out.append("  start activities: " + ", ".join(f"{a} {n}" for a, n in starts.items()))
    out.append(f"  evidence on {(ev['evidence'] != '').sum()} events; lanes: "
               + ", ".join(f"{k} {n}" for k, n in ev["lane"].value_counts().items()))
    return out


def happy_path(ev: pd.DataFrame) -> list[str]:
    """One visit, no call, no ticket, not cancelled."""
    orders = set(ev["order_id"])
    visits = ev[ev["activity"] == VISIT].groupby("order_id").size()
    tickets = set(ev.loc[ev["thread"].str.startswith("TKT"), "order_id"])
    happy = (set(visits[visits == 1].index) - cases_with(ev, "Call support") - tickets
             - cases_with(ev, "Cancel order"))
    sequences = ev.groupby("order_id")["activity"].agg(tuple)
    top = sequences.value_counts()
    return [f"happy path (one visit, no call, no ticket, not cancelled): {len(happy)} of {len(orders)} orders "
            f"({len(happy) / len(orders):.1%})",
            f"  variants: {len(top)}; the most frequent covers {top.iloc[0]} orders ({top.iloc[0] / len(orders):.1%}):",
            "  " + " > ".join(top.index[0])]


def bottleneck(ev: pd.DataFrame) -> list[str]:
    apt = ev[ev["thread"].str.startswith("APT")]
    booked = apt[apt["activity"] == "Schedule technician"].set_index("thread")["timestamp"]
    visited = apt[apt["activity"] == VISIT].set_index("thread")["begin"]
    wait = days(visited - booked).dropna()
    first_apt = wait[wait.index.str.endswith("-1")]
    week = booked.loc[first_apt.index].dt.to_period("W-SUN").dt.start_time.dt.date
    visits = ev[ev["activity"] == VISIT]
    per_week = visits.groupby(visits["begin"].dt.to_period("W-SUN").dt.start_time.dt.date).size()
    out = [f"waiting for a technician (Schedule technician end -> {VISIT} start, per appointment): {q(wait)}; "
           f"first appointments {q(first_apt)}",
           "  week booked | first appointments booked | median wait d | p90 d | visits done that week (capacity 40)"]
    table = first_apt.groupby(week).agg(["count", "median", lambda s: s.quantile(0.9)])
    for day, row in table.iterrows():
        out.append(f"  {day} | {int(row['count'])} | {row['median']:.1f} | {row.iloc[2]:.1f} | "
                   f"{per_week.get(day, 0)}")
    for label, flows in (("case", case_flows(ev)), ("thread", thread_flows(ev))):
        table = flows.groupby(["source", "target"])["wait_d"].agg(["count", "median", "sum"])
        out.append(f"  {label} flows with the most waiting in total (days summed over cases):")
        for (a, b), row in table.sort_values("sum", ascending=False).head(5).iterrows():
            out.append(f"    {a} -> {b}: {int(row['count'])}x, median {row['median']:.2f} d, total {row['sum']:.0f} d")
    return out


def fail_points(ev: pd.DataFrame) -> list[str]:
    orders = ev["order_id"].nunique()
    out = []
    for activity in ("Technician reports no access", "Technician reports line fault", "Abandon call", "Cancel order"):
        hit = cases_with(ev, activity)
        out.append(f"{activity}: {(ev['activity'] == activity).sum()} events in {len(hit)} orders "
                   f"({len(hit) / orders:.1%})")
    failed = cases_with(ev, "Technician reports no access") | cases_with(ev, "Technician reports line fault")
    visits = ev[ev["activity"] == VISIT].groupby("order_id").size()
    rework = ev[ev["order_id"].isin(failed) & (ev["thread"].str.match(r"APT-\d+-[2-9]") |
                                                ev["activity"].str.startswith(("Technician reports", "Repair")))]
    lead = days(first(ev, "Activate line in network") - ev.groupby("order_id")["timestamp"].min())
    extra = int(visits[list(failed)].sum() - len(failed))
    out += [f"  failed visits: {len(failed)} orders ({len(failed) / orders:.1%}) needed {extra} "
            f"extra visits ({(visits >= 3).sum()} orders three); visits per order: "
            + ", ".join(f"{k}: {v}" for k, v in visits.value_counts().sort_index().items()),
            f"  rework events (reports, repairs, re-visit appointment threads): {len(rework)}, "
            f"{len(rework) / max(len(failed), 1):.1f} per failed order",
            f"  order -> activation: with a failed visit {q(lead[lead.index.isin(failed)])}; "
            f"without {q(lead[~lead.index.isin(failed)])}"]
    placed = ev.groupby("order_id")["timestamp"].min()
    in_campaign = placed.between("2026-03-02", "2026-03-23")
    cancelled = placed.index.isin(list(cases_with(ev, "Cancel order")))
    cancel_at = first(ev, "Cancel order")
    arrives_after = (first(ev, "Receive router").reindex(cancel_at.index) > cancel_at).sum()
    out.append(f"  cancelled: orders placed 2-22 March {cancelled[in_campaign].sum()} of {in_campaign.sum()}, "
               f"other orders {cancelled[~in_campaign].sum()} of {(~in_campaign).sum()}; the router still "
               f"arrives after the cancellation in {arrives_after} of {len(cancel_at)}")
    return out + no_access_by_confirmation(ev) + abandoned_calls(ev)


def no_access_by_confirmation(ev: pd.DataFrame) -> list[str]:
    apt = ev[ev["thread"].str.startswith("APT")]
    visit_at = apt[apt["activity"] == VISIT].set_index("thread")["begin"]
    confirmed_at = apt[apt["activity"] == "Confirm appointment"].groupby("thread")["timestamp"].min()
    confirmed = (confirmed_at.reindex(visit_at.index) < visit_at).fillna(False)
    no_access = visit_at.index.isin(apt.loc[apt["activity"] == "Technician reports no access", "thread"])
    frame = pd.DataFrame({"confirmed": confirmed.to_numpy(), "no_access": no_access})
    rows = frame.groupby("confirmed")["no_access"].agg(["count", "sum"])
    return ["  no access by confirmation: " + "; ".join(
        f"{'confirmed' if k else 'not confirmed'} {int(r['sum'])} of {int(r['count'])} visits "
        f"({r['sum'] / r['count']:.1%})" for k, r in rows.iterrows())]


def abandoned_calls(ev: pd.DataFrame) -> list[str]:
    calls = ev[ev["activity"].isin(["Call support", "Abandon call"])]
    nxt = calls.groupby("order_id")["timestamp"].shift(-1)
    after = calls["activity"].eq("Abandon call")
    gap = (nxt[after] - calls.loc[after, "timestamp"]).dt.total_seconds() / 86400
    attempts = ev[ev["activity"] == "Call support"]
    campaign = attempts["timestamp"].between("2026-03-02", "2026-03-30")
    abandon_rate = attempts.groupby(campaign)["thread"].apply(
        lambda t: t.isin(ev.loc[ev["activity"] == "Abandon call", "thread"]).mean())
    queue = ev[ev["activity"] == "Support agent answers call"].set_index("thread")["begin"] - \
        attempts.set_index("thread")["timestamp"]
    patience = ev[ev["activity"] == "Abandon call"].set_index("thread")["timestamp"] - \
        attempts.set_index("thread")["timestamp"]
    return [f"  abandoned calls: {after.sum()} of {len(attempts)} call attempts ({after.sum() / len(attempts):.1%}); "
            f"campaign weeks 2-29 March {abandon_rate.get(True, 0):.1%}, other weeks {abandon_rate.get(False, 0):.1%}; "
            f"each is followed by a repeat Call support after {q(gap, 'min', 0)}; 2 extra events each",
            f"  queue: answered after {q(days(queue.dropna()), 's', 0)}; "
            f"abandoned after {q(days(patience.dropna()), 's', 0)}"]


def avoidable_contacts(ev: pd.DataFrame) -> list[str]:
    calls = call_reasons(ev)
    answered = calls[calls["thread"].isin(ev.loc[ev["activity"] == "Support agent answers call", "thread"])]
    out = [f"{len(calls)} call attempts, {len(answered)} answered; by reason (answered / attempts):"]
    for reason, label in REASONS.items():
        out.append(f"  {reason} ('{label}'): {(answered['reason'] == reason).sum()} / "
                   f"{(calls['reason'] == reason).sum()}")
    for reason, notice in (("Support agent tracks parcel", "Send shipment tracking SMS"),
                           ("Support agent checks appointment", "Send appointment notice")):
        calls_for = answered[answered["reason"] == reason]
        told = ev[ev["activity"] == notice].groupby("thread")["timestamp"].min()
        before = (calls_for["object"].map(told) < calls_for["timestamp"]).sum()
        out.append(f"  {reason}: {len(calls_for) - before} of {len(calls_for)} answered calls came when the "
                   f"{'shipment' if 'parcel' in reason else 'appointment'} had had no {notice[5:]} yet")
    return out + parcel_calls(ev, answered) + appointment_calls(ev, answered)


def parcel_calls(ev: pd.DataFrame, answered: pd.DataFrame) -> list[str]:
    shipments = ev[ev["activity"] == "Courier delivers router"].set_index("thread")["resource"]
    tracked = set(ev.loc[ev["activity"] == "Send shipment tracking SMS", "thread"])
    called = answered.loc[answered["reason"] == "Support agent tracks parcel", "object"]
    out = ["  'where is my router?' calls per shipment:"]
    for label, group in (("with a tracking SMS", shipments.index.isin(tracked)),
                         ("without (no tracking SMS)", ~shipments.index.isin(tracked))):
        ids = shipments.index[group]
        n = called.isin(ids).sum()
        couriers = ", ".join(f"{c} {k}" for c, k in shipments[group].value_counts().items())
        out.append(f"    {label}: {len(ids)} shipments ({couriers}), {n} calls ({n / max(len(ids), 1):.1%})")
    return out


def appointment_calls(ev: pd.DataFrame, answered: pd.DataFrame) -> list[str]:
    apt = ev[ev["thread"].str.startswith("APT")]
    booked = apt[apt["activity"] == "Schedule technician"].set_index("thread")
    noticed = set(apt.loc[apt["activity"] == "Send appointment notice", "thread"])
    phone = set(ev.loc[ev["activity"] == "Place order by phone", "order_id"])
    called = answered.loc[answered["reason"] == "Support agent checks appointment", "object"]
    kind = pd.Series("first appointment, online order", index=booked.index)
    kind[booked["order_id"].isin(phone)] = "first appointment, phone order"
    kind[~booked.index.str.endswith("-1")] = "re-visit"
    out = ["  'when is the technician coming?' calls per appointment:"]
    for (label, has_notice), ids in kind.groupby([kind, kind.index.isin(noticed)]).groups.items():
        n = called.isin(ids).sum()
        out.append(f"    {label}, {'with' if has_notice else 'no'} notice: {len(ids)} appointments, {n} calls "
                   f"({n / len(ids):.1%})")
    return out


def duplicated_work(ev: pd.DataFrame) -> list[str]:
    agent = ev[ev["activity"] == "Support agent checks appointment"].groupby("thread")["timestamp"].min()
    again = ev[ev["activity"] == "Dispatcher re-checks appointment"].groupby("thread")["begin"].min()
    both = agent.index.intersection(again.index)
    minutes = ev[ev["activity"].isin(["Support agent checks appointment", "Dispatcher re-checks appointment"])]
    spent = minutes.groupby("activity")["service_s"].sum() / 3600
    line = ev[ev["activity"] == "Dispatcher checks line before booking"]
    twice = cases_with(ev, "Check line availability") & set(line["order_id"])
    return [f"appointment checked twice: {len(agent)} appointments checked by a support agent (CRM), {len(both)} of "
            f"them re-checked by a dispatcher (ops); dispatcher re-check {q(days(again[both] - agent[both]), 'h')} "
            f"after the agent's; time spent: agents {spent.get('Support agent checks appointment', 0):.1f} h, "
            f"dispatchers {spent.get('Dispatcher re-checks appointment', 0):.1f} h",
            f"line checked twice: {len(twice)} orders have both Check line availability (linecheck-api, at order) and "
            f"Dispatcher checks line before booking ({len(line)} events, {line['service_s'].sum() / 3600:.1f} "
            f"dispatcher hours, {q(line['service_s'] / 86400, 's', 0)})"]


def automation(ev: pd.DataFrame) -> list[str]:
    """Staff steps below the line of visibility: frequent, steady, done by few people."""
    orders = ev["order_id"].nunique()
    staff = ev[ev["lane"].isin(["backstage", "support"]) & ~ev["resource"].isin(BOTS)
               & ~ev["resource"].str.startswith("courier.")]
    rows = staff.groupby("activity").agg(events=("activity", "size"), resources=("resource", "nunique"),
                                         median_s=("service_s", "median"),
                                         p90_s=("service_s", lambda s: s.quantile(0.9)))
    rows["per_order"] = rows["events"] / orders
    rows["spread"] = rows["p90_s"] / rows["median_s"]
    rows["candidate"] = (rows["per_order"] >= 0.9) & (rows["spread"] <= 1.5) & (rows["resources"] <= 3)
    out = ["staff steps in backstage/support | events | per order | median s | p90/median | resources | candidate"]
    for activity, r in rows.sort_values(["candidate", "events"], ascending=False).iterrows():
        out.append(f"  {activity} | {r['events']} | {r['per_order']:.2f} | {r['median_s']:.0f} | {r['spread']:.2f} | "
                   f"{r['resources']} | {'yes' if r['candidate'] else 'no'}")
    return out


def evidence_gaps(ev: pd.DataFrame, manifest: dict) -> list[str]:
    met = ev[ev["lane"].isin(["customer", "frontstage"])]
    bare = met.groupby("activity")["evidence"].apply(lambda e: (e == "").all())
    designed = {a for p in manifest["blueprint"]["phases"] for a in p["activities"]} | \
        set(manifest["blueprint"]["assumptions"]["steps"])
    apt_first = ev[(ev["activity"] == "Schedule technician")]["thread"]
    noticed = set(ev.loc[ev["activity"] == "Send appointment notice", "thread"])
    silent = silence_before_visit(ev)
    shipped = set(ev.loc[ev["activity"] == "Courier delivers router", "thread"])
    tracked = set(ev.loc[ev["activity"] == "Send shipment tracking SMS", "thread"])
    return ["customer/frontstage steps with no evidence on any event: " + ", ".join(
                f"{a} ({(met['activity'] == a).sum()})" for a in bare[bare].index),
            f"designed but never observed: {sorted(designed - set(ev['activity']))}",
            f"appointments without a notice: {(~apt_first.isin(noticed)).sum()} of {len(apt_first)}",
            f"shipments without a tracking SMS: {len(shipped - tracked)} of {len(shipped)}",
            f"appointments confirmed on the phone (nothing in writing): "
            f"{((ev['activity'] == 'Confirm appointment') & (ev['channel'] == 'phone')).sum()}",
            f"router at the door -> the first message about the visit (notice or reminder), first appointments: "
            f"with a notice {q(silent[silent.index.isin(noticed)])}; without {q(silent[~silent.index.isin(noticed)])}"]


def wait_points(ev: pd.DataFrame) -> list[str]:
    placed = ev.groupby("order_id")["timestamp"].min()
    confirmed, received = first(ev, "Send order confirmation"), first(ev, "Receive router")
    courier = ev[ev["activity"] == "Courier delivers router"].set_index("order_id")["resource"]
    first_visit = first(ev, VISIT, column="begin")
    campaign = placed.between("2026-03-02", "2026-03-23")
    at_door = days(first_visit - received).dropna()
    visits = ev[ev["activity"] == VISIT].sort_values("begin")
    reports = ev[ev["activity"].str.startswith("Technician reports")]
    to_next = pd.merge_asof(reports.sort_values("timestamp"), visits[["order_id", "begin"]].rename(
        columns={"begin": "next"}).sort_values("next"), left_on="timestamp", right_on="next", by="order_id",
        direction="forward")
    bill = days(first(ev, "Send first bill") - first(ev, "Activate line in network"))
    opened = ev[ev["activity"].isin(["Report problem online", "Open support ticket"])].set_index("thread")["timestamp"]
    resolved = ev[ev["activity"] == "Send ticket resolution"].set_index("thread")["timestamp"]
    out = [f"order confirmation -> router at the door: {q(days(received - confirmed))}; DPD "
           f"{q(days(received - confirmed)[courier == 'courier.dpd'])}; Swiftpost "
           f"{q(days(received - confirmed)[courier == 'courier.swiftpost'])}",
           f"router at the door -> first technician visit: {q(at_door)}; orders placed 2-22 March "
           f"{q(at_door[campaign.reindex(at_door.index)])}; "
           f"other orders {q(at_door[~campaign.reindex(at_door.index)])}"]
    for outcome, group in to_next.groupby("activity"):
        out.append(f"{outcome} -> next visit: {q(days(group['next'] - group['timestamp']))}")
    out += [f"activation -> first bill: {q(bill)}",
            f"problem reported -> resolution: {q(days(resolved - opened), 'h')}",
            f"order -> activation: {q(days(first(ev, 'Activate line in network') - placed))}"]
    return out


def verdict(assumed: float, observed: pd.Series, tolerance: float) -> str:
    if observed.dropna().empty:
        return f"assumed {assumed:.0f} s, not observed"
    median = observed.median()
    ratio = (median - assumed) / assumed if assumed else float("inf")
    status = "as assumed" if abs(ratio) <= tolerance else ("slower" if ratio > 0 else "faster")
    return (f"assumed {assumed:.0f} s, observed median {median:.0f} s, p90 {observed.quantile(0.9):.0f} s "
            f"(n={observed.count()}): {status} ({ratio:+.0%})")


def assumed_vs_observed(ev: pd.DataFrame, manifest: dict) -> list[str]:
    blueprint = manifest["blueprint"]
    assumptions, tolerance = blueprint["assumptions"], blueprint["assumptions"]["tolerance"]
    out = []
    for step, spec in assumptions["steps"].items():
        spec = spec if isinstance(spec, dict) else {"assumed_s": spec}
        mine = ev["activity"] == step
        measure = spec.get("measure") or ("service" if ev.loc[mine, "start_timestamp"].notna().any() else "waiting")
        if measure == "lead":
            observed = lead_s(ev, spec["from"], step)
        else:
            observed = ev.loc[mine, "service_s"] if measure == "service" else waits_before(ev, step)
        label = f"{spec['from']} -> " if measure == "lead" else ""
        out.append(f"step {label}{step} ({measure}): {verdict(spec['assumed_s'], observed, tolerance)}")
    for segment in assumptions["segments"]:
        observed = lead_s(ev, segment["from"], segment["to"])
        out.append(f"segment {segment['from']} -> {segment['to']}: "
                   f"{verdict(segment['assumed_s'], observed, tolerance)}")
    active, elapsed = phase_times(ev, [p["activities"] for p in blueprint["phases"]])
    for phase, spent, span in zip(blueprint["phases"], elapsed, active, strict=True):
        assumed = phase.get("assumed_duration_s")
        told = verdict(assumed, spent, tolerance) if assumed is not None else "no assumption"
        out.append(f"phase {phase['name']} (elapsed): {told}; active median {span.median():.0f} s, "
                   f"p90 {span.quantile(0.9):.0f} s")
    return out


SECTIONS = [("Overview", overview), ("Happy path", happy_path), ("Bottleneck", bottleneck),
            ("Fail points", fail_points), ("Avoidable contacts", avoidable_contacts),
            ("Duplicated work", duplicated_work), ("Automation candidates", automation),
            ("Evidence gaps", evidence_gaps), ("Wait points the customer lives through", wait_points),
            ("Assumed vs observed", assumed_vs_observed)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folder", type=Path, default=HERE)
    ev, manifest = load(parser.parse_args(argv).folder)
    for title, section in SECTIONS:
        print(f"## {title}")
        needs_manifest = section in (evidence_gaps, assumed_vs_observed)
        for line in section(ev, manifest) if needs_manifest else section(ev):
            print(line)
        print()


if __name__ == "__main__":
    main()
