# SPDX-License-Identifier: AGPL-3.0-or-later
"""One order's journey: order, router delivery, technician visits, activation, aftercare.

`journey` is a generator. It logs the order's events itself and, where it needs a shared,
limited resource (a courier's parcel place, a technician's slot), yields `(when, ask)`: the
scheduler (generate.simulate) calls `ask()` at that moment, in time order over all orders, and
sends the answer back. The calls a customer makes follow from what they were not told: no
tracking SMS, no appointment notice."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial

from story import (
    BILLING,
    CUSTOMER,
    DISPATCHERS,
    DPD,
    LINECHECK,
    NETWORK_ENGINEERS,
    NOTIFY,
    PROVISIONING,
    SALES_AGENTS,
    SUPPORT_AGENTS,
    WAREHOUSE,
    Case,
    Order,
    World,
    chance,
    exponential,
    fit,
    fraction,
    hours,
    in_campaign,
    lognormal,
    minutes,
    pick,
    seconds,
    snap,
    working_day,
)


@dataclass
class Appointment:
    thread: str
    slot: dt.datetime
    technician: str
    booked: dt.datetime
    notice: dt.datetime | None
    confirmed: bool = False
    visit: int = 1

    @property
    def reminder(self) -> dt.datetime:
        """The reminder SMS goes out at 18:00 the evening before the visit."""
        return dt.datetime.combine(self.slot.date() - dt.timedelta(days=1), dt.time(18))


def journey(order: Order, world: World):
    """The order's events, from placing it to its first bill and aftercare (or its cancellation)."""
    case = Case(order)
    confirmed = place_order(case)
    packed = warehouse(case, confirmed)
    collection = collection_after(packed)
    courier = yield packed, partial(world.courier_for, collection.date())
    delivered = ship(case, collection, courier)
    router_call(case, confirmed, delivered, tracked=courier == DPD)
    appointment = yield from first_appointment(case, world, packed, expected_delivery(collection, courier),
                                               delivered)
    if appointment is None:
        return case  # cancelled while waiting for the technician
    installed = yield from installation(case, world, appointment)
    activated = activate(case, installed)
    aftercare(case, activated)
    return case


# --------------------------------------------------------------------------- #
# Order and delivery
# --------------------------------------------------------------------------- #
def place_order(case: Case) -> dt.datetime:
    order = case.order
    t = order.placed
    if order.channel == "phone":
        case.add("Place order by phone", t, CUSTOMER)
        start = t + seconds(10, 150)
        t = case.add("Sales agent takes order", start + lognormal(10, 0.3, 5, 25), pick(SALES_AGENTS), start=start)
    else:
        case.add("Place order online", t, CUSTOMER, channel=order.channel)
    t = case.add("Check line availability", t + seconds(5, 60), LINECHECK)
    return case.add("Send order confirmation", t + seconds(20, 180), NOTIFY)


def warehouse(case: Case, confirmed: dt.datetime) -> dt.datetime:
    """Reserve a router, then pack it (what is reserved after about 13:00 is packed the next
    working morning); returns when the parcel is packed."""
    start = snap(confirmed + minutes(10, 90), "warehouse")
    reserved = case.add("Reserve router in warehouse", start + seconds(150, 270), pick(WAREHOUSE), start=start)
    length = lognormal(12, 0.45, 5, 40)
    start = reserved + hours(0.5, 3)
    if start.hour >= 15:  # the afternoon's parcels are packed first thing next morning
        start = snap(dt.datetime.combine(start.date() + dt.timedelta(days=1), dt.time(6)), "warehouse") \
            + minutes(0, 240)
    start = fit(start, "warehouse", length)
    return case.add("Pack and ship router", start + length, pick(WAREHOUSE), start=start)


def collection_after(packed: dt.datetime) -> dt.datetime:
    """Couriers collect at 16:00; a parcel packed after 15:50 goes the next working day."""
    day = packed.date()
    if packed.time() >= dt.time(15, 50):
        day = working_day(day + dt.timedelta(days=1), "warehouse")
    return dt.datetime.combine(day, dt.time(16))


