"""The synergy analysis' array building blocks (app/mining/paths.py, journeys.py, workload.py) on
hand-built instance arrays, counted by hand."""

import numpy as np
import pandas as pd

from app.mining.frame import prepare
from app.mining.journeys import (
    FailSpec,
    contact_episodes,
    contact_groups,
    evidence_follows,
    fail_group,
    returned_after,
    step_waits,
)
from app.mining.paths import first_of_kind, next_within, thread_groups
from app.mining.workload import duplicate_check, line_waits, step_makeup

H = 3_600_000_000  # an hour in microseconds


def arrays_of(rows: list[tuple]) -> object:
    """(case, activity, hour[, resource]) rows; each case's rows in time order."""
    frame = pd.DataFrame([(c, a, int(t * H), r[0] if r else None) for c, a, t, *r in rows],
                         columns=["case_id", "activity", "timestamp", "resource"])
    return prepare(frame)


def codes(ev, *names: str) -> list[int]:
    labels = list(ev.act_labels)
    return [labels.index(n) for n in names]


def test_first_of_kind_points_at_the_first_instance_of_the_activity_in_the_case():
    ev = arrays_of([(1, "A", 0), (1, "B", 1), (1, "A", 2), (2, "A", 0), (2, "A", 1), (2, "B", 2)])
    assert first_of_kind(ev).tolist() == [0, 1, 0, 3, 3, 5]


def test_returned_after_marks_instances_after_which_an_earlier_step_recurs():
    # Case 1: A B C B: B, done before C, recurs after C; not after B itself (B was not done
    # before it), nor after A. Case 2: A B A: after B, A recurs.
    ev = arrays_of([(1, "A", 0), (1, "B", 1), (1, "C", 2), (1, "B", 3), (2, "A", 0), (2, "B", 1), (2, "A", 2)])
    assert returned_after(ev).tolist() == [False, False, True, False, False, True, False]


def test_a_fail_group_counts_its_cases_the_time_back_and_the_repeats():
    ev = arrays_of([(1, "Visit", 0), (1, "Fail", 1), (1, "Visit", 5), (1, "Done", 6),
                    (2, "Visit", 0), (2, "Done", 1)])
    visit, fail = codes(ev, "Visit", "Fail")
    group = fail_group(ev, FailSpec(step=visit, failures=(fail,), direct=(fail,)))
    assert (group.cases, group.failure_instances, group.step_instances, group.extra_step_instances) == (1, 1, 3, 1)
    assert group.back.median_s == 4 * 3600  # from the failure at 1 h to the next visit at 5 h
    assert group.repeated_after == 1  # the second visit
    assert (group.duration_with.median_s, group.duration_without.median_s) == (6 * 3600, 3600)


def test_a_contact_continued_belongs_to_the_episode_it_began():
    # Case 1: Book, Call, Abandon, Call (one episode of two attempts); case 2: Book, Call.
    ev = arrays_of([(1, "Book", 0), (1, "Call", 2), (1, "Abandon", 2.1), (1, "Call", 3),
                    (2, "Book", 0), (2, "Call", 1), (3, "Book", 0)])
    contact = np.zeros(len(ev.act_labels), dtype=bool)
    contact[codes(ev, "Call", "Abandon")] = True
    episodes = contact_episodes(ev, contact)
    assert episodes.root.tolist() == [-1, 1, 1, 1, -1, 5, -1]
    assert episodes.with_contact.tolist() == [True, True, False]
    missing = {"Notice": np.array([True, False, True])}
    (group,) = contact_groups(ev, episodes, missing)
    assert (group.before, group.contact, group.episodes, group.attempts, group.cases) == ("Book", "Call", 2, 3, 2)
    assert group.waiting.median_s == 1.5 * 3600  # 2 h and 1 h after the booking
    assert [(m.name, m.count, m.share) for m in group.missing] == [("Notice", 1, 0.5)]


