#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# Generated data (crm.csv, ticketing.csv, ops.csv, live/*.csv): CC0-1.0
"""Generate the Blueprint Miner demo logs: broadband installation seen from three systems.

Synthetic data written by the Blueprint Miner team. Writes, next to this file (or into --out):

    crm.csv        orders, calls to the support line, messages sent, billing, ratings
    ticketing.csv  line-fault repairs and customer problem tickets
    ops.csv        warehouse and courier (router), technician appointments and visits, activation

All three share ``order_id`` (the case id); ``thread`` names the order, shipment, appointment,
call, ticket or service each event belongs to. Timestamps are naive wall-clock times in
Europe/London, "YYYY-MM-DD HH:MM:SS". Deterministic: re-running writes byte-identical files.

The story is a small discrete-event simulation (journey.py, story.py): orders arrive, and each
takes its share of limited resources (technician slots, the DPD contract's daily parcels) first
come first served, so queues grow when the spring campaign triples the orders.

Usage:
    python generate.py                                  # the whole story into the three CSVs
    python generate.py --live-after 2026-04-20T00:00    # events after the cut-off go to live/
    python generate.py --out DIR                        # write somewhere else
"""

from __future__ import annotations

import argparse
import datetime as dt
import heapq
import itertools
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import story  # noqa: E402
from journey import journey  # noqa: E402
from story import CATALOGUE, Order, World, chance, in_campaign, seconds, works_on  # noqa: E402

SYSTEMS = ["crm", "ticketing", "ops"]
COLUMNS = ["order_id", "activity", "timestamp", "start_timestamp", "resource", "role", "channel", "evidence",
           "thread"]
CHANNELS = {"", "web", "app", "phone", "email", "sms", "in_person"}
FIRST_ORDER_DAY = dt.date(2026, 2, 2)  # a Monday
LAST_ORDER_DAY = dt.date(2026, 4, 26)  # a Sunday: twelve weeks of orders
ORDERS_PER_DAY = {"weekday": 2.9, "weekend": 1.9}
CAMPAIGN_FACTOR = 3.0
PHONE_SHARE, APP_SHARE = 0.25, 0.35  # of all orders; of online orders
ONLINE_HOURS = np.arange(7, 23)  # online orders peak in the evening
ONLINE_WEIGHTS = np.array([1, 1, 2, 2, 2, 3, 3, 2, 2, 3, 4, 5, 6, 6, 4, 2], dtype=float)
DST_GAP = (dt.datetime(2026, 3, 29, 1, 0), dt.datetime(2026, 3, 29, 2, 0))  # no such wall-clock times


def order_moment(day: dt.date) -> tuple[dt.datetime, str]:
    """When an order of that day is placed, and where: phone orders only while sales is open."""
    if works_on(day, "sales") and chance(PHONE_SHARE):
        return dt.datetime.combine(day, dt.time(int(story.rng.integers(8, 20)))) + seconds(0, 3599), "phone"
    hour = int(story.rng.choice(ONLINE_HOURS, p=ONLINE_WEIGHTS / ONLINE_WEIGHTS.sum()))
    return dt.datetime.combine(day, dt.time(hour)) + seconds(0, 3599), "app" if chance(APP_SHARE) else "web"


def order_arrivals() -> list[Order]:
    """A Poisson number of orders per day: fewer at weekends, three times as many in the campaign."""
    placed = []
    day = FIRST_ORDER_DAY
    while day <= LAST_ORDER_DAY:
        rate = ORDERS_PER_DAY["weekday" if day.weekday() < 5 else "weekend"]
        rate *= CAMPAIGN_FACTOR if in_campaign(dt.datetime.combine(day, dt.time())) else 1.0
        placed += [order_moment(day) for _ in range(int(story.rng.poisson(rate)))]
        day += dt.timedelta(days=1)
    placed.sort()
    return [Order(10001 + i, t, channel) for i, (t, channel) in enumerate(placed)]