def ship(case: Case, collection: dt.datetime, courier: str) -> dt.datetime:
    """The courier delivers 1-3 working days after collection; only DPD's feed sends a tracking
    SMS. Returns when the customer has the router."""
    if courier == DPD:
        case.add("Send shipment tracking SMS", collection + minutes(20, 90), NOTIFY)
        transit = 1 if chance(0.9) else 2
    else:
        transit = 1 + int(chance(0.7)) + int(chance(0.45))
    day = working_day(collection.date(), "courier", transit)
    at = dt.datetime.combine(day, dt.time(9)) + minutes(0, 570)
    case.add("Courier delivers router", at, courier)
    return case.add("Receive router", at + seconds(20, 180), CUSTOMER)


def router_call(case: Case, confirmed: dt.datetime, delivered: dt.datetime, tracked: bool) -> None:
    """'Where is my router?': the confirmation promised it within two days. A customer with a
    tracking link rarely calls; one without often does."""
    when = snap(confirmed + dt.timedelta(days=2) + hours(1, 20), "support")
    if when < delivered - dt.timedelta(minutes=30) and chance(0.15 if tracked else 0.75):
        end, agent = support_call(case, when)
        case.add("Support agent tracks parcel", end + seconds(60, 240), agent, start=end)


# --------------------------------------------------------------------------- #
# Calls
# --------------------------------------------------------------------------- #
def queue_wait(t: dt.datetime) -> dt.timedelta:
    """Time in the support line's queue: longer at lunch and after work, on Saturdays, and while
    the campaign's customers call (the line serves many more customers than these orders)."""
    mean_s = {8: 60, 9: 60, 10: 60, 11: 180, 12: 180, 13: 180, 14: 90, 15: 90, 16: 90}.get(t.hour, 240)
    mean_s *= (1.3 if t.weekday() == 5 else 1.0) * (2.5 if in_campaign(t, after_days=7) else 1.0)
    return exponential(mean_s)


def support_call(case: Case, when: dt.datetime) -> tuple[dt.datetime, str]:
    """The customer calls until an agent answers (hanging up in the queue twice at most);
    returns the end of the answered call and the agent."""
    t = snap(when, "support")
    for attempt in range(3):
        call = case.new_thread("CALL")
        case.add("Call support", t, CUSTOMER, call)
        wait, patience = queue_wait(t), seconds(30, 30) + exponential(480)
        if wait > patience and attempt < 2:
            gave_up = case.add("Abandon call", t + patience, CUSTOMER, call)
            t = snap(gave_up + minutes(10, 120), "support")
            continue
        answered, agent = t + wait, pick(SUPPORT_AGENTS)
        end = case.add("Support agent answers call", answered + lognormal(5, 0.4, 2, 20), agent, call,
                       start=answered)
        return end, agent
    raise AssertionError("unreachable: the third call is answered")


def check_appointment(case: Case, appointment: Appointment, call_end: dt.datetime, agent: str) -> None:
    """After the call the agent looks the appointment up and records the customer's yes; the
    dispatcher, who does not trust the CRM's copy of the schedule, checks it again."""
    checked = case.add("Support agent checks appointment", call_end + seconds(90, 300), agent,
                       appointment.thread, start=call_end)
    if not appointment.confirmed:
        case.add("Confirm appointment", checked + seconds(10, 60), CUSTOMER, appointment.thread, channel="phone")
        appointment.confirmed = True
    length = lognormal(6, 0.3, 3, 12)
    start = fit(checked + hours(1, 5), "dispatch", length)
    if start < appointment.slot - dt.timedelta(hours=2):
        case.add("Dispatcher re-checks appointment", start + length, pick(DISPATCHERS), appointment.thread,
                 start=start)


def appointment_call(case: Case, appointment: Appointment, expected: dt.datetime) -> dt.datetime | None:
    """'When is the technician coming?': asked by most customers who were sent no notice, by few
    who were. Returns when the customer learnt the date on the phone, if they called."""
    when = snap(max(expected, appointment.booked) + hours(4, 48), "support")
    told = appointment.notice is not None
    if when >= appointment.reminder - dt.timedelta(hours=1) or not chance(0.05 if told else 0.65):
        return None
    end, agent = support_call(case, when)
    check_appointment(case, appointment, end, agent)
    return end


