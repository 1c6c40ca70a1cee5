"""One gap report per set of inputs, shared by every app session and the CLI: in memory and in the data folder.

`report_inputs` names everything a report depends on; `report_key` digests it. A report is
computed once per key and then handed to every caller (the same object in one process, read back
from its file in another). Files are written whole and stamped with the release
(`workbench.caching.files`), so a report written by another version is ignored and computed again.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from workbench.caching.codec import from_data, to_data
from workbench.caching.files import prune, read_json, write_json
from workbench.domain.skills import SkillsFramework
from workbench.gaps.report import GapReport

KIND = "gap-report"
KEEP_IN_MEMORY = 8  # reports held by one process (one per framework in use, typically)
KEEP_FILES = 16  # report files kept in the data folder, newest first


def framework_hash(framework: SkillsFramework) -> str:
    """A digest of the framework's content (every skill and field), whatever file it came from."""
    return hashlib.sha256(json.dumps(to_data(framework), sort_keys=True).encode("utf-8")).hexdigest()


def report_inputs(*, library_revision: str, index_state: tuple | None, framework: SkillsFramework, params,
                  settings, embedder, today: date, extra: Mapping[str, str] | None = None,
                  framework_digest: str | None = None) -> dict[str, str]:
    """Everything a gap report is computed from, by name; a new input of the report joins here (or in `extra`).

    - the library as scanned (`library_revision`) and the collection its vectors come from;
    - the framework's content;
    - the method's parameters and the settings the report reads (staleness, library folder), the
      embedding model that made the vectors, and today's date (staleness is counted from it);
    - `extra`: inputs other services add (for example the revision of imported learner signals,
      when the ranking uses them).

    `framework_digest` is `framework_hash(framework)` when the caller already has it.
    """
    inputs = {
        "library": library_revision,
        "index": json.dumps(list(index_state) if index_state else None),
        "framework": framework_digest or framework_hash(framework),
        "parameters": repr(params),
        "stale_after_days": str(settings.stale_after_days),
        "library_dir": str(settings.library_dir),
        "embedding": f"{embedder.model_name}|{embedder.backend}|{embedder.variant}|{embedder.dimension}",
        "today": today.isoformat(),
    }
    for name, value in (extra or {}).items():
        inputs[f"extra:{name}"] = str(value)
    return inputs


def report_key(inputs: Mapping[str, str]) -> str:
    """The digest that names a report computed from these inputs."""
    return hashlib.sha256(json.dumps(dict(inputs), sort_keys=True).encode("utf-8")).hexdigest()


class SharedReports:
    """Gap reports by key: recent ones in memory, all of them in files of the data folder."""

    def __init__(self, folder: Path, keep_files: int = KEEP_FILES) -> None:
        self.folder = folder
        self.keep_files = keep_files
        self._memory: OrderedDict[str, GapReport] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[str, threading.Lock] = {}

    def get(self, key: str) -> GapReport | None:
        """The report for this key: from memory, else from its file (then kept in memory), else None."""
        with self._lock:
            report = self._memory.get(key)
            if report is not None:
                self._memory.move_to_end(key)
                return report
        payload = read_json(self._path(key), KIND)
        if not isinstance(payload, dict) or payload.get("key") != key:
            return None
        try:
            report = from_data(GapReport, payload["report"])
        except (KeyError, TypeError, ValueError):
            return None  # a file of an unexpected shape: computed again and replaced
        self._remember(key, report)
        return report

    def put(self, key: str, report: GapReport) -> None:
        """Keep a freshly computed report for everyone (memory and file)."""
        self._remember(key, report)
        write_json(self._path(key), KIND, {"key": key, "report": to_data(report)})
        prune(self.folder, "report-*.json", self.keep_files)

    def forget(self, key: str) -> None:
        """Drop one report (a person asked to compute it again)."""
        with self._lock:
            self._memory.pop(key, None)
        self._path(key).unlink(missing_ok=True)

    @contextmanager
    def computing(self, key: str) -> Iterator[None]:
        """Held while one caller computes a key's report, so others wait for it instead of computing it too."""
        with self._lock:
            lock = self._computing.setdefault(key, threading.Lock())
        with lock:
            yield

    def _remember(self, key: str, report: GapReport) -> None:
        with self._lock:
            self._memory[key] = report
            self._memory.move_to_end(key)
            while len(self._memory) > KEEP_IN_MEMORY:
                self._memory.popitem(last=False)

    def _path(self, key: str) -> Path:
        return self.folder / f"report-{key}.json"


