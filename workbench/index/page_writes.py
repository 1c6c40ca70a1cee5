"""Index writes on a thread of their own, one page at a time, in order, while the caller embeds the next page."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor


class PageWrites:
    """Runs page writes one after another on one background thread; after a failed page nothing more is written.

    Use it as a context manager: leaving the block waits for the write under way and drops the rest,
    so nothing writes once the caller returns or raises (it holds the index's writer lock until then).
    """

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="index-write")
        self._pending: list[tuple[Future, int]] = []
        self._failed = threading.Event()
        self._checked = 0

    def __enter__(self) -> "PageWrites":
        return self

    def __exit__(self, *exc_info) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, write: Callable[[], None], size: int) -> None:
        """Queue one page's write of `size` items (after the pages queued before it)."""
        def run() -> None:
            if self._failed.is_set():  # a page before this one failed: the index keeps what came before it
                return
            try:
                write()
            except BaseException:
                self._failed.set()
                raise

        self._pending.append((self._pool.submit(run), size))

    def raise_if_failed(self) -> None:
        """Raise the error of a page that failed already (so the caller stops embedding at once)."""
        while self._checked < len(self._pending) and self._pending[self._checked][0].done():
            self._pending[self._checked][0].result()
            self._checked += 1

    def wait(self) -> Iterator[int]:
        """Each page's size as its write completes, in order; raises the first page's error."""
        for future, size in self._pending:
            future.result()
            yield size
