"""A 40,000-chunk library on real Chroma: more records than SQLite binds in one statement (32,766).

Every read and write of the index goes in pages (ChromaStore); here the library is large enough
that an unpaged `get` with metadata, an unpaged `$in` filter or an unpaged delete would fail with
"too many SQL variables". The vectors come from the hashing embedder with 16 dimensions (Chroma's
writes are the cost of these tests; the paging does not depend on the width).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.support.large_library import (
    CHUNKS_PER_MODULE, HashingEmbedder, module_path, taught_topics, untaught_skill_ids, write_synthetic_library,
)
from workbench.gaps.service import GapService
from workbench.index.records import embedding_input
from workbench.index.service import LibraryIndex
from workbench.settings import Settings

# Writing 40,000 records to Chroma takes minutes on a loaded machine; the module shares one library.
# Minutes per library build: outside `make test`, run with `make test-large`.
pytestmark = [pytest.mark.slow, pytest.mark.large, pytest.mark.timeout(2400)]

CHUNKS = 40_000
MODULES = CHUNKS // CHUNKS_PER_MODULE
SQLITE_VARIABLES = 32_766
SKILLS = 40


def settings_for(root: Path) -> Settings:
    return Settings(library_dir=root / "library", data_dir=root / "data", llm_provider="fake")


@pytest.fixture(scope="module")
def embedder16():
    return HashingEmbedder(dimension=16)


@pytest.fixture(scope="module")
def built(tmp_path_factory, embedder16):
    """The 40,000-chunk library, indexed once for the module with `--rebuild` (into a fresh collection, then swapped in)."""
    root = tmp_path_factory.mktemp("large")
    write_synthetic_library(root, CHUNKS, SKILLS)
    index = LibraryIndex(settings_for(root), embedder16)
    return root, index, index.build(rebuild=True)


@pytest.fixture(scope="module")
def large(built) -> tuple[Path, LibraryIndex]:
    """The indexed 40,000-chunk library (tests that change it work on a copy)."""
    root, index, _ = built
    return root, index


@pytest.fixture
def large_copy(large, tmp_path, embedder16) -> tuple[Path, LibraryIndex]:
    """A private copy of the indexed library (files and index), on a new index object."""
    root, _ = large
    shutil.copytree(root, tmp_path / "copy")
    return tmp_path / "copy", LibraryIndex(settings_for(tmp_path / "copy"), embedder16)


def test_every_chunk_and_its_stored_vector_are_read_back(large, embedder16):
    root, index = large
    chunks, vectors = index.chunk_vectors()
    scan = index.scan()
    assert len(chunks) == CHUNKS and vectors.shape == (CHUNKS, 16)
    assert {chunk.id for chunk in chunks} == {chunk.id for chunk in scan.chunks}
    picked = [0, 17, 32_766, 32_767, CHUNKS - 1]  # either side of the SQLite limit
    expected = embedder16.embed([embedding_input(chunks[i]) for i in picked])
    assert np.allclose(vectors[picked], expected, atol=1e-6)
    some = [chunk.id for chunk in chunks[:SQLITE_VARIABLES + 1000]]
    subset, subset_vectors = index.chunk_vectors(some)
    assert {chunk.id for chunk in subset} == set(some) and np.allclose(subset_vectors, vectors[:len(some)])


def test_the_gap_report_of_the_large_library_finds_exactly_the_synthetic_gaps(large):
    root, index = large
    report = GapService(settings_for(root), index).report(root / "skills.csv")
    assert report.chunk_count == CHUNKS and report.module_count == MODULES
    status = {skill.skill_id: skill for skill in report.skills}
    gaps = untaught_skill_ids(SKILLS)
    assert len(status) == SKILLS and len(gaps) == SKILLS - taught_topics(SKILLS) == 8
    assert {skill_id for skill_id, skill in status.items() if skill.status == "gap"} == gaps
    assert all(skill.status == "covered" and skill.taught_by for skill_id, skill in status.items() if skill_id not in gaps)
    # Nothing teaches or even mentions a synthetic gap.
    assert all(not status[skill_id].taught_by and status[skill_id].mention_count == 0 for skill_id in gaps)
    assert {"reading vectors", "scoring", "assembling report"} <= set(report.timings)


def test_a_sync_of_the_unchanged_library_on_a_new_index_object_changes_nothing(large, embedder16):
    root, _ = large
    report = LibraryIndex(settings_for(root), embedder16).build()
    assert report.chunks_unchanged == CHUNKS
    assert (report.chunks_added, report.chunks_updated, report.chunks_removed, report.chunks_embedded) == (0, 0, 0, 0)


def test_renaming_most_files_moves_every_chunk_and_embeds_nothing(large_copy):
    root, index = large_copy
    library = root / "library"
    renamed = range(3_500)  # 35,000 chunks change id (the module id comes from the path)
    for module in renamed:
        (library / module_path(module)).rename(library / module_path(module).replace("module-", "renamed-"))
    report = index.build()
    assert report.chunks_embedded == 0 and report.chunks_reused == 35_000
    assert (report.chunks_updated, report.chunks_added, report.chunks_removed) == (35_000, 0, 0)
    chunks, _ = index.chunk_vectors()
    assert len(chunks) == CHUNKS
    assert sum(chunk.path.split("/")[1].startswith("renamed-") for chunk in chunks) == 35_000
    # Re-indexing named files (as publishing does) with more paths than one `$in` page.
    moved = []
    for module in range(3_500, 3_800):
        old = module_path(module)
        (library / old).rename(library / old.replace("module-", "moved-"))
        moved += [old, old.replace("module-", "moved-")]
    partial = index.reindex_paths(moved)
    assert partial.chunks_embedded == 0 and partial.chunks_updated == 3_000 and partial.chunks_removed == 0
    assert index.status()["chunks"] == CHUNKS


def test_deleting_most_of_the_library_removes_its_chunks(large_copy):
    root, index = large_copy
    for module in range(100, MODULES):
        (root / "library" / module_path(module)).unlink()
    report = index.build()
    assert report.chunks_removed == CHUNKS - 1_000 and report.chunks_unchanged == 1_000
    chunks, vectors = index.chunk_vectors()
    assert len(chunks) == 1_000 and vectors.shape == (1_000, 16)
    assert {chunk.path for chunk in chunks} == {module_path(module) for module in range(100)}


def test_a_rebuild_writes_the_whole_library_into_a_fresh_collection_and_swaps_it_in(built):
    root, index, report = built
    assert report.chunks_added == CHUNKS and report.chunks_embedded == CHUNKS and not report.skipped
    client = index.store._client()
    assert [collection.name for collection in client.list_collections()] == [index.settings.collection_name]
    assert index.status()["chunks"] == CHUNKS
