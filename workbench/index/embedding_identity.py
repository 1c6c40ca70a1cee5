"""What identifies the vectors of a collection: the model, its backend, the backend's variant and the dimension.

A collection records these in its metadata; searching or syncing with an embedder whose identity
differs stops and asks for `workbench index --rebuild`, since vectors of two identities never mix.
"""

from __future__ import annotations

from typing import Any, Protocol

from workbench.index.int8_range import REDUCED_RANGE


class EmbeddingModel(Protocol):
    """An embedder as far as its identity goes: name, backend, variant and dimension (an Embedder fits)."""

    model_name: str
    backend: str  # "torch" or "onnx": the same model quantized gives slightly different vectors
    variant: str  # what else tells a backend's vectors apart (the onnx copy's int8 range), else ""

    @property
    def dimension(self) -> int:
        """Length of each vector."""


def stored_backend_of(metadata: dict[str, Any]) -> str:
    """The backend that made a collection's vectors; collections from before backends were recorded are torch's."""
    return str(metadata.get("embedding_backend") or "torch")


def stored_variant_of(metadata: dict[str, Any]) -> str:
    """The backend variant that made a collection's vectors; onnx collections from before it was recorded were reduced range."""
    if "embedding_variant" in metadata:
        return str(metadata["embedding_variant"])
    return REDUCED_RANGE if stored_backend_of(metadata) == "onnx" else ""


def stored_identity(metadata: dict[str, Any]) -> tuple:
    """(model, backend, variant, dimension) of the vectors in a collection, from its metadata."""
    return (metadata.get("embedding_model"), stored_backend_of(metadata), stored_variant_of(metadata),
            metadata.get("embedding_dimension"))


def configured_identity(model: EmbeddingModel) -> tuple:
    """(model, backend, variant, dimension) of the vectors the configured embedder makes."""
    return (model.model_name, model.backend, model.variant, model.dimension)


def describe_identity(identity: tuple) -> str:
    """'name' (384 dimensions, onnx backend, int8 full range): a model identity for messages."""
    name, backend, variant, dimension = identity
    return f"'{name}' ({dimension} dimensions, {backend} backend{', ' + variant if variant else ''})"
