"""How figures read on the blueprint."""

import pytest

from app.web.format import clip, count, duration, share, signed_share, wrap


@pytest.mark.parametrize(("seconds", "text"), [
    (None, "–"), (0, "0 s"), (45, "45 s"), (59.4, "59 s"), (59.6, "1 min"), (61, "1 min"), (3569, "59 min"),
    (3599, "1 h"), (18720, "5.2 h"), (36000, "10 h"), (86399, "1 d"), (293760, "3.4 d"), (1814400, "21 d"),
    (-98.5, "-2 min"), (float("nan"), "–")])
def test_durations_read_in_the_largest_unit_that_stays_short(seconds, text):
    assert duration(seconds) == text


def test_counts_and_shares():
    assert count(21221) == "21,221"
    assert [share(x) for x in (0.16, 0.004, 0.0004, 0.0512, 1.0, 0.0, None)] == [
        "16%", "0.4%", "<0.1%", "5.1%", "100%", "0%", "–"]
    assert (signed_share(0.52), signed_share(-0.328)) == ("+52%", "-33%")


def test_names_wrap_at_spaces_into_two_lines_and_are_clipped_beyond():
    assert wrap("Dispatcher checks line before booking", 22, 2) == ["Dispatcher checks line", "before booking"]
    assert wrap("T09-1 Process or receive external advice from party 1", 22, 2) == [
        "T09-1 Process or", "receive external advi…"]
    assert wrap("<script>alert(1)</script>", 22, 2) == ["<script>alert(1)</scr…"]
    assert wrap("Short", 22, 2) == ["Short"]
    assert clip("abcdef", 4) == "abc…" and clip("abc", 4) == "abc"
