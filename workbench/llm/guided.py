"""Schema-constrained decoding with llguidance over a llama.cpp model.

llguidance turns the JSON schema into a matcher that knows, after each token, which tokens may come
next. The decoding loop here samples each token with llama.cpp's own sampler chain (the same top-k,
top-p, min-p and temperature the free-running model uses) and asks the matcher whether the sampled
token is allowed; only when it is not is the full token mask computed and applied to the logits
before sampling again (llama.cpp's own server does the same with its grammars). Bytes the schema
forces (`{"title": "`, a closing `"]}`) are fed to the model as one batch without sampling. So most
steps cost one forward pass plus a check of one token, instead of a mask over the 262k-token
vocabulary.
"""

from __future__ import annotations

import codecs
import json
import threading
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

# Compact JSON laid out like the prompts' few-shot examples (workbench.llm.prompts.example_output_text),
# so the separators are forced bytes rather than choices the small model gets wrong.
JSON_OPTIONS = {"item_separator": ", ", "key_separator": ": ", "whitespace_flexible": False}
# The sampler chain of llama-cpp-python's create_completion defaults, so a constrained reply samples
# like the free-running model.
TOP_K = 40
TOP_P = 0.95
MIN_P = 0.05


class ConstraintUnavailable(Exception):
    """llguidance cannot constrain this schema or this model's vocabulary (the grammar is used instead)."""


class GuidedCancelled(Exception):
    """The caller cancelled between tokens; carries the text generated so far."""

    def __init__(self, raw_output: str) -> None:
        super().__init__("generation cancelled")
        self.raw_output = raw_output


@dataclass(frozen=True)
class GuidedReply:
    """What one constrained generation produced."""

    text: str
    completion_tokens: int
    finish_reason: str  # "stop" (the schema is complete) or "length" (the token limit)
    masked_steps: int  # steps where the model's own choice was refused and the full mask was applied


def bridge_tokenizer(llama: Any) -> Any:
    """llguidance's view of a llama.cpp model's vocabulary (about a second for 262k tokens: cache it)."""
    import llama_cpp
    from llguidance.llamacpp import lltokenizer_from_vocab

    return lltokenizer_from_vocab(llama_cpp.llama_model_get_vocab(llama.model), n_vocab=llama.n_vocab())


def checked_tokenizer(bridge: Callable[[Any], Any], llama: Any) -> Any:
    """The tokenizer the bridge makes for this model; ConstraintUnavailable if it cannot make a usable one."""
    from llguidance import LLTokenizer

    try:
        tokenizer = bridge(llama)
    except Exception as error:  # a ctypes ArgumentError, the bridge's ValueError, a vocabulary it cannot read
        raise ConstraintUnavailable(f"llguidance cannot read this model's vocabulary: {error}") from None
    if not isinstance(tokenizer, LLTokenizer):
        raise ConstraintUnavailable(f"llguidance cannot read this model's vocabulary: the bridge gave {type(tokenizer).__name__}")
    if tokenizer.vocab_size != llama.n_vocab():
        raise ConstraintUnavailable(f"llguidance read {tokenizer.vocab_size} tokens but the model has {llama.n_vocab()}")
    return tokenizer


_SCHEMA_MAPS = ("properties", "$defs", "definitions", "patternProperties")
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_SCHEMA_VALUES = ("items", "additionalProperties", "not", "if", "then", "else", "contains")


