"""Page writes on their own thread: in order, stopped after a failure, nothing running once the block is left."""

from __future__ import annotations

import threading

import pytest

from workbench.index.page_writes import PageWrites


def test_pages_are_written_in_order_and_reported_as_they_complete():
    written: list[int] = []
    with PageWrites() as writes:
        for page in range(5):
            writes.submit(lambda page=page: written.append(page), size=10 + page)
        sizes = list(writes.wait())

    assert written == [0, 1, 2, 3, 4]
    assert sizes == [10, 11, 12, 13, 14]


def test_after_a_failed_page_nothing_more_is_written_and_the_error_is_raised():
    written: list[int] = []
    release = threading.Event()

    def write(page: int) -> None:
        if page == 1:
            release.wait(5)
            raise OSError("disk full")
        written.append(page)

    with pytest.raises(OSError, match="disk full"):
        with PageWrites() as writes:
            for page in range(4):
                writes.submit(lambda page=page: write(page), size=1)
            writes.raise_if_failed()  # page 1 has not failed yet: nothing to raise
            release.set()
            list(writes.wait())

    assert written == [0]


def test_raise_if_failed_raises_once_the_failure_has_happened():
    failed = threading.Event()

    def fail() -> None:
        failed.set()
        raise ValueError("bad page")

    with PageWrites() as writes:
        writes.submit(fail, size=1)
        failed.wait(5)
        for _ in range(100):  # the future is marked done just after the write returns
            try:
                writes.raise_if_failed()
            except ValueError as error:
                assert str(error) == "bad page"
                break
            threading.Event().wait(0.01)
        else:
            pytest.fail("the failed write was never reported")


def test_leaving_the_block_waits_for_the_write_under_way():
    started, finish = threading.Event(), threading.Event()
    finished: list[bool] = []

    def slow() -> None:
        started.set()
        finish.wait(5)
        finished.append(True)

    with pytest.raises(RuntimeError):
        with PageWrites() as writes:
            writes.submit(slow, size=1)
            writes.submit(lambda: finished.append(False), size=1)
            started.wait(5)
            threading.Timer(0.2, finish.set).start()
            raise RuntimeError("embedding failed")

    assert finished == [True]  # the write under way completed; the queued one was dropped
