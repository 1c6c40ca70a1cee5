"""The `embedded` provider: llama-cpp-python running a local GGUF, with schema-constrained JSON.

The packaged Gemma 3 270M is a small *base* model, not a chat model, so the prompt is rendered
as a completion document (system text, few-shot "Input/Output" pairs, then the request) and the
reply is constrained to the JSON schema: it always parses, although its content only exercises the
workflow. The constraint is llguidance's token matcher (workbench.llm.guided) by default, or
llama.cpp's GBNF grammar (`WORKBENCH_LLM_CONSTRAINT=grammar`, and the fallback for a schema or a
vocabulary llguidance cannot handle).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import Any, Callable

from workbench.errors import GenerationCancelled, LLMUnavailable
from workbench.llm.errors import LLMCallFailed
from workbench.llm.guided import ConstraintUnavailable, GuidedCancelled, bridge_tokenizer, checked_tokenizer, schema_grammar
from workbench.llm.parsing import RawReply
from workbench.llm.prompts import Message

TEXT_STOPS = ["\nInput:", "\n### "]
# The small demo model rambles: its grammar caps free strings and lists so a reply ends within the
# token budget. The reply is still validated against the caller's unmodified schema.
DEMO_MAX_STRING_CHARS = 160
DEMO_MAX_ITEMS = 3
_STRING_KEEP = ("maxLength", "enum", "const", "format", "pattern")

CONSTRAINTS = ("llguidance", "grammar")
logger = logging.getLogger(__name__)

_MODELS: dict[tuple[str, int, int], "LoadedModel"] = {}
_MODELS_LOCK = threading.Lock()


class LoadedModel:
    """A llama.cpp model loaded once per process; a lock serialises generations (it is not thread-safe).

    It also caches what constraining costs to build: llama.cpp grammars, llguidance's view of the
    vocabulary (per bridge) and llguidance grammars, failures included, so each failure is logged once.
    Cache keys are the schema text as declared: property order is part of a schema (it is the order
    the reply's keys are generated in), so two schemas that only order their keys differently get
    grammars of their own.
    """

    def __init__(self, llama: Any) -> None:
        self.llama = llama
        self.lock = threading.Lock()
        self._grammars: dict[str, Any] = {}
        self._tokenizers: dict[Callable[[Any], Any], Any] = {}
        self._guidance: dict[tuple[Callable[[Any], Any], str], str | ConstraintUnavailable] = {}

    def grammar_for(self, json_schema: dict[str, Any]) -> Any:
        """The (cached) llama.cpp grammar that only admits JSON matching the schema, keys in declared order."""
        from llama_cpp import LlamaGrammar

        key = json.dumps(json_schema)
        grammar = self._grammars.get(key)
        if grammar is None:
            grammar = LlamaGrammar.from_json_schema(key, verbose=False)
            self._grammars[key] = grammar
        return grammar

    def guidance_for(self, json_schema: dict[str, Any], bridge: Callable[[Any], Any] = bridge_tokenizer) -> tuple[Any, str] | None:
        """(llguidance tokenizer, grammar) for the schema, or None when llguidance cannot constrain it.

        The reason is logged once per vocabulary bridge and once per schema; the caller then uses the
        llama.cpp grammar.
        """
        tokenizer = self._tokenizers.get(bridge)
        if tokenizer is None:
            try:
                tokenizer = checked_tokenizer(bridge, self.llama)
            except ConstraintUnavailable as error:
                tokenizer = error
                logger.warning("%s; constraining with the llama.cpp grammar instead", error)
            self._tokenizers[bridge] = tokenizer
        if isinstance(tokenizer, ConstraintUnavailable):
            return None
        key = (bridge, json.dumps(json_schema))
        grammar = self._guidance.get(key)
        if grammar is None:
            try:
                grammar = schema_grammar(json_schema, tokenizer)
            except ConstraintUnavailable as error:
                grammar = error
                title = json_schema.get("title", "the reply") if isinstance(json_schema, dict) else "the reply"
                logger.warning("%s (schema %s); constraining it with the llama.cpp grammar instead", error, title)
            self._guidance[key] = grammar
        if isinstance(grammar, ConstraintUnavailable):
            return None
        return tokenizer, grammar


def bounded_schema(schema: Any, max_chars: int = DEMO_MAX_STRING_CHARS, max_items: int = DEMO_MAX_ITEMS) -> Any:
    """A copy of a JSON schema whose unbounded strings and arrays get a maximum length."""
    if isinstance(schema, list):
        return [bounded_schema(item, max_chars, max_items) for item in schema]
    if not isinstance(schema, dict):
        return schema
    bounded = {key: bounded_schema(value, max_chars, max_items) for key, value in schema.items()}
    if bounded.get("type") == "string" and not any(key in bounded for key in _STRING_KEEP):
        bounded["maxLength"] = max(max_chars, int(bounded.get("minLength", 0)))
    if bounded.get("type") == "array" and "maxItems" not in bounded:
        bounded["maxItems"] = max(max_items, int(bounded.get("minItems", 0)))
    return bounded


def default_threads() -> int:
    """Threads for generation: half the usable logical CPUs (about the physical cores), at least one.

    llama.cpp threads spin at barriers; more threads than free cores makes generation many times
    slower on a shared machine, so this errs low. WORKBENCH_LLM_THREADS overrides it.
    """
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        usable = os.cpu_count() or 1
    return max(1, usable // 2)


def load_model(path: Path, n_ctx: int, n_threads: int) -> LoadedModel:
    """Load a GGUF once per process and settings (later calls reuse it)."""
    key = (str(Path(path).resolve()), n_ctx, n_threads)
    with _MODELS_LOCK:
        loaded = _MODELS.get(key)
        if loaded is None:
            if not Path(path).is_file():
                raise LLMUnavailable(f"the model file {path} does not exist; run `workbench models prepare`")
            from llama_cpp import Llama

            try:
                # Batches (the prompt, and the forced bytes of a constrained reply) get the same threads as
                # single tokens: llama-cpp-python would give them every CPU, which spins on a shared machine.
                llama = Llama(
                    model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads, verbose=False, seed=0
                )
            except (ValueError, RuntimeError, OSError) as error:
                raise LLMUnavailable(f"llama.cpp could not load {path}: {error}") from None
            loaded = _MODELS[key] = LoadedModel(llama)
        return loaded


def completion_prompt(messages: list[Message]) -> str:
    """Chat messages as a completion document a base model continues with the answer."""
    blocks: list[str] = []
    for message in messages:
        if message.role == "user":
            blocks.append(f"Input:\n{message.content.strip()}\nOutput:\n")
        else:  # the system text, and each example answer, end with a blank line
            blocks.append(message.content.strip() + "\n\n")
    return "".join(blocks)


class EmbeddedBackend:
    """Generates with llama.cpp in this process; structured replies are constrained to their JSON schema."""

    provider = "embedded"

    def __init__(
        self,
        model_path: Path | Callable[[], Path],
        *,
        model_id: str,
        n_ctx: int,
        n_threads: int | None = None,
        is_demo_model: bool = True,
        constraint: str = "llguidance",
        tokenizer_bridge: Callable[[Any], Any] = bridge_tokenizer,
    ) -> None:
        if constraint not in CONSTRAINTS:
            raise ValueError(f"unknown constraint {constraint!r}; use llguidance or grammar")
        self._model_path = model_path
        self.model_id = model_id
        self.n_ctx = n_ctx
        self.n_threads = n_threads or default_threads()
        self.is_demo_model = is_demo_model
        self.constraint = constraint
        self.tokenizer_bridge = tokenizer_bridge

    def secrets(self) -> list[str]:
        """No keys are involved in local generation."""
        return []

    def structured_mode(self) -> str:
        """How structured replies are constrained: llguidance or grammar (a reply records what it used)."""
        return self.constraint

    def model(self) -> LoadedModel:
        """The loaded model (prepared and loaded on first use)."""
        if callable(self._model_path):
            # Resolve (prepare and verify) the file once, not on every call.
            self._model_path = self._model_path()
        return load_model(self._model_path, self.n_ctx, self.n_threads)

    def complete(
        self,
        messages: list[Message],
        *,
        schema: Any,
        max_tokens: int,
        temperature: float,
        on_token: Callable[[str], None] | None,
        cancel: threading.Event | None,
        on_wait: Callable[[int], None] | None = None,
    ) -> RawReply:
        """Stream one completion, checking for cancellation between tokens."""
        loaded = self.model()
        prompt = completion_prompt(messages)
        # One generation at a time per model; a caller waiting its turn can still cancel.
        while not loaded.lock.acquire(timeout=0.1):
            if cancel is not None and cancel.is_set():
                raise GenerationCancelled("generation cancelled while waiting for the model", raw_output="")
        try:
            llama = loaded.llama
            # Special-token text inside the prompt (a passage is untrusted) stays plain text.
            prompt_tokens = llama.tokenize(prompt.encode("utf-8"), add_bos=True, special=False)
            room = self.n_ctx - len(prompt_tokens)
            if room <= 0:
                raise LLMCallFailed(
                    f"the prompt has {len(prompt_tokens)} tokens, more than the model's context of {self.n_ctx}; "
                    "shorten it or raise WORKBENCH_LLM_CONTEXT_TOKENS"
                )
            limit = min(max_tokens, room)
            if schema is None:
                return self._stream(llama, prompt_tokens, limit, temperature, None, TEXT_STOPS, on_token, cancel, "text")
            json_schema = bounded_schema(schema.json_schema) if self.is_demo_model else schema.json_schema
            guidance = loaded.guidance_for(json_schema, self.tokenizer_bridge) if self.constraint == "llguidance" else None
            if guidance is None:
                grammar = loaded.grammar_for(json_schema)
                return self._stream(llama, prompt_tokens, limit, temperature, grammar, None, on_token, cancel, "grammar")
            return self._guided(llama, guidance, prompt_tokens, limit, temperature, on_token, cancel)
        finally:
            loaded.lock.release()

    @staticmethod
    def _guided(llama, guidance, prompt_tokens, limit, temperature, on_token, cancel) -> RawReply:
        """A reply constrained by llguidance's token matcher."""
        from workbench.llm.guided import generate

        tokenizer, grammar = guidance
        try:
            reply = generate(
                llama, tokenizer, grammar, prompt_tokens,
                max_tokens=limit, temperature=temperature, seed=0, on_token=on_token, cancel=cancel,
            )
        except GuidedCancelled as cancelled:
            raise GenerationCancelled("generation cancelled", raw_output=cancelled.raw_output) from None
        except ConstraintUnavailable as error:
            raise LLMCallFailed(str(error)) from None
        return RawReply(
            text=reply.text,
            finish_reason=reply.finish_reason,
            prompt_tokens=len(prompt_tokens),
            completion_tokens=reply.completion_tokens,
            structured_mode="llguidance",
        )

    @staticmethod
    def _stream(llama, prompt_tokens, limit, temperature, grammar, stop, on_token, cancel, mode) -> RawReply:
        """A reply from llama-cpp-python's own completion loop (free text, or the llama.cpp grammar)."""
        pieces: list[str] = []
        finish_reason: str | None = None
        tokens = 0
        stream = llama.create_completion(
            prompt_tokens,
            max_tokens=limit,
            temperature=temperature,
            grammar=grammar,
            stop=stop,
            stream=True,
            seed=0,
        )
        try:
            for chunk in stream:
                if cancel is not None and cancel.is_set():
                    raise GenerationCancelled("generation cancelled", raw_output="".join(pieces))
                choice = chunk["choices"][0]
                text = choice.get("text") or ""
                if text:
                    tokens += 1
                    pieces.append(text)
                    if on_token is not None:
                        on_token(text)
                if choice.get("finish_reason"):
                    finish_reason = choice["finish_reason"]
        finally:
            stream.close()
        return RawReply(
            text="".join(pieces),
            finish_reason=finish_reason,
            prompt_tokens=len(prompt_tokens),
            completion_tokens=tokens,
            structured_mode=mode,
        )