def closed_objects(schema: Any) -> Any:
    """A copy of a JSON schema whose objects admit only their declared properties, unless they say otherwise.

    JSON Schema lets an object without `additionalProperties` carry extra keys, and llguidance
    honours that, so the model could add keys of its own; llama.cpp's grammar builder closes such
    objects, and so does this. Validation still uses the caller's schema.
    """
    if not isinstance(schema, dict):
        return schema
    closed: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            closed[key] = {name: closed_objects(member) for name, member in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            closed[key] = [closed_objects(member) for member in value]
        elif key in _SCHEMA_VALUES:
            closed[key] = closed_objects(value)
        else:
            closed[key] = value
    if (closed.get("type") == "object" or "properties" in closed) and "additionalProperties" not in closed:
        closed["additionalProperties"] = False
    return closed


def schema_grammar(json_schema: dict[str, Any], tokenizer: Any) -> str:
    """The llguidance grammar of a JSON schema, keys in their declared order; ConstraintUnavailable if refused."""
    from llguidance import LLMatcher

    try:
        grammar = LLMatcher.grammar_from_json_schema(json.dumps(closed_objects(json_schema)), defaults=JSON_OPTIONS)
    except (ValueError, TypeError) as error:
        raise ConstraintUnavailable(f"llguidance refuses the schema: {error}") from None
    refused, messages = LLMatcher.validate_grammar_with_warnings(grammar, tokenizer)
    if refused:
        raise ConstraintUnavailable(f"llguidance refuses the schema: {messages[0] if messages else 'invalid'}")
    return grammar


class _Sampler:
    """llama.cpp's sampler chain (greedy at temperature 0), freed when the generation ends."""

    def __init__(self, temperature: float, seed: int) -> None:
        import llama_cpp

        self._api = llama_cpp
        self.chain = llama_cpp.llama_sampler_chain_init(llama_cpp.llama_sampler_chain_default_params())
        if temperature <= 0:
            steps = [llama_cpp.llama_sampler_init_greedy()]
        else:
            steps = [
                llama_cpp.llama_sampler_init_top_k(TOP_K),
                llama_cpp.llama_sampler_init_top_p(TOP_P, 1),
                llama_cpp.llama_sampler_init_min_p(MIN_P, 1),
                llama_cpp.llama_sampler_init_temp(temperature),
                llama_cpp.llama_sampler_init_dist(seed),
            ]
        for step in steps:
            llama_cpp.llama_sampler_chain_add(self.chain, step)  # the chain owns and frees its steps

    def sample(self, ctx: Any) -> int:
        """The next token from the last position's logits."""
        return int(self._api.llama_sampler_sample(self.chain, ctx, -1))

    def close(self) -> None:
        """Free the native chain."""
        self._api.llama_sampler_free(self.chain)


def _evaluate_prompt(llama: Any, prompt_tokens: list[int]) -> None:
    """Evaluate the prompt, reusing the longest cached prefix (as llama-cpp-python's generate does)."""
    import llama_cpp

    cached = llama.input_ids[: llama.n_tokens].tolist()
    prefix = 0
    for old, new in zip(cached, prompt_tokens):
        if old != new:
            break
        prefix += 1
    prefix = min(prefix, len(prompt_tokens) - 1)  # at least one token to evaluate, for fresh logits
    memory = llama_cpp.llama_get_memory(llama.ctx)
    if prefix > 0 and memory is not None and llama_cpp.llama_memory_seq_rm(memory, -1, prefix, -1):
        llama.n_tokens = prefix
    else:
        llama.reset()
        prefix = 0
    llama.eval(prompt_tokens[prefix:])


class _Text:
    """Turns token ids into text pieces, holding back a character split across tokens."""

    def __init__(self, llama: Any) -> None:
        self._llama = llama
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.pieces: list[str] = []

    def add(self, tokens: list[int]) -> str:
        piece = self._decoder.decode(self._llama.detokenize(tokens))
        if piece:
            self.pieces.append(piece)
        return piece

    def finish(self) -> str:
        piece = self._decoder.decode(b"", final=True)
        if piece:
            self.pieces.append(piece)
        return piece


def generate(
    llama: Any,
    tokenizer: Any,
    grammar: str,
    prompt_tokens: list[int],
    *,
    max_tokens: int,
    temperature: float,
    seed: int = 0,
    on_token: Callable[[str], None] | None = None,
    cancel: threading.Event | None = None,
) -> GuidedReply:
    """Generate up to max_tokens tokens that keep to the grammar, streaming text pieces to on_token."""
    import llama_cpp
    from llguidance import LLMatcher
    from llguidance.numpy import allocate_token_bitmask, fill_next_token_bitmask

    matcher = LLMatcher(tokenizer, grammar, log_level=0)
    if matcher.is_error():
        raise ConstraintUnavailable(f"llguidance refuses the schema: {matcher.get_error()}")
    n_vocab = llama.n_vocab()
    vocab = llama_cpp.llama_model_get_vocab(llama.model)
    bitmask = allocate_token_bitmask(1, n_vocab)
    text = _Text(llama)
    sampler = _Sampler(temperature, seed)
    produced = masked = 0
    finish = "length"

    def emit(tokens: list[int]) -> None:
        piece = text.add(tokens)
        if piece and on_token is not None:
            on_token(piece)

    try:
        # Bytes forced before anything is sampled (the opening `{"key": "`) go in with the prompt.
        pending = matcher.compute_ff_tokens()[:max_tokens]
        if pending and not matcher.consume_tokens(pending):
            raise ConstraintUnavailable(f"llguidance could not follow its own forced tokens: {matcher.get_error()}")
        produced = len(pending)
        if pending:
            emit(pending)
        if produced < max_tokens and not matcher.is_stopped():
            _evaluate_prompt(llama, prompt_tokens + pending)
        while not matcher.is_stopped() and produced < max_tokens:
            if cancel is not None and cancel.is_set():
                raise GuidedCancelled("".join(text.pieces))
            token = sampler.sample(llama.ctx)
            if matcher.validate_tokens([token]) != 1:
                # The model's own choice breaks the schema: only now compute the mask and apply it.
                masked += 1
                fill_next_token_bitmask(matcher, bitmask)
                allowed = np.unpackbits(bitmask.view(np.uint8), bitorder="little")[:n_vocab].view(np.bool_)
                logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llama.ctx, -1), shape=(n_vocab,))
                np.copyto(logits, np.float32(-np.inf), where=~allowed)
                token = sampler.sample(llama.ctx)
            if llama_cpp.llama_vocab_is_eog(vocab, token):
                finish = "stop"  # the matcher allowed the end here: the reply is complete
                break
            if not matcher.consume_token(token):
                raise ConstraintUnavailable(f"llguidance lost track of the reply: {matcher.get_error()}")
            step = [token]
            forced = matcher.compute_ff_tokens()[: max_tokens - produced - 1]
            if forced and matcher.consume_tokens(forced):
                step += forced
            produced += len(step)
            emit(step)
            if not matcher.is_stopped() and produced < max_tokens:
                llama.eval(step)
        if matcher.is_stopped():
            finish = "stop"
        if matcher.is_error():
            raise ConstraintUnavailable(f"llguidance lost track of the reply: {matcher.get_error()}")
        tail = text.finish()
        if tail and on_token is not None:
            on_token(tail)
    finally:
        sampler.close()
    return GuidedReply(text="".join(text.pieces), completion_tokens=produced, finish_reason=finish, masked_steps=masked)

