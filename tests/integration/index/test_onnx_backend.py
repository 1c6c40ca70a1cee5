"""The int8 ONNX embedding backend: agreement with torch, its cached copy's checks, and the index's record of it."""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from workbench.cli import app
from workbench.errors import EmbeddingBackendUnavailable, EmbeddingModelChanged
from workbench.index import int8_range
from workbench.index.embedder import MAX_ONNX_WORKERS, build_embedder
from workbench.index.onnx_cache import FORMAT, MANIFEST_FILE, MODEL_FILE, copy_dir
from workbench.index.onnx_encoder import usable_cpus
from workbench.index.records import embedding_input
from workbench.index.service import LibraryIndex

pytestmark = pytest.mark.slow
runner = CliRunner()
ON_ONNX = {"WORKBENCH_EMBEDDING_BACKEND": "onnx"}  # the backend under test, whatever this CPU's default


@pytest.fixture
def onnx_settings(small_settings):
    """The small library's settings with the onnx backend chosen."""
    return small_settings.with_overrides(embedding_backend="onnx")


@pytest.fixture
def onnx_index(onnx_settings, onnx_embedder):
    """A LibraryIndex of the small library on the onnx backend (not built yet)."""
    return LibraryIndex(onnx_settings, onnx_embedder)


def copy_of_the_prepared_copy(embedder, root: Path) -> Path:
    """The session's exported copy duplicated under another cache root (where settings with that root look)."""
    target = copy_dir(root, embedder.model_name, embedder.model_dir)
    shutil.copytree(embedder.onnx_dir, target)
    return target


def test_onnx_vectors_agree_with_torch_over_every_chunk_of_the_sample_library(indexed_sample, onnx_embedder, torch_embedder):
    _, services = indexed_sample
    chunks, _ = services.index.chunk_vectors()
    texts = [embedding_input(chunk) for chunk in chunks]

    onnx_vectors = onnx_embedder.embed(texts)
    torch_vectors = torch_embedder.embed(texts)
    cosines = np.sum(onnx_vectors * torch_vectors, axis=1)

    assert onnx_embedder.backend == "onnx" and len(chunks) > 400
    print(f"onnx vs torch over {len(chunks)} chunks: mean cosine {cosines.mean():.4f}, min {cosines.min():.4f}")
    assert float(cosines.mean()) >= 0.99
    assert float(cosines.min()) >= 0.95


def test_search_ranks_alike_on_both_backends(small_settings, onnx_embedder, torch_embedder):
    query = "what to do with a suspicious email"
    onnx_hits = LibraryIndex(small_settings, onnx_embedder)
    onnx_hits.build()
    torch_settings = small_settings.with_overrides(data_dir=small_settings.data_dir.parent / "torch-data")
    torch_hits = LibraryIndex(torch_settings, torch_embedder)
    torch_hits.build()

    assert [hit.path for hit in onnx_hits.search(query, k=3)] == [hit.path for hit in torch_hits.search(query, k=3)]
    assert onnx_hits.search(query, k=1)[0].heading == "Reporting"


def test_the_index_records_the_backend_and_a_switch_asks_for_a_rebuild(small_settings, onnx_index, torch_embedder):
    onnx_index.build()
    assert (onnx_index.status()["backend"], onnx_index.status()["index_backend"]) == ("onnx", "onnx")
    on_torch = LibraryIndex(small_settings.with_overrides(embedding_backend="torch"), torch_embedder)

    for action in (on_torch.build, lambda: on_torch.search("feedback")):
        with pytest.raises(EmbeddingModelChanged) as caught:
            action()
        assert str(caught.value).endswith(
            f"built with embedding model 'all-MiniLM-L6-v2' (384 dimensions, onnx backend, {int8_range.this_machine()}) "
            "but the configured model is 'all-MiniLM-L6-v2' (384 dimensions, torch backend); run `workbench index --rebuild`"
        )
    assert on_torch.status()["model_matches"] is False

    report = on_torch.build(rebuild=True)

    assert report.chunks_embedded == 5 and on_torch.status()["index_backend"] == "torch"
    assert on_torch.search("phishing", k=1)[0].path == "security/phishing.md"
    with pytest.raises(EmbeddingModelChanged, match="torch backend.*onnx backend"):
        onnx_index.search("feedback")


