"""Incremental indexing with real Chroma and the real embedder: only new or changed text is embedded."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def paths_in(index) -> set[str]:
    """The library paths that have chunks in the index."""
    chunks, _ = index.chunk_vectors()
    return {chunk.path for chunk in chunks}


def test_first_build_indexes_every_chunk_and_search_finds_by_meaning(small_index):
    calls: list[tuple[str, int, int]] = []

    report = small_index.build(progress=lambda stage, done, total: calls.append((stage, done, total)))

    assert report.files == 3 and report.modules == 3
    assert report.chunks_added == 5 and report.chunks_embedded == 5
    assert report.chunks_unchanged == report.chunks_updated == report.chunks_removed == 0
    assert calls[0] == ("reading", 0, 1)
    assert ("embedding", 5, 5) in calls and calls[-1] == ("writing", 5, 5)
    hits = small_index.search("how do I tell a coworker how their behaviour affected me", k=3)
    assert hits[0].module_id == "fb-giving"
    assert hits[0].score > hits[-1].score
    assert 0 < hits[0].score <= 1.0
    status = small_index.status()
    assert (status["model"], status["dimension"], status["chunks"], status["modules"]) == ("all-MiniLM-L6-v2", 384, 5, 3)
    assert status["built_at"]


def test_unchanged_library_embeds_nothing(small_index):
    small_index.build()

    report = small_index.build()

    assert report.chunks_embedded == 0
    assert (report.chunks_added, report.chunks_updated, report.chunks_removed, report.chunks_unchanged) == (0, 0, 0, 5)


def test_editing_one_paragraph_re_embeds_only_that_chunk(small_index, small_library):
    small_index.build()
    path = small_library / "security" / "phishing.md"
    path.write_text(path.read_text().replace("never forward them", "and delete them afterwards"), encoding="utf-8")

    report = small_index.build()

    assert report.chunks_embedded == 1
    assert (report.chunks_added, report.chunks_updated, report.chunks_removed, report.chunks_unchanged) == (0, 1, 0, 4)
    [hit] = small_index.search("what to do with a suspicious email", k=1, where={"path": "security/phishing.md"})
    assert hit.heading == "Reporting" and "delete them afterwards" in hit.text
    texts = [chunk.text for chunk in small_index.chunk_vectors()[0]]
    assert not any("never forward them" in text for text in texts)


def test_a_deleted_file_leaves_the_index(small_index, small_library):
    small_index.build()
    (small_library / "wellbeing" / "sleep.md").unlink()

    report = small_index.build()

    assert (report.chunks_removed, report.chunks_unchanged, report.chunks_embedded) == (1, 4, 0)
    assert "wellbeing/sleep.md" not in paths_in(small_index)
    assert all(hit.path != "wellbeing/sleep.md" for hit in small_index.search("sleep and focus", k=10))


@pytest.mark.parametrize(
    ("old", "new"),
    [("security/phishing.md", "cyber/phishing-awareness.md"), ("feedback/giving-feedback.md", "people/feedback.md")],
    ids=["id-from-path", "id-from-front-matter"],
)
def test_a_renamed_file_keeps_its_embeddings(small_index, small_library, old, new):
    small_index.build()
    _, before = small_index.chunk_vectors()
    target = small_library / new
    target.parent.mkdir(parents=True, exist_ok=True)
    (small_library / old).rename(target)

    report = small_index.build()

    assert report.chunks_embedded == 0
    assert (report.chunks_added, report.chunks_removed, report.chunks_updated) == (0, 0, 2)
    assert paths_in(small_index) == {"wellbeing/sleep.md", new, *({"security/phishing.md", "feedback/giving-feedback.md"} - {old})}
    chunks, after = small_index.chunk_vectors()
    assert after.shape == before.shape


def test_reindex_and_remove_single_paths(small_index, small_library):
    small_index.build()
    (small_library / "wellbeing" / "stress.md").write_text("# Managing stress\n\nBreathe slowly; take breaks.\n")

    added = small_index.reindex_paths(["wellbeing/stress.md"])
    removed = small_index.remove_paths(["wellbeing/sleep.md"])

    assert (added.files, added.chunks_added, added.chunks_embedded) == (1, 1, 1)
    assert removed.chunks_removed == 1
    assert paths_in(small_index) == {"feedback/giving-feedback.md", "security/phishing.md", "wellbeing/stress.md"}
    assert small_index.status()["modules"] == 3


def test_skipped_files_are_reported_and_the_rest_indexed(small_index, small_library):
    (small_library / "broken.md").write_bytes("caf\xe9".encode("latin-1"))

    report = small_index.build()

    assert report.to_json()["skipped"] == [
        {"path": "broken.md", "reason": "not UTF-8: invalid byte 0xe9 at offset 3 (line 1); save the file as UTF-8"}
    ]
    assert report.files == 4 and report.chunks_added == 5


def test_search_on_an_empty_index_says_to_build_it(small_index):
    from workbench.index.errors import IndexEmpty

    with pytest.raises(IndexEmpty, match="run `workbench index` first"):
        small_index.search("anything")


def test_reindexing_a_file_that_reuses_another_files_module_id_gets_its_own_id(small_index, small_library):
    small_index.build()
    (small_library / "drafts").mkdir()
    (small_library / "drafts" / "copy.md").write_text("---\nid: fb-giving\n---\n# Copy\n\nA different text.\n")

    report = small_index.reindex_paths(["drafts/copy.md"])

    assert "module id 'fb-giving' is already used by feedback/giving-feedback.md" in report.warnings[0].reason
    chunks, _ = small_index.chunk_vectors()
    assert {chunk.module_id for chunk in chunks if chunk.path == "drafts/copy.md"} == {"drafts-copy"}
    assert {chunk.module_id for chunk in chunks if chunk.path.startswith("feedback/")} == {"fb-giving"}


def test_a_new_section_is_one_added_chunk_and_shifted_chunks_stay_unchanged(small_index, small_library):
    small_index.build()
    path = small_library / "security" / "phishing.md"
    path.write_text(
        path.read_text().replace("## Reporting", "## Urgency\n\nPressure to act fast is a warning sign.\n\n## Reporting")
    )

    report = small_index.build()

    assert (report.chunks_added, report.chunks_updated, report.chunks_unchanged, report.chunks_embedded) == (1, 0, 5, 1)
    chunks, _ = small_index.chunk_vectors()
    assert [chunk.heading for chunk in chunks if chunk.path == "security/phishing.md"] == [
        "Spotting phishing",
        "Urgency",
        "Reporting",
    ]
