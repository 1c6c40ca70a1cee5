"""Search relevance on the shipped sample library, and the same index through a real Chroma server."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.chroma_server import chroma_server as run_chroma, free_port
from workbench.index.service import LibraryIndex

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("query", "topic"),
    [
        ("how should I give constructive feedback to someone in my team", "feedback"),
        ("an email asks me to click a link and confirm my password", "phishing"),
        ("what counts as personal data and how must we protect it", "gdpr"),
    ],
)
def test_a_query_returns_the_module_about_it_first(sample_index, query, topic):
    index, _ = sample_index

    hits = index.search(query, k=5)

    assert topic in hits[0].module_id.lower() or topic in hits[0].path.lower(), [(h.module_id, h.score) for h in hits]
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)


def test_the_sample_library_indexes_without_skipped_files(sample_index):
    index, report = sample_index

    assert report.files >= 30 and report.skipped == []
    status = index.status()
    assert status["modules"] == report.modules and status["chunks"] == report.chunks_added + report.chunks_unchanged


def test_chunk_vectors_and_batched_queries_serve_gap_detection(sample_index):
    index, _ = sample_index

    chunks, vectors = index.chunk_vectors()
    nearest = index.nearest(vectors[:3], k=2)

    assert len(chunks) == vectors.shape[0] and vectors.shape[1] == 384
    assert abs(float((vectors[0] ** 2).sum()) - 1.0) < 1e-3
    # A stored chunk's nearest neighbour is itself, with a cosine of 1.
    assert [hits[0].chunk.id for hits in nearest] == [chunk.id for chunk in chunks[:3]]
    assert all(len(hits) == 2 and abs(hits[0].score - 1.0) < 1e-3 for hits in nearest)
    assert index.nearest_modules(vectors[0], k=5)[0] == chunks[0].module_id
    some = index.chunk_vectors([chunks[5].id, chunks[1].id])[0]
    assert {chunk.id for chunk in some} == {chunks[5].id, chunks[1].id}


@pytest.fixture
def chroma_server(tmp_path: Path):
    """A real `chroma run` on 127.0.0.1, started for the test and stopped after it."""
    with run_chroma(tmp_path) as server:
        yield server.url


def test_index_and_search_through_a_chroma_server(chroma_server, small_settings, embedder):
    settings = small_settings.with_overrides(chroma_url=chroma_server)
    index = LibraryIndex(settings, embedder)

    first = index.build()
    second = index.build()
    hits = index.search("report a suspicious email", k=2)

    assert (first.chunks_added, second.chunks_unchanged, second.chunks_embedded) == (5, 5, 0)
    assert hits[0].path == "security/phishing.md"
    assert index.status()["location"] == chroma_server
    # Nothing was written to the embedded index folder, not even a record of the collection's metadata:
    # a server has writers elsewhere that would not keep it true.
    assert not (settings.index_dir / "chroma.sqlite3").exists()
    assert list(settings.index_dir.glob("recorded-*.json")) == [] and index.store.recorded_collection() is None


def test_an_unreachable_chroma_server_is_one_clear_error(small_settings, embedder):
    from workbench.index.errors import IndexUnavailable

    settings = small_settings.with_overrides(chroma_url=f"http://127.0.0.1:{free_port()}")

    with pytest.raises(IndexUnavailable, match="cannot open the Chroma index at http://127.0.0.1"):
        LibraryIndex(settings, embedder).build()