# --------------------------------------------------------------------------- #
# Appointments and visits
# --------------------------------------------------------------------------- #
def schedule(case: Case, thread: str, start: dt.datetime, length: dt.timedelta, slot: dt.datetime,
             technician: str, notify: bool, visit: int) -> Appointment:
    """The dispatcher books the slot; only first appointments of online orders get a notice
    (phone orders have no e-mail on file, and rebooking screens send none)."""
    booked = case.add("Schedule technician", start + length, pick(DISPATCHERS), thread, start=start)
    notice = case.add("Send appointment notice", booked + seconds(5, 120), NOTIFY, thread) if notify else None
    appointment = Appointment(thread, slot, technician, booked, notice, visit=visit)
    if notice is not None and chance(0.85):
        confirm = snap(notice + hours(0.3, 30), "customer")
        if confirm < appointment.reminder:
            case.add("Confirm appointment", confirm, CUSTOMER, thread, channel=case.order.online_channel)
            appointment.confirmed = True
    return appointment


def expected_delivery(collection: dt.datetime, courier: str) -> dt.date:
    """The latest day the courier's service level promises: two working days (DPD), three (Swiftpost)."""
    return working_day(collection.date(), "courier", 2 if courier == DPD else 3)


def first_appointment(case: Case, world: World, packed: dt.datetime, expected: dt.date, delivered: dt.datetime):
    """Once the router is shipped the dispatcher checks the line again and books the first free
    slot after the router's promised delivery day; a customer facing a long wait may cancel."""
    length = seconds(120, 240)
    start = fit(packed + hours(0.3, 2.5), "dispatch", length)
    thread = case.new_thread("APT")
    checked = case.add("Dispatcher checks line before booking", start + length, pick(DISPATCHERS), thread,
                       start=start)
    length = lognormal(9, 0.55, 3, 40)
    start = fit(checked + minutes(1, 20), "dispatch", length)
    slot, technician = yield start, partial(world.book, expected + dt.timedelta(days=1))
    appointment = schedule(case, thread, start, length, slot, technician, notify=case.order.channel != "phone",
                           visit=1)
    learnt = appointment_call(case, appointment, expected=delivered) or appointment.notice
    if learnt is not None and wants_to_cancel(case.order, appointment):
        yield from cancel(case, world, appointment, learnt)
        return None
    return appointment


def wants_to_cancel(order: Order, appointment: Appointment) -> bool:
    """Beyond nine days from the order to the visit, every further day makes cancelling likelier."""
    wait_days = (appointment.slot - order.placed).total_seconds() / 86400
    return chance(min(0.35, max(0.0, (wait_days - 9) * 0.04)))


def cancel(case: Case, world: World, appointment: Appointment, learnt: dt.datetime):
    when = snap(learnt + hours(2, 40), "customer")
    if case.order.channel != "phone" and chance(0.7):
        cancelled = case.add("Cancel order", when, CUSTOMER, channel=case.order.online_channel)
    else:
        end, _ = support_call(case, when)
        cancelled = case.add("Cancel order", end + seconds(5, 60), CUSTOMER, channel="phone")
    case.add("Send cancellation confirmation", cancelled + seconds(20, 180), NOTIFY)
    yield cancelled, partial(world.release, appointment.slot, appointment.technician)


