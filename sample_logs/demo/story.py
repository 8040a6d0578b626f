# SPDX-License-Identifier: AGPL-3.0-or-later
"""The demo's cast and rules: activities, teams and their hours, random draws, the shared World.

Every draw goes through one seeded NumPy generator (`reset` re-seeds it), so the story is the
same on every run. Times are naive wall-clock times in Europe/London."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

SEED = 2026
DAY = dt.timedelta(days=1)

# --------------------------------------------------------------------------- #
# Activities: activity -> (system, role, thread kind, evidence the customer meets there, channel)
# One role per activity. Evidence sits only where the customer meets it: on customer steps (the
# router parcel at "Receive router") and on the digital touchpoints that reach them (the
# messages, "Send ..."). A channel of None varies per event (web/app/phone); "" is internal work.
# --------------------------------------------------------------------------- #
CATALOGUE: dict[str, tuple[str, str, str, str, str | None]] = {
    "Place order online": ("crm", "customer", "ORD", "", None),
    "Place order by phone": ("crm", "customer", "ORD", "", "phone"),
    "Sales agent takes order": ("crm", "sales_agent", "ORD", "", "phone"),
    "Check line availability": ("crm", "network_system", "ORD", "", ""),
    "Send order confirmation": ("crm", "notification_service", "ORD", "order confirmation email", "email"),
    "Cancel order": ("crm", "customer", "ORD", "", None),
    "Send cancellation confirmation": ("crm", "notification_service", "ORD", "cancellation email", "email"),
    "Call support": ("crm", "customer", "CALL", "", "phone"),
    "Abandon call": ("crm", "customer", "CALL", "", "phone"),
    "Support agent answers call": ("crm", "support_agent", "CALL", "", "phone"),
    "Support agent tracks parcel": ("crm", "support_agent", "SHP", "", ""),
    "Support agent checks appointment": ("crm", "support_agent", "APT", "", ""),
    "Send welcome email": ("crm", "notification_service", "SVC", "welcome email", "email"),
    "Send first bill": ("crm", "billing_system", "SVC", "first bill", "email"),
    "Rate installation": ("crm", "customer", "SRV", "", None),
    "Report problem online": ("ticketing", "customer", "TKT", "ticket acknowledgement email", None),
    "Open support ticket": ("ticketing", "support_agent", "TKT", "ticket acknowledgement email", "phone"),
    "Repair line fault": ("ticketing", "network_engineer", "TKT", "", ""),
    "Fix problem remotely": ("ticketing", "support_agent", "TKT", "", ""),
    "Send ticket resolution": ("ticketing", "notification_service", "TKT", "ticket resolution email", "email"),
    "Reserve router in warehouse": ("ops", "warehouse", "SHP", "", ""),
    "Pack and ship router": ("ops", "warehouse", "SHP", "", ""),
    "Send shipment tracking SMS": ("ops", "notification_service", "SHP", "shipment tracking SMS", "sms"),
    "Courier delivers router": ("ops", "courier", "SHP", "", "in_person"),
    "Receive router": ("ops", "customer", "SHP", "router parcel", "in_person"),
    "Dispatcher checks line before booking": ("ops", "dispatcher", "APT", "", ""),
    "Schedule technician": ("ops", "dispatcher", "APT", "", ""),
    "Send appointment notice": ("ops", "notification_service", "APT", "appointment notice email", "email"),
    "Confirm appointment": ("ops", "customer", "APT", "", None),
    "Dispatcher re-checks appointment": ("ops", "dispatcher", "APT", "", ""),
    "Send appointment reminder": ("ops", "notification_service", "APT", "appointment reminder SMS", "sms"),
    "Dispatch technician": ("ops", "dispatcher", "APT", "", ""),
    "Technician visits on site": ("ops", "technician", "APT", "", "in_person"),
    "Sign installation report": ("ops", "customer", "APT", "installation report", "in_person"),
    "Technician reports no access": ("ops", "technician", "APT", "", ""),
    "Technician reports line fault": ("ops", "technician", "APT", "", ""),
    "Activate line in network": ("ops", "network_system", "SVC", "", ""),
}

# --------------------------------------------------------------------------- #
# People, suppliers and systems
# --------------------------------------------------------------------------- #
CUSTOMER = "customer"
SALES_AGENTS = ["agent.maria", "agent.james"]
SUPPORT_AGENTS = ["agent.sofia", "agent.daniel", "agent.aisha", "agent.liam", "agent.chloe"]
DISPATCHERS = ["disp.grace", "disp.ravi"]
WAREHOUSE = ["wh.kai", "wh.lena", "wh.marek"]
TECHNICIANS = ["tech.omar", "tech.ben", "tech.hannah", "tech.nina"]
NETWORK_ENGINEERS = ["net.ines", "net.tariq"]
DPD, SWIFTPOST = "courier.dpd", "courier.swiftpost"  # DPD's feed sends tracking SMS; Swiftpost has none
LINECHECK, PROVISIONING, NOTIFY, BILLING = "linecheck-api", "provisioning-bot", "notify-bot", "billing-bot"

# The constraints that make the queues.
VISIT_SLOTS = [(8, 30), (13, 0)]  # each technician does one visit per slot: two a day
DPD_PARCELS_PER_DAY = 5  # the DPD contract; further parcels that day go with Swiftpost
CAMPAIGN = (dt.date(2026, 3, 2), dt.date(2026, 3, 22))  # the spring offer: orders triple

# --------------------------------------------------------------------------- #
# Working hours: weekdays (Mon=0), opening hour, closing hour; teams close on bank holidays
# --------------------------------------------------------------------------- #
MON_FRI, MON_SAT, EVERY_DAY = range(0, 5), range(0, 6), range(0, 7)
TEAM_HOURS = {
    "customer": (EVERY_DAY, 7, 23),
    "sales": (MON_SAT, 8, 20),
    "support": (MON_SAT, 8, 20),
    "warehouse": (MON_FRI, 7, 16),
    "dispatch": (MON_FRI, 7, 18),
    "courier": (MON_SAT, 8, 19),
    "field": (MON_FRI, 8, 18),
    "network": (MON_FRI, 8, 17),
}
BANK_HOLIDAYS = {dt.date(2026, 4, 3), dt.date(2026, 4, 6), dt.date(2026, 5, 4), dt.date(2026, 5, 25)}

rng = np.random.default_rng(SEED)


def reset(seed: int = SEED) -> None:
    """Start the random draws afresh (the story depends only on the seed)."""
    global rng
    rng = np.random.default_rng(seed)


# --------------------------------------------------------------------------- #
# Random draws (integer seconds, so the files need no sub-second digits)
# --------------------------------------------------------------------------- #
def seconds(lo: float, hi: float) -> dt.timedelta:
    return dt.timedelta(seconds=int(rng.integers(int(lo), int(hi) + 1)))


def minutes(lo: float, hi: float) -> dt.timedelta:
    return seconds(lo * 60, hi * 60)


def hours(lo: float, hi: float) -> dt.timedelta:
    return seconds(lo * 3600, hi * 3600)


def lognormal(median_min: float, sigma: float, lo_min: float, hi_min: float) -> dt.timedelta:
    """A duration with a long right tail: lognormal around the median, clipped to [lo, hi] minutes."""
    value = float(np.clip(median_min * np.exp(sigma * rng.standard_normal()), lo_min, hi_min))
    return dt.timedelta(seconds=int(value * 60))


def exponential(mean_s: float) -> dt.timedelta:
    return dt.timedelta(seconds=int(rng.exponential(mean_s)))


def fraction() -> float:
    return float(rng.random())


def chance(p: float) -> bool:
    return bool(rng.random() < p)


def pick(choices: list[str]) -> str:
    return choices[int(rng.integers(len(choices)))]


# --------------------------------------------------------------------------- #
# Calendars
# --------------------------------------------------------------------------- #
def works_on(day: dt.date, team: str) -> bool:
    return day.weekday() in TEAM_HOURS[team][0] and (team == "customer" or day not in BANK_HOLIDAYS)


def is_open(t: dt.datetime, team: str) -> bool:
    _, opens, closes = TEAM_HOURS[team]
    return works_on(t.date(), team) and opens <= t.hour < closes


def working_day(day: dt.date, team: str, later: int = 0) -> dt.date:
    """The team's `later`-th working day after `day` (0: `day` itself if the team works then)."""
    while not works_on(day, team):
        day += DAY
    for _ in range(later):
        day += DAY
        while not works_on(day, team):
            day += DAY
    return day


