"""Learners' results for the signals tests: a published assessment, its catalog, xAPI statements as our cmi5 unit sends them."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterable

from pydantic import SecretStr

from tests.support.drafts import clean_draft
from workbench.exports.cmi5 import course_activity_id
from workbench.exports.service import source_from_draft
from workbench.signals.catalog import ResultCatalog
from workbench.signals.service import SignalsService
from workbench.signals.store import SignalStore

SAMPLE_SKILLS = Path(__file__).resolve().parents[2] / "content_library" / "skills.yaml"
MODULE_ID = "giving-useful-feedback"
MODULE_SKILLS = ("fb-giving",)
COURSE = course_activity_id(MODULE_ID)
OTHER_COURSE = "https://lms.example.org/courses/fire-safety"
KEY = SecretStr("a test key of enough length")
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
ADL = "http://adlnet.gov/expapi/verbs/"


def feedback_catalog() -> ResultCatalog:
    """The catalog of one published module: the clean draft's four items (q1..q4, objectives o1/o2)."""
    return ResultCatalog.from_sources([(source_from_draft(clean_draft(), MODULE_ID), MODULE_SKILLS)])


def learner(name: str) -> dict:
    """An xAPI Agent identified by an LMS account."""
    return {"objectType": "Agent", "account": {"homePage": "https://lms.example.org", "name": name}}


def answered(item_id: str, person: str, correct: bool, when: datetime | None = None, response: str = "a",
             course: str = COURSE) -> dict:
    """An `answered` statement as the cmi5 unit sends it: object the item, the course in grouping, the AU as parent."""
    return {
        "id": str(uuid.uuid4()),
        "actor": learner(person),
        "verb": {"id": ADL + "answered", "display": {"en-US": "answered"}},
        "object": {"objectType": "Activity", "id": f"{course}/items/{item_id}",
                   "definition": {"type": "http://adlnet.gov/expapi/activities/cmi.interaction", "interactionType": "choice"}},
        "result": {"success": correct, "score": {"scaled": 1.0 if correct else 0.0}, "response": response},
        "context": {"registration": str(uuid.uuid4()),
                    "contextActivities": {"grouping": [{"id": course}], "parent": [{"id": f"{course}/au"}]}},
        "timestamp": (when or NOW - timedelta(days=1)).isoformat(),
    }


def module_result(verb: str, person: str, scaled: float, when: datetime | None = None, course: str = COURSE) -> dict:
    """A `passed` / `failed` / `completed` statement about the course's assignable unit."""
    return {
        "id": str(uuid.uuid4()),
        "actor": learner(person),
        "verb": {"id": ADL + verb, "display": {"en-US": verb}},
        "object": {"objectType": "Activity", "id": f"{course}/au"},
        "result": {"success": verb == "passed", "score": {"scaled": scaled}},
        "context": {"contextActivities": {"grouping": [{"id": course}]}},
        "timestamp": (when or NOW - timedelta(days=1)).isoformat(),
    }


def write_json_lines(path: Path, statements: Iterable[dict | str]) -> Path:
    """One statement (or a raw line) per line."""
    path.write_text("".join((s if isinstance(s, str) else json.dumps(s)) + "\n" for s in statements), encoding="utf-8")
    return path


def signals_on(database, catalog: ResultCatalog | None = None, lrs_client: Callable | None = None,
               min_group_size: int = 5, clock: Callable[[], datetime] = lambda: NOW, embedder=None,
               trend_match_threshold: float = 0.7) -> SignalsService:
    """The signals service on a test database, as the composition root wires it (the sample library's framework)."""
    from workbench.skills import load_framework

    catalog = catalog or feedback_catalog()
    return SignalsService(SignalStore(database), lambda: catalog, KEY, lrs_client or _no_lrs, clock, min_group_size,
                          framework=lambda: load_framework(SAMPLE_SKILLS), embed=_embed_of(embedder),
                          trend_match_threshold=trend_match_threshold)


def _embed_of(embedder):
    """The embedder's embed function, or one that fails the test if a label needs matching by meaning without it."""
    def embed():
        if embedder is None:
            raise AssertionError("this test gave no embedder, yet a trend label needed matching by meaning")
        return embedder.embed
    return embed


def _no_lrs(endpoint):
    raise AssertionError("this test does not read an LRS")
