#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# Generated data (crm.csv, ticketing.csv, ops.csv): CC0-1.0
"""Generate the Blueprint Miner demo logs: broadband installation seen from three systems.

Synthetic data written by the Blueprint Miner team.

Writes, next to this file:
    crm.csv        orders, customer calls, e-mails sent, billing, ratings
    ticketing.csv  support tickets and the agents working on them
    ops.csv        warehouse (router), technician dispatch/visits, line activation

All three share ``order_id`` (the case id). Timestamps are naive local wall-clock
time in Europe/London, formatted "YYYY-MM-DD HH:MM:SS". The output is fully
deterministic (numpy ``default_rng(7)``); re-running produces byte-identical files.

Usage:  python generate.py
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SEED = 7
N_ORDERS = 300
FIRST_ORDER_DAY = dt.date(2026, 1, 5)   # Monday
LAST_ORDER_DAY = dt.date(2026, 4, 3)    # Friday
COLUMNS = ["order_id", "activity", "timestamp", "start_timestamp",
           "resource", "role", "channel", "evidence"]

# Spring-forward gap in Europe/London: these wall-clock times do not exist.
DST_GAP = (dt.datetime(2026, 3, 29, 1, 0), dt.datetime(2026, 3, 29, 2, 0))

# --------------------------------------------------------------------------- #
# Activity catalogue: activity -> (system, role, evidence)
# One role per activity, so role-based lane mapping is unambiguous.
# --------------------------------------------------------------------------- #
ACTIVITIES: dict[str, tuple[str, str, str]] = {
    # CRM
    "Place order online":             ("crm", "customer", ""),
    "Place order by phone":           ("crm", "customer", ""),
    "Sales agent confirms order":     ("crm", "sales_agent", ""),
    "Check line availability":        ("crm", "network_system", ""),
    "Send order confirmation email":  ("crm", "notification_service", "order confirmation email"),
    "Call support":                   ("crm", "customer", ""),
    "Support agent answers call":     ("crm", "support_agent", ""),
    "Cancel order":                   ("crm", "customer", ""),
    "Send cancellation email":        ("crm", "notification_service", "cancellation confirmation email"),
    "Send welcome email":             ("crm", "notification_service", "welcome email"),
    "Issue first bill":               ("crm", "billing_system", "first bill"),
    "Rate installation":              ("crm", "customer", ""),
    # Ticketing
    "Report problem online":          ("ticketing", "customer", "ticket acknowledgement email"),
    "Open support ticket":            ("ticketing", "support_agent", "ticket acknowledgement email"),
    "Escalate ticket to field service": ("ticketing", "support_agent", ""),
    "Resolve ticket":                 ("ticketing", "support_agent", "ticket resolution email"),
    # Ops
    "Reserve router in warehouse":    ("ops", "warehouse", ""),
    "Ship router":                    ("ops", "warehouse", "router parcel"),
    "Receive router":                 ("ops", "customer", ""),
    "Schedule technician":            ("ops", "dispatcher", ""),
    "Confirm appointment":            ("ops", "customer", ""),
    "Send SMS appointment reminder":  ("ops", "notification_service", "SMS appointment reminder"),
    "Dispatch technician":            ("ops", "dispatcher", ""),
    "Technician installs on site":    ("ops", "technician", "installation report"),
    "Activate line in network":       ("ops", "network_system", ""),
}

# --------------------------------------------------------------------------- #
# People and bots
# --------------------------------------------------------------------------- #
SALES_AGENTS = ["agent.maria", "agent.james", "agent.priya", "agent.tom"]
SUPPORT_AGENTS = ["agent.sofia", "agent.daniel", "agent.aisha", "agent.liam", "agent.chloe"]
DISPATCHERS = ["disp.grace", "disp.ravi"]
WAREHOUSE = ["wh.kai", "wh.lena", "wh.marek"]
TECHNICIANS = ["tech.omar", "tech.ben", "tech.olu", "tech.hannah",
               "tech.sean", "tech.ewa", "tech.raj", "tech.nina"]
BOT_NOTIFY = "notify-bot"
BOT_BILLING = "billing-bot"
BOT_LINECHECK = "linecheck-api"
BOT_PROVISIONING = "provisioning-bot"
CUSTOMER = "customer"

# --------------------------------------------------------------------------- #
# Working calendars: (weekdays Mon=0.., open hour, close hour), local time
# --------------------------------------------------------------------------- #
CAL = {
    "customer":  (range(0, 7), 7, 23),   # customers act 07:00-23:00 any day
    "sales":     (range(0, 6), 8, 20),   # Mon-Sat 08-20
    "support":   (range(0, 6), 8, 20),   # call centre Mon-Sat 08-20
    "warehouse": (range(0, 5), 7, 17),   # Mon-Fri 07-17
    "dispatch":  (range(0, 6), 7, 18),   # Mon-Sat 07-18
    "courier":   (range(0, 6), 8, 19),   # parcel deliveries Mon-Sat 08-19
    "field":     (range(0, 6), 8, 18),   # technicians Mon-Sat 08-18
}
APPOINTMENT_SLOTS = [(8, 0), (10, 30), (13, 0), (15, 0)]

rng = np.random.default_rng(SEED)


# --------------------------------------------------------------------------- #
# Small helpers (all randomness goes through the single seeded rng)
# --------------------------------------------------------------------------- #
def secs(lo: float, hi: float) -> dt.timedelta:
    """Random duration between lo and hi seconds (integer seconds)."""
    return dt.timedelta(seconds=int(rng.integers(int(lo), int(hi) + 1)))


def mins(lo: float, hi: float) -> dt.timedelta:
    return secs(lo * 60, hi * 60)


def hours(lo: float, hi: float) -> dt.timedelta:
    return secs(lo * 3600, hi * 3600)


def pick(seq: list[str]) -> str:
    return seq[int(rng.integers(len(seq)))]


def chance(p: float) -> bool:
    return bool(rng.random() < p)


def between(lo: dt.datetime, hi: dt.datetime) -> dt.datetime:
    """Uniform random moment in [lo, hi] (just after lo if the window is empty)."""
    span = max((hi - lo).total_seconds(), 60.0)
    return lo + dt.timedelta(seconds=int(float(rng.random()) * span))


def in_hours(t: dt.datetime, cal: str) -> bool:
    days, open_h, close_h = CAL[cal]
    return t.weekday() in days and open_h <= t.hour < close_h


def snap(t: dt.datetime, cal: str) -> dt.datetime:
    """Move t forward into the calendar's working hours (if it is outside)."""
    if in_hours(t, cal):
        return t
    days, open_h, _ = CAL[cal]
    day = t.date()
    if t.hour >= open_h:        # after opening hour today -> closed for today
        day += dt.timedelta(days=1)
    while day.weekday() not in days:
        day += dt.timedelta(days=1)
    # people do not all start on the dot: 20-60 minutes after opening
    return dt.datetime.combine(day, dt.time(open_h)) + mins(20, 60)


