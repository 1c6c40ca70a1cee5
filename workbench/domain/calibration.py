"""Array helpers of the gap scorer: backgrounds, calibrated scores, per-segment reductions, a safe sigmoid.

Plain numpy. A "background" is the distribution of a matrix's entries (every skill against every
unit): most pairs are unrelated, so its median and spread say what an ordinary match looks like here.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

BACKGROUND_SAMPLE = 200_000  # pairs used to estimate a background; plenty for a median
ROW_BLOCK = 256  # rows mixed at a time (bounded temporaries)
GATHER_ELEMENTS = 1 << 22  # values gathered at a time when reducing segments


@lru_cache(maxsize=8)
def _sample_positions(size: int) -> np.ndarray:
    """The same pseudo-random positions for every matrix of a size (deterministic, drawn once)."""
    return np.random.default_rng(0).integers(0, size, BACKGROUND_SAMPLE)


def _background(values: np.ndarray) -> np.ndarray:
    """A deterministic sample of a matrix's entries, to estimate its background cheaply."""
    flat = values.reshape(-1)
    if flat.size > BACKGROUND_SAMPLE:
        flat = flat[_sample_positions(flat.size)]
    return flat[np.isfinite(flat)]


def location_scale(values: np.ndarray, robust: bool) -> tuple[float, float] | None:
    """(centre, spread) of a matrix's background; None when it is constant or empty."""
    sample = _background(values).astype(np.float64)
    if sample.size == 0:
        return None
    if robust:
        centre = float(np.median(sample))
        spread = 1.4826 * float(np.median(np.abs(sample - centre)))
        if np.isfinite(spread) and spread >= 1e-12:
            return centre, spread
    centre, spread = float(sample.mean()), float(sample.std())
    if not np.isfinite(spread) or spread < 1e-12:
        return None
    return centre, spread


def calibrate(lexical: np.ndarray, dense: np.ndarray, lexical_weight: float) -> np.ndarray:
    """Robust z of the hybrid score: each channel standardised against its own background, mixed, standardised again.

    A median and MAD are used for the mix so that a few strong matches cannot inflate the spread; the
    result reads as "how unusual is this match here". Zeros when nothing varies.
    """
    mixed = np.zeros(lexical.shape, dtype=np.float32)
    for values, weight in ((lexical, lexical_weight), (dense, 1.0 - lexical_weight)):
        scale = location_scale(values, robust=False)
        if scale is None or weight == 0:
            continue
        factor, offset = np.float32(weight / scale[1]), np.float32(scale[0] * weight / scale[1])
        for start in range(0, values.shape[0], ROW_BLOCK):  # blocks keep the temporaries small
            block = slice(start, start + ROW_BLOCK)
            mixed[block] += values[block] * factor
            mixed[block] -= offset
    scale = location_scale(mixed, robust=True)
    if scale is None:
        return np.zeros(lexical.shape, dtype=np.float32)
    mixed -= np.float32(scale[0])
    mixed *= np.float32(1.0 / scale[1])
    return mixed


def reduce_segments(values: np.ndarray, bounds: np.ndarray, reduce, empty: float) -> np.ndarray:
    """Per (segment, column) reduction of an items x columns matrix; segment g is rows bounds[g] to bounds[g + 1] - 1.

    Segments of equal length are gathered into one (segments, length, columns) block and reduced along
    the middle axis: several times faster than ufunc.reduceat on many short segments.
    """
    n_segments, width = len(bounds) - 1, values.shape[1]
    out = np.full((n_segments, width), empty, dtype=np.float32)
    lengths = np.diff(bounds)
    for length in np.unique(lengths[lengths > 0]).tolist():
        segments = np.flatnonzero(lengths == length)
        if length == 1:
            out[segments] = values[bounds[segments]]
            continue
        per_block = max(1, GATHER_ELEMENTS // (length * max(1, width)))
        for start in range(0, len(segments), per_block):
            block = segments[start:start + per_block]
            rows = bounds[block][:, None] + np.arange(length)
            out[block] = reduce.reduce(values[rows], axis=1)
    return out


def sigmoid(values: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)), in place for a float32 array; overflow of exp gives exactly 0 or 1, never NaN."""
    values = np.asarray(values, dtype=np.float32)
    with np.errstate(over="ignore"):
        np.negative(values, out=values)
        np.exp(values, out=values)
    values += np.float32(1.0)
    np.reciprocal(values, out=values)
    return values
