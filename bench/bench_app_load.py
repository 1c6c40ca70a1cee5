"""Many people on one `workbench serve`: page times and the server's memory at 1, 4, 8 and 16 people.

One server on the sample library (indexed before it starts, the fake LLM, so no model is loaded),
one headless Chromium, one browser context per person (a context is one profile: its own cookie,
its own Streamlit session). Every person signs in, then walks the pages in bounded loops by
clicking the sidebar, as people do: Library, a search on the Library page, Gaps, Review queue,
Audit. A page time runs from the click to the moment Streamlit has finished the page's script
(its status widget no longer says Running and the page's heading is shown).

The numbers of people are measured in alternating rounds (1, 4, 8, 16, then again), so the single
person's baseline sees the same machine as the crowds. Reported per page and number of people:
median and p95; the ratio of the median to the single person's; the first Gaps visit of each
session (when the report for the current library revision already exists, it should be shared);
and the server's RSS (the `workbench serve` process and any worker it started) after each crowd.

    python bench/bench_app_load.py [--users 1,4,8,16] [--rounds 2] [--loops 2]

Goals: with 8 people, median page time ≤ 1.5x the single person's on every page; the first Gaps
visit of a session ≤ 1 s once the report exists; server RSS with 8 people ≤ 1 GB.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from tests.e2e.test_browser import CHROMIUM, CHROMIUM_ARGS, serve_workbench  # noqa: E402
from tests.support.people import FAST_HASHER, PASSWORD, add_people  # noqa: E402

PAGES = ("Library", "search", "Gaps", "Review queue", "Audit")
SEARCH = "giving feedback to a colleague"
GOAL_RATIO = 1.5
GOAL_FIRST_GAPS_SECONDS = 1.0
GOAL_RSS_MB = 1024
_IDLE = (
    "(heading) => {"
    " const status = document.querySelector('[data-testid=\"stStatusWidget\"]');"
    " if (status && status.innerText.includes('Running')) return false;"
    " return [...document.querySelectorAll('h1')].some(h => h.innerText.trim() === heading); }"
)


def main() -> int:
    """Measure every number of people in alternating rounds and print the table with verdicts."""
    options = _options()
    users = [int(n) for n in options.users.split(",")]
    if not CHROMIUM.exists():
        print(f"app load: skipped, headless Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
        return 0
    work = Path(tempfile.mkdtemp(prefix="bench-app-load-"))
    try:
        library, data_dir = _prepare(work, max(users))
        environment = {"WORKBENCH_LLM_PROVIDER": "fake", "WORKBENCH_EMBEDDING_CACHE_DIR": str(_embedding_cache())}
        with serve_workbench(work, library, data_dir, environment) as base:
            server_pid = _server_pid(base)
            results = asyncio.run(_measure(base, users, options.rounds, options.loops, server_pid))
        _print(results, users)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", default=os.environ.get("BENCH_APP_USERS", "1,4,8,16"))
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_APP_ROUNDS", "2")))
    parser.add_argument("--loops", type=int, default=2, help="walks over the pages per person and round")
    return parser.parse_args()


def _prepare(work: Path, people: int) -> tuple[Path, Path]:
    """A copy of the sample library, indexed, and one lead account per simulated person."""
    from workbench.bootstrap import bootstrap
    from workbench.settings import Settings

    library, data_dir = work / "library", work / "data"
    shutil.copytree(PROJECT_ROOT / "content_library", library)
    services = bootstrap(Settings(library_dir=library, data_dir=data_dir, llm_provider="fake",
                                  embedding_cache_dir=_embedding_cache()), password_hasher=FAST_HASHER)
    add_people(services.accounts, {f"lead{n}": ["lead"] for n in range(people)}, PASSWORD)
    services.index.build()
    services.database.dispose()
    return library, data_dir


def _embedding_cache() -> Path:
    """The ONNX copy exported by `make models`, shared (the benchmark's data dir holds only its index)."""
    from workbench.settings import Settings

    return Settings().resolved_embedding_cache_dir


def _server_pid(base: str) -> int:
    """The server process on the base URL's port (`workbench serve` execs Streamlit in its place)."""
    port = base.rsplit(":", 1)[1]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"streamlit" in command and any(part.endswith(port.encode()) for part in command):
                return int(entry.name)
    raise RuntimeError(f"no workbench serve process on port {port}")


def _rss_mb(pid: int) -> float:
    """RSS of a process and its children (a generation worker, Streamlit's own), in MB."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (OSError, StopIteration):
            continue
        pending += [int(child) for child in children]
    return total / 1024


def _descendants(pid: int) -> list[int]:
    """The process and every live process below it."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            pending += [int(child) for child in Path(f"/proc/{current}/task/{current}/children").read_text().split()]
        except OSError:
            continue
    return found


def _cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system, with that of children they reaped) of these processes, in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return total / ticks


def _cpu_split(server_pid: int) -> tuple[float, float]:
    """(server, browsers) CPU seconds so far: the server's process tree, and this benchmark's other descendants."""
    server = set(_descendants(server_pid))
    others = [pid for pid in _descendants(os.getpid()) if pid not in server and pid != os.getpid()]
    return _cpu_seconds(sorted(server)), _cpu_seconds(others)


