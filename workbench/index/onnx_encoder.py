"""Running an exported ONNX embedding model: its saved tokenizer, an onnxruntime session, unit vectors out.

Neither torch nor sentence-transformers is imported here: the ONNX backend starts in a fraction
of the time the torch backend needs to import its stack.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

OUTPUT_NAME = "sentence_embedding"


@dataclass(frozen=True)
class TokenizerConfig:
    """How sentence-transformers tokenized for this model, so the ONNX path feeds it the same ids."""

    max_seq_length: int
    pad_id: int
    pad_token: str
    pad_type_id: int
    do_lower_case: bool

    def to_json(self) -> dict:
        """The fields as written into the cache manifest."""
        return {
            "max_seq_length": self.max_seq_length, "pad_id": self.pad_id, "pad_token": self.pad_token,
            "pad_type_id": self.pad_type_id, "do_lower_case": self.do_lower_case,
        }

    @classmethod
    def from_json(cls, data: dict) -> "TokenizerConfig":
        """The configuration read back from a manifest (KeyError / TypeError when a field is missing)."""
        return cls(int(data["max_seq_length"]), int(data["pad_id"]), str(data["pad_token"]),
                   int(data["pad_type_id"]), bool(data["do_lower_case"]))


class OnnxEncoder:
    """Embeds batches of texts with an ONNX graph whose output is the sentence embedding (before normalising)."""

    def __init__(self, model_bytes: bytes, tokenizer_json: str, config: TokenizerConfig) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # warnings about unused initialisers are not the user's business
        # Worker threads that spin between batches steal the CPU from everything else on a shared machine.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])
        self._inputs = [item.name for item in self._session.get_inputs()]
        self._tokenizer = Tokenizer.from_str(tokenizer_json)
        self._tokenizer.enable_truncation(max_length=config.max_seq_length)
        self._tokenizer.enable_padding(pad_id=config.pad_id, pad_token=config.pad_token, pad_type_id=config.pad_type_id)
        self._lower = config.do_lower_case

    def encode(self, texts: list[str]) -> np.ndarray:
        """One batch of texts as an (n, dimension) float32 array of unit vectors."""
        encodings = self._tokenizer.encode_batch([text.lower() for text in texts] if self._lower else texts)
        columns = {
            "input_ids": [encoding.ids for encoding in encodings],
            "attention_mask": [encoding.attention_mask for encoding in encodings],
            "token_type_ids": [encoding.type_ids for encoding in encodings],
        }
        feeds = {name: np.asarray(columns[name], dtype=np.int64) for name in self._inputs}
        (vectors,) = self._session.run([OUTPUT_NAME], feeds)
        vectors = np.asarray(vectors, dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)
