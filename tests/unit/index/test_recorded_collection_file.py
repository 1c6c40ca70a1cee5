"""A recorded collection is read back only beside the very Chroma database file it was written for."""

from __future__ import annotations

from workbench.index.recorded_collection import RecordedCollection, RecordedCollectionFile

METADATA = {"revision": "r1", "library_revision": "lib-1", "chunk_count": 5}


def recorded_beside(tmp_path):
    database = tmp_path / "chroma.sqlite3"
    database.write_bytes(b"the collections")
    record = RecordedCollectionFile(tmp_path / "recorded-library.json", store_file=database)
    record.write("collection-id", "library", METADATA)
    return record, database


def test_the_record_reads_back_as_written(tmp_path):
    record, _ = recorded_beside(tmp_path)

    assert record.read("library") == RecordedCollection("collection-id", "library", METADATA)
    assert record.read("another-collection") is None


def test_a_database_deleted_or_replaced_by_hand_leaves_the_record_unread(tmp_path):
    record, database = recorded_beside(tmp_path)
    restored = tmp_path / "restored.sqlite3"
    restored.write_bytes(b"the collections")
    restored.replace(database)  # copied back from elsewhere: another file, whatever it holds
    assert record.read("library") is None

    record.write("collection-id", "library", METADATA)
    database.unlink()
    assert record.read("library") is None


def test_nothing_is_recorded_without_a_database_or_for_a_server(tmp_path):
    missing = RecordedCollectionFile(tmp_path / "recorded-library.json", store_file=tmp_path / "chroma.sqlite3")
    missing.write("collection-id", "library", METADATA)
    assert not (tmp_path / "recorded-library.json").exists()

    server = RecordedCollectionFile(None, store_file=tmp_path / "chroma.sqlite3")
    server.write("collection-id", "library", METADATA)
    assert server.read("library") is None and list(tmp_path.iterdir()) == []


def test_forgetting_removes_the_record(tmp_path):
    record, _ = recorded_beside(tmp_path)
    record.forget()
    record.forget()  # nothing left to remove is no error

    assert record.read("library") is None and not (tmp_path / "recorded-library.json").exists()