async def _measure(base: str, users: list[int], rounds: int, loops: int, server_pid: int) -> dict:
    """{(people, page): [seconds]}, first Gaps visits per crowd, RSS per crowd."""
    from playwright.async_api import async_playwright

    times: dict[tuple[int, str], list[float]] = {}
    first_gaps: dict[int, list[float]] = {}
    rss: dict[int, float] = {}
    cpu: dict[int, list[tuple[float, float, int, float]]] = {}  # (server s, browsers s, page visits, wall s)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        for round_number in range(rounds):
            for people in users:
                started = time.monotonic()
                server_before, browsers_before = _cpu_split(server_pid)
                walks = await asyncio.gather(*(_person(browser, base, f"lead{n}", loops) for n in range(people)))
                server_after, browsers_after = _cpu_split(server_pid)
                visits = sum(1 + len(pages) for _, pages in walks)  # the first Gaps visit, then the pages timed
                cpu.setdefault(people, []).append((server_after - server_before, browsers_after - browsers_before,
                                                   visits, time.monotonic() - started))
                for first, pages in walks:
                    first_gaps.setdefault(people, []).append(first)
                    for page, seconds in pages:
                        times.setdefault((people, page), []).append(seconds)
                rss[people] = max(rss.get(people, 0.0), _rss_mb(server_pid))
                print(f"  round {round_number + 1}: {_people(people)} in {time.monotonic() - started:.1f} s, "
                      f"server RSS {rss[people]:.0f} MB", flush=True)
        await browser.close()
    return {"times": times, "first_gaps": first_gaps, "rss": rss, "cpu": cpu}


async def _person(browser, base: str, name: str, loops: int) -> tuple[float, list[tuple[str, float]]]:
    """One person: sign in, then `loops` walks over the pages; (first Gaps visit, [(page, seconds)])."""
    context = await browser.new_context(viewport={"width": 1300, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(180_000)
    try:
        await page.goto(base)
        await page.get_by_role("textbox", name="User name").fill(name)
        await page.get_by_role("textbox", name="Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in", exact=True).click()
        await page.wait_for_function(_IDLE, arg="My work")
        measured: list[tuple[str, float]] = []
        first_gaps = None
        for _ in range(loops):
            for name_of_page in PAGES:
                seconds = await (_search(page) if name_of_page == "search" else _visit(page, name_of_page))
                if name_of_page == "Gaps" and first_gaps is None:
                    first_gaps = seconds
                else:
                    measured.append((name_of_page, seconds))
        return first_gaps, measured
    finally:
        await context.close()


async def _visit(page, title: str) -> float:
    """Click the page in the sidebar; seconds until its script has finished."""
    started = time.perf_counter()
    await page.get_by_role("link", name=title, exact=True).click()
    await page.wait_for_function(_IDLE, arg=title)
    return time.perf_counter() - started


async def _search(page) -> float:
    """A search on the Library page (already open); seconds until the results are shown."""
    box = page.get_by_role("textbox", name="Search the library by meaning")
    await box.fill("")
    started = time.perf_counter()
    await box.fill(SEARCH)
    await box.press("Enter")
    await page.get_by_text("(score", exact=False).first.wait_for()
    await page.wait_for_function(_IDLE, arg="Library")
    return time.perf_counter() - started


def _people(count: int) -> str:
    return f"{count:>2} {'person' if count == 1 else 'people'}"


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _print(results: dict, users: list[int]) -> None:
    """Per page and crowd: median, p95, ratio to one person with its verdict; first Gaps visits; RSS."""
    times, first_gaps, rss = results["times"], results["first_gaps"], results["rss"]
    single = min(users)
    print(f"app load: {', '.join(map(str, users))} people, page times in seconds (median / p95), ratio of medians to {single} person")
    for page in PAGES:
        if (single, page) not in times:
            print(f"  {page:<13} only first visits (see below); run with --loops 2 or more")
            continue
        base = statistics.median(times[(single, page)])
        for people in users:
            values = times[(people, page)]
            ratio = statistics.median(values) / base
            verdict = "" if people == single else (
                f"   goal <= {GOAL_RATIO}x at 8: {'ok' if ratio <= GOAL_RATIO else 'over goal'}" if people == 8 else "")
            print(f"  {page:<13} {_people(people)}  median {statistics.median(values):6.2f}  p95 {_p95(values):6.2f}"
                  f"  ratio {ratio:5.2f}x  ({len(values)} visits){verdict}")
    for people in users:
        visits = first_gaps[people]
        median = statistics.median(visits)
        print(f"  first Gaps visit of a session, {_people(people)}: median {median:.2f} s, worst {max(visits):.2f} s"
              f"   goal <= {GOAL_FIRST_GAPS_SECONDS:.0f} s: {'ok' if median <= GOAL_FIRST_GAPS_SECONDS else 'over goal'}")
    for people in users:
        server, browsers, visits, wall = (sum(values) for values in zip(*results["cpu"][people]))
        print(f"  CPU, {_people(people)}: server {server:.1f} s ({server / visits:.2f} s per page visit), browsers "
              f"{browsers:.1f} s ({browsers / visits:.2f} s per visit), over {wall:.1f} s of wall time ({visits} visits, "
              f"sign-ins included in the CPU)")
    for people in users:
        verdict = f"   goal <= {GOAL_RSS_MB} MB at 8: {'ok' if rss[people] <= GOAL_RSS_MB else 'over goal'}" if people == 8 else ""
        print(f"  server RSS after {_people(people)}: {rss[people]:.0f} MB{verdict}")


if __name__ == "__main__":
    sys.exit(main())
