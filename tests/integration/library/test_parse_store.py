"""Parsed library files kept in the data folder: reused by a new process, and never when the file changed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

import pytest

from tests.support.libraries import DELEGATION, FEEDBACK, write_library
from tests.support.parse_counting import count_parsed_files
from workbench.caching.files import CACHE_VERSION
from workbench.library.loader import library_stamp, load_library
from workbench.library.parse_store import StoredParseCache
from workbench.settings import Settings

PROJECT = Path(__file__).resolve().parents[3]


@pytest.fixture
def library(tmp_path: Path) -> Path:
    return write_library(tmp_path / "lib", {"feedback/giving-feedback.md": FEEDBACK, "delegating.md": DELEGATION})


@pytest.fixture
def settings(tmp_path: Path, library: Path) -> Settings:
    return Settings(library_dir=library, data_dir=tmp_path / "data", llm_provider="fake")


@pytest.fixture
def parsed(monkeypatch) -> list[str]:
    """The files actually read and parsed (the real reader, counted)."""
    return count_parsed_files(monkeypatch)


def scan_as_new_process(settings: Settings):
    """A scan through a cache object that starts from the file only, as a new process would."""
    return load_library(settings.library_dir, settings, cache=StoredParseCache(settings.cache_dir / "parsed.json",
                                                                                settings.library_dir))


def stored_paths(settings: Settings) -> set[str]:
    return set(json.loads((settings.cache_dir / "parsed.json").read_text())["payload"]["files"])


def test_a_new_process_reuses_every_parse_of_an_unchanged_library(settings, parsed):
    first = scan_as_new_process(settings)
    assert sorted(parsed) == ["delegating.md", "feedback/giving-feedback.md"]
    parsed.clear()
    second = scan_as_new_process(settings)
    assert parsed == []
    assert second.modules == first.modules and second.chunks == first.chunks
    assert second.modules[1].skills == ("fb-giving",) and second.modules[1].last_reviewed == date(2020, 1, 15)


def test_an_edited_file_is_parsed_again_and_only_that_one(settings, library, parsed):
    scan_as_new_process(settings)
    parsed.clear()
    (library / "delegating.md").write_text(DELEGATION.replace("Why delegate", "Why hand work over"), encoding="utf-8")
    scan = scan_as_new_process(settings)
    assert parsed == ["delegating.md"]
    assert "Why hand work over" in [chunk.heading for chunk in scan.chunks]
    assert "Why delegate" not in [chunk.heading for chunk in scan.chunks]


def test_an_edit_that_keeps_the_size_and_the_modification_time_is_still_seen(settings, library, parsed):
    scan_as_new_process(settings)
    parsed.clear()
    path = library / "delegating.md"
    before = path.stat()
    path.write_text(DELEGATION.replace("Why delegate", "Why Delegate"), encoding="utf-8")  # same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    scan = scan_as_new_process(settings)
    assert parsed == ["delegating.md"]
    assert "Why Delegate" in [chunk.heading for chunk in scan.chunks]


def test_a_renamed_file_is_read_under_its_new_path_and_the_old_one_forgotten(settings, library, parsed):
    scan_as_new_process(settings)
    parsed.clear()
    (library / "delegating.md").rename(library / "delegation-basics.md")
    scan = scan_as_new_process(settings)
    assert parsed == ["delegation-basics.md"]
    assert sorted(module.path for module in scan.modules) == ["delegation-basics.md", "feedback/giving-feedback.md"]
    assert stored_paths(settings) == {"delegation-basics.md", "feedback/giving-feedback.md"}


def test_a_deleted_file_leaves_the_scan_and_the_cache(settings, library, parsed):
    scan_as_new_process(settings)
    (library / "delegating.md").unlink()
    scan = scan_as_new_process(settings)
    assert [module.path for module in scan.modules] == ["feedback/giving-feedback.md"]
    assert all(chunk.path == "feedback/giving-feedback.md" for chunk in scan.chunks)
    assert stored_paths(settings) == {"feedback/giving-feedback.md"}


def test_a_touch_without_change_is_not_parsed_again_but_gets_its_new_date(settings, library, parsed):
    scan_as_new_process(settings)
    parsed.clear()
    path = library / "delegating.md"
    touched = datetime(2024, 3, 9, 12, 0).timestamp()
    os.utime(path, (touched, touched))
    scan = scan_as_new_process(settings)
    assert parsed == []
    assert next(m for m in scan.modules if m.path == "delegating.md").modified == date(2024, 3, 9)
    parsed.clear()
    scan_as_new_process(settings)  # the renewed stat was saved: not even the bytes are compared again
    assert parsed == []


@pytest.mark.parametrize("content", [b"{not json", b"", json.dumps({"version": "workbench-0.0.1-cache-1",
                                                                       "kind": "parsed-library-files",
                                                                       "payload": {"files": {}}}).encode()])
def test_a_corrupt_or_foreign_cache_file_is_ignored_and_rebuilt(settings, parsed, content):
    cache_file = settings.cache_dir / "parsed.json"
    cache_file.parent.mkdir(parents=True)
    cache_file.write_bytes(content)
    scan = scan_as_new_process(settings)
    assert sorted(parsed) == ["delegating.md", "feedback/giving-feedback.md"]
    assert len(scan.modules) == 2
    assert json.loads(cache_file.read_text())["version"] == CACHE_VERSION
    parsed.clear()
    scan_as_new_process(settings)
    assert parsed == []


def test_a_cache_made_for_another_library_folder_is_not_used(settings, tmp_path, parsed):
    scan_as_new_process(settings)
    other = write_library(tmp_path / "other", {"delegating.md": FEEDBACK})
    parsed.clear()
    scan = load_library(other, settings, cache=StoredParseCache(settings.cache_dir / "parsed.json", other))
    assert parsed == ["delegating.md"]
    assert scan.modules[0].title == "Giving feedback with SBI"


def test_the_stamp_of_a_scan_is_known_from_the_stat_alone_and_every_change_moves_it(settings, library, parsed):
    scan = scan_as_new_process(settings)
    parsed.clear()
    assert scan.stamp is not None and library_stamp(settings.library_dir, settings) == scan.stamp
    assert parsed == [], "the stamp reads no file"
    path = library / "delegating.md"
    before = path.stat()
    path.write_text(DELEGATION.replace("Why delegate", "Why Delegate"), encoding="utf-8")  # same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    edited = library_stamp(settings.library_dir, settings)
    assert edited != scan.stamp and scan_as_new_process(settings).stamp == edited
    (library / "elsewhere").symlink_to(library / "feedback", target_is_directory=True)
    linked = library_stamp(settings.library_dir, settings)  # a symlinked folder is a skipped file of the scan
    assert linked != edited and scan_as_new_process(settings).stamp == linked
    renamed = library / "delegation-basics.md"
    path.rename(renamed)
    assert library_stamp(settings.library_dir, settings) not in (linked, edited, scan.stamp)
    assert library_stamp(settings.library_dir, settings.with_overrides(chunk_max_chars=300)) != \
        library_stamp(settings.library_dir, settings)
    assert load_library(settings.library_dir, settings).stamp is None, "a scan without a parse cache has no stamp"


READER = """
import sys
from pathlib import Path
from workbench.library.loader import library_stamp, load_library
from workbench.library.parse_store import StoredParseCache
from workbench.settings import Settings

