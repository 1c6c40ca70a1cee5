"""`workbench index` in a new process with the data folder's parse cache: touches, edits, renames, deletes and partial writes between syncs."""

from __future__ import annotations

import os

import pytest

from workbench.index.service import LibraryIndex
from workbench.library.parse_store import StoredParseCache

pytestmark = pytest.mark.slow

PHISHING = "security/phishing.md"


def new_index(settings, embedder) -> LibraryIndex:
    """A LibraryIndex as a new process builds it: nothing in memory, the parsed files from the data folder."""
    cache = settings.cache_dir
    return LibraryIndex(settings, embedder, parse_cache=StoredParseCache(cache / "parsed-files.json", settings.library_dir))


def build_with_stages(index: LibraryIndex):
    """The build's report and the stages it reported."""
    stages: list[str] = []
    report = index.build(progress=lambda stage, done, total: stages.append(stage))
    return report, set(stages)


def counts(report) -> tuple[int, int, int, int, int]:
    return report.chunks_added, report.chunks_updated, report.chunks_removed, report.chunks_unchanged, report.chunks_embedded


def texts_of(index: LibraryIndex) -> set[str]:
    return {chunk.text for chunk in index.chunk_vectors()[0]}


def test_a_touched_library_is_unchanged_and_the_next_sync_takes_the_short_way(small_settings, small_library, embedder):
    new_index(small_settings, embedder).build()
    for path in small_library.rglob("*.md"):
        os.utime(path)

    touched, _ = build_with_stages(new_index(small_settings, embedder))
    again, stages = build_with_stages(new_index(small_settings, embedder))

    assert counts(touched) == (0, 0, 0, 5, 0)
    assert counts(again) == (0, 0, 0, 5, 0)
    assert "checking index" not in stages


def test_an_edit_that_keeps_size_and_modification_time_is_seen_by_a_new_process(small_settings, small_library, embedder):
    new_index(small_settings, embedder).build()
    path = small_library / PHISHING
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    edited = text.replace("never forward them", "never discard them")
    assert len(edited.encode()) == before.st_size
    path.write_text(edited, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))

    index = new_index(small_settings, embedder)
    report = index.build()

    assert counts(report) == (0, 1, 0, 4, 1)
    texts = texts_of(index)
    assert any("never discard them" in text for text in texts)
    assert not any("never forward them" in text for text in texts)


def test_a_rename_and_a_delete_are_seen_by_a_new_process(small_settings, small_library, embedder):
    new_index(small_settings, embedder).build()
    (small_library / PHISHING).rename(small_library / "security" / "phishing-basics.md")
    (small_library / "wellbeing" / "sleep.md").unlink()

    index = new_index(small_settings, embedder)
    report = index.build()

    assert counts(report) == (0, 2, 1, 2, 0)
    assert {chunk.path for chunk in index.chunk_vectors()[0]} == {"feedback/giving-feedback.md", "security/phishing-basics.md"}


def test_a_single_file_reindexed_in_between_makes_the_next_sync_compare(small_settings, small_library, embedder):
    new_index(small_settings, embedder).build()
    path = small_library / PHISHING
    path.write_text(path.read_text(encoding="utf-8").replace("never forward them", "never answer them"), encoding="utf-8")
    assert counts(new_index(small_settings, embedder).reindex_paths([PHISHING]))[:3] == (0, 1, 0)

    report, stages = build_with_stages(new_index(small_settings, embedder))

    assert counts(report) == (0, 0, 0, 5, 0)
    assert "checking index" in stages