def test_a_corrupted_copy_stops_with_the_fix_and_the_torch_backend_still_works(small_settings, onnx_embedder, tmp_path):
    copy = copy_of_the_prepared_copy(onnx_embedder, tmp_path / "cache")
    with (copy / MODEL_FILE).open("r+b") as handle:  # flip one byte in the middle of the weights
        handle.seek(len(handle.read()) // 2)
        byte = handle.read(1)
        handle.seek(-1, 1)
        handle.write(bytes([byte[0] ^ 0xFF]))
    settings = small_settings.with_overrides(embedding_cache_dir=tmp_path / "cache", embedding_backend="onnx")

    with pytest.raises(EmbeddingBackendUnavailable) as caught:
        build_embedder(settings).embed(["phishing"])
    assert str(caught.value) == (
        f"the ONNX embedding model at {copy} is corrupted (model.onnx does not match its recorded sha256); "
        "run `workbench models prepare` to export it again, or set WORKBENCH_EMBEDDING_BACKEND=torch"
    )

    result = runner.invoke(app, ["--library", str(settings.library_dir), "--data-dir", str(settings.data_dir), "index"],
                           env={**ON_ONNX, "WORKBENCH_EMBEDDING_CACHE_DIR": str(tmp_path / "cache")})
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith("error: the ONNX embedding model at ")

    on_torch = LibraryIndex(settings.with_overrides(embedding_backend="torch"), build_embedder(settings.with_overrides(embedding_backend="torch")))
    assert on_torch.build().chunks_embedded == 5
    assert on_torch.search("phishing", k=1)[0].path == "security/phishing.md"


def test_an_export_that_cannot_be_written_names_models_prepare_and_torch_still_works(small_settings, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be", encoding="utf-8")
    settings = small_settings.with_overrides(embedding_cache_dir=blocked, embedding_backend="onnx")

    with pytest.raises(EmbeddingBackendUnavailable) as caught:
        build_embedder(settings).embed(["phishing"])
    message = str(caught.value)
    assert message.startswith(f"cannot write the ONNX embedding model under {blocked}")
    assert message.endswith("run `workbench models prepare`, or set WORKBENCH_EMBEDDING_BACKEND=torch")
    assert blocked.read_text(encoding="utf-8") == "a file where the cache folder should be"

    torch_vector = build_embedder(settings.with_overrides(embedding_backend="torch")).embed_query("phishing")
    assert torch_vector.shape == (384,) and abs(float(np.linalg.norm(torch_vector)) - 1.0) < 1e-5


def test_a_copy_from_another_version_is_rebuilt_by_models_prepare_then_verified(onnx_embedder, tmp_path):
    cache = tmp_path / "cache"
    copy = copy_of_the_prepared_copy(onnx_embedder, cache)
    manifest = json.loads((copy / MANIFEST_FILE).read_text(encoding="utf-8"))
    (copy / MANIFEST_FILE).write_text(json.dumps({**manifest, "format": FORMAT - 1}), encoding="utf-8")
    command = ["--data-dir", str(tmp_path / "data"), "models", "prepare", "--skip-gguf"]
    env = {**ON_ONNX, "WORKBENCH_EMBEDDING_CACHE_DIR": str(cache)}

    rebuilt = runner.invoke(app, command, env=env)
    again = runner.invoke(app, command, env=env)

    assert rebuilt.exit_code == 0, rebuilt.output
    assert "exporting the embedding model all-MiniLM-L6-v2 to int8 ONNX (it was made by another version of the workbench)" in rebuilt.output
    assert "384 dimensions, onnx int8 backend, exported now" in rebuilt.output
    fresh = json.loads((copy / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert fresh["format"] == FORMAT and fresh["probe_cosine"]["min"] >= 0.9
    assert not copy.with_name(copy.name + ".partial").exists()
    assert again.exit_code == 0 and "onnx int8 backend, sha256 verified" in again.output
    assert "exporting" not in again.output


def the_other_range() -> str:
    """The int8 range this machine's copy is not made in."""
    return int8_range.REDUCED_RANGE if int8_range.this_machine() == int8_range.FULL_RANGE else int8_range.FULL_RANGE


def test_an_index_built_with_the_other_int8_range_asks_for_a_rebuild(small_settings, onnx_index):
    onnx_index.build()
    collection = onnx_index.store.readable_collection()
    assert collection.metadata["embedding_variant"] == int8_range.this_machine()
    collection.modify(metadata={**collection.metadata, "embedding_variant": the_other_range()})

    with pytest.raises(EmbeddingModelChanged) as caught:
        onnx_index.search("feedback")

    assert str(caught.value).endswith(
        f"built with embedding model 'all-MiniLM-L6-v2' (384 dimensions, onnx backend, {the_other_range()}) but the "
        f"configured model is 'all-MiniLM-L6-v2' (384 dimensions, onnx backend, {int8_range.this_machine()}); "
        "run `workbench index --rebuild`"
    )
    assert onnx_index.status()["model_matches"] is False
    assert onnx_index.build(rebuild=True).chunks_embedded == 5
    assert onnx_index.search("phishing", k=1)[0].path == "security/phishing.md"


def test_an_onnx_index_from_before_the_range_was_recorded_counts_as_reduced_range(small_settings, onnx_index):
    onnx_index.build()
    collection = onnx_index.store.readable_collection()
    older = {key: value for key, value in collection.metadata.items() if key != "embedding_variant"}
    onnx_index.store.get_collection().modify(metadata={**older, "embedding_variant": None})
    status = onnx_index.status()

    assert status["index_variant"] == int8_range.REDUCED_RANGE
    assert status["model_matches"] is (int8_range.this_machine() == int8_range.REDUCED_RANGE)


def test_a_copy_made_for_the_other_int8_range_is_exported_again(onnx_embedder, tmp_path, capfd):
    cache = tmp_path / "cache"
    copy = copy_of_the_prepared_copy(onnx_embedder, cache)
    manifest = json.loads((copy / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert manifest["int8_range"] == int8_range.this_machine()
    assert manifest["quantization"] == (
        f"dynamic int8: QInt8 weights per channel ({int8_range.this_machine()}), activations quantized at run time"
    )
    (copy / MANIFEST_FILE).write_text(json.dumps({**manifest, "int8_range": the_other_range()}), encoding="utf-8")

    rebuilt = runner.invoke(app, ["--data-dir", str(tmp_path / "data"), "models", "prepare", "--skip-gguf"],
                            env={**ON_ONNX, "WORKBENCH_EMBEDDING_CACHE_DIR": str(cache)})

    assert rebuilt.exit_code == 0, rebuilt.output
    assert (f"(it was made for a CPU that needs the {the_other_range()} and this one the "
            f"{int8_range.this_machine()})") in rebuilt.output
    assert json.loads((copy / MANIFEST_FILE).read_text(encoding="utf-8"))["int8_range"] == int8_range.this_machine()
    printed = capfd.readouterr()
    # onnxruntime's advice on pre-processing is for calibrated quantization, not the user's concern.
    assert "pre-processing" not in rebuilt.output + printed.out + printed.err


def test_a_text_gets_the_same_vector_alone_among_others_and_from_two_threads_at_once(onnx_embedder):
    texts = [f"Report a suspicious email number {n} to the security team before opening any link." * (1 + n % 5)
             for n in range(40)]
    alone = np.vstack([onnx_embedder.embed([text]) for text in texts])
    together = onnx_embedder.embed(texts)
    with ThreadPoolExecutor(2) as pool:
        side_by_side = list(pool.map(onnx_embedder.embed, [texts, texts[::-1]]))

    assert onnx_embedder.encoder.workers == min(MAX_ONNX_WORKERS, usable_cpus())
    np.testing.assert_array_equal(together, alone)
    np.testing.assert_array_equal(side_by_side[0], alone)
    np.testing.assert_array_equal(side_by_side[1], alone[::-1])
