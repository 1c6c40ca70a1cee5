"""`workbench index` on an unchanged library, in a new process: trusted only when the last whole sync recorded it."""

from __future__ import annotations

import os

import pytest

from tests.support.interrupted_sync import DEAD_SYNC_TEXT, sync_killed_before_recording
from workbench.index.service import LibraryIndex

pytestmark = pytest.mark.slow

PHISHING = "security/phishing.md"


def fresh(settings, embedder, reads: list | None = None) -> LibraryIndex:
    """A new index object on the same folders, as a new `workbench index` process has; counts whole-index reads."""
    index = LibraryIndex(settings, embedder)
    if reads is not None:
        read = index.store.metadatas
        index.store.metadatas = lambda *args, **kwargs: reads.append(kwargs.get("where")) or read(*args, **kwargs)
    return index


def test_a_new_process_on_an_unchanged_library_reads_nothing_back_from_the_index(small_settings, small_index, embedder):
    small_index.build()
    reads, stages = [], []
    index = fresh(small_settings, embedder, reads)

    report = index.build(progress=lambda stage, done, total: stages.append(stage))

    assert (report.chunks_added, report.chunks_updated, report.chunks_removed, report.chunks_unchanged) == (0, 0, 0, 5)
    assert report.chunks_embedded == 0
    assert reads == [] and "checking index" not in stages
    [hit] = index.search("what to do with a suspicious email", k=1)
    assert hit.path == PHISHING


def test_an_edit_keeping_size_and_mtime_is_still_synced_by_a_new_process(small_settings, small_index, small_library, embedder):
    small_index.build()
    path = small_library / PHISHING
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("never forward them", "never FORWARD them"), encoding="utf-8")  # same length
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size

    report = fresh(small_settings, embedder).build()

    assert (report.chunks_updated, report.chunks_unchanged, report.chunks_embedded) == (1, 4, 1)
    [hit] = small_index.search("suspicious email", k=1, where={"path": PHISHING})
    assert "never FORWARD them" in hit.text


def test_a_sync_that_died_midway_is_not_taken_for_the_library_it_last_matched(small_settings, small_index, small_library, embedder):
    small_index.build()
    sync_killed_before_recording(fresh(small_settings, embedder), small_library / PHISHING)

    reads: list = []
    report = fresh(small_settings, embedder, reads).build()

    assert reads == [None]  # the whole index was checked
    assert (report.chunks_updated, report.chunks_unchanged) == (1, 4)  # the dead sync's chunk is replaced
    texts = [chunk.text for chunk in small_index.chunk_vectors()[0]]
    assert len(texts) == 5 and not any(DEAD_SYNC_TEXT in text for text in texts)


def test_records_removed_behind_the_index_s_back_are_written_again(small_settings, small_index, embedder):
    small_index.build()
    collection = small_index.store.collection()
    [gone] = collection.get(where={"path": PHISHING}, limit=1)["ids"]
    collection.delete(ids=[gone])

    report = fresh(small_settings, embedder).build()

    assert (report.chunks_added, report.chunks_unchanged) == (1, 4)
    assert len(small_index.store.metadatas(small_index.store.collection())) == 5
