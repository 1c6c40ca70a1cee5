"""One embedded draft end to end vs the same model free-running the same number of tokens.

The pipeline side is `DraftingService.create_draft` on the sample library with the embedded model
(constrained by llguidance): index refresh (no change), retrieval, the module and assessment
generations, assembly, every check (embeddings included), rendering, storing and submitting in the
review queue (SQLite). The raw side takes the very same two prompts (recorded from the pipeline's
calls) and lets llama-cpp-python free-run exactly as many tokens as each reply had, with no grammar
(bench/free_running.py). Goal: the whole draft at most 1.3x the free-running time. The same draft
constrained by the llama.cpp grammar is timed in the same rounds for comparison
(`BENCH_DRAFTING_GRAMMAR=0` leaves it out). Rounds alternate the order of the sides.

Warm-up first (model load, index build, embedder load, vocabulary bridge), so no side pays
one-time costs.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(PROJECT_ROOT / "bench"))

from free_running import free_run, summary, verdict  # noqa: E402

from workbench.domain.drafts import Brief  # noqa: E402
from workbench.llm.embedded import completion_prompt  # noqa: E402

SKILL = os.environ.get("BENCH_DRAFTING_SKILL", "lead-delegation")
ROUNDS = int(os.environ.get("BENCH_DRAFTING_ROUNDS", "2"))
WITH_GRAMMAR = os.environ.get("BENCH_DRAFTING_GRAMMAR", "1") != "0"
GOAL = 1.3  # one draft over free-running its tokens, at most


class RecordingBackend:
    """Wraps the embedded backend and records what each call asked for and how many tokens came back."""

    def __init__(self, backend) -> None:
        self.backend = backend
        self.calls: list[dict] = []

    def __getattr__(self, name):
        return getattr(self.backend, name)

    def complete(self, messages, *, schema, max_tokens, temperature, on_token, cancel, on_wait=None):
        """Delegate from an empty cache (as the raw side starts), remembering the request and the reply."""
        self.backend.model().llama.reset()
        reply = self.backend.complete(messages, schema=schema, max_tokens=max_tokens, temperature=temperature, on_token=on_token, cancel=cancel)
        self.calls.append({"prompt": completion_prompt(messages), "temperature": temperature, "tokens": reply.completion_tokens, "mode": reply.structured_mode})
        return reply


def main() -> None:
    """Print each side's time per round, then min / median, the ratio and the goal."""
    from workbench.bootstrap import bootstrap
    from workbench.settings import Settings

    work = Path(tempfile.mkdtemp(prefix="bench-drafting-"))
    library = work / "library"
    shutil.copytree(PROJECT_ROOT / "content_library", library)
    # The model runs in this process, so the recorder can reset its cache and free-run the same llama.
    settings = Settings(library_dir=library, data_dir=work / "data", llm_provider="embedded", llm_worker="inline")
    services = bootstrap(settings)
    services.accounts.add_user("bench-author", "bench-password-1234", ["author"])
    recorder = RecordingBackend(services.llm.backend)
    services.llm.backend = recorder
    backend = recorder.backend

    print("warming up: index build, embedder and model load, vocabulary bridge …", flush=True)
    started = time.perf_counter()
    services.index.build()
    services.index.search("warm up", k=1)
    loaded = backend.model()
    llama = loaded.llama
    loaded.guidance_for({"type": "object", "properties": {"ok": {"type": "boolean"}}}, backend.tokenizer_bridge)
    brief: Brief = services.drafting.brief_for_skill(SKILL)
    print(f"  warm-up {time.perf_counter() - started:.1f} s")

    def draft(constraint: str) -> tuple[float, list[dict], object]:
        backend.constraint = constraint
        recorder.calls.clear()
        started = time.perf_counter()
        result = services.drafting.create_draft("bench-author", brief)
        seconds = time.perf_counter() - started
        backend.constraint = "llguidance"
        return seconds, list(recorder.calls), result

    print(f"\nOne module + assessment for skill '{SKILL}' (embedded model, sample library, {ROUNDS} rounds)")
    sides: dict[str, list[float]] = {"llguidance draft": [], "free-running": [], "grammar draft": []}
    for number in range(ROUNDS):
        order = ["grammar", "llguidance"] if WITH_GRAMMAR and number % 2 else ["llguidance", "grammar"] if WITH_GRAMMAR else ["llguidance"]
        line = []
        for constraint in order:
            seconds, calls, result = draft(constraint)
            tokens = sum(call["tokens"] for call in calls)
            modes = sorted({call["mode"] for call in calls})
            assert modes == [constraint], f"the {constraint} draft used {modes}"
            sides[f"{constraint} draft"].append(seconds)
            line.append(f"{constraint} draft {seconds:.2f} s ({tokens} tokens, {len(result.content.assessment.items)} items)")
            if constraint == "llguidance":
                # Free-run the same prompts for the same number of tokens, straight after.
                raw = sum(free_run(llama, call["prompt"], call["tokens"], call["temperature"]) for call in calls)
                sides["free-running"].append(raw)
                inside = result.timings.get("module_generation", 0.0) + result.timings.get("assessment_generation", 0.0)
                line.append(f"free-running {raw:.2f} s ({tokens} tokens; generation inside the draft {inside:.2f} s)")
        print(f"  round {number + 1}: " + " | ".join(line), flush=True)

    free_min, free_median = summary(sides["free-running"])
    for side, values in sides.items():
        if values:
            low, median = summary(values)
            print(f"{side:<18} min {low:8.2f} s   median {median:8.2f} s")
    low, median = summary(sides["llguidance draft"])
    ratio = median / free_median
    print(f"llguidance draft vs free-running its tokens: ratio of medians {ratio:.2f}x, of mins {low / free_min:.2f}x   "
          f"(goal <= {GOAL:.2f}x: {verdict(ratio, GOAL, at_least=False)})")
    if sides["grammar draft"]:
        low, median = summary(sides["grammar draft"])
        print(f"grammar draft vs free-running the llguidance draft's tokens: ratio of medians {median / free_median:.2f}x, "
              f"of mins {low / free_min:.2f}x   (for comparison)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