def after(t: dt.datetime, lag: dt.timedelta, cal: str) -> dt.datetime:
    return snap(t + lag, cal)


def next_working_day(d: dt.date, cal: str) -> dt.date:
    days = CAL[cal][0]
    while d.weekday() not in days:
        d += dt.timedelta(days=1)
    return d


# --------------------------------------------------------------------------- #
# Event collection
# --------------------------------------------------------------------------- #
class Case:
    def __init__(self, order_id: str):
        self.order_id = order_id
        self.events: list[dict] = []

    def add(self, activity: str, ts: dt.datetime, resource: str, channel: str = "",
            start: dt.datetime | None = None) -> dt.datetime:
        system, role, evidence = ACTIVITIES[activity]
        self.events.append({
            "system": system,
            "order_id": self.order_id,
            "activity": activity,
            "timestamp": ts,
            "start_timestamp": start,
            "resource": resource,
            "role": role,
            "channel": channel,
            "evidence": evidence,
        })
        return ts

    def last(self) -> dt.datetime:
        return max(e["timestamp"] for e in self.events)


# technician bookings: (date, slot index) -> list of booked technicians
BOOKINGS: dict[tuple[dt.date, int], list[str]] = {}


def book_visit(earliest_day: dt.date) -> tuple[dt.datetime, str]:
    """First free technician slot on or after earliest_day (random slot order)."""
    day = next_working_day(earliest_day, "field")
    while True:
        for slot in rng.permutation(len(APPOINTMENT_SLOTS)):
            slot = int(slot)
            booked = BOOKINGS.setdefault((day, slot), [])
            free = [t for t in TECHNICIANS if t not in booked]
            if free:
                tech = pick(free)
                booked.append(tech)
                h, m = APPOINTMENT_SLOTS[slot]
                return dt.datetime.combine(day, dt.time(h, m)), tech
        day = next_working_day(day + dt.timedelta(days=1), "field")


