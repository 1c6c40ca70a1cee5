"""Array helpers of the gap scorer: backgrounds, calibrated scores, per-segment reductions, a safe sigmoid.

Plain numpy. A "background" is the distribution of a matrix's entries (every skill against every
unit): most pairs are unrelated, so its median and spread say what an ordinary match looks like here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

BACKGROUND_SAMPLE = 200_000  # pairs used to estimate a background; plenty for a median
ROW_BLOCK = 256  # rows mixed at a time (bounded temporaries)
GATHER_ELEMENTS = 1 << 22  # values gathered at a time when reducing segments
# Rows multiplied at a time by `tiled_product`; fixed, because BLAS may round a row differently
# depending on how many rows it is handed, and a value must not depend on the block that asked for it.
TILE_ROWS = 256


@lru_cache(maxsize=8)
def _sample_positions(size: int) -> np.ndarray:
    """The same pseudo-random positions for every matrix of a size (deterministic, drawn once)."""
    return np.random.default_rng(0).integers(0, size, BACKGROUND_SAMPLE)


def background_positions(size: int) -> np.ndarray:
    """Flat positions of the entries a background is estimated from: every entry up to BACKGROUND_SAMPLE, else a fixed sample."""
    if size > BACKGROUND_SAMPLE:
        return _sample_positions(size)
    return np.arange(size)


def background(values: np.ndarray) -> np.ndarray:
    """The background entries of a matrix (at `background_positions`, in that order; non-finite ones included)."""
    flat = values.reshape(-1)
    return flat[background_positions(flat.size)]


class BackgroundSample:
    """The background entries of a rows x columns matrix, gathered while the matrix is produced a block of rows at a time.

    Gives exactly `background(matrix)` without ever holding the matrix.
    """

    def __init__(self, n_rows: int, n_columns: int) -> None:
        self.width = n_columns
        self.positions = background_positions(n_rows * n_columns)
        self._order = np.argsort(self.positions, kind="stable")
        self._sorted = self.positions[self._order]
        self.values = np.zeros(len(self.positions), dtype=np.float32)

    def add(self, first_row: int, block: np.ndarray) -> None:
        """Take the sampled entries of rows first_row .. first_row + len(block) - 1."""
        base = first_row * self.width
        low, high = np.searchsorted(self._sorted, [base, base + block.size])
        picks = self._order[low:high]
        self.values[picks] = np.ascontiguousarray(block).reshape(-1)[self.positions[picks] - base]


def scale_of(sample: np.ndarray, robust: bool) -> tuple[float, float] | None:
    """(centre, spread) of a background sample (non-finite entries left out); None when it is constant or empty."""
    sample = sample[np.isfinite(sample)].astype(np.float64)
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


def location_scale(values: np.ndarray, robust: bool) -> tuple[float, float] | None:
    """(centre, spread) of a matrix's background; None when it is constant or empty."""
    return scale_of(background(values), robust)


@dataclass(frozen=True)
class Calibration:
    """The map from a level's two channels to the robust z of their mix, fitted on the channels' background samples.

    Fitting needs only the samples, so a matrix too large to hold is calibrated one block at a time
    with exactly the numbers the whole matrix would give.
    """

    steps: tuple[tuple[int, np.float32, np.float32], ...]  # (channel: 0 lexical / 1 dense, factor, offset)
    centre: np.float32 | None  # None: nothing varies, every score is 0
    inverse_spread: np.float32 | None

    @classmethod
    def fit(cls, lexical_sample: np.ndarray, dense_sample: np.ndarray, lexical_weight: float) -> "Calibration":
        """Standardise each channel on its own background, mix them, and standardise the mix robustly."""
        mixed = np.zeros(lexical_sample.shape, dtype=np.float32)
        steps = []
        for channel, (values, weight) in enumerate(((lexical_sample, lexical_weight), (dense_sample, 1.0 - lexical_weight))):
            scale = scale_of(values, robust=False)
            if scale is None or weight == 0:
                continue
            factor, offset = np.float32(weight / scale[1]), np.float32(scale[0] * weight / scale[1])
            mixed += values * factor
            mixed -= offset
            steps.append((channel, factor, offset))
        scale = scale_of(mixed, robust=True)
        if scale is None:
            return cls(tuple(steps), None, None)
        return cls(tuple(steps), np.float32(scale[0]), np.float32(1.0 / scale[1]))

    def apply(self, lexical: np.ndarray, dense: np.ndarray) -> np.ndarray:
        """Calibrated scores of matching blocks of the two channels (zeros when nothing varies)."""
        mixed = np.zeros(lexical.shape, dtype=np.float32)
        if self.centre is None:
            return mixed
        for channel, factor, offset in self.steps:
            values = (lexical, dense)[channel]
            for start in range(0, values.shape[0], ROW_BLOCK):  # blocks keep the temporaries small
                block = slice(start, start + ROW_BLOCK)
                mixed[block] += values[block] * factor
                mixed[block] -= offset
        mixed -= self.centre
        mixed *= self.inverse_spread
        return mixed


def calibrate(lexical: np.ndarray, dense: np.ndarray, lexical_weight: float) -> np.ndarray:
    """Robust z of the hybrid score: each channel standardised against its own background, mixed, standardised again.

    A median and MAD are used for the mix so that a few strong matches cannot inflate the spread; the
    result reads as "how unusual is this match here". Zeros when nothing varies.
    """
    return Calibration.fit(background(lexical), background(dense), lexical_weight).apply(lexical, dense)


def tiled_product(left: np.ndarray, right: np.ndarray, start: int, stop: int) -> np.ndarray:
    """Rows start..stop-1 of left @ right (float32), always multiplied in the same tiles of TILE_ROWS rows from row 0."""
    out = np.empty((stop - start, right.shape[1]), dtype=np.float32)
    for tile in range((start // TILE_ROWS) * TILE_ROWS, stop, TILE_ROWS):
        product = left[tile:tile + TILE_ROWS] @ right
        low, high = max(tile, start), min(tile + TILE_ROWS, stop)
        out[low - start:high - start] = product[low - tile:high - tile]
    return out


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
