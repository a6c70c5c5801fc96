"""The block ahead: validated in its own thread while the one before is being stored."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from ingest.staging import prefetched


def _prefetch_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "uptake-prefetch"]


def test_items_come_in_order_and_the_next_is_made_while_one_is_used() -> None:
    second_started = threading.Event()

    def blocks() -> Iterator[int]:
        yield 1
        second_started.set()
        yield from range(2, 6)

    seen = []
    for item in prefetched(blocks()):
        if item == 1:
            # Made while this one is still in use: without a thread ahead, this waits forever.
            assert second_started.wait(timeout=10)
        seen.append(item)
    assert seen == [1, 2, 3, 4, 5]
    assert not _prefetch_threads()


def test_an_error_comes_after_the_items_made_before_it() -> None:
    def blocks() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("block 3 does not read")

    seen = []
    with pytest.raises(ValueError, match="block 3 does not read"):
        for item in prefetched(blocks()):
            seen.append(item)
    assert seen == [1, 2]
    assert not _prefetch_threads()


def test_a_consumer_that_stops_early_stops_the_producer() -> None:
    made = []

    def blocks() -> Iterator[int]:
        for number in range(1_000):
            made.append(number)
            yield number

    items = prefetched(blocks())
    assert next(items) == 0
    items.close()
    assert not _prefetch_threads()
    assert len(made) <= 3  # the one used, the one ahead, and at most one being offered