def snap(t: dt.datetime, team: str) -> dt.datetime:
    """`t` if the team is at work then, else a little after it next opens (nobody starts on the dot)."""
    if is_open(t, team):
        return t
    _, opens, _ = TEAM_HOURS[team]
    day = t.date() if t.hour < opens else t.date() + DAY
    return dt.datetime.combine(working_day(day, team), dt.time(opens)) + minutes(5, 40)


def fit(t: dt.datetime, team: str, length: dt.timedelta) -> dt.datetime:
    """When work of `length` wanted at `t` starts: at `t` (or the next opening) if it ends before
    the team closes, else the next working morning."""
    start = snap(t, team)
    closes = dt.datetime.combine(start.date(), dt.time(TEAM_HOURS[team][2]))
    return start if start + length <= closes else snap(closes, team)


def in_campaign(t: dt.datetime, after_days: int = 0) -> bool:
    return CAMPAIGN[0] <= t.date() <= CAMPAIGN[1] + dt.timedelta(days=after_days)


# --------------------------------------------------------------------------- #
# One order's events
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class Order:
    number: int
    placed: dt.datetime
    channel: str  # web, app or phone: where the order was placed

    @property
    def online_channel(self) -> str:
        """Where the customer acts online later (phone customers use the web)."""
        return "web" if self.channel == "phone" else self.channel


