"""The collection's metadata recorded in the index folder: equal to Chroma's after every write, absent during one, never trusted past a model change."""

from __future__ import annotations

import json

import pytest

from tests.support.interrupted_sync import DEAD_SYNC_TEXT, sync_killed_before_recording
from tests.support.large_library import HashingEmbedder
from workbench.errors import EmbeddingModelChanged
from workbench.index.revision import KnownRevisions
from workbench.index.service import LibraryIndex
from workbench.index.vector_cache import VectorCache

pytestmark = pytest.mark.slow

PHISHING = "security/phishing.md"


def new_process(settings, embedder) -> LibraryIndex:
    """A LibraryIndex as a new process builds it, with the data folder's known revisions and vectors."""
    return LibraryIndex(settings, embedder, revisions=KnownRevisions(settings.cache_dir / "library-revisions.json"),
                        vector_cache=VectorCache(settings.cache_dir / "vectors", embedder))


def chroma_holds(settings, embedder) -> tuple[str, dict]:
    """The library collection's id and metadata as Chroma itself holds them, read by a client of its own."""
    collection = LibraryIndex(settings, embedder).store.get_collection()
    return str(collection.id), dict(collection.metadata)


def recorded(index: LibraryIndex) -> tuple[str, dict] | None:
    found = index.store.recorded_collection()
    return None if found is None else (found.id, found.metadata)


def record_file(settings):
    return settings.index_dir / f"recorded-{settings.collection_name}.json"


def chroma_must_not_open(index: LibraryIndex, monkeypatch) -> None:
    def refuse():
        raise AssertionError("Chroma was opened")
    monkeypatch.setattr(index.store, "_client", refuse)


def test_the_record_equals_what_chroma_holds_after_every_kind_of_write(small_settings, small_library, small_index, embedder):
    small_index.build()
    assert recorded(small_index) == chroma_holds(small_settings, embedder)
    assert recorded(small_index)[1]["library_revision"]

    path = small_library / PHISHING
    path.write_text(path.read_text(encoding="utf-8").replace("never forward them", "never answer them"), encoding="utf-8")
    small_index.reindex_paths([PHISHING])
    assert recorded(small_index) == chroma_holds(small_settings, embedder)
    assert recorded(small_index)[1]["library_revision"] == "", "a partial write matches no library revision"

    small_index.remove_paths(["wellbeing/sleep.md"])
    assert recorded(small_index) == chroma_holds(small_settings, embedder)
    assert recorded(small_index)[1]["chunk_count"] == 4

    small_index.build()
    before = recorded(small_index)
    small_index.build(rebuild=True)
    after = recorded(small_index)
    assert after == chroma_holds(small_settings, embedder)
    assert after[0] != before[0], "a rebuild swaps in a new collection, and the record names it"


def test_a_current_index_is_told_and_its_vectors_read_without_opening_chroma(small_settings, small_index, embedder, monkeypatch):
    small_index.build()
    first = new_process(small_settings, embedder)
    current = first.current()
    chunks = sorted(current.scan().chunks, key=lambda chunk: (chunk.path, chunk.position))
    vectors = first.vectors_of(chunks)  # read from Chroma once, then kept in the data folder

    second = new_process(small_settings, embedder)
    chroma_must_not_open(second, monkeypatch)
    again = second.current()

    assert (again.revision, again.state) == (current.revision, current.state)
    assert again.state == (chroma_holds(small_settings, embedder)[0], current.state[1], 5)
    assert (second.vectors_of(chunks) == vectors).all()


def test_a_write_cut_short_leaves_no_record_and_the_next_check_asks_chroma(small_settings, small_library, small_index, embedder):
    small_index.build()
    sync_killed_before_recording(LibraryIndex(small_settings, embedder), small_library / PHISHING)

    assert not record_file(small_settings).exists()
    checking = new_process(small_settings, embedder)
    current = checking.current()  # Chroma no longer records the revision: the check syncs

    assert recorded(checking) == chroma_holds(small_settings, embedder)
    assert current.state == checking.store.recorded_state(checking.store.get_collection())
    texts = [chunk.text for chunk in checking.chunk_vectors()[0]]
    assert len(texts) == 5 and not any(DEAD_SYNC_TEXT in text for text in texts)


def test_a_model_change_is_refused_though_the_record_names_the_library(small_settings, small_index, embedder):
    small_index.build()
    assert record_file(small_settings).exists()

    with pytest.raises(EmbeddingModelChanged, match="workbench index --rebuild"):
        new_process(small_settings, HashingEmbedder()).current()


@pytest.mark.parametrize("damage", ["not json at all", json.dumps({"version": "another", "kind": "recorded-collection",
                                                                    "payload": {"id": "x", "name": "library"}})])
def test_a_damaged_or_foreign_record_is_ignored_and_chroma_asked(small_settings, small_index, embedder, damage):
    small_index.build()
    truth = recorded(small_index)
    record_file(small_settings).write_text(damage, encoding="utf-8")

    index = new_process(small_settings, embedder)
    current = index.current()

    assert index.store.recorded_collection() is None
    assert current.state == (truth[0], truth[1]["revision"], 5)