def support_call(case: Case, t: dt.datetime,
                 deadline: dt.datetime | None = None) -> tuple[dt.datetime, str]:
    """Customer calls the support line (sometimes hangs up and calls again).
    Returns (time the agent answered, agent). If the call centre is closed until
    after ``deadline``, the customer does not call (nothing is logged)."""
    t = snap(t, "support")
    if deadline is not None and t > deadline:
        return t, ""
    if chance(0.25):                         # abandoned call -> calls again
        case.add("Call support", t, CUSTOMER, "phone")
        t = after(t, mins(5, 90), "support")
    case.add("Call support", t, CUSTOMER, "phone")
    agent = pick(SUPPORT_AGENTS)
    answered = case.add("Support agent answers call", t + secs(20, 600), agent, "phone")
    return answered, agent


def technician_visit(case: Case, t_sched: dt.datetime, earliest_day: dt.date,
                     p_fail: float) -> tuple[dt.datetime, dt.datetime, bool]:
    """Schedule -> confirm -> reminder -> dispatch -> on-site visit.
    Returns (start of visit, end of visit, success)."""
    # ops work: the start is the moment work begins (inside working hours)
    sched_end = case.add("Schedule technician", t_sched + mins(3, 12), pick(DISPATCHERS),
                         start=t_sched)
    slot, tech = book_visit(max(earliest_day, t_sched.date() + dt.timedelta(days=2)))
    if chance(0.88):
        case.add("Confirm appointment", after(sched_end, hours(0.2, 20), "customer"),
                 CUSTOMER, "app" if chance(0.55) else "web")
    reminder = dt.datetime.combine(slot.date() - dt.timedelta(days=1), dt.time(18, 0))
    case.add("Send SMS appointment reminder", reminder + secs(0, 300), BOT_NOTIFY, "phone")
    dispatch = dt.datetime.combine(slot.date(), dt.time(7, 0)) + mins(5, 50)
    case.add("Dispatch technician", dispatch + mins(1, 4), pick(DISPATCHERS),
             start=dispatch)
    arrive = slot + mins(0, 30)
    end = arrive + mins(60, 180)
    case.add("Technician installs on site", end, tech, "onsite", start=arrive)
    return arrive, end, not chance(p_fail)


def activation(case: Case, visit_end: dt.datetime) -> dt.datetime:
    act_start = visit_end + mins(3, 25)
    act = case.add("Activate line in network", act_start + mins(1, 5), BOT_PROVISIONING,
                   start=act_start)
    case.add("Send welcome email", act + mins(2, 15), BOT_NOTIFY, "email")
    bill_day = act.date() + dt.timedelta(days=int(rng.integers(3, 11)))
    case.add("Issue first bill", dt.datetime.combine(bill_day, dt.time(6, 0)) + mins(0, 50),
             BOT_BILLING, "email")
    if chance(0.45):
        case.add("Rate installation", after(visit_end, hours(1, 72), "customer"),
                 CUSTOMER, "web" if chance(0.6) else "app")
    return act


