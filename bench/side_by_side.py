"""Two sides of one measurement timed in alternating rounds, reported as min and median with a goal."""

from __future__ import annotations

import statistics
import time
from typing import Callable


def alternate(rounds: int, side: Callable[[int], object], reference: Callable[[int], object]) -> tuple[list[float], list[float]]:
    """Time both callables once per round (milliseconds), swapping which goes first every round."""
    side_ms: list[float] = []
    reference_ms: list[float] = []
    for index in range(rounds):
        order = [(side, side_ms), (reference, reference_ms)]
        for work, times in order if index % 2 == 0 else reversed(order):
            started = time.perf_counter()
            work(index)
            times.append((time.perf_counter() - started) * 1000)
    return side_ms, reference_ms


def ratio_line(label: str, side_ms: list[float], reference_ms: list[float], goal: float | None,
               names: tuple[str, str] = ("service", "raw")) -> str:
    """One line: both sides' min and median, the ratio of medians (the verdict) and of mins, the goal."""
    ratio = statistics.median(side_ms) / statistics.median(reference_ms)
    verdict = "for comparison" if goal is None else f"goal <= {goal}x: {'ok' if ratio <= goal else 'over goal'}"
    return (f"{label:<58} {names[0]} min {min(side_ms):9.2f} ms median {statistics.median(side_ms):9.2f} ms | "
            f"{names[1]} min {min(reference_ms):9.2f} ms median {statistics.median(reference_ms):9.2f} ms | "
            f"ratio {ratio:5.2f}x (min/min {min(side_ms) / min(reference_ms):5.2f}x)   {verdict}")
