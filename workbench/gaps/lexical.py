"""The lexical channel: TF-IDF fitted on the library itself, so words rare in this library weigh most.

Fitting reads every chunk, so the fitted model is kept in the data folder, keyed by the chunks'
content ids; an unchanged library reuses it and only the skills are projected.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy import sparse

from workbench.domain.library import Chunk
from workbench.domain.teaching import HeadingMatches
from workbench.gaps.word_counts import count_rows, l2_rows, words

log = logging.getLogger(__name__)

CACHE_FILE = "lexical.npz"
CACHE_VERSION = "tfidf-v3"  # bump when the vectoriser settings or the cached fields change
STOP_WORDS = "english"


def chunks_key(chunks: list[Chunk]) -> str:
    """A digest of the chunks' content ids and titles: equal keys mean the same library text."""
    digest = hashlib.sha256(CACHE_VERSION.encode())
    for chunk in chunks:
        digest.update(chunk.id.encode())
        digest.update(b"\x1f")
        digest.update(chunk.title.encode("utf-8"))
        digest.update(b"\x1e")
    return digest.hexdigest()


class LexicalModel:
    """TF-IDF vectors (sublinear term frequency, smoothed idf, L2 norm) of the library's chunks."""

    def __init__(self, vocabulary: dict[str, int], idf: np.ndarray, documents: sparse.csr_matrix | None, count: int,
                 stop_words: frozenset[str] = frozenset()) -> None:
        self._vocabulary = vocabulary
        self._idf = idf.astype(np.float32)
        self._documents = documents
        self._count = count
        # The stop words the model was fitted with, kept with it: projecting texts then needs no scikit-learn.
        self._stop_words = stop_words
        # A word the library never uses gets the idf of a term in no document (smoothed), the highest there is.
        self._unseen_idf = float(np.log((1.0 + count) / 1.0) + 1.0)

    @classmethod
    def fit(cls, documents: list[str]) -> "LexicalModel":
        """Fit on the library's chunk texts."""
        from sklearn.feature_extraction.text import TfidfVectorizer  # only fitting needs it; see word_counts.py

        vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words=STOP_WORDS, dtype=np.float32)
        try:
            matrix = vectorizer.fit_transform(documents) if documents else None
        except ValueError:  # no usable word in the whole library (empty or stop words only)
            matrix = None
        stop_words = frozenset(vectorizer.get_stop_words() or ())
        if matrix is None:
            return cls({}, np.zeros(0), None, len(documents), stop_words)
        return cls(dict(vectorizer.vocabulary_), vectorizer.idf_, matrix.tocsr(), len(documents), stop_words)

    @classmethod
    def for_chunks(cls, chunks: list[Chunk], texts: Callable[[], list[str]] | list[str], cache_dir: Path | None) -> "LexicalModel":
        """The fitted model for these chunks, from the cache when the library text is unchanged (texts built only on a miss)."""
        key = chunks_key(chunks)
        cache = cache_dir / CACHE_FILE if cache_dir else None
        if cache is not None and cache.is_file():
            loaded = cls._load(cache, key)
            if loaded is not None:
                return loaded
        model = cls.fit(texts() if callable(texts) else texts)
        if cache is not None and model._documents is not None:
            model._save(cache, key)
        return model

    @classmethod
    def _load(cls, path: Path, key: str) -> "LexicalModel | None":
        try:
            with np.load(path, allow_pickle=False) as data:
                if str(data["key"]) != key:
                    return None
                terms = data["terms"].tolist()
                matrix = sparse.csr_matrix(
                    (data["data"], data["indices"], data["indptr"]), shape=tuple(data["shape"].tolist())
                )
                stop_words = frozenset(data["stop_words"].tolist())
                return cls({term: i for i, term in enumerate(terms)}, data["idf"], matrix, matrix.shape[0], stop_words)
        except (OSError, ValueError, KeyError) as error:
            log.warning("lexical cache %s not used: %s", path, error)
            return None

    def _save(self, path: Path, key: str) -> None:
        terms = np.array(sorted(self._vocabulary, key=self._vocabulary.__getitem__))
        matrix = self._documents
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(handle, "wb") as stream:
                np.savez(stream, key=np.array(key), terms=terms, idf=self._idf, stop_words=np.array(sorted(self._stop_words)),
                         data=matrix.data,
                         indices=matrix.indices, indptr=matrix.indptr, shape=np.array(matrix.shape))
            os.replace(temporary, path)  # readers see the old cache or the new one, never half of one
        except OSError as error:
            log.warning("lexical cache %s not written: %s", path, error)

    @property
    def empty(self) -> bool:
        """True when the library gave no vocabulary to compare against."""
        return self._documents is None

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        """TF-IDF rows (L2-normalised) for arbitrary texts, in the library's vocabulary."""
        counts = count_rows(texts, self._vocabulary, self._stop_words)
        counts.data = 1.0 + np.log(counts.data)  # sublinear term frequency
        return l2_rows(counts @ sparse.diags(self._idf))

    def query_vectors(self, queries: list[str]) -> sparse.csr_matrix:
        """TF-IDF rows for skill texts, normalised with their words the library never uses counted in.

        A skill whose key word appears nowhere in the library ("Quantum cryptography" against a
        library that only says "cryptography") must not look like a perfect match of what remains.
        """
        counts = count_rows(queries, self._vocabulary, self._stop_words)
        counts.data = 1.0 + np.log(counts.data)
        weighted = (counts @ sparse.diags(self._idf)).tocsr()
        known = np.asarray(weighted.multiply(weighted).sum(axis=1)).reshape(-1)
        unseen = np.zeros(len(queries), dtype=np.float64)
        for row, text in enumerate(queries):
            tally: dict[str, int] = {}
            for token in words(text, self._stop_words):
                if token not in self._vocabulary:
                    tally[token] = tally.get(token, 0) + 1
            unseen[row] = sum(((1.0 + np.log(n)) * self._unseen_idf) ** 2 for n in tally.values())
        norms = np.sqrt(known + unseen)
        scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0).astype(np.float32)
        return (sparse.diags(scale) @ weighted).tocsr()

    def similarity(self, queries: list[str]) -> np.ndarray:
        """queries x documents cosine similarities (zeros when the library has no vocabulary)."""
        if self._documents is None:
            return np.zeros((len(queries), self._count), dtype=np.float32)
        product = self.query_vectors(queries) @ self._documents.T
        return np.asarray(product.toarray(), dtype=np.float32)

    def documents_by_queries(self, queries: list[str]) -> np.ndarray:
        """documents x queries cosine similarities, one row per chunk (zeros when the library has no vocabulary)."""
        return self.chunk_cosines(queries)(0, self._count)

    def chunk_cosines(self, queries: list[str]) -> Callable[[int, int], np.ndarray]:
        """A function giving the cosines of chunks start..stop-1 with the skill texts, one row per chunk.

        A large library's chunks x skills matrix is then computed a block of rows at a time.
        """
        if self._documents is None or not queries:
            return lambda start, stop: np.zeros((stop - start, len(queries)), dtype=np.float32)
        transposed = self.query_vectors(queries).T.tocsr()
        # Only the words some skill uses can add to a cosine: the documents restricted to those columns,
        # times the skills' weights as a dense matrix, is one sparse x dense product per block. It adds the
        # same products in the same order (each document's words in column order) as sparse x sparse.
        used = np.flatnonzero(np.diff(transposed.indptr))
        documents = self._documents[:, used].tocsr()
        weights = np.asarray(transposed[used].toarray(), dtype=np.float32)

        def cosines(start: int, stop: int) -> np.ndarray:
            return np.asarray(documents[start:stop] @ weights, dtype=np.float32)

        return cosines

    def heading_matches(self, headings: list[str], queries: list[str], at_least: float = 0.0) -> HeadingMatches:
        """TF-IDF cosines of headings with skill texts above `at_least`, for the pairs that share a word.

        Equal headings are scored once.
        """
        if self._documents is None or not headings or not queries:
            return HeadingMatches.none()
        distinct = list(dict.fromkeys(headings))
        index = {text: i for i, text in enumerate(distinct)}
        product = (self.transform(distinct) @ self.query_vectors(queries).T).tocsr()
        rows = product[np.array([index[text] for text in headings], dtype=np.int64)].tocoo()
        keep = (rows.data > 0) & (rows.data >= at_least)
        return HeadingMatches(rows.row[keep].astype(np.int64), rows.col[keep].astype(np.int64),
                              rows.data[keep].astype(np.float32))

    def unit_norms(self, groups: np.ndarray, n_units: int) -> np.ndarray:
        """Norm of the sum of each unit's chunk rows (chunks grouped by `groups`): the whole unit as one text."""
        if self._documents is None or n_units == 0:
            return np.zeros(n_units, dtype=np.float32)
        membership = sparse.csr_matrix(
            (np.ones(len(groups), dtype=np.float32), (groups, np.arange(len(groups)))),
            shape=(n_units, self._documents.shape[0]),
        )
        summed = (membership @ self._documents).tocsr()
        return np.sqrt(np.asarray(summed.multiply(summed).sum(axis=1)).reshape(-1)).astype(np.float32)

    def module_pair_similarity(self, chunk_module: np.ndarray, n_modules: int, pairs: list[tuple[int, int]]) -> np.ndarray:
        """TF-IDF cosine of whole modules (their chunks' rows summed) for the given pairs: high only when wording is shared."""
        if self._documents is None or not pairs:
            return np.zeros(len(pairs), dtype=np.float32)
        membership = sparse.csr_matrix(
            (np.ones(len(chunk_module), dtype=np.float32), (chunk_module, np.arange(len(chunk_module)))),
            shape=(n_modules, len(chunk_module)),
        )
        modules = l2_rows(membership @ self._documents)
        left = modules[[i for i, _ in pairs]]
        right = modules[[j for _, j in pairs]]
        return np.asarray(left.multiply(right).sum(axis=1), dtype=np.float32).reshape(-1)
