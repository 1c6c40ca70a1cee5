"""A build whose Chroma write fails part way: the clear error, only the pages before it kept, the next build finishes."""

from __future__ import annotations

import chromadb.api.models.Collection as chroma_collection
import pytest

from tests.support.large_library import HashingEmbedder, write_synthetic_library
from workbench.index.errors import IndexUnavailable
from workbench.index.service import LibraryIndex
from workbench.index.sync import WRITE_BATCH
from workbench.settings import Settings


def test_a_failed_page_write_stops_the_build_and_the_next_build_completes(tmp_path, monkeypatch):
    library, _ = write_synthetic_library(tmp_path, chunks=700, skills=20)
    settings = Settings(library_dir=library, data_dir=tmp_path / "data", llm_provider="fake")
    embedder = HashingEmbedder()
    calls = {"upsert": 0}
    real_upsert = chroma_collection.Collection.upsert

    def second_page_fails(self, *args, **kwargs):
        calls["upsert"] += 1
        if calls["upsert"] == 2:
            raise RuntimeError("database or disk is full")
        return real_upsert(self, *args, **kwargs)

    monkeypatch.setattr(chroma_collection.Collection, "upsert", second_page_fails)
    index = LibraryIndex(settings, embedder)

    with pytest.raises(IndexUnavailable) as caught:
        index.build()

    assert str(caught.value) == (
        f"cannot write the Chroma index at {index.location}: database or disk is full; the chunks written so far "
        "are kept, run `workbench index` again once it is back"
    )
    assert calls["upsert"] == 2  # the build stopped at the failed page: the third was not written
    assert index.store.readable_collection().count() == WRITE_BATCH

    monkeypatch.setattr(chroma_collection.Collection, "upsert", real_upsert)
    again = index.build()

    assert again.chunks_added == 700 - WRITE_BATCH and again.chunks_unchanged == WRITE_BATCH
    assert index.store.readable_collection().count() == 700
