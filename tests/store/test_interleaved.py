"""Streams read side by side (app/store/frames.interleaved): every item once, errors raised to the
reader, and a reader that stops early stops the streams."""

import threading
import time

import pytest

from app.store.frames import interleaved


def test_every_item_of_every_stream_comes_once():
    streams = [iter(range(0, 500)), iter(range(500, 800)), iter([])]
    assert sorted(interleaved(streams, depth=2)) == list(range(800))


def test_an_error_in_one_stream_reaches_the_reader():
    def failing():
        yield 1
        raise ValueError("the server went away")

    with pytest.raises(ValueError, match="went away"):
        list(interleaved([failing(), iter(range(100))]))


def test_a_reader_that_stops_early_stops_the_streams_and_closes_them():
    closed = threading.Event()

    def endless():
        try:
            while True:
                yield time.sleep(0.001)
        finally:
            closed.set()

    before = threading.active_count()
    reader = interleaved([endless(), endless()], depth=1)
    for _ in range(5):
        next(reader)
    reader.close()
    assert closed.is_set()
    assert threading.active_count() == before