library, data, name = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
settings = Settings(library_dir=library, data_dir=data, llm_provider="fake")
for round in range(15):
    (library / f"{name}.md").write_text(f"# {name} round {round}\\n\\nText of round {round}.\\n", encoding="utf-8")
    scan = load_library(library, settings, cache=StoredParseCache(data / "cache" / "parsed.json", library))
    titles = {module.path: module.title for module in scan.modules}
    assert titles[f"{name}.md"] == f"{name} round {round}", titles
    assert titles["delegating.md"] == "Delegating effectively", titles
    assert titles["feedback/giving-feedback.md"] == "Giving feedback with SBI", titles
print("ok")
"""


def test_two_processes_reading_and_rewriting_the_cache_at_once_each_see_a_whole_file(settings, library):
    scan_as_new_process(settings)
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    readers = [subprocess.Popen([sys.executable, "-c", READER, str(library), str(settings.data_dir), name],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
               for name in ("first", "second")]
    deadline = time.monotonic() + 300
    outputs = [reader.communicate(timeout=max(1, deadline - time.monotonic())) for reader in readers]
    assert [reader.returncode for reader in readers] == [0, 0], [err[-2000:] for _, err in outputs]
    assert [out.strip() for out, _ in outputs] == ["ok", "ok"]
    final = scan_as_new_process(settings)
    assert {module.title for module in final.modules} >= {"first round 14", "second round 14"}
    assert json.loads((settings.cache_dir / "parsed.json").read_text())["version"] == CACHE_VERSION
