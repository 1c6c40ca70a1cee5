"""Which embedding backend each setting names: "auto" takes onnx only where this CPU's int8 products are exact."""

from __future__ import annotations

import pytest

from workbench.index import int8_range
from workbench.index.embedder import build_embedder, chosen_backend
from workbench.settings import Settings


@pytest.mark.parametrize(("weights", "backend"), [(int8_range.FULL_RANGE, "onnx"), (int8_range.REDUCED_RANGE, "torch")])
def test_auto_is_onnx_with_exact_int8_products_and_torch_without(monkeypatch, weights, backend):
    monkeypatch.setattr(int8_range, "this_machine", lambda: weights)

    assert chosen_backend("auto") == backend
    assert build_embedder(Settings(embedding_backend="auto")).backend == backend  # not loaded: no model is read


@pytest.mark.parametrize("weights", [int8_range.FULL_RANGE, int8_range.REDUCED_RANGE])
def test_a_named_backend_is_used_whatever_the_cpu(monkeypatch, weights):
    monkeypatch.setattr(int8_range, "this_machine", lambda: weights)

    assert (chosen_backend("onnx"), chosen_backend("torch")) == ("onnx", "torch")


def test_the_default_setting_is_auto_and_an_unknown_backend_is_refused(monkeypatch):
    monkeypatch.delenv("WORKBENCH_EMBEDDING_BACKEND", raising=False)
    assert Settings().embedding_backend == "auto"
    monkeypatch.setenv("WORKBENCH_EMBEDDING_BACKEND", "gpu")
    with pytest.raises(ValueError, match="embedding_backend"):
        Settings()
