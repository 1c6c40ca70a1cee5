"""One gap report per library revision and framework, shared by every caller, the CLI and other processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from tests.support.large_library import HashingEmbedder
from tests.support.libraries import DELEGATION, FEEDBACK, SKILLS, write_library
from tests.support.parse_counting import count_parsed_files
from workbench.bootstrap import bootstrap
from workbench.errors import IndexLocked
from workbench.settings import Settings

PROJECT = Path(__file__).resolve().parents[3]
TODAY = date(2026, 11, 27)
PROMPTING = """# Writing prompts for AI assistants

## Say what you want

Give the assistant the task, the audience, the format and an example of a good answer.
"""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    library = write_library(tmp_path / "lib", {"feedback/giving-feedback.md": FEEDBACK, "delegating.md": DELEGATION,
                                               "skills.yaml": SKILLS})
    return Settings(library_dir=library, data_dir=tmp_path / "data", llm_provider="fake")


class Process:
    """What one process of the workbench holds: its services, and the reports it computed itself."""

    def __init__(self, settings: Settings, signals_revision: list[str] | None = None) -> None:
        self.services = bootstrap(settings, embedder=HashingEmbedder())
        self.computed: list = []
        gaps = self.services.gaps
        gaps.today = TODAY
        gaps.on_computed = self.computed.append
        if signals_revision is not None:
            gaps.extra_inputs = lambda: {"signals": signals_revision[0]}

    def report(self, **options):
        return self.services.gaps.report(**options)


def test_a_second_caller_and_a_second_process_get_the_report_without_computing_it(settings):
    app = Process(settings)
    first = app.report()
    assert len(app.computed) == 1 and {skill.skill_id for skill in first.skills} == {"fb-giving", "ai-prompting"}
    assert app.report() is first, "callers of one process share the very report"
    assert len(app.computed) == 1
    cli = Process(settings)  # `workbench gaps` in a new process, on the same data folder
    second = cli.report()
    assert cli.computed == []
    assert second.to_json() == first.to_json()
    assert second.library_json() == first.library_json() and second.to_csv() == first.to_csv()
    assert (second.module_count, second.chunk_count, second.framework) == (first.module_count, first.chunk_count,
                                                                            first.framework)


@pytest.fixture
def parsed(monkeypatch) -> list[str]:
    """The library files actually read and parsed (the real reader, counted)."""
    return count_parsed_files(monkeypatch)


def test_a_new_process_serves_an_existing_report_from_the_files_stat_without_the_parsed_library(settings, parsed):
    first = Process(settings).report()
    parsed_library = settings.cache_dir / "parsed-files.json"
    assert parsed_library.is_file()
    parsed_library.unlink()  # whatever reads the parsed library now must parse the files again
    parsed.clear()
    server = Process(settings)
    second = server.report()
    assert server.computed == [] and parsed == [] and not parsed_library.exists()
    assert second.to_json() == first.to_json()
    assert second.module_levels == {"giving-feedback": "foundation", "delegating": "unspecified"}
    # An edit, even one keeping the size and the modification time, changes the files' stat: a new report.
    path = settings.library_dir / "delegating.md"
    before = path.stat()
    path.write_text(DELEGATION.replace("Why delegate", "Why Delegate"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    edited = Process(settings)
    report = edited.report()
    assert len(edited.computed) == 1 and parsed == ["delegating.md", "feedback/giving-feedback.md"]
    assert report.chunk_count == first.chunk_count
    assert server.report().to_json() == report.to_json() and server.computed == []


def test_a_revision_known_for_the_stat_is_trusted_only_when_the_index_recorded_it(settings, parsed):
    first = Process(settings).report()
    revisions = settings.cache_dir / "library-revisions.json"
    document = json.loads(revisions.read_text())
    document["payload"] = {stamp: "0" * 64 for stamp in document["payload"]}  # a revision no index recorded
    revisions.write_text(json.dumps(document), encoding="utf-8")
    parsed.clear()
    other = Process(settings)
    assert other.report().to_json() == first.to_json() and other.computed == []
    assert parsed == [], "the parsed library in the data folder still serves the scan"
    assert "0" * 64 not in json.loads(revisions.read_text())["payload"].values()


def test_a_library_edit_makes_the_next_report_be_computed_from_the_new_library(settings):
    app = Process(settings)
    before = app.report()
    write_library(settings.library_dir, {"ai/prompting.md": PROMPTING})
    after = Process(settings).report()
    assert (before.module_count, after.module_count) == (2, 3)
    prompting = next(skill for skill in after.skills if skill.skill_id == "ai-prompting")
    assert "ai/prompting.md" in [item.path for item in prompting.evidence]
    again = app.report()  # the first process sees the edit, in the report the other one computed
    assert len(app.computed) == 1 and again.to_json() == after.to_json()
    write_library(settings.library_dir, {"ai/prompting.md": PROMPTING.replace("an example", "two examples")})
    assert app.report().to_json() != after.to_json() and len(app.computed) == 2


def test_a_framework_change_makes_the_next_report_be_computed(settings):
    app = Process(settings)
    app.report()
    (settings.library_dir / "skills.yaml").write_text(
        SKILLS + "  - id: delegating\n    name: Delegating work\n    level: foundation\n    priority: medium\n",
        encoding="utf-8")
    report = app.report()
    assert len(app.computed) == 2
    assert [skill.skill_id for skill in report.skills if skill.skill_id == "delegating"] == ["delegating"]


def test_a_new_day_or_a_new_signals_revision_makes_a_new_report(settings):
    revision = ["imports-1"]
    app = Process(settings, signals_revision=revision)
    app.report()
    app.report()
    assert len(app.computed) == 1
    revision[0] = "imports-2"
    app.report()
    assert len(app.computed) == 2
    app.services.gaps.today = date(2026, 11, 28)  # staleness is counted from today
    app.report()
    assert len(app.computed) == 3


def test_recompute_computes_again_and_replaces_the_shared_report(settings):
    app = Process(settings)
    first = app.report()
    second = app.report(recompute=True)
    assert len(app.computed) == 2 and second is not first and second.to_json() == first.to_json()
    other = Process(settings)
    assert other.report().to_json() == second.to_json() and other.computed == []


def test_a_corrupt_or_foreign_report_file_is_ignored_and_computed_again(settings):
    first = Process(settings).report()
    files = sorted((settings.cache_dir / "reports").glob("report-*.json"))
    assert len(files) == 1
    files[0].write_text('{"version": "x", "kind": "gap-report"', encoding="utf-8")
    other = Process(settings)
    assert other.report().to_json() == first.to_json() and len(other.computed) == 1
    document = json.loads(files[0].read_text())
    document["version"] = "workbench-0.0.1-cache-1"
    files[0].write_text(json.dumps(document), encoding="utf-8")
    third = Process(settings)
    assert third.report().to_json() == first.to_json() and len(third.computed) == 1


HOLDER = """
import sys
from pathlib import Path
from workbench.index.locking import WriterLock