# --------------------------------------------------------------------------- #
# One order
# --------------------------------------------------------------------------- #
def make_order(order_id: str, t0: dt.datetime, by_phone: bool) -> Case:
    case = Case(order_id)

    # 1. order + confirmation (CRM)
    if by_phone:
        case.add("Place order by phone", t0, CUSTOMER, "phone")
        t = case.add("Sales agent confirms order", t0 + mins(4, 15), pick(SALES_AGENTS), "phone")
    else:
        t = case.add("Place order online", t0, CUSTOMER, "web" if chance(0.7) else "app")
    t = case.add("Check line availability", t + secs(5, 90), BOT_LINECHECK)
    t_conf = case.add("Send order confirmation email", t + secs(30, 300), BOT_NOTIFY, "email")

    # 2. router logistics (ops)
    reserve = after(t_conf, hours(0.5, 6), "warehouse")
    reserved = case.add("Reserve router in warehouse", reserve + mins(2, 6), pick(WAREHOUSE),
                        start=reserve)
    pack = snap(t0 + hours(24, 72), "warehouse")
    if pack <= reserved:
        pack = after(reserved, hours(2, 6), "warehouse")
    ship = case.add("Ship router", pack + mins(6, 20), pick(WAREHOUSE), start=pack)
    received = case.add("Receive router", after(ship, hours(20, 48), "courier"), CUSTOMER, "onsite")

    cancel = chance(0.045)
    # 3. technician appointment, 3-10 days after the router shipped
    t_sched = after(t_conf, hours(1, 26), "dispatch")
    earliest = max(ship.date() + dt.timedelta(days=int(rng.integers(3, 11))),
                   received.date() + dt.timedelta(days=1))     # router is there first

    if cancel:
        # generate the planned appointment, then cut the case at the cancellation
        visit_start, _, _ = technician_visit(case, t_sched, earliest, 0.0)
        t_cancel = between(t_conf + hours(2, 2), visit_start - hours(20, 20))
        by_call = chance(0.6)
        t_cancel = snap(t_cancel, "support" if by_call else "customer")
        case.events = [e for e in case.events if e["timestamp"] < t_cancel]
        if by_call:
            answered, _ = support_call(case, t_cancel)
            t_c = case.add("Cancel order", answered + mins(2, 6), CUSTOMER, "phone")
        else:
            t_c = case.add("Cancel order", t_cancel, CUSTOMER, "web")
        case.add("Send cancellation email", t_c + secs(30, 240), BOT_NOTIFY, "email")
        return case

    visit_start, visit_end, ok = technician_visit(case, t_sched, earliest, p_fail=0.08)

    # "where is my router / my appointment?" call before the visit, no ticket
    if chance(0.15):
        support_call(case, between(t_conf + hours(12, 12), visit_start - hours(16, 16)),
                     deadline=visit_start - hours(2, 2))

    if ok:
        act = activation(case, visit_end)
    else:
        # 4. rework: failed first visit -> customer calls -> ticket -> second visit
        answered, agent = support_call(case, visit_end + hours(2, 30))
        t_open = case.add("Open support ticket", answered + mins(3, 12), agent, "phone")
        t_esc = case.add("Escalate ticket to field service",
                         after(t_open, mins(10, 240), "support"), agent)
        visit_no = 1
        while not ok:
            visit_no += 1
            t_sched2 = after(t_esc, hours(0.5, 24), "dispatch")
            visit_start, visit_end, ok = technician_visit(
                case, t_sched2, t_sched2.date() + dt.timedelta(days=1),
                p_fail=0.25 if visit_no < 3 else 0.0)
            if chance(0.35):                 # "when is the technician coming back?"
                support_call(case, between(t_sched2 + hours(2, 2), visit_start - hours(16, 16)),
                             deadline=visit_start - hours(2, 2))
            t_esc = visit_end
        act = activation(case, visit_end)
        case.add("Resolve ticket", after(act, hours(1, 4), "support"), pick(SUPPORT_AGENTS), "email")

    # 5. problems after activation (remote fix)
    if chance(0.14):
        t_issue = act + hours(24, 24 * 20)
        if chance(0.6):
            answered, agent = support_call(case, t_issue)
            t_open = case.add("Open support ticket", answered + mins(3, 12), agent, "phone")
        else:
            t_open = case.add("Report problem online", snap(t_issue, "customer"), CUSTOMER,
                              "web" if chance(0.6) else "app")
        t_res = after(t_open, hours(1, 48), "support")
        if chance(0.25):                     # customer chases the ticket
            chase = after(t_open, hours(0.5, 1) + (t_res - t_open) / 2, "support")
            answered, _ = support_call(case, chase)
            t_res = max(t_res, after(answered, hours(1, 6), "support"))
        case.add("Resolve ticket", t_res, pick(SUPPORT_AGENTS), "email")
    return case


