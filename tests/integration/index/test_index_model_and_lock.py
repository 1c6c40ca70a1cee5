"""The index refuses a different embedding model, allows one writer at a time, and serves searches while writing."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from workbench.errors import ConfigurationError, EmbeddingModelChanged, IndexLocked
from workbench.index import int8_range
from workbench.index.embedder import build_embedder
from workbench.index.service import LibraryIndex
from workbench.settings import Settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, torch_embedder) -> Path:
    """A second real sentence-transformers model folder: MiniLM plus a dense layer down to 16 dimensions."""
    from sentence_transformers import SentenceTransformer, models

    base = torch_embedder.encoder.sentence_transformer
    dense = models.Dense(in_features=384, out_features=16)
    folder = tmp_path_factory.mktemp("models") / "minilm-16d"
    SentenceTransformer(modules=[base[0], base[1], dense], device="cpu").save(str(folder))
    return folder


def test_a_different_model_is_detected_and_rebuild_switches_to_it(small_settings, small_index, tiny_model_dir):
    small_index.build()
    built_with = ("'all-MiniLM-L6-v2' (384 dimensions, torch backend)" if small_index.embedder.backend == "torch"
                  else f"'all-MiniLM-L6-v2' (384 dimensions, onnx backend, {int8_range.this_machine()})")
    other_settings = small_settings.with_overrides(embedding_model=str(tiny_model_dir), embedding_backend="torch")
    tiny = build_embedder(other_settings)
    assert (tiny.model_name, tiny.dimension, tiny.loaded) == ("minilm-16d", 16, False)
    other = LibraryIndex(other_settings, tiny)

    for action in (other.build, lambda: other.search("feedback")):
        with pytest.raises(EmbeddingModelChanged) as caught:
            action()
        message = str(caught.value)
        assert built_with in message
        assert "'minilm-16d' (16 dimensions, torch backend)" in message
        assert "run `workbench index --rebuild`" in message

    report = other.build(rebuild=True)

    assert (report.chunks_added, report.chunks_removed, report.chunks_embedded) == (5, 5, 5)
    assert other.status()["dimension"] == 16 and other.status()["chunks"] == 5
    assert len(other.search("feedback", k=2)) == 2
    with pytest.raises(EmbeddingModelChanged):
        small_index.search("feedback")


def test_a_missing_model_folder_is_a_configuration_error(tmp_path):
    with pytest.raises(ConfigurationError, match="embedding model folder .* does not exist"):
        build_embedder(Settings(embedding_model=str(tmp_path / "no-model")))


HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from workbench.index.locking import WriterLock
    with WriterLock(Path(sys.argv[1])).hold(command="workbench index --rebuild"):
        print("held", flush=True)
        time.sleep(120)
    """
)


def test_a_second_writer_process_is_told_who_holds_the_lock(small_settings, small_index):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(small_settings.index_dir)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(IndexLocked) as caught:
            small_index.build()
        message = str(caught.value)
        assert f"process {holder.pid} on " in message
        assert "running `workbench index --rebuild`" in message
    finally:
        holder.kill()
        holder.wait()

    assert small_index.build().chunks_added == 5


def test_search_keeps_working_while_the_same_process_rebuilds(small_index):
    small_index.build()
    errors: list[BaseException] = []
    results: list[int] = []

    def rebuild() -> None:
        try:
            small_index.build(rebuild=True)
            small_index.build()
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    writer = threading.Thread(target=rebuild)
    writer.start()
    while writer.is_alive():
        results.append(len(small_index.search("phishing email", k=3)))
    writer.join()

    assert errors == []
    assert results and all(count == 3 for count in results)


def test_two_writer_threads_in_one_process_take_turns(small_settings, embedder):
    reports = []
    indexes = [LibraryIndex(small_settings, embedder) for _ in range(2)]  # e.g. two app sessions
    threads = [threading.Thread(target=lambda index=index: reports.append(index.build())) for index in indexes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted((report.chunks_added, report.chunks_unchanged) for report in reports) == [(0, 5), (5, 0)]