with WriterLock(Path(sys.argv[1])).hold(command="workbench index (held by the test)"):
    print("held", flush=True)
    sys.stdin.read()
"""


def test_an_unchanged_library_needs_no_writer_lock_and_a_changed_one_does(settings):
    Process(settings).report()
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(settings.index_dir)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(PROJECT)})
    try:
        assert holder.stdout.readline().strip() == "held"
        other = Process(settings)
        assert other.report().module_count == 2 and other.computed == []
        (settings.library_dir / "delegating.md").write_text(DELEGATION + "\nOne more line.\n", encoding="utf-8")
        with pytest.raises(IndexLocked, match=r"workbench index \(held by the test\)"):
            other.report()
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    assert other.report().module_count == 2 and len(other.computed) == 1


def test_sessions_asking_at_the_same_moment_wait_for_one_computation(settings):
    from concurrent.futures import ThreadPoolExecutor

    app = Process(settings)
    app.services.index.build()  # the library is indexed; the report is not computed yet
    with ThreadPoolExecutor(max_workers=3) as pool:
        reports = list(pool.map(lambda _: app.report(), range(3)))
    assert len(app.computed) == 1
    assert reports[0] is reports[1] is reports[2]


def test_an_import_of_signals_is_a_new_report_and_its_demand_survives_the_shared_copy(settings, tmp_path):
    app = Process(settings)
    app.report()
    trend = tmp_path / "postings.csv"
    trend.write_text("skill_id,period,count\n" + "".join(f"ai-prompting,2026-{m:02d},{50 * m}\n" for m in range(1, 5)),
                     encoding="utf-8")
    app.services.signals.import_file(trend, "market-trend", "lee")
    with_demand = app.report()
    assert len(app.computed) == 2, "an import of signals makes the next report a new one"
    prompting = next(skill for skill in with_demand.skills if skill.skill_id == "ai-prompting")
    assert any("postings +300 % over 3 months" in reason for reason in prompting.reasons), prompting.reasons
    other = Process(settings)
    shared = other.report()
    assert other.computed == []
    assert shared.to_json() == with_demand.to_json() and shared.to_csv() == with_demand.to_csv()


COLD_REPORT = """
import json, sys
from datetime import date
from pathlib import Path
from tests.support.large_library import HashingEmbedder
from workbench.bootstrap import bootstrap
from workbench.settings import Settings

settings = Settings(library_dir=Path(sys.argv[1]), data_dir=Path(sys.argv[2]), llm_provider="fake")
services = bootstrap(settings, embedder=HashingEmbedder())
services.gaps.today = date.fromisoformat(sys.argv[3])
computed = []
services.gaps.on_computed = computed.append
report = services.gaps.report()
print(json.dumps({"computed": len(computed), "chromadb imported": "chromadb" in sys.modules,
                  "skills": report.to_json(), "chunks": report.chunk_count}))
"""


def cold_report_in_a_new_process(settings: Settings) -> dict:
    """`workbench gaps` as a new process runs it, with no report cached: what it computed, imported and answered."""
    done = subprocess.run([sys.executable, "-c", COLD_REPORT, str(settings.library_dir), str(settings.data_dir),
                           TODAY.isoformat()], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(PROJECT)})
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_new_process_computing_a_report_from_the_cached_library_and_vectors_never_opens_chroma(settings):
    first = Process(settings).report()
    for shared in (settings.cache_dir / "reports").glob("report-*.json"):
        shared.unlink()  # the report must be computed again; the parsed files and vectors stay cached

    cold = cold_report_in_a_new_process(settings)

    assert cold["computed"] == 1 and not cold["chromadb imported"]
    assert (cold["skills"], cold["chunks"]) == (json.loads(json.dumps(first.to_json())), first.chunk_count)
    # After an edit the index must be synced, which opens Chroma; the process after it need not again.
    (settings.library_dir / "delegating.md").write_text(
        DELEGATION + "\n## Handing over the outcome\n\nDelegate the outcome, not the method.\n", encoding="utf-8")
    edited = cold_report_in_a_new_process(settings)
    assert edited["computed"] == 1 and edited["chromadb imported"]
    assert edited["chunks"] == first.chunk_count + 1
    for shared in (settings.cache_dir / "reports").glob("report-*.json"):
        shared.unlink()
    after = cold_report_in_a_new_process(settings)
    assert after["computed"] == 1 and not after["chromadb imported"]
    assert (after["skills"], after["chunks"]) == (edited["skills"], edited["chunks"])
