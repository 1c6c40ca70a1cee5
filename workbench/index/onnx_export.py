"""Exporting a sentence-transformers folder to an int8-quantized ONNX graph, locally, from its own weights.

The whole module chain (transformer, pooling, any dense layer, normalisation) becomes one graph
whose output is the sentence embedding, so the runtime only tokenizes and runs it. Weights are
quantized to int8 per channel, in the full or the reduced range as this CPU needs (`int8_range`;
dynamic quantization: activations are quantized at run time, so no calibration data is needed).
torch, onnx and onnxruntime's tools are imported here only, at `workbench models prepare` (or when
a missing or outdated copy is rebuilt).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workbench.index.int8_range import FULL_RANGE
from workbench.index.onnx_encoder import OnnxEncoder, TokenizerConfig

log = logging.getLogger(__name__)

OPSET = 17
INPUT_ORDER = ("input_ids", "attention_mask", "token_type_ids")
# Sentences the exported graph must embed like the original model before the copy is kept.
PROBE_TEXTS = [
    "Give feedback soon after the event, in private, and ask for their view.",
    "Check the sender address and hover over links before clicking.",
    "Regular sleep improves focus and mood.",
    "Module: Data protection basics > Lawful bases > Consent. Consent must be freely given, specific, informed "
    "and unambiguous; keep a record of when and how it was given, and make withdrawing it as easy as giving it.",
    "ok",
]
PROBE_MIN_COSINE = 0.9  # catches a broken graph; int8 itself costs a few hundredths on very short texts


class ExportFailed(Exception):
    """The model could not be exported, or its exported copy does not embed like the original."""


@dataclass(frozen=True)
class ExportedModel:
    """What an export wrote: the graph and tokenizer files, the tokenizer's settings and the probe agreement."""

    model_file: Path
    tokenizer_file: Path
    tokenizer: TokenizerConfig
    dimension: int
    probe_min_cosine: float
    probe_mean_cosine: float


