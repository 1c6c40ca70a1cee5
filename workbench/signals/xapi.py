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
_IFI_KEYS = frozenset({"mbox", "mbox_sha1sum", "openid"})


class Rejected(ValueError):
    """A statement that cannot be kept; the message says why."""


class Unknown(ValueError):
    """A statement of ours whose id names nothing published; the message is the id."""


IGNORED = None  # what `to_result` returns for a statement of another course or a verb that is not a result


def actor_identifier(actor: object) -> str:
    """The actor's inverse functional identifier as one string, or Rejected."""
    if not isinstance(actor, dict):
        raise Rejected("the statement has no actor")
    account = actor.get("account")
    if isinstance(account, dict) and not (_IFI_KEYS & actor.keys()):
        # The usual LMS actor: an account and nothing else that identifies.
        home, name = account.get("homePage"), account.get("name")
        if not isinstance(home, str) or not isinstance(name, str):
            raise Rejected("the actor's account needs a homePage and a name")
        return f"account:{home.strip()}|{name}"
    found = []
    if isinstance(actor.get("mbox"), str):
        found.append("mbox:" + actor["mbox"].strip().lower())
    if isinstance(actor.get("mbox_sha1sum"), str):
        found.append("mbox_sha1sum:" + actor["mbox_sha1sum"].strip().lower())
    if isinstance(actor.get("openid"), str):
        found.append("openid:" + actor["openid"].strip())
    if isinstance(account, dict):
        found.append("account")
    if len(found) != 1:
        raise Rejected("the actor has no identifier (mbox, mbox_sha1sum, openid or account)" if not found
                       else "the actor has more than one identifier")
    return found[0]


def parse_time(value: object, what: str) -> datetime:
    """An ISO 8601 time as an aware UTC datetime, or Rejected."""
    if not isinstance(value, str):
        raise Rejected(f"the {what} is not a time")
    try:
        parsed = datetime.fromisoformat(value)  # Python 3.11 reads every ISO 8601 form xAPI allows, "Z" included
    except ValueError:
        raise Rejected(f"the {what} {value[:40]!r} is not an ISO 8601 time") from None
    zone = parsed.tzinfo
    if zone is None:
        return parsed.replace(tzinfo=timezone.utc)  # xAPI: a time without offset is read as UTC
    return parsed if zone is timezone.utc else parsed.astimezone(timezone.utc)


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
        # The checks run in the order the reasons are listed in the module docstring; `type(x) is dict` rather than
        # isinstance because JSON decodes to exact types and this runs once per statement of files of 100,000.
        if type(statement) is not dict:
            raise Rejected("not a statement (a JSON object is expected)")
        get = statement.get
        actor = get("actor")
        if actor is None:
            raise Rejected("the statement has no actor")
        verb = get("verb")
        if type(verb) is not dict:
            raise Rejected("the statement has no verb")
        verb_id = verb.get("id")
        if type(verb_id) is not str or not verb_id:
            raise Rejected("the statement has no verb id")
        target = get("object")
        target_id = target.get("id") if type(target) is dict else None
        if type(target_id) is not str:
            raise Rejected("the statement has no object id")
        person = actor_identifier(actor)
        result = get("result")
        if result is None:
            result = {}
        elif type(result) is not dict:
            raise Rejected("result is not an object")
        scaled = _scaled(result) if "score" in result else None
        when = get("timestamp") or get("stored")
        if when is None:
            raise Rejected("the statement has neither a timestamp nor a stored time")
        occurred = parse_time(when, "timestamp")
        if occurred > self.now:
            raise Rejected(f"the timestamp {when[:40]} is in the future")
        success = result.get("success")
        if success is not None and type(success) is not bool:
            raise Rejected("result.success is not true or false")
        placement = self.catalog.place(target_id, lambda: statement_activity_ids(statement))
        course, item, unknown_id = placement
        if course is None:
            if unknown_id is not None:
                raise Unknown(unknown_id)
            return IGNORED  # another course's statement
        verb_name = RESULT_VERBS.get(verb_id)
        if verb_name is None:
            return IGNORED
        if item is None and verb_name == "answered":
            raise Rejected(f"an answered statement about {target_id[:200]} names no item of {course.module_id}")
        response = result.get("response")
        if response is not None:
            if type(response) is not str:
                raise Rejected("result.response is not a string")
            response = response[:MAX_RESPONSE_CHARS]
        key = get("id")
        if type(key) is not str or not key or len(key) > 100:
            # A statement without an id (a file written by hand): the same content is the same record.
            key = "sha256:" + hashlib.sha256(json.dumps(statement, sort_keys=True).encode()).hexdigest()
        if item is not None:
            return LearnerResult(key, self.pseudonym(person), course.module_id, item.item_id, item.objective_id,
                                 item.skill_ids, verb_name, success, scaled, response, occurred)
        return LearnerResult(key, self.pseudonym(person), course.module_id, None, "", course.skill_ids,
                             verb_name, success, scaled, response, occurred)
