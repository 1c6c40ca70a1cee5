"""Word counts and row norms for TF-IDF, the way scikit-learn's vectorisers make them, without importing it.

Importing scikit-learn costs more than a second (it loads scipy.stats), which a gap report that reads
its fitted model from the data folder would otherwise pay for projecting a few skill texts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
from scipy import sparse

# scikit-learn's default token pattern: runs of two or more word characters, after lower-casing.
TOKEN = re.compile(r"(?u)\b\w\w+\b")


def words(text: str, stop_words: frozenset[str]) -> list[str]:
    """The text's tokens as CountVectorizer(stop_words=...) analyses them (lower-cased, stop words dropped)."""
    return [token for token in TOKEN.findall(text.lower()) if token not in stop_words]


def count_rows(texts: Iterable[str], vocabulary: dict[str, int], stop_words: frozenset[str]) -> sparse.csr_matrix:
    """Term counts of each text over a fixed vocabulary (words outside it dropped), float32, columns sorted."""
    data: list[float] = []
    indices: list[int] = []
    indptr = [0]
    for text in texts:
        tally: dict[int, int] = {}
        for token in words(text, stop_words):
            column = vocabulary.get(token)
            if column is not None:
                tally[column] = tally.get(column, 0) + 1
        for column in sorted(tally):
            indices.append(column)
            data.append(tally[column])
        indptr.append(len(indices))
    return sparse.csr_matrix((np.asarray(data, dtype=np.float32), np.asarray(indices, dtype=np.int32),
                              np.asarray(indptr, dtype=np.int64)), shape=(len(indptr) - 1, len(vocabulary)))


def l2_rows(matrix: sparse.spmatrix) -> sparse.csr_matrix:
    """Each row divided by its Euclidean norm (rows of zeros stay zeros), as sklearn.preprocessing.normalize does."""
    rows = sparse.csr_matrix(matrix, copy=True)
    squares = rows.multiply(rows).sum(axis=1)
    norms = np.sqrt(np.asarray(squares, dtype=np.float64).reshape(-1))
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    rows.data = (rows.data * np.repeat(scale, np.diff(rows.indptr))).astype(rows.dtype, copy=False)
    return rows