def simulate(orders: list[Order]) -> pd.DataFrame:
    """Run every order's journey; shared resources are asked for in time order over all orders."""
    world, queue, tie, cases = World(), [], itertools.count(), []

    def advance(process, answer, now: dt.datetime) -> None:
        try:
            when, ask = process.send(answer)
        except StopIteration as done:
            cases.append(done.value)
            return
        assert when >= now, "a journey asked the past"
        heapq.heappush(queue, (when, next(tie), process, ask))

    for order in orders:
        advance(journey(order, world), None, order.placed)
    while queue:
        when, _, process, ask = heapq.heappop(queue)
        advance(process, ask(), when)
    rows = [{**event, "seq": seq} for case in cases for seq, event in enumerate(case.events)]
    frame = pd.DataFrame(rows)
    frame["start_timestamp"] = pd.to_datetime(frame["start_timestamp"])
    return frame.sort_values(["order_id", "timestamp", "seq"], kind="mergesort").reset_index(drop=True)


def check(events: pd.DataFrame) -> None:
    """Sanity checks that keep the story honest."""
    ts, start = events["timestamp"], events["start_timestamp"]
    assert not ((ts >= DST_GAP[0]) & (ts < DST_GAP[1])).any(), "a timestamp in the DST gap"
    assert not (start > ts).any(), "work that ends before it starts"
    first = events.groupby("order_id", sort=False).head(1)
    assert first["activity"].isin(["Place order online", "Place order by phone"]).all()
    assert set(events["channel"]) <= CHANNELS, set(events["channel"]) - CHANNELS
    kind = events["activity"].map(lambda a: CATALOGUE[a][2])
    assert (events["thread"].str.split("-").str[0] == kind).all(), "a thread of the wrong kind"


def as_text(part: pd.DataFrame) -> pd.DataFrame:
    out = part[COLUMNS].copy()
    for column in ("timestamp", "start_timestamp"):
        out[column] = part[column].dt.strftime("%Y-%m-%d %H:%M:%S").fillna("")
    assert not out.duplicated().any(), "duplicate rows"
    return out


def write(events: pd.DataFrame, out: Path, live_after: dt.datetime | None) -> None:
    """The story into the three CSVs; with a cut-off, the events after it into live/, one file per
    system and day (what a daily export would drop into a watched folder)."""
    live = events["timestamp"] > live_after if live_after else pd.Series(False, index=events.index)
    live_dir = out / "live"
    for stale in live_dir.glob("*-????-??-??.csv") if live_dir.exists() else []:
        stale.unlink()
    for system in SYSTEMS:
        mine = events["system"] == system
        text = as_text(events[mine & ~live])
        text.to_csv(out / f"{system}.csv", index=False, encoding="utf-8", lineterminator="\n")
        print(f"{system}.csv: {len(text)} rows, {text['order_id'].nunique()} orders, "
              f"{text['activity'].nunique()} activities")
        later = events[mine & live].sort_values(["timestamp", "order_id", "seq"], kind="mergesort")
        for day, part in later.groupby(later["timestamp"].dt.date, sort=True):
            live_dir.mkdir(parents=True, exist_ok=True)
            as_text(part).to_csv(live_dir / f"{system}-{day.isoformat()}.csv", index=False, encoding="utf-8",
                                 lineterminator="\n")
    if live.any():
        print(f"live/: {int(live.sum())} events after {live_after:%Y-%m-%d %H:%M}, "
              f"{events.loc[live, 'timestamp'].dt.date.nunique()} days")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--live-after", type=dt.datetime.fromisoformat, default=None,
                        help="cut-off (local time): later events go to live/<system>-<day>.csv")
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write into (default: next to this file)")
    args = parser.parse_args(argv)
    story.reset()
    events = simulate(order_arrivals())
    check(events)
    args.out.mkdir(parents=True, exist_ok=True)
    write(events, args.out, args.live_after)


if __name__ == "__main__":
    main()
