"""The 40,000-chunk library on a Chroma server (`chroma run` on loopback): every call paged under the server's limits.

A server caps each call at its `get_max_batch_size()` and keeps its metadata in SQLite as the
embedded client does, so an unpaged read of every record with metadata fails there too. The
vectors come from the hashing embedder with 16 dimensions, as in test_large_library.py.
"""

from __future__ import annotations


import numpy as np
import pytest

from tests.support.chroma_server import chroma_server
from tests.support.large_library import (
    CHUNKS_PER_MODULE, HashingEmbedder, taught_topics, untaught_skill_ids, write_synthetic_library,
)
from workbench.gaps.service import GapService
from workbench.index.records import embedding_input
from workbench.index.service import LibraryIndex
from workbench.settings import Settings

# One library build over HTTP takes minutes on a loaded machine; the module shares it.
pytestmark = [pytest.mark.slow, pytest.mark.large, pytest.mark.timeout(2400)]

CHUNKS = 40_000
MODULES = CHUNKS // CHUNKS_PER_MODULE
SQLITE_VARIABLES = 32_766
SKILLS = 40


@pytest.fixture(scope="module")
def embedder16():
    return HashingEmbedder(dimension=16)


@pytest.fixture(scope="module")
def served(tmp_path_factory, embedder16):
    """The library written once, a server started for the module, and the library synced into it once."""
    root = tmp_path_factory.mktemp("large-server")
    write_synthetic_library(root, CHUNKS, SKILLS)
    with chroma_server(root / "chroma") as server:
        settings = Settings(library_dir=root / "library", data_dir=root / "data", llm_provider="fake",
                            chroma_url=server.url)
        index = LibraryIndex(settings, embedder16)
        yield root, settings, index, index.build()


def test_a_full_sync_writes_every_chunk_to_the_server_in_pages_it_accepts(served):
    root, settings, index, report = served
    assert (report.chunks_added, report.chunks_embedded, report.chunks_removed) == (CHUNKS, CHUNKS, 0)
    assert not report.skipped and report.modules == MODULES
    limit = int(index.store._client().get_max_batch_size())
    assert 1 <= index.store.page_size <= min(limit, SQLITE_VARIABLES)
    assert index.status()["chunks"] == CHUNKS and index.status()["location"] == settings.chroma_url
    # Nothing was written to the embedded index folder.
    assert not (settings.index_dir / "chroma.sqlite3").exists()


def test_every_chunk_and_its_stored_vector_are_read_back_from_the_server(served, embedder16):
    root, settings, _, _ = served
    index = LibraryIndex(settings, embedder16)  # nothing cached in memory
    chunks, vectors = index.chunk_vectors()
    assert len(chunks) == CHUNKS and vectors.shape == (CHUNKS, 16)
    assert {chunk.id for chunk in chunks} == {chunk.id for chunk in index.scan().chunks}
    picked = [0, 17, SQLITE_VARIABLES, SQLITE_VARIABLES + 1, CHUNKS - 1]  # either side of the SQLite limit
    expected = embedder16.embed([embedding_input(chunks[i]) for i in picked])
    assert np.allclose(vectors[picked], expected, atol=1e-6)
    some = [chunk.id for chunk in chunks[:SQLITE_VARIABLES + 1000]]
    subset, subset_vectors = index.chunk_vectors(some)
    assert {chunk.id for chunk in subset} == set(some) and np.allclose(subset_vectors, vectors[:len(some)])


def test_a_sync_of_the_unchanged_library_on_a_new_index_object_changes_nothing_on_the_server(served, embedder16):
    root, settings, _, _ = served
    report = LibraryIndex(settings, embedder16).build()
    assert report.chunks_unchanged == CHUNKS
    assert (report.chunks_added, report.chunks_updated, report.chunks_removed, report.chunks_embedded) == (0, 0, 0, 0)


def test_the_gap_report_from_the_server_finds_exactly_the_synthetic_gaps(served, embedder16):
    root, settings, _, _ = served
    report = GapService(settings, LibraryIndex(settings, embedder16)).report(root / "skills.csv")
    assert report.chunk_count == CHUNKS and report.module_count == MODULES
    gaps = untaught_skill_ids(SKILLS)
    assert len(gaps) == SKILLS - taught_topics(SKILLS)
    assert {skill.skill_id for skill in report.skills if skill.status == "gap"} == gaps
    assert all(skill.status == "covered" for skill in report.skills if skill.skill_id not in gaps)
