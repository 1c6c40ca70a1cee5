"""Each vector's nearest others by cosine, in time linear in the number of vectors (approximate beyond a size).

Up to EXACT_UP_TO vectors every pair is compared. Beyond that, candidates come from a random
projection forest (Annoy's method): each tree splits the vectors in two, again and again, by a
hyperplane between two random members, at the median, down to leaves of at most LEAF vectors;
vectors that share a leaf are compared exactly. The neighbours found are then refined by
neighbour descent (Dong, Charikar and Li, "Efficient k-nearest neighbor graph construction",
2011): a neighbour of a neighbour is compared too, a few rounds. Every similarity kept is exact;
what is approximate is which pairs get compared, so a true neighbour can be missed, most
likely when all vectors are about equally far apart (no structure to find).
"""

from __future__ import annotations

import numpy as np

EXACT_UP_TO = 4096  # vectors compared pair by pair (about 0.3 s at 384 dimensions)
LEAF = 256  # vectors in a leaf of a projection tree, at most
TREES = 6  # trees of the forest
DESCENT_ROUNDS = 4  # rounds of neighbour descent, at most
GATHER_VALUES = 1 << 24  # float32 values gathered at a time when comparing candidates
SEED = 0  # the forest is the same for the same vectors: a report does not change between runs


def nearest_neighbours(vectors: np.ndarray, k: int) -> np.ndarray:
    """n x k indexes of each unit vector's k most similar others (by cosine), approximate above EXACT_UP_TO vectors."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n = len(vectors)
    k = min(k, n - 1)
    if k < 1:
        return np.zeros((n, 0), dtype=np.int64)
    rng = np.random.default_rng(SEED)
    best_index = np.full((n, k), -1, dtype=np.int64)
    best_value = np.full((n, k), -np.inf, dtype=np.float32)
    for _ in range(TREES):
        leaves = _leaves(vectors, rng)
        for size in sorted({len(leaf) for leaf in leaves}):  # median splits leave at most two sizes: one batch each
            _merge_leaves(vectors, np.array([leaf for leaf in leaves if len(leaf) == size]), k, best_index, best_value)
    for _ in range(DESCENT_ROUNDS):
        changed = _descend(vectors, best_index, best_value)
        if changed < 0.001 * n * k:  # converged: almost nothing new to find
            break
    return best_index


def _leaves(vectors: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """One random projection tree's leaves, as arrays of vector indexes."""
    pending, leaves = [np.arange(len(vectors))], []
    while pending:
        members = pending.pop()
        if len(members) <= LEAF:
            leaves.append(members)
            continue
        a, b = rng.choice(len(members), 2, replace=False)
        direction = vectors[members[a]] - vectors[members[b]]
        projection = vectors[members] @ direction
        order = np.argsort(projection, kind="stable")
        half = len(members) // 2
        pending += [members[order[:half]], members[order[half:]]]
    return leaves


def _merge_leaves(vectors: np.ndarray, leaves: np.ndarray, k: int, best_index: np.ndarray, best_value: np.ndarray) -> None:
    """Compare the vectors of each leaf (a row of `leaves`) with each other; keep each one's k most similar so far."""
    per_batch = max(1, GATHER_VALUES // (leaves.shape[1] * max(leaves.shape[1], vectors.shape[1])))
    for start in range(0, len(leaves), per_batch):
        batch = leaves[start:start + per_batch]
        gathered = vectors[batch]
        similarity = gathered @ gathered.transpose(0, 2, 1)
        size = batch.shape[1]
        similarity[:, np.arange(size), np.arange(size)] = -np.inf  # a vector is not its own neighbour
        take = min(k, size - 1)
        if take < 1:
            continue
        top = np.argpartition(-similarity, take - 1, axis=2)[:, :, :take]
        values = np.take_along_axis(similarity, top, 2).reshape(-1, take)
        candidates = np.take_along_axis(np.broadcast_to(batch[:, None, :], similarity.shape), top, 2).reshape(-1, take)
        _keep_best(batch.reshape(-1), candidates, values, best_index, best_value)


def _descend(vectors: np.ndarray, best_index: np.ndarray, best_value: np.ndarray) -> int:
    """One round of neighbour descent: compare each vector with its neighbours' neighbours; how many neighbours changed."""
    n, k = best_index.shape
    before = best_index.copy()
    candidates = best_index[np.maximum(best_index, 0)].reshape(n, k * k)
    candidates[np.repeat(best_index < 0, k, axis=1)] = -1
    per_block = max(1, GATHER_VALUES // (k * k * vectors.shape[1]))
    for start in range(0, n, per_block):
        rows = np.arange(start, min(n, start + per_block))
        block = candidates[rows]
        values = np.einsum("rd,rcd->rc", vectors[rows], vectors[np.maximum(block, 0)], optimize=True)
        values[(block < 0) | (block == rows[:, None])] = -np.inf
        _keep_best(rows, block, values, best_index, best_value)
    return int(np.count_nonzero(np.sort(best_index, axis=1) != np.sort(before, axis=1)))


def _keep_best(rows: np.ndarray, candidates: np.ndarray, values: np.ndarray, best_index: np.ndarray,
               best_value: np.ndarray) -> None:
    """For each of `rows`, the k most similar of its current neighbours and these candidates (each counted once)."""
    k = best_index.shape[1]
    index = np.concatenate([best_index[rows], candidates], axis=1)
    value = np.concatenate([best_value[rows], values], axis=1)
    # A candidate met twice keeps one copy: sort by index, blank repeats, then take the k best values.
    order = np.argsort(index, axis=1, kind="stable")
    index, value = np.take_along_axis(index, order, 1), np.take_along_axis(value, order, 1)
    repeat = np.zeros(index.shape, dtype=bool)
    repeat[:, 1:] = index[:, 1:] == index[:, :-1]
    value[repeat | (index < 0)] = -np.inf
    top = np.argsort(-value, axis=1, kind="stable")[:, :k]
    best_index[rows] = np.where(np.isfinite(np.take_along_axis(value, top, 1)), np.take_along_axis(index, top, 1), -1)
    best_value[rows] = np.take_along_axis(value, top, 1)