def test_step_waits_run_from_the_first_end_to_the_first_start_after_it():
    ev = arrays_of([(1, "A", 0), (1, "B", 3), (1, "A", 4), (1, "B", 6), (2, "B", 0), (2, "A", 1), (3, "A", 0)])
    (wait,) = step_waits(ev, [tuple(codes(ev, "A", "B"))])
    assert (wait.waiting.count, wait.waiting.median_s) == (1, 3 * 3600)  # case 2's B came before A; case 3 has none


def test_next_within_stays_in_the_group():
    group = np.array([0, 0, 0, 1, 1])
    wanted = np.array([False, False, True, True, False])
    assert next_within(group, wanted, np.array([0, 2, 3, 4])).tolist() == [2, 5, 5, 5]


def test_thread_groups_order_by_case_then_thread_in_time():
    ev = arrays_of([(1, "A", 0), (1, "B", 1), (1, "C", 2), (2, "A", 0)])
    order, group = thread_groups(ev, np.array([1, 0, 1, 0]))
    assert order.tolist() == [1, 0, 2, 3] and group.tolist() == [0, 1, 1, 2]


def test_evidence_follows_per_object_and_counts_contacts_where_it_is_missing():
    # Case 1: two shipments (objects 0 and 1), the SMS only after the first; case 2: one, with it.
    ev = arrays_of([(1, "Ship", 0), (1, "Ship", 1), (1, "Sms", 2), (2, "Ship", 0), (2, "Sms", 1)])
    objects = np.array([0, 1, 0, 2, 2])
    (follow,), (missing,) = evidence_follows(ev, objects, [tuple(codes(ev, "Ship", "Sms"))], np.array([True, False]))
    assert (follow.units, follow.followed, follow.cases_missing, follow.contact_cases_missing) == (3, 2, 1, 1)
    assert (follow.cases_complete, follow.contact_cases_complete) == (1, 0)
    assert missing.tolist() == [True, False]


def test_step_makeup_counts_resources_systems_lanes_and_shared_repeats():
    ev = arrays_of([(1, "A", 0, "ann"), (1, "B", 1, "bot"), (1, "A", 2, "bob"), (1, "B", 3, "bot"),
                    (2, "A", 0, "ann"), (2, "B", 1, "bot")])
    system = ev.resource == list(ev.resource_labels).index("bot")
    lane = np.array([0, 1, 0, 1, 0, 2])
    made = step_makeup(ev, system=system, lane=lane, lanes=4, returned=returned_after(ev))
    assert (made["A"].resources, made["A"].system_share, made["A"].lanes) == (2, 0.0, (3, 0, 0, 0))
    assert (made["B"].resources, made["B"].system_share, made["B"].lanes) == (1, 1.0, (0, 2, 1, 0))
    assert made["A"].repeat_key == made["B"].repeat_key != 0  # both repeated in case 1 alone
    assert (made["A"].returned, made["B"].returned) == (1, 1)  # after the first A and B, A recurs


def test_duplicate_check_uses_the_object_both_name_else_the_case():
    ev = arrays_of([(1, "Check", 0), (1, "Recheck", 2), (2, "Check", 0), (2, "Recheck", 1)])
    check, recheck = codes(ev, "Check", "Recheck")
    by_object = duplicate_check(ev, check, recheck, np.array([7, 7, 8, 9]))
    assert (by_object.unit, by_object.first_units, by_object.both_units, by_object.lag.median_s) == (
        "object", 2, 1, 2 * 3600)
    by_case = duplicate_check(ev, check, recheck, np.full(4, -1))
    assert (by_case.unit, by_case.both_units, by_case.both_cases, by_case.lag.median_s) == ("case", 2, 2, 1.5 * 3600)


def test_line_waits_pool_the_handoffs_between_the_two_lanes_of_each_line():
    ev = arrays_of([(1, "C", 0), (1, "F", 1), (1, "B", 3), (1, "S", 6)])
    waits = line_waits(ev, np.array([0, 1, 2, 3]), ["interaction", "visibility", "internal"])
    assert {k: v.median_s / 3600 for k, v in waits.items()} == {"interaction": 1, "visibility": 2, "internal": 3}
