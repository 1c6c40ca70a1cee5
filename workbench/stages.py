"""Timing the stages of a long run (scan, sync, vectors, scoring) while passing their progress on.

Every long operation reports progress as (stage, done, total). `StageClock` is such a callback: it
forwards each call and records how long each stage took, from its first report to the report that
completes it, so `workbench gaps --verbose` can say where the time went.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

ProgressCallback = Callable[[str, int, int], None]

# What each stage is called on screen (CLI bars, `--verbose`, the app's progress bar).
STAGE_LABELS = {
    "reading": "Reading library",
    "checking index": "Checking index",
    "loading model": "Loading model",
    "embedding": "Embedding chunks",
    "writing": "Writing index",
    "reading vectors": "Reading vectors",
    "aligning": "Aligning chunks",
    "embedding skills": "Embedding skills",
    "lexical model": "Lexical model",
    "scoring": "Scoring skills",
    "near-duplicates": "Near-duplicates",
    "assembling report": "Assembling report",
}


def stage_label(stage: str) -> str:
    """The on-screen name of a stage."""
    return STAGE_LABELS.get(stage, stage.capitalize())


class StageClock:
    """A progress callback that times each stage and forwards every report to another callback (if any)."""

    def __init__(self, progress: ProgressCallback | None = None) -> None:
        self._progress = progress
        self._started: dict[str, float] = {}
        self.seconds: dict[str, float] = {}  # stage -> seconds, in the order the stages finished

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        started = self._started.setdefault(stage, now)
        if done >= total:
            # A stage reported again later (a second sync page, say) adds to its time.
            self.seconds[stage] = self.seconds.get(stage, 0.0) + now - started
            del self._started[stage]
        if self._progress is not None:
            self._progress(stage, done, total)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time a stage that reports no progress of its own (shown as started, then done)."""
        self(name, 0, 1)
        yield
        self(name, 1, 1)

    def steps(self, name: str) -> Callable[[int, int], None]:
        """A (done, total) callback for one stage, for code that counts its own steps."""
        return lambda done, total: self(name, done, total)
