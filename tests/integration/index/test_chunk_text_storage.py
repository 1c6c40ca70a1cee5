"""Where a chunk's text lives in Chroma (its metadata, not a document), and indexes written before that."""

from __future__ import annotations

import pytest

from workbench.index.records import TEXT_FIELD
from workbench.index.service import LibraryIndex

pytestmark = pytest.mark.slow


def stored(index) -> dict:
    """The raw records of the library collection, as Chroma holds them."""
    return index.store.get_collection().get(include=["documents", "metadatas", "embeddings"])


def to_older_layout(index) -> None:
    """Rewrite every record the way earlier versions stored it: the text as a document, none in the metadata."""
    collection = index.store.get_collection()
    raw = stored(index)
    metadatas = [{key: value for key, value in meta.items() if key != TEXT_FIELD} for meta in raw["metadatas"]]
    texts = [meta[TEXT_FIELD] for meta in raw["metadatas"]]
    collection.delete(ids=raw["ids"])
    collection.add(ids=raw["ids"], embeddings=raw["embeddings"], documents=texts, metadatas=metadatas)


def test_a_build_keeps_each_chunk_text_in_its_metadata_and_search_shows_it(small_index):
    report = small_index.build()

    raw = stored(small_index)
    scanned = {chunk.id: chunk.text for chunk in report.scan.chunks}
    assert raw["documents"] == [None] * len(scanned)
    assert {chunk_id: meta[TEXT_FIELD] for chunk_id, meta in zip(raw["ids"], raw["metadatas"])} == scanned
    [hit] = small_index.search("what to do with a suspicious email", k=1, where={"path": "security/phishing.md"})
    assert hit.text == "## Reporting\n\nReport suspicious emails with the report button; never forward them."


def test_an_index_written_with_documents_is_read_and_synced_without_a_rebuild(small_settings, small_index, small_library):
    small_index.build()
    to_older_layout(small_index)
    older = LibraryIndex(small_settings, small_index.embedder)

    [hit] = older.search("what to do with a suspicious email", k=1, where={"path": "security/phishing.md"})
    assert hit.text == "## Reporting\n\nReport suspicious emails with the report button; never forward them."
    chunks, _ = older.chunk_vectors()
    assert "## Timing\n\nGive feedback soon after the event, in private, and ask for their view." in {chunk.text for chunk in chunks}
    older.store.forget_library_revision(older.store.get_collection())  # make the next build compare every record
    report = older.build()
    assert (report.chunks_embedded, report.chunks_added, report.chunks_updated, report.chunks_unchanged) == (0, 0, 0, 5)

    path = small_library / "security" / "phishing.md"
    path.write_text(path.read_text().replace("never forward them", "and delete them afterwards"), encoding="utf-8")
    report = older.build()

    assert (report.chunks_embedded, report.chunks_updated, report.chunks_unchanged) == (1, 1, 4)
    texts = {chunk.text for chunk in older.chunk_vectors()[0]}
    assert "## Reporting\n\nReport suspicious emails with the report button; and delete them afterwards." in texts
    assert "# Giving feedback\n\nTell a colleague what they did, what effect it had, and what to do next time." in texts
    assert not any("never forward them" in text for text in texts)


def test_a_new_module_title_re_embeds_its_chunks_and_keeps_their_text(small_index, small_library):
    small_index.build()
    before = {chunk.id: vector for chunk, vector in zip(*small_index.chunk_vectors()) if chunk.path == "feedback/giving-feedback.md"}
    path = small_library / "feedback" / "giving-feedback.md"
    path.write_text(path.read_text().replace("title: Giving feedback", "title: Feedback that lands"), encoding="utf-8")

    report = small_index.build()

    # The title is part of what each chunk's vector is made from, so the module's two chunks get new vectors.
    assert (report.chunks_embedded, report.chunks_updated, report.chunks_unchanged) == (2, 2, 3)
    chunks, vectors = small_index.chunk_vectors()
    after = {chunk.id: (chunk, vector) for chunk, vector in zip(chunks, vectors) if chunk.path == "feedback/giving-feedback.md"}
    assert set(after) == set(before)
    assert all(chunk.title == "Feedback that lands" for chunk, _ in after.values())
    assert all(float(before[chunk_id] @ vector) < 0.9999 for chunk_id, (_, vector) in after.items())
    assert {chunk.text for chunk, _ in after.values()} == {
        "# Giving feedback\n\nTell a colleague what they did, what effect it had, and what to do next time.",
        "## Timing\n\nGive feedback soon after the event, in private, and ask for their view.",
    }