# --------------------------------------------------------------------------- #
# Order arrivals
# --------------------------------------------------------------------------- #
def order_times() -> list[tuple[dt.datetime, bool]]:
    days = []
    d = FIRST_ORDER_DAY
    while d <= LAST_ORDER_DAY:
        days.append(d)
        d += dt.timedelta(days=1)
    weights = np.array([1.0 if x.weekday() < 5 else 0.6 for x in days])
    weights /= weights.sum()
    # online orders peak in the evening, phone orders follow sales hours
    online_hours = np.arange(7, 23)
    online_w = np.array([1, 1, 2, 2, 2, 3, 3, 2, 2, 3, 4, 5, 6, 6, 4, 2], dtype=float)
    online_w /= online_w.sum()
    out = []
    for _ in range(N_ORDERS):
        by_phone = chance(0.25)
        day = days[int(rng.choice(len(days), p=weights))]
        if by_phone:
            day = next_working_day(day, "sales")
            t = dt.datetime.combine(day, dt.time(int(rng.integers(8, 20)))) + secs(0, 3599)
        else:
            t = dt.datetime.combine(day, dt.time(int(rng.choice(online_hours, p=online_w)))) + secs(0, 3599)
        out.append((t, by_phone))
    out.sort(key=lambda x: (x[0], x[1]))
    return out


def fmt(t) -> str:
    return "" if t is None or pd.isna(t) else t.strftime("%Y-%m-%d %H:%M:%S")


def main() -> None:
    rows = []
    for i, (t0, by_phone) in enumerate(order_times()):
        case = make_order(f"ORD-{10001 + i}", t0, by_phone)
        for seq, e in enumerate(sorted(case.events, key=lambda e: e["timestamp"])):
            rows.append({**e, "seq": seq})

    df = pd.DataFrame(rows)
    # sanity checks that keep the story honest
    ts = df["timestamp"]
    assert not ((ts >= DST_GAP[0]) & (ts < DST_GAP[1])).any(), "timestamp in DST gap"
    starts = df["start_timestamp"].dropna()
    assert (starts <= df.loc[starts.index, "timestamp"]).all()
    first = df.sort_values(["order_id", "timestamp", "seq"]).groupby("order_id").head(1)
    assert first["activity"].isin(["Place order online", "Place order by phone"]).all()

    for system in ["crm", "ticketing", "ops"]:
        part = df[df["system"] == system].sort_values(
            ["order_id", "timestamp", "seq"], kind="mergesort")
        out = pd.DataFrame({
            "order_id": part["order_id"],
            "activity": part["activity"],
            "timestamp": [fmt(t) for t in part["timestamp"]],
            "start_timestamp": [fmt(t) for t in part["start_timestamp"]],
            "resource": part["resource"],
            "role": part["role"],
            "channel": part["channel"],
            "evidence": part["evidence"],
        }, columns=COLUMNS)
        assert not out.duplicated().any(), f"duplicate rows in {system}"
        out.to_csv(HERE / f"{system}.csv", index=False, encoding="utf-8", lineterminator="\n")
        print(f"{system}.csv: {len(out)} rows, {out['order_id'].nunique()} orders, "
              f"{out['activity'].nunique()} activities")


if __name__ == "__main__":
    main()
