"""The Chroma server restarted in the middle of an index build: one clear error, and the next build completes."""

from __future__ import annotations

import pytest

from tests.support.chroma_server import chroma_server
from tests.support.large_library import HashingEmbedder, write_synthetic_library
from workbench.index.errors import IndexUnavailable
from workbench.index.service import LibraryIndex
from workbench.settings import Settings

pytestmark = pytest.mark.slow
CHUNKS = 1_000  # four write batches: the server goes away after the first


def test_a_chroma_server_restarted_mid_index_is_a_clear_error_and_the_next_build_completes(tmp_path):
    library, _ = write_synthetic_library(tmp_path, CHUNKS, skills=20)
    embedder = HashingEmbedder()
    with chroma_server(tmp_path / "chroma") as server:
        settings = Settings(library_dir=library, data_dir=tmp_path / "data", llm_provider="fake", chroma_url=server.url)
        stopped = []

        def stop_after_the_first_batch(stage: str, done: int, total: int) -> None:
            if stage == "writing" and not stopped:
                server.stop()
                stopped.append(done)

        with pytest.raises(IndexUnavailable) as raised:
            LibraryIndex(settings, embedder).build(progress=stop_after_the_first_batch)
        assert str(raised.value).startswith(f"cannot write the Chroma index at {server.url}:"), str(raised.value)
        assert "run `workbench index` again" in str(raised.value)

        server.start()
        index = LibraryIndex(settings, embedder)
        report = index.build()

        assert report.chunks_added + report.chunks_unchanged == CHUNKS
        assert 0 < stopped[0] < CHUNKS and report.chunks_unchanged >= stopped[0]  # what was written before is kept
        assert index.status()["chunks"] == CHUNKS
        assert index.search("t3w1 t3w2", k=1)
