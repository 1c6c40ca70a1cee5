"""Instruction-like text: detection and false-positive rates, and the cost of reading a whole library.

Quality: the detector (workbench.domain.checks.instructions) and the regular expressions it
replaced (kept below as BASELINE_PATTERNS, run the same way) on the table of phrasings in
tests/support/injection_phrasings.py, and on its HELD_OUT rows, whose results were never used to
change the detector. Speed: both read every paragraph of the sample library, in alternating rounds;
min and median per round, the ratio detector / baseline, and the goal.
Run: python bench/bench_injection.py  (BENCH_ROUNDS=N, default 5)
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from tests.support.injection_phrasings import HELD_OUT, PHRASINGS  # noqa: E402
from workbench.domain.checks.instructions import find_instructions  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
# Goals: catch at least 90% of the table with at most 5% false positives; reading the library at
# most 5x the baseline's time (it folds Unicode and tries five grammars instead of twelve regexes).
DETECTION_GOAL, FALSE_POSITIVE_GOAL, SPEED_GOAL = 0.90, 0.05, 5.0

# The detector before this one (English only, no folding, one line = one sentence).
BASELINE_PATTERNS = tuple(re.compile(pattern, re.IGNORECASE) for pattern in (
    r"\b(?:ignore|disregard|forget|override|bypass)\b[^.\n]{0,40}\b(?:previous|prior|above|earlier|preceding|all|any|your|the)\b[^.\n]{0,30}\b(?:instructions?|prompts?|rules|directions|guidelines|context)\b",
    r"\byou\s+are\s+now\b",
    r"\bfrom\s+now\s+on,?\s+you\b",
    r"\b(?:pretend|act)\s+(?:to\s+be|as\s+(?:if\s+you|an?\s+(?:ai|assistant|model|different)))\b",
    r"\bsystem\s+prompt\b",
    r"\b(?:developer|system)\s+(?:message|mode|instructions?)\b",
    r"\bnew\s+instructions?\s*:",
    r"^\s*#{0,6}\s*(?:instructions?|system)\s*:",
    r"\b(?:assistant|chatbot|language\s+model|llm|ai\s+model|the\s+model)\s*[,:]?\s+(?:you\s+)?(?:must|should|will|shall)\b",
    r"\b(?:respond|reply|answer|output|print|say)\s+only\s+(?:with|the)\b",
    r"\breveal\s+(?:your|the)\s+(?:instructions|prompt|system)\b",
    r"\b(?:mark|set|move)\s+(?:this|the)\s+(?:draft|module|review)\s+(?:as|to)\s+(?:approved|published)\b",
))
_BASELINE_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")


def baseline(text: str) -> list[str]:
    """The previous detector: each line's sentences against its regular expressions."""
    return [s.group(0) for s in _BASELINE_SENTENCE.finditer(text) if any(p.search(s.group(0)) for p in BASELINE_PATTERNS)]


def rates(detect, rows) -> tuple[float, float, list[str]]:
    """(detection rate, false-positive rate, the rows it got wrong)."""
    positives = [text for text, instructs, _ in rows if instructs]
    negatives = [text for text, instructs, _ in rows if not instructs]
    missed = [text for text in positives if not detect(text)]
    flagged = [text for text in negatives if detect(text)]
    return 1 - len(missed) / len(positives), len(flagged) / len(negatives), missed + flagged


def library_paragraphs() -> list[str]:
    """Every paragraph of the sample library: ordinary training text, mostly benign."""
    paragraphs = []
    for path in sorted((PROJECT_ROOT / "content_library").rglob("*.md")):
        paragraphs += [p for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    return paragraphs


def main() -> int:
    print(f"{'table':<10} {'detector':<10} {'detected':>9} {'false pos.':>11}   goal")
    ok = True
    for name, rows in (("table", PHRASINGS), ("held out", HELD_OUT)):
        for label, detect in (("new", find_instructions), ("baseline", baseline)):
            detected, false_positive, wrong = rates(detect, rows)
            verdict = ""
            if label == "new" and name == "table":
                met = detected >= DETECTION_GOAL and false_positive <= FALSE_POSITIVE_GOAL
                ok &= met
                verdict = f">= {DETECTION_GOAL:.0%} / <= {FALSE_POSITIVE_GOAL:.0%}: {'ok' if met else 'over goal'}"
            print(f"{name:<10} {label:<10} {detected:>9.0%} {false_positive:>11.0%}   {verdict}")
            if label == "new":
                for text in wrong:
                    print(f"           wrong: {text!r}")

    paragraphs = library_paragraphs()
    times: dict[str, list[float]] = {"new": [], "baseline": []}
    flagged = {}
    for round_number in range(ROUNDS):
        order = [("new", find_instructions), ("baseline", baseline)]
        for label, detect in order if round_number % 2 == 0 else reversed(order):
            started = time.perf_counter()
            flagged[label] = sum(1 for paragraph in paragraphs if detect(paragraph))
            times[label].append(time.perf_counter() - started)
    ratio = min(times["new"]) / min(times["baseline"])
    print(f"\nsample library: {len(paragraphs)} paragraphs, {sum(map(len, paragraphs)):,} characters, {ROUNDS} alternating rounds")
    for label in ("new", "baseline"):
        print(f"{label:<10} min {min(times[label]) * 1000:8.1f} ms   median {statistics.median(times[label]) * 1000:8.1f} ms   "
              f"paragraphs flagged {flagged[label]}")
    met = ratio <= SPEED_GOAL
    ok &= met
    print(f"ratio new / baseline {ratio:.1f}x   (goal <= {SPEED_GOAL:.0f}x: {'ok' if met else 'over goal'})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
