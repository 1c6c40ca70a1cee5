"""The baseline of the generation benchmarks: the raw model free-running a given number of tokens.

llama-cpp-python's own token loop (`Llama.generate`, the sampler chain of its completion defaults),
no grammar, no stop strings, no end-of-text stop: exactly `count` tokens after the prompt, each
turned into text as a streaming caller would. Also the min / median / ratio / verdict printing the
generation benchmarks share.
"""

from __future__ import annotations

import statistics
import time


def free_run(llama, prompt: str, count: int, temperature: float) -> float:
    """Seconds to evaluate the prompt (empty cache) and generate `count` tokens with no constraint."""
    tokens = llama.tokenize(prompt.encode("utf-8"), add_bos=True, special=False)
    llama.reset()
    started = time.perf_counter()
    made = 0
    if count > 0:
        for token in llama.generate(tokens, temp=temperature, top_k=40, top_p=0.95, min_p=0.05, reset=True):
            llama.detokenize([token])
            made += 1
            if made >= count:
                break
    return time.perf_counter() - started


def summary(values: list[float]) -> tuple[float, float]:
    """(min, median) of a list of measurements."""
    return min(values), statistics.median(values)


def verdict(ratio: float, goal: float, at_least: bool) -> str:
    """'ok' or 'over goal' for a ratio against its goal (at least, or at most, the goal)."""
    met = ratio >= goal if at_least else ratio <= goal
    return "ok" if met else "over goal"