def export_quantized(model_dir: Path, target: Path, int8_range: str) -> ExportedModel:
    """Write model.onnx (int8 weights in `int8_range`) and tokenizer.json for the model folder into `target` (an existing folder)."""
    try:
        import onnx
        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from sentence_transformers import SentenceTransformer
    except ImportError as error:
        raise ExportFailed(f"a package the export needs is not installed ({error}); run `make install`") from error

    try:
        # Eager attention traces into plain ONNX operators, which onnxruntime's fusions recognise.
        model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True,
                                    model_kwargs={"attn_implementation": "eager"})
    except (OSError, ValueError, TypeError) as error:
        raise ExportFailed(f"cannot load {model_dir} to export it: {error}") from error
    model.eval()
    first = model[0]
    tokenizer = getattr(model, "tokenizer", None)
    if tokenizer is None or not hasattr(tokenizer, "backend_tokenizer"):
        raise ExportFailed(f"{model_dir} has no fast (tokenizer.json) tokenizer; use the torch backend for it")
    # sentence-transformers 5.2+ calls it preprocess (tokenize is deprecated there).
    features = getattr(model, "preprocess", model.tokenize)(PROBE_TEXTS[:2])
    tensors = {name: value for name, value in features.items() if isinstance(value, torch.Tensor)}
    names = [name for name in INPUT_ORDER if name in tensors]
    unknown = sorted(set(tensors) - set(names))
    if unknown:
        raise ExportFailed(f"{model_dir} takes inputs the export does not know ({', '.join(unknown)})")
    # Values that are not tensors (the input's modality) are the same for every text batch: constants of the graph.
    constants = {name: value for name, value in features.items() if name not in tensors}

    plain = target / "model-fp32.onnx"
    fused = target / "model-fused.onnx"
    quantized = target / "model.onnx"
    try:
        with torch.no_grad():
            torch.onnx.export(
                _as_module(model, names, constants), tuple(tensors[name] for name in names), str(plain),
                input_names=names, output_names=["sentence_embedding"], opset_version=OPSET, dynamo=False,
                dynamic_axes={**{name: {0: "batch", 1: "tokens"} for name in names}, "sentence_embedding": {0: "batch"}},
            )
        source = _fuse(plain, fused, model)
        # Per-channel int8 weights keep the cosine agreement; the reduced range avoids the saturation of the
        # u8 x s8 multiply on x86 CPUs without VNNI instructions (int8_range.py).
        # The fused operators come from onnxruntime's own domain, whose output types shape inference cannot tell.
        with _without_preprocessing_advice():
            quantize_dynamic(str(source), str(quantized), weight_type=QuantType.QInt8, per_channel=True,
                             reduce_range=int8_range != FULL_RANGE,
                             extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    except ExportFailed:
        raise
    except Exception as error:  # noqa: BLE001 - tracing and quantization raise many kinds; all mean "not exported"
        raise ExportFailed(f"exporting {model_dir} to ONNX failed: {type(error).__name__}: {error}") from error
    finally:
        plain.unlink(missing_ok=True)
        fused.unlink(missing_ok=True)
        for leftover in target.glob("*.data"):  # external weights of the intermediate graphs
            leftover.unlink(missing_ok=True)

    tokenizer_file = target / "tokenizer.json"
    tokenizer.backend_tokenizer.save(str(tokenizer_file))
    config = TokenizerConfig(
        max_seq_length=int(model.get_max_seq_length() or tokenizer.model_max_length),
        pad_id=int(tokenizer.pad_token_id or 0),
        pad_token=str(tokenizer.pad_token or "[PAD]"),
        pad_type_id=int(getattr(tokenizer, "pad_token_type_id", 0) or 0),
        do_lower_case=bool(getattr(first, "do_lower_case", False)),
    )
    reference = model.encode(PROBE_TEXTS, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    encoder = OnnxEncoder(quantized.read_bytes(), tokenizer_file.read_text(encoding="utf-8"), config)
    exported = encoder.encode(PROBE_TEXTS)
    if exported.shape != reference.shape:
        raise ExportFailed(f"the exported graph returns vectors of shape {exported.shape}, expected {reference.shape}")
    cosines = np.sum(exported * reference, axis=1)
    if float(cosines.min()) < PROBE_MIN_COSINE:
        raise ExportFailed(
            f"the exported graph embeds unlike the original model (cosine {float(cosines.min()):.3f} on a probe "
            f"sentence, at least {PROBE_MIN_COSINE} needed)"
        )
    return ExportedModel(quantized, tokenizer_file, config, int(reference.shape[1]),
                         round(float(cosines.min()), 5), round(float(cosines.mean()), 5))


class _PreprocessingAdvice(logging.Filter):
    """Drops onnxruntime's advice to run its shape pre-processing, which is for calibrated (static) quantization."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Please consider to run pre-processing before quantization")


@contextmanager
def _without_preprocessing_advice() -> Iterator[None]:
    """onnxruntime logs that advice on the root logger, where it would reach the user's terminal."""
    advice = _PreprocessingAdvice()
    logging.getLogger().addFilter(advice)
    try:
        yield
    finally:
        logging.getLogger().removeFilter(advice)


def _fuse(plain: Path, fused: Path, model) -> Path:
    """The graph with onnxruntime's transformer fusions (attention, layer norm, GELU) applied, when they apply."""
    config = getattr(getattr(model[0], "auto_model", None), "config", None)
    if getattr(config, "model_type", None) not in ("bert", "roberta", "distilbert", "mpnet", "xlm-roberta"):
        return plain
    try:
        from onnxruntime.transformers.optimizer import optimize_model

        optimized = optimize_model(str(plain), model_type="bert", num_heads=int(config.num_attention_heads),
                                   hidden_size=int(config.hidden_size))
        optimized.save_model_to_file(str(fused))
    except Exception as error:  # noqa: BLE001 - fusion is an optimisation: without it the graph is still right
        log.warning("transformer fusions not applied to the ONNX export: %s", error)
        return plain
    return fused


def _as_module(model, names: list[str], constants: dict):
    """The sentence-transformers chain as one torch module: token tensors in, the sentence embedding out."""
    import torch

    class SentenceEmbedding(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *tensors):
            return self.model({**constants, **dict(zip(names, tensors))})["sentence_embedding"]

    return SentenceEmbedding()
