"""The embedded model's generation speed: schema-constrained vs free-running, and the LLM layer's overhead.

1. Schema-constrained tokens/s. One loaded Gemma 3 270M (n_ctx 2048), the `draft_module` prompt
   with its own few-shot example's brief, the demo-size module schema. Per round, in rotating order:
   the embedded provider constrained by llguidance, the raw model free-running exactly as many tokens
   as that reply had (llama-cpp-python's own token loop, no grammar), and the embedded provider
   constrained by the llama.cpp grammar (for comparison). Goal: llguidance at least 0.90x the
   free-running speed.
2. Layer overhead on free text: `LLMClient.text()` vs raw `Llama.create_completion(stream=True)`
   with the same prompt, stop strings and token limit (goal: at most 1.05x).

The KV cache is reset before every run so no side profits from another's prompt.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(PROJECT_ROOT / "bench"))

from free_running import free_run, summary, verdict  # noqa: E402

from workbench.drafting.schemas import DEMO_SIZE, module_schema  # noqa: E402
from workbench.llm.client import LLMClient, SchemaSpec  # noqa: E402
from workbench.llm.embedded import TEXT_STOPS, EmbeddedBackend, completion_prompt  # noqa: E402
from workbench.llm.models import EMBEDDED_MODEL_ID, prepare_embedded_model  # noqa: E402
from workbench.llm.prompts import PromptRegistry  # noqa: E402
from workbench.settings import Settings  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_LLM_ROUNDS", "3"))
CONTEXT = 2048
TEMPERATURE = 0.2  # the drafting prompts' own temperature
TEXT_TOKENS = 96
CONSTRAINED_GOAL = 0.90  # constrained tokens/s over free-running tokens/s, at least
LAYER_GOAL = 1.05  # layer time over raw time, at most


def timed_complete(backend: EmbeddedBackend, messages, spec: SchemaSpec, max_tokens: int) -> tuple[float, int, str]:
    """(seconds, completion tokens, structured mode) of one structured completion from an empty cache."""
    backend.model().llama.reset()
    started = time.perf_counter()
    reply = backend.complete(messages, schema=spec, max_tokens=max_tokens, temperature=TEMPERATURE, on_token=None, cancel=None)
    return time.perf_counter() - started, reply.completion_tokens, reply.structured_mode


def constrained_speed(gguf: Path, threads: int, prompts: PromptRegistry) -> None:
    """Print tokens/s of llguidance, free-running and the grammar, in alternating rounds."""
    guided = EmbeddedBackend(gguf, model_id=EMBEDDED_MODEL_ID, n_ctx=CONTEXT, n_threads=threads, constraint="llguidance")
    grammar = EmbeddedBackend(gguf, model_id=EMBEDDED_MODEL_ID, n_ctx=CONTEXT, n_threads=threads, constraint="grammar")
    llama = guided.model().llama  # the same loaded model serves both backends
    prompt = prompts.get("draft_module")
    example = prompt.examples[0]
    messages = prompt.render({name: value for name, value in example.items() if name != "output"})
    text = completion_prompt(messages)
    spec = SchemaSpec.for_model(module_schema(DEMO_SIZE, ("ex-7f3a",)))
    limit = DEMO_SIZE.module_max_tokens

    # Warm-up: page the weights in, bridge the vocabulary, build both grammars.
    timed_complete(guided, messages, spec, 8)
    timed_complete(grammar, messages, spec, 8)

    rates: dict[str, list[float]] = {"llguidance": [], "free-running": [], "grammar": []}
    times: dict[str, list[float]] = {name: [] for name in rates}
    counts: dict[str, set[int]] = {name: set() for name in rates}
    modes: set[str] = set()
    for number in range(ROUNDS):
        order = ["llguidance", "free-running", "grammar"]
        order = order[number % 3:] + order[: number % 3]
        tokens = None
        results: dict[str, tuple[float, int]] = {}
        for side in order:
            if side == "free-running":
                continue  # runs once the llguidance side has said how many tokens to free-run
            seconds, count, mode = timed_complete(guided if side == "llguidance" else grammar, messages, spec, limit)
            modes.add(mode)
            results[side] = (seconds, count)
            if side == "llguidance":
                tokens = count
                results["free-running"] = (free_run(llama, text, tokens, TEMPERATURE), tokens)
        for side, (seconds, count) in results.items():
            times[side].append(seconds)
            rates[side].append(count / seconds)
            counts[side].add(count)
        print(f"  round {number + 1}: " + ", ".join(f"{side} {results[side][1]} tokens in {results[side][0]:.2f} s" for side in rates), flush=True)
    assert modes == {"llguidance", "grammar"}, f"a side fell back: {modes}"

    free_min, free_median = summary(rates["free-running"])
    print(f"-- schema-constrained generation (demo module schema, up to {limit} tokens, {ROUNDS} rounds, tokens/s min / median)")
    for side in rates:
        low, median = summary(rates[side])
        tokens = "/".join(str(count) for count in sorted(counts[side]))
        print(f"{side:<14} {low:7.2f} / {median:7.2f} tokens/s   ({tokens} tokens per run, median {summary(times[side])[1]:.2f} s)")
    for side in ("llguidance", "grammar"):
        low, median = summary(rates[side])
        ratio = median / free_median
        goal = f"goal >= {CONSTRAINED_GOAL:.2f}x: {verdict(ratio, CONSTRAINED_GOAL, at_least=True)}" if side == "llguidance" else "for comparison"
        print(f"{side} vs free-running: ratio of medians {ratio:5.2f}x, of mins {low / free_min:5.2f}x   ({goal})")


def layer_overhead(gguf: Path, threads: int, prompts: PromptRegistry) -> None:
    """Print the LLM layer's time over raw create_completion on free text, in alternating rounds."""
    backend = EmbeddedBackend(gguf, model_id=EMBEDDED_MODEL_ID, n_ctx=CONTEXT, n_threads=threads)
    llm = LLMClient(backend, max_retries=0, temperature=0.0)
    llama = backend.model().llama
    prompt = prompts.get("llm_check")
    variables = {"topic": "active listening"}
    tokens = llama.tokenize(completion_prompt(prompt.render(variables)).encode("utf-8"), add_bos=True, special=False)

    def layer() -> float:
        llama.reset()
        started = time.perf_counter()
        llm.text(prompt, variables, max_tokens=TEXT_TOKENS)
        return time.perf_counter() - started

    def raw() -> float:
        llama.reset()
        started = time.perf_counter()
        for _ in llama.create_completion(tokens, max_tokens=TEXT_TOKENS, temperature=0.0, stop=TEXT_STOPS, stream=True, seed=0):
            pass
        return time.perf_counter() - started

    layer(), raw()  # warm-up
    sides = {"layer": [], "raw": []}
    for number in range(ROUNDS):
        for side in (("layer", "raw") if number % 2 == 0 else ("raw", "layer")):
            sides[side].append(layer() if side == "layer" else raw())
    (layer_min, layer_median), (raw_min, raw_median) = summary(sides["layer"]), summary(sides["raw"])
    ratio = layer_median / raw_median
    print(f"-- free text through the LLM layer vs raw create_completion ({ROUNDS} rounds, seconds min / median)")
    print(f"layer {layer_min:.2f} / {layer_median:.2f} s   raw {raw_min:.2f} / {raw_median:.2f} s   "
          f"ratio of medians {ratio:5.2f}x   (goal <= {LAYER_GOAL:.2f}x: {verdict(ratio, LAYER_GOAL, at_least=False)})")


def main() -> None:
    """Run both comparisons."""
    settings = Settings()
    gguf = prepare_embedded_model(settings).path
    threads = EmbeddedBackend(gguf, model_id=EMBEDDED_MODEL_ID, n_ctx=CONTEXT, n_threads=settings.llm_threads).n_threads
    prompts = PromptRegistry.load_dir(PROJECT_ROOT / "prompts")
    print(f"model {gguf.name}, n_ctx {CONTEXT}, threads {threads}, temperature {TEMPERATURE}")
    constrained_speed(gguf, threads, prompts)
    layer_overhead(gguf, threads, prompts)


if __name__ == "__main__":
    main()