@dataclass
class Case:
    order: Order
    events: list[dict] = field(default_factory=list)
    threads: Counter = field(default_factory=Counter)

    @property
    def id(self) -> str:
        return f"ORD-{self.order.number}"

    def new_thread(self, kind: str) -> str:
        """A new appointment, call or ticket of this order: APT-10001-1, CALL-10001-2, ..."""
        self.threads[kind] += 1
        return f"{kind}-{self.order.number}-{self.threads[kind]}"

    def add(self, activity: str, ts: dt.datetime, resource: str, thread: str | None = None,
            channel: str | None = None, start: dt.datetime | None = None) -> dt.datetime:
        """Log one event; returns its timestamp. The order, shipment, service and survey have one
        thread each."""
        system, role, kind, evidence, default_channel = CATALOGUE[activity]
        channel = default_channel if channel is None else channel
        assert channel is not None and (start is None or start <= ts), (activity, channel, start, ts)
        if thread is None:
            assert kind in ("ORD", "SHP", "SVC", "SRV"), activity
            thread = self.id if kind == "ORD" else f"{kind}-{self.order.number}"
        self.events.append({"system": system, "order_id": self.id, "activity": activity, "timestamp": ts,
                            "start_timestamp": start, "resource": resource, "role": role,
                            "channel": channel, "evidence": evidence, "thread": thread})
        return ts


# --------------------------------------------------------------------------- #
# The shared, limited resources, handed out first come first served (see generate.simulate)
# --------------------------------------------------------------------------- #
class World:
    def __init__(self) -> None:
        self.booked: dict[tuple[dt.date, int], set[str]] = {}
        self.dpd_parcels: Counter = Counter()

    def courier_for(self, day: dt.date) -> str:
        if self.dpd_parcels[day] < DPD_PARCELS_PER_DAY:
            self.dpd_parcels[day] += 1
            return DPD
        return SWIFTPOST

    def book(self, earliest: dt.date) -> tuple[dt.datetime, str]:
        """The first free technician slot on or after `earliest`."""
        day = working_day(earliest, "field")
        while True:
            for slot, (hour, minute) in enumerate(VISIT_SLOTS):
                taken = self.booked.setdefault((day, slot), set())
                free = [t for t in TECHNICIANS if t not in taken]
                if free:
                    technician = pick(free)
                    taken.add(technician)
                    return dt.datetime.combine(day, dt.time(hour, minute)), technician
            day = working_day(day + DAY, "field")

    def release(self, slot: dt.datetime, technician: str) -> None:
        """A cancelled appointment frees its slot for whoever books next."""
        index = VISIT_SLOTS.index((slot.hour, slot.minute))
        self.booked[(slot.date(), index)].discard(technician)
