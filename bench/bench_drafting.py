"""Drafting overhead: one whole draft through the workbench vs the model's own generation for it.

The pipeline side is `DraftingService.create_draft` on the sample library with the embedded model:
index refresh (no change), retrieval, two grammar-constrained generations, assembly, every check
(embeddings included), rendering and storing in the review queue (SQLite), then submit. The raw
side replays the very same two completions (same prompt text, grammar, temperature, seed and
token limit, recorded from the pipeline's calls) with llama-cpp-python directly, in the same run.
The ratio pipeline / raw is the cost of everything that is not the model (goal: at most 1.10x).

Warm-up first (model loads, index build, embedder load), so neither side pays one-time costs.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from workbench.domain.drafts import Brief  # noqa: E402
from workbench.llm.embedded import completion_prompt  # noqa: E402

SKILL = os.environ.get("BENCH_DRAFTING_SKILL", "lead-delegation")
ROUNDS = int(os.environ.get("BENCH_DRAFTING_ROUNDS", "1"))


class RecordingBackend:
    """Wraps the embedded backend and records what each call asked for (to replay it raw)."""

    def __init__(self, backend) -> None:
        self.backend = backend
        self.calls: list[dict] = []

    def __getattr__(self, name):
        return getattr(self.backend, name)

    def complete(self, messages, *, schema, max_tokens, temperature, on_token, cancel):
        """Delegate, remembering the request and how many tokens came back."""
        self.backend.model().llama.reset()  # the raw side starts from an empty cache too
        reply = self.backend.complete(messages, schema=schema, max_tokens=max_tokens, temperature=temperature, on_token=on_token, cancel=cancel)
        self.calls.append({"prompt": completion_prompt(messages), "schema": schema, "max_tokens": max_tokens, "temperature": temperature, "tokens": reply.completion_tokens, "text": reply.text})
        return reply


def raw_generation(loaded, call: dict) -> tuple[float, int, str]:
    """Seconds, tokens and text of one completion with llama-cpp-python alone (same settings)."""
    llama = loaded.llama
    llama.reset()
    grammar = loaded.grammar_for(call["schema"].json_schema)
    room = loaded.llama.n_ctx() - len(llama.tokenize(call["prompt"].encode("utf-8"), add_bos=True))
    started = time.perf_counter()
    pieces = []
    for chunk in llama.create_completion(call["prompt"], max_tokens=min(call["max_tokens"], room), temperature=call["temperature"], grammar=grammar, stream=True, seed=0):
        text = chunk["choices"][0].get("text") or ""
        if text:
            pieces.append(text)
    return time.perf_counter() - started, len(pieces), "".join(pieces)


def main() -> None:
    """Print pipeline time, raw model time and their ratio for one draft on the sample library."""
    import shutil

    from workbench.bootstrap import bootstrap
    from workbench.settings import Settings

    work = Path(tempfile.mkdtemp(prefix="bench-drafting-"))
    library = work / "library"
    shutil.copytree(PROJECT_ROOT / "content_library", library)
    settings = Settings(library_dir=library, data_dir=work / "data", llm_provider="embedded")
    services = bootstrap(settings)
    services.accounts.add_user("bench-author", "bench-password-1234", ["author"])
    recorder = RecordingBackend(services.llm.backend)
    services.llm.backend = recorder

    print("warming up: index build, embedder and model load …", flush=True)
    started = time.perf_counter()
    services.index.build()
    services.index.search("warm up", k=1)
    recorder.backend.model()
    print(f"  warm-up {time.perf_counter() - started:.1f} s")
    brief: Brief = services.drafting.brief_for_skill(SKILL)

    print(f"\nDrafting one module + assessment for skill '{SKILL}' (embedded model, sample library)")
    print(f"{'round':>5} {'pipeline s':>11} {'raw model s':>12} {'ratio':>7} {'tokens':>7}  overhead breakdown")
    ratios = []
    for number in range(1, ROUNDS + 1):
        recorder.calls.clear()
        started = time.perf_counter()
        result = services.drafting.create_draft("bench-author", brief)
        pipeline = time.perf_counter() - started
        raw_total = 0.0
        same = True
        for call in recorder.calls:
            seconds, _, text = raw_generation(recorder.backend.model(), call)
            raw_total += seconds
            same = same and text == call["text"]
        ratio = pipeline / raw_total if raw_total else float("nan")
        ratios.append(ratio)
        tokens = sum(call["tokens"] for call in recorder.calls)
        timings = result.timings
        breakdown = ", ".join(
            f"{name} {timings[name]:.2f}s" for name in ("index_refresh", "retrieval", "checks", "persistence") if name in timings
        )
        print(f"{number:>5} {pipeline:>11.2f} {raw_total:>12.2f} {ratio:>6.2f}x {tokens:>7}  {breakdown}")
        # The same ratio without the noise of two separate generations: the whole call over its own model time.
        inside = timings.get("module_generation", 0.0) + timings.get("assessment_generation", 0.0)
        if inside:
            print(f"       pipeline / its own generation time: {pipeline:.2f} s / {inside:.2f} s = {pipeline / inside:.3f}x")
        if not same:
            print("       note: the raw replay produced different text than the pipeline (sampling differed)")
        print(f"       draft {result.draft_id} ({result.state}), {len(result.content.assessment.items)} items, {len(result.findings)} findings")
    print(f"\nratio pipeline / raw model generation: {min(ratios):.2f}x best, {max(ratios):.2f}x worst (goal: at most 1.10x)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
