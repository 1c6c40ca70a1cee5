"""Run every bench/bench_*.py in its own process, carry on past failures, and print a summary.

Usage: python bench/run_all.py [name-filter]   (for example `python bench/run_all.py index`)
Each benchmark is a script with a main(); a separate process keeps one benchmark's loaded models
and threads from skewing the next one's figures.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def discover(name_filter: str | None = None) -> list[Path]:
    """The benchmark scripts, sorted, optionally filtered by a substring of their name."""
    scripts = sorted(BENCH_DIR.glob("bench_*.py"))
    return [script for script in scripts if not name_filter or name_filter in script.stem]


def run(script: Path) -> tuple[int, float]:
    """Run one benchmark script; its output goes straight to the terminal. Returns (exit code, seconds)."""
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(BENCH_DIR.parent), os.environ.get("PYTHONPATH")])),
    }
    started = time.perf_counter()
    code = subprocess.call(
        [sys.executable, "-c", f"import runpy, sys; sys.exit(runpy.run_path({str(script)!r})['main']() or 0)"],
        cwd=BENCH_DIR.parent,
        env=env,
    )
    return code, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and print one summary line each; non-zero exit if any failed."""
    args = sys.argv[1:] if argv is None else argv
    scripts = discover(args[0] if args else None)
    if not scripts:
        print("no benchmarks found")
        return 1
    results: list[tuple[str, int, float]] = []
    for script in scripts:
        print(f"=== {script.name}", flush=True)
        code, seconds = run(script)
        results.append((script.name, code, seconds))
        print(flush=True)
    print("=== summary")
    for name, code, seconds in results:
        print(f"{name:<32} {'ok' if code == 0 else f'FAILED (exit {code})':<18} {seconds:7.1f} s")
    return 0 if all(code == 0 for _, code, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