def visit(case: Case, appointment: Appointment) -> tuple[dt.datetime, str]:
    """Reminder, dispatch and the visit itself; returns its end and outcome. A customer who never
    confirmed is often not at home; some lines are faulty at the street cabinet."""
    thread = appointment.thread
    case.add("Send appointment reminder", appointment.reminder + seconds(0, 240), NOTIFY, thread)
    start = dt.datetime.combine(appointment.slot.date(), dt.time(7)) + minutes(5, 50)
    case.add("Dispatch technician", start + seconds(90, 200), pick(DISPATCHERS), thread, start=start)
    arrive = appointment.slot + minutes(0, 25)
    no_access = 0.0 if appointment.visit >= 3 else (0.03 if appointment.confirmed else 0.3)
    line_fault = {1: 0.07, 2: 0.1}.get(appointment.visit, 0.0)
    draw = fraction()
    outcome = "no access" if draw < no_access else "line fault" if draw < no_access + line_fault else "installed"
    length = {"no access": minutes(10, 20), "line fault": minutes(40, 90)}.get(outcome) \
        or lognormal(100, 0.25, 50, 200)
    end = case.add("Technician visits on site", arrive + length, appointment.technician, thread, start=arrive)
    return end, outcome


def report_failure(case: Case, appointment: Appointment, end: dt.datetime, outcome: str) -> dt.datetime:
    """The technician reports the failed visit; a line fault goes to the network team first.
    Returns when a new visit can be booked."""
    technician, thread = appointment.technician, appointment.thread
    if outcome == "no access":
        return case.add("Technician reports no access", end + minutes(2, 6), technician, thread, start=end)
    reported = case.add("Technician reports line fault", end + minutes(3, 8), technician, thread, start=end)
    length = lognormal(150, 0.4, 45, 240)
    start = fit(reported + hours(18, 80), "network", length)
    return case.add("Repair line fault", start + length, pick(NETWORK_ENGINEERS), case.new_thread("TKT"),
                    start=start)


def installation(case: Case, world: World, appointment: Appointment):
    """Visits until the line is installed: a failed visit is reported and a new one booked,
    without a notice. Returns the end of the successful visit."""
    while True:
        end, outcome = visit(case, appointment)
        if outcome == "installed":
            case.add("Sign installation report", end + seconds(60, 240), CUSTOMER, appointment.thread)
            return end
        ready = report_failure(case, appointment, end, outcome)
        length = lognormal(9, 0.55, 3, 40)
        start = fit(ready + hours(0.3, 3), "dispatch", length)
        slot, technician = yield start, partial(world.book, working_day(start.date(), "field", 2))
        appointment = schedule(case, case.new_thread("APT"), start, length, slot, technician, notify=False,
                               visit=appointment.visit + 1)
        appointment_call(case, appointment, expected=end)


# --------------------------------------------------------------------------- #
# Activation and aftercare
# --------------------------------------------------------------------------- #
def billing_run(activated: dt.datetime) -> dt.datetime:
    """Bills go out in the 06:00 run of the 1st or the 16th, at least three days after activation."""
    day = activated.date() + dt.timedelta(days=3)
    while day.day not in (1, 16):
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(6))


def activate(case: Case, installed: dt.datetime) -> dt.datetime:
    start = installed + minutes(5, 20)
    activated = case.add("Activate line in network", start + seconds(60, 240), PROVISIONING, start=start)
    case.add("Send welcome email", activated + seconds(60, 600), NOTIFY)
    case.add("Send first bill", billing_run(activated) + minutes(0, 50), BILLING)
    if chance(0.45):
        case.add("Rate installation", snap(installed + hours(1, 72), "customer"), CUSTOMER,
                 channel=case.order.online_channel)
    return activated


def aftercare(case: Case, activated: dt.datetime) -> None:
    """A few customers report a problem in the first weeks (by phone or online); support fixes it
    remotely and the ticketing system tells the customer."""
    if not chance(0.09):
        return
    when = activated + hours(24, 24 * 25)
    ticket = case.new_thread("TKT")
    if chance(0.55):
        end, agent = support_call(case, when)
        opened = case.add("Open support ticket", end + seconds(60, 240), agent, ticket, start=end)
    else:
        opened = case.add("Report problem online", snap(when, "customer"), CUSTOMER, ticket,
                          channel=case.order.online_channel)
    length = lognormal(25, 0.5, 8, 120)
    start = fit(opened + hours(1, 30), "support", length)
    fixed = case.add("Fix problem remotely", start + length, pick(SUPPORT_AGENTS), ticket, start=start)
    case.add("Send ticket resolution", fixed + seconds(60, 600), NOTIFY, ticket)
