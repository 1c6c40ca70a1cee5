"""Every Chroma call goes in pages: with a page of 2 records, a whole library still reads, syncs, renames and deletes right.

The page size stands in for Chroma's limits (its batch size, SQLite's 32,766 bound variables); a
real collection of 2 records per page exercises every loop boundary without 40,000 chunks.
"""

from __future__ import annotations

import pytest

from tests.support.libraries import write_library
from workbench.index.service import LibraryIndex
from workbench.settings import Settings

pytestmark = pytest.mark.slow

MODULES = {f"topic-{n}.md": f"# Topic {n}\n\n## Part one\n\nText {n} about feedback.\n\n## Part two\n\nMore on {n}.\n" for n in range(7)}


@pytest.fixture
def paged_index(tmp_path, embedder):
    library = write_library(tmp_path / "lib", MODULES)
    index = LibraryIndex(Settings(library_dir=library, data_dir=tmp_path / "data", llm_provider="fake"), embedder)
    index.store._page_size = 2
    return index, library


def test_a_library_larger_than_a_page_is_read_written_and_searched_whole(paged_index):
    index, _ = paged_index
    report = index.build()
    chunks, vectors = index.chunk_vectors()
    assert report.chunks_added == 14 and len(chunks) == 14 and vectors.shape == (14, 384)  # two sections a file
    assert len(index.store.metadatas(index.store.collection())) == 14
    some = index.chunk_vectors([chunk.id for chunk in chunks[:5]])[0]
    assert [chunk.id for chunk in some] == [chunk.id for chunk in chunks[:5]]
    nearest = index.nearest(vectors[:5], k=3)  # 5 query vectors of 3 neighbours: more than one page per call
    assert [hits[0].chunk.id for hits in nearest] == [chunk.id for chunk in chunks[:5]]
    assert index.build().chunks_unchanged == 14


def test_renames_deletes_and_a_rebuild_work_across_pages(paged_index):
    index, library = paged_index
    index.build()
    for n in range(4):
        (library / f"topic-{n}.md").rename(library / f"renamed-{n}.md")
    for n in range(4, 7):
        (library / f"topic-{n}.md").unlink()
    report = index.build()
    assert report.chunks_embedded == 0 and report.chunks_updated == 8 and report.chunks_removed == 6  # renames reuse vectors
    assert {chunk.path for chunk in index.chunk_vectors()[0]} == {f"renamed-{n}.md" for n in range(4)}
    removed = index.remove_paths([f"renamed-{n}.md" for n in range(3)])
    assert removed.chunks_removed == 6 and len(index.chunk_vectors()[0]) == 2
    rebuilt = index.build(rebuild=True)
    assert rebuilt.chunks_added == 8 and rebuilt.chunks_removed == 2 and len(index.chunk_vectors()[0]) == 8
