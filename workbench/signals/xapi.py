"""xAPI 1.0.3 statements as learners' results: the checks a statement must pass and what is kept of it.

Rules (xAPI 1.0.3, Data section 2.4): a statement has an `actor` identified by exactly one inverse
functional identifier (mbox, mbox_sha1sum, openid or account with homePage and name; a Group by its
own identifier, else refused here: its members cannot be told apart), a `verb` with an `id`, an
`object`; `result.score.scaled` is a number in [-1, 1]; `timestamp` (else `stored`) is an ISO 8601
time, and a time in the future is refused. Results are the `answered`, `passed`, `failed` and
`completed` verbs; other verbs (`initialized`, `terminated`, ...) are counted as ignored.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from typing import Callable

from workbench.exports.lrs_client import statement_activity_ids
from workbench.signals.catalog import ResultCatalog
from workbench.signals.model import LearnerResult

ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
RESULT_VERBS = {f"{ADL_VERBS}{name}": name for name in ("answered", "passed", "failed", "completed")}
MAX_RESPONSE_CHARS = 4_000


class Rejected(ValueError):
    """A statement that cannot be kept; the message says why."""


class Unknown(ValueError):
    """A statement of ours whose id names nothing published; the message is the id."""


IGNORED = None  # what `to_result` returns for a statement of another course or a verb that is not a result


def actor_identifier(actor: object) -> str:
    """The actor's inverse functional identifier as one string, or Rejected."""
    if not isinstance(actor, dict):
        raise Rejected("the statement has no actor")
    found = []
    if isinstance(actor.get("mbox"), str):
        found.append("mbox:" + actor["mbox"].strip().lower())
    if isinstance(actor.get("mbox_sha1sum"), str):
        found.append("mbox_sha1sum:" + actor["mbox_sha1sum"].strip().lower())
    if isinstance(actor.get("openid"), str):
        found.append("openid:" + actor["openid"].strip())
    account = actor.get("account")
    if isinstance(account, dict):
        if not isinstance(account.get("homePage"), str) or not isinstance(account.get("name"), str):
            raise Rejected("the actor's account needs a homePage and a name")
        found.append(f"account:{account['homePage'].strip()}|{account['name']}")
    if len(found) != 1:
        raise Rejected("the actor has no identifier (mbox, mbox_sha1sum, openid or account)" if not found
                       else "the actor has more than one identifier")
    return found[0]


def parse_time(value: object, what: str) -> datetime:
    """An ISO 8601 time as an aware UTC datetime, or Rejected."""
    if not isinstance(value, str):
        raise Rejected(f"the {what} is not a time")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    except ValueError:
        raise Rejected(f"the {what} {value[:40]!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)  # xAPI: a time without offset is read as UTC
    return parsed.astimezone(timezone.utc)


def _scaled(result: dict) -> float | None:
    score = result.get("score")
    if score is None:
        return None
    if not isinstance(score, dict):
        raise Rejected("result.score is not an object")
    scaled = score.get("scaled")
    if scaled is None:
        return None
    if isinstance(scaled, bool) or not isinstance(scaled, (int, float)):
        raise Rejected("result.score.scaled is not a number")
    if not -1 <= scaled <= 1:
        raise Rejected(f"result.score.scaled {scaled} is outside [-1, 1]")
    return float(scaled)


class StatementReader:
    """Turns one statement into a LearnerResult, IGNORED, or raises Rejected / Unknown."""

    def __init__(self, catalog: ResultCatalog, pseudonym: Callable[[str], str], now: datetime) -> None:
        self.catalog = catalog
        self.pseudonym = pseudonym
        self.now = now

    def to_result(self, statement: object) -> LearnerResult | None:
        """The result the statement records, IGNORED, or an error naming the reason."""
        if not isinstance(statement, dict):
            raise Rejected("not a statement (a JSON object is expected)")
        if "actor" not in statement:
            raise Rejected("the statement has no actor")
        verb = statement.get("verb")
        if not isinstance(verb, dict) or not isinstance(verb.get("id"), str) or not verb["id"]:
            raise Rejected("the statement has no verb id" if isinstance(verb, dict) else "the statement has no verb")
        target = statement.get("object")
        if not isinstance(target, dict) or not isinstance(target.get("id"), str):
            raise Rejected("the statement has no object id")
        person = actor_identifier(statement["actor"])
        result = statement.get("result")
        if result is not None and not isinstance(result, dict):
            raise Rejected("result is not an object")
        result = result or {}
        scaled = _scaled(result)
        when = statement.get("timestamp", statement.get("stored"))
        if when is None:
            raise Rejected("the statement has neither a timestamp nor a stored time")
        occurred = parse_time(when, "timestamp")
        if occurred > self.now:
            raise Rejected(f"the timestamp {when[:40]} is in the future")
        success = result.get("success")
        if success is not None and not isinstance(success, bool):
            raise Rejected("result.success is not true or false")
        verb_name = RESULT_VERBS.get(verb["id"])
        placement = self.catalog.place(target["id"], statement_activity_ids(statement))
        if placement.other_course:
            return IGNORED
        if placement.unknown_id is not None:
            raise Unknown(placement.unknown_id)
        if verb_name is None:
            return IGNORED
        item = placement.item
        if verb_name == "answered" and item is None:
            raise Rejected(f"an answered statement about {target['id'][:200]} names no item of {placement.course.module_id}")
        response = result.get("response")
        if response is not None and not isinstance(response, str):
            raise Rejected("result.response is not a string")
        key = statement.get("id")
        if not isinstance(key, str) or not key or len(key) > 100:
            # A statement without an id (a file written by hand): the same content is the same record.
            key = "sha256:" + hashlib.sha256(json.dumps(statement, sort_keys=True).encode()).hexdigest()
        course = placement.course
        return LearnerResult(
            record_key=key,
            person=self.pseudonym(person),
            module_id=course.module_id,
            item_id=item.item_id if item else None,
            objective_id=item.objective_id if item else "",
            skill_ids=item.skill_ids if item else course.skill_ids,
            verb=verb_name,
            success=success,
            score_scaled=scaled,
            response=response[:MAX_RESPONSE_CHARS] if response is not None else None,
            occurred_at=occurred,
        )
