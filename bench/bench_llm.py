"""LLM layer overhead: the workbench's embedded provider vs raw llama-cpp-python doing the same work.

Both sides use the same loaded model, the same prompt text, grammar, temperature (0, so the same
tokens) and token limit, measured alternately in one run; the KV cache is reset before every run so
neither side profits from the other's prompt. Printed per measurement: pipeline time, raw time, ratio.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from workbench.llm.check import LLMCheckReply  # noqa: E402
from workbench.llm.client import LLMClient, SchemaSpec  # noqa: E402
from workbench.llm.embedded import TEXT_STOPS, EmbeddedBackend, bounded_schema, completion_prompt  # noqa: E402
from workbench.llm.models import EMBEDDED_MODEL_ID, prepare_embedded_model  # noqa: E402
from workbench.llm.prompts import PromptRegistry  # noqa: E402
from workbench.settings import Settings  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_LLM_ROUNDS", "3"))
CONTEXT = 2048
STRUCTURED_TOKENS = 64
TEXT_TOKENS = 96
VARIABLES = {"topic": "active listening"}


def _raw_run(llama, prompt: str, *, grammar, max_tokens: int, stop) -> tuple[float, float, int]:
    """(total seconds, seconds to first token, tokens) for raw llama-cpp-python streaming."""
    llama.reset()
    started = time.perf_counter()
    first = None
    tokens = 0
    for chunk in llama.create_completion(
        prompt, max_tokens=max_tokens, temperature=0.0, grammar=grammar, stop=stop, stream=True, seed=0
    ):
        if chunk["choices"][0].get("text"):
            tokens += 1
            if first is None:
                first = time.perf_counter() - started
    return time.perf_counter() - started, first or 0.0, tokens


def _layer_run(llm: LLMClient, llama, call) -> tuple[float, float, int]:
    """(total seconds, seconds to first streamed token, completion tokens) through the LLM layer."""
    llama.reset()
    first: list[float] = []
    started = time.perf_counter()

    def on_token(_: str) -> None:
        if not first:
            first.append(time.perf_counter() - started)

    result = call(on_token)
    return time.perf_counter() - started, first[0] if first else 0.0, result.completion_tokens


GOAL = 1.05


def _report(name: str, layer: list[float], raw: list[float], goal: float | None = None) -> None:
    layer_median, raw_median = statistics.median(layer), statistics.median(raw)
    ratio = layer_median / raw_median if raw_median else float("nan")
    verdict = f"   (goal <= {goal:.2f}x: {'ok' if ratio <= goal else 'over'})" if goal else ""
    print(f"{name:<48} pipeline {layer_median:8.3f} s   raw {raw_median:8.3f} s   ratio {ratio:5.2f}x{verdict}")


def main() -> None:
    """Run the comparison and print one line per measurement."""
    settings = Settings(llm_temperature=0.0, llm_max_retries=0)
    gguf = prepare_embedded_model(settings).path
    backend = EmbeddedBackend(gguf, model_id=EMBEDDED_MODEL_ID, n_ctx=CONTEXT, n_threads=settings.llm_threads)
    llm = LLMClient(backend, max_retries=0, temperature=0.0)
    prompt = PromptRegistry.load_dir(PROJECT_ROOT / "prompts").get("llm_check")
    loaded = backend.model()
    llama = loaded.llama
    text_prompt = completion_prompt(prompt.render(VARIABLES))
    grammar = loaded.grammar_for(bounded_schema(SchemaSpec.for_model(LLMCheckReply).json_schema))

    def structured(on_token):
        return llm.structured(prompt, VARIABLES, LLMCheckReply, max_tokens=STRUCTURED_TOKENS, on_token=on_token)

    def text(on_token):
        return llm.text(prompt, VARIABLES, max_tokens=TEXT_TOKENS, on_token=on_token)

    # Warm-up: load, first grammar compile, page in the weights.
    _layer_run(llm, llama, structured)
    _raw_run(llama, text_prompt, grammar=grammar, max_tokens=STRUCTURED_TOKENS, stop=None)

    measurements = {
        "structured (grammar JSON)": (structured, dict(grammar=grammar, max_tokens=STRUCTURED_TOKENS, stop=None)),
        "free text": (text, dict(grammar=None, max_tokens=TEXT_TOKENS, stop=TEXT_STOPS)),
    }
    print(f"model {gguf.name}, n_ctx {CONTEXT}, threads {backend.n_threads}, {ROUNDS} rounds (median)")
    for name, (call, raw_options) in measurements.items():
        layer_total, layer_first, raw_total, raw_first = [], [], [], []
        tokens = set()
        for _ in range(ROUNDS):
            total, first, count = _layer_run(llm, llama, call)
            layer_total.append(total)
            layer_first.append(first)
            tokens.add(("layer", count))
            total, first, count = _raw_run(llama, text_prompt, **raw_options)
            raw_total.append(total)
            raw_first.append(first)
            tokens.add(("raw", count))
        counts = ", ".join(f"{side} {count}" for side, count in sorted(tokens))
        print(f"-- {name}: tokens generated per run: {counts}")
        _report(f"{name}: total time", layer_total, raw_total, goal=GOAL)
        _report(f"{name}: time to first token", layer_first, raw_first)


if __name__ == "__main__":
    main()
