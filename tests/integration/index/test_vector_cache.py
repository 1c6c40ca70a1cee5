"""Chunk vectors kept in the data folder: a new process reads from Chroma only what changed, and nothing stale."""

from __future__ import annotations

import numpy as np
import pytest

from tests.support.large_library import HashingEmbedder
from workbench.bootstrap import bootstrap
from workbench.index.vector_cache import VectorCache


@pytest.fixture
def read_from_chroma(monkeypatch) -> list[str]:
    """Ids of the chunks whose vectors were read from Chroma (the real store, counted)."""
    from workbench.index.chroma_store import ChromaStore

    seen: list[str] = []
    real = ChromaStore.records

    def counting(self, collection, ids=None, progress=None):
        seen.extend(ids or [])
        return real(self, collection, ids, progress)

    monkeypatch.setattr(ChromaStore, "records", counting)
    return seen


def new_process(settings, embedder=None):
    """The index as a new process builds it (the composition root, the caches read from the data folder)."""
    return bootstrap(settings, embedder=embedder or HashingEmbedder()).index


def library_vectors(index):
    """The library's chunks in reading order and the vectors the index gives for them."""
    scan = index.current().scan()
    chunks = sorted(scan.chunks, key=lambda chunk: (chunk.path, chunk.position))
    return chunks, index.vectors_of(chunks)


def chroma_truth(index, chunks) -> np.ndarray:
    stored, vectors = index.chunk_vectors([chunk.id for chunk in chunks])
    row = {chunk.id: i for i, chunk in enumerate(stored)}
    return vectors[[row[chunk.id] for chunk in chunks]]


def test_a_new_process_reads_no_vector_from_chroma_when_nothing_changed(small_settings, read_from_chroma):
    index = new_process(small_settings)
    chunks, first = library_vectors(index)
    assert sorted(read_from_chroma) == sorted(chunk.id for chunk in chunks)
    np.testing.assert_array_equal(first, chroma_truth(index, chunks))
    read_from_chroma.clear()
    again, second = library_vectors(new_process(small_settings))
    assert read_from_chroma == []
    assert again == chunks
    np.testing.assert_array_equal(second, first)


def test_the_chunks_asked_for_in_another_order_or_in_part_get_their_own_cached_rows(small_settings, read_from_chroma):
    """The cache answers any list of chunks row for row, not only the library in the order it was stored."""
    index = new_process(small_settings)
    chunks, vectors = library_vectors(index)
    read_from_chroma.clear()
    asked = chunks[::-1][: max(1, len(chunks) // 2)]
    again = new_process(small_settings).vectors_of(asked)
    assert read_from_chroma == []
    np.testing.assert_array_equal(again, vectors[::-1][: len(asked)])


def test_after_an_edit_only_the_changed_chunks_are_read_and_they_are_the_new_vectors(small_settings, small_library,
                                                                                     read_from_chroma):
    library_vectors(new_process(small_settings))
    path = small_library / "wellbeing" / "sleep.md"
    path.write_text(path.read_text().replace("Regular sleep", "Regular, long sleep"), encoding="utf-8")
    read_from_chroma.clear()
    index = new_process(small_settings)
    chunks, vectors = library_vectors(index)
    changed = [chunk.id for chunk in chunks if chunk.path == "wellbeing/sleep.md"]
    assert read_from_chroma == changed
    np.testing.assert_array_equal(vectors, chroma_truth(index, chunks))
    expected = HashingEmbedder().embed(["Sleep and performance\n\n" + next(c.text for c in chunks if c.id == changed[0])])
    assert float(vectors[[c.id for c in chunks].index(changed[0])] @ expected[0]) == pytest.approx(1.0, abs=1e-5)


def test_a_rebuild_makes_every_vector_be_read_again(small_settings, read_from_chroma):
    index = new_process(small_settings)
    chunks, _ = library_vectors(index)
    index.build(rebuild=True)
    read_from_chroma.clear()
    again, vectors = library_vectors(new_process(small_settings))
    assert sorted(read_from_chroma) == sorted(chunk.id for chunk in chunks)
    np.testing.assert_array_equal(vectors, chroma_truth(index, again))


class OtherBackend(HashingEmbedder):
    """The same vectors labelled as another backend of the same model."""

    backend = "onnx"


def test_vectors_cached_for_another_model_or_backend_are_not_used(small_settings):
    index = new_process(small_settings)
    chunks, vectors = library_vectors(index)
    collection_id = str(index.store.readable_collection().id)
    folder = small_settings.cache_dir
    same = VectorCache(folder, HashingEmbedder())
    assert same.lookup(collection_id, chunks)[1] == []
    assert VectorCache(folder, OtherBackend()).lookup(collection_id, chunks)[1] == list(range(len(chunks)))
    assert VectorCache(folder, HashingEmbedder(dimension=64)).lookup(collection_id, chunks)[1] == list(range(len(chunks)))
    other_model = HashingEmbedder()
    other_model.model_name = "another-model"
    assert VectorCache(folder, other_model).lookup(collection_id, chunks)[1] == list(range(len(chunks)))
    assert same.lookup("another-collection", chunks)[1] == list(range(len(chunks)))


def test_a_corrupt_vector_file_is_read_as_empty_and_replaced(small_settings, read_from_chroma):
    index = new_process(small_settings)
    chunks, vectors = library_vectors(index)
    cache_file = index.vector_cache.path(str(index.store.readable_collection().id))
    cache_file.write_bytes(cache_file.read_bytes()[:200])
    read_from_chroma.clear()
    again, second = library_vectors(new_process(small_settings))
    assert sorted(read_from_chroma) == sorted(chunk.id for chunk in chunks)
    np.testing.assert_array_equal(second, vectors)
    read_from_chroma.clear()
    library_vectors(new_process(small_settings))
    assert read_from_chroma == []


WRITER_AND_READER = """
import sys
from pathlib import Path
import numpy as np
from tests.support.large_library import HashingEmbedder
from workbench.domain.library import Chunk
from workbench.index.vector_cache import VectorCache

folder, name = Path(sys.argv[1]), sys.argv[2]
model = HashingEmbedder()
chunks = [Chunk(id=f"c{i}", module_id="m", path="m.md", title="M", heading_path=("M",), position=i,
                text=f"text {i} " * 50) for i in range(2000)]
vectors = model.embed([chunk.text for chunk in chunks])
cache = VectorCache(folder, model)
for round in range(20):
    cache.store("collection-1", chunks, vectors)  # rewrites the whole file each time
    found, missing = cache.lookup("collection-1", chunks)
    assert missing == [], len(missing)  # the other process's rewrite is never seen half-written
    assert np.array_equal(found, vectors)
print("ok")
"""


def test_two_processes_rewriting_and_reading_the_vector_file_at_once_each_read_a_whole_file(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    project = Path(__file__).resolve().parents[3]
    env = {**os.environ, "PYTHONPATH": str(project)}
    workers = [subprocess.Popen([sys.executable, "-c", WRITER_AND_READER, str(tmp_path), name], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name in ("a", "b")]
    outputs = [worker.communicate(timeout=300) for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], [err[-2000:] for _, err in outputs]
    assert [out.strip() for out, _ in outputs] == ["ok", "ok"]
    assert [path.name for path in tmp_path.glob("*.tmp")] == [] and len(list(tmp_path.glob(".*.tmp"))) == 0
