"""The lane dry run's pure core: events, cases and activities per rule, then the rest."""

import numpy as np

from app.lanes.dry_run import dry_run


def test_each_rule_counts_what_it_took_and_the_rest_is_unmapped_or_default():
    labels = np.array(["A", "B", "C"], dtype=object)
    act = np.array([0, 0, 1, 2, 2, 2])
    case = np.array([0, 1, 1, 0, 1, 2])
    rule = np.array([0, 0, 1, -1, -1, -1])
    out = dry_run(act, labels, case, rule, rules=3, has_default=False)
    assert out.events == 6
    assert [(t.events, t.cases, t.activities, t.top) for t in out.rules] == [
        (2, 2, 1, [("A", 2)]), (1, 1, 1, [("B", 1)]), (0, 0, 0, [])]
    assert (out.unmapped.events, out.unmapped.cases, out.unmapped.top) == (3, 3, [("C", 3)])
    assert out.default.events == 0
    with_default = dry_run(act, labels, case, rule, rules=3, has_default=True)
    assert with_default.default.events == 3 and with_default.unmapped.events == 0


def test_no_events():
    empty = np.array([], dtype=np.int64)
    out = dry_run(empty, np.array([], dtype=object), empty, empty, rules=1, has_default=False)
    assert out.events == 0 and out.rules[0].events == 0 and out.unmapped.events == 0
