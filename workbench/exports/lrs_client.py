"""Reading learners' statements back from a learning record store (xAPI statements API).

`LrsClient.fetch_statements(activity_ids, since)` asks the LRS for the statements stored after
`since`, follows the `more` links page by page, keeps only statements that name one of our
activities (or an activity below one, such as `<course>/items/q1`) and returns them all at once
with the cursor for the next import. Filtering is done here, whatever the LRS does: an LRS that
ignores `related_activities` would otherwise drop the cmi5 statements whose object is the LMS's own
activity id and which name our ids only in their context; `filter_on_server=True` also sends
`activity` + `related_activities` for LRSs that honour them (ralph's file-system store does not:
its activity filter matches nothing). An error on any page raises and returns nothing, an error on any page raises and returns nothing,
so a caller never stores half an import. Transient failures (timeouts, connection errors, 429 and
5xx answers) are retried with exponential back-off; a 401/403 is reported at once. The password
comes from settings as a SecretStr and never appears in logs, errors or the client's repr.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterable
from urllib.parse import urljoin, urlsplit

import httpx
from pydantic import SecretStr

from workbench.errors import WorkbenchError
from workbench.settings import Settings

logger = logging.getLogger(__name__)

XAPI_VERSION = "1.0.3"
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_RETRY_STATUSES = {429, 500, 502, 503, 504}


class LrsError(WorkbenchError):
    """The LRS could not be read; nothing was imported."""


class LrsAuthenticationFailed(LrsError):
    """The LRS refused the credentials (401 or 403)."""


class LrsUnavailable(LrsError):
    """The LRS kept timing out or failing (5xx) after every retry."""


class LrsResponseInvalid(LrsError):
    """The LRS answered something that is not an xAPI statement result."""


@dataclass(frozen=True)
class LrsCredentials:
    """HTTP Basic credentials for the LRS; the password stays a SecretStr."""

    username: str
    password: SecretStr


@dataclass
class StatementBatch:
    """Every statement of our activities since the cursor, and where the next import starts."""

    statements: list[dict] = field(default_factory=list)
    cursor: str | None = None  # the latest `stored` time seen; pass it as `since` next time
    ignored: int = 0  # statements the LRS returned that name none of our activities
    pages: int = 0


def _safe_text(text: str, limit: int = 200) -> str:
    """Untrusted text from the LRS made safe for a terminal: control characters removed, shortened."""
    cleaned = _CONTROL_CHARACTERS.sub(" ", text or "").strip()
    return cleaned[:limit] + ("…" if len(cleaned) > limit else "")


def _stored_time(statement: dict) -> datetime | None:
    value = statement.get("stored") or statement.get("timestamp")
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def statement_activity_ids(statement: dict) -> set[str]:
    """The ids of every activity a statement names: its object and its context activities."""
    ids = set()
    target = statement.get("object") or {}
    if isinstance(target, dict) and target.get("objectType", "Activity") == "Activity" and target.get("id"):
        ids.add(target["id"])
    activities = ((statement.get("context") or {}).get("contextActivities") or {})
    for group in activities.values():
        for activity in group if isinstance(group, list) else [group]:
            if isinstance(activity, dict) and activity.get("id"):
                ids.add(activity["id"])
    return ids


def names_activity(statement: dict, activity_ids: Iterable[str]) -> bool:
    """True when the statement names one of `activity_ids` or an activity below one of them."""
    named = statement_activity_ids(statement)
    return any(name == ours or name.startswith(ours.rstrip("/") + "/") for ours in activity_ids for name in named)


class LrsClient:
    """Reads statements from an xAPI LRS with Basic credentials, retries and paging."""

    def __init__(self, endpoint: str, credentials: LrsCredentials | None = None, *, timeout_seconds: float = 30.0,
                 max_retries: int = 3, backoff_seconds: float = 0.5, page_size: int = 500,
                 filter_on_server: bool = False, sleep: Callable[[float], None] = time.sleep, transport: httpx.BaseTransport | None = None) -> None:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise LrsError(f"the LRS endpoint must be an http(s) URL, not {_safe_text(endpoint)!r}")
        if parts.username or parts.password:
            raise LrsError("put the LRS user name and password in settings (WORKBENCH_LRS_USERNAME, WORKBENCH_LRS_PASSWORD), not in the URL")
        self.endpoint = endpoint if endpoint.endswith("/") else endpoint + "/"
        self._origin = (parts.scheme, parts.netloc)
        self._credentials = credentials
        self._max_retries = max_retries
        self._backoff_seconds = backoff_seconds
        self._page_size = page_size
        self._filter_on_server = filter_on_server
        self._sleep = sleep
        auth = (credentials.username, credentials.password.get_secret_value()) if credentials else None
        self._http = httpx.Client(auth=auth, timeout=timeout_seconds, transport=transport,
                                  headers={"X-Experience-API-Version": XAPI_VERSION, "Accept": "application/json"})

    @classmethod
    def from_settings(cls, settings: Settings, endpoint: str | None = None, **options: Any) -> "LrsClient":
        """A client for `endpoint` (else `settings.lrs_url`) with the credentials and limits of settings."""
        url = endpoint or settings.lrs_url
        if not url:
            raise LrsError("no LRS address: pass one or set WORKBENCH_LRS_URL")
        credentials = None
        if settings.lrs_username and settings.lrs_password is not None:
            credentials = LrsCredentials(settings.lrs_username, settings.lrs_password)
        options.setdefault("timeout_seconds", settings.lrs_timeout_seconds)
        options.setdefault("max_retries", settings.lrs_max_retries)
        options.setdefault("filter_on_server", settings.lrs_filter_on_server)
        return cls(url, credentials, **options)

    def __repr__(self) -> str:
        user = self._credentials.username if self._credentials else None
        return f"LrsClient(endpoint={self.endpoint!r}, username={user!r})"

    def close(self) -> None:
        """Close the HTTP connections."""
        self._http.close()

    def __enter__(self) -> "LrsClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------------ reading

    def fetch_statements(self, activity_ids: Iterable[str], since: str | None = None) -> StatementBatch:
        """Every statement naming one of `activity_ids` stored after `since`, all pages, or an LrsError."""
        ours = [activity for activity in dict.fromkeys(activity_ids) if activity]
        if not ours:
            raise LrsError("no activity ids to import statements for")
        since_time = _stored_time({"stored": since}) if since else None
        if since and since_time is None:
            raise LrsError(f"the import cursor {_safe_text(since)!r} is not an ISO 8601 time")
        batch = StatementBatch(cursor=since)
        seen: set[str] = set()
        latest = since_time
        # One query per activity when the LRS filters, else one query for everything since the cursor.
        queries = [{"activity": activity, "related_activities": "true"} for activity in ours] if self._filter_on_server else [{}]
        for params in queries:
            params["limit"] = str(self._page_size)
            if since:
                params["since"] = since
            url: str | None = str(httpx.URL(urljoin(self.endpoint, "statements"), params=params))
            while url:
                page = self._get_page(url)
                batch.pages += 1
                for statement in page["statements"]:
                    key = statement.get("id") or repr(statement)
                    if key in seen:
                        continue  # found again through another of our activities
                    seen.add(key)
                    stored = _stored_time(statement)
                    if since_time is not None and stored is not None and stored <= since_time:
                        continue  # some stores compare `since` with the timestamp, not the stored time
                    if not names_activity(statement, ours):
                        batch.ignored += 1
                        continue
                    batch.statements.append(statement)
                    if stored is not None and (latest is None or stored > latest):
                        latest = stored
                url = self._next_page(page) if page["statements"] else None
        if latest is not None and latest != since_time:
            batch.cursor = latest.isoformat()
        return batch

    def _next_page(self, page: dict) -> str | None:
        more = page.get("more")
        if not more:
            return None
        url = urljoin(self.endpoint, more)
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc) != self._origin:
            # Following it would send our credentials to another server.
            raise LrsResponseInvalid(f"the LRS at {self.endpoint} pointed its next page to another server ({parts.netloc}); refused")
        return url

    def _get_page(self, url: str) -> dict:
        response = self._get_with_retries(url)
        try:
            page = response.json()
        except ValueError:
            raise LrsResponseInvalid(f"the LRS at {self.endpoint} answered {response.status_code} with something that is not JSON") from None
        if not isinstance(page, dict) or not isinstance(page.get("statements"), list):
            raise LrsResponseInvalid(f"the LRS at {self.endpoint} answered without a list of statements")
        return page

    def _get_with_retries(self, url: str) -> httpx.Response:
        problem = ""
        for attempt in range(self._max_retries + 1):
            if attempt:
                delay = self._backoff_seconds * 2 ** (attempt - 1)
                logger.info("LRS %s: %s; retrying in %.1f s (attempt %d of %d)", self.endpoint, problem, delay, attempt + 1, self._max_retries + 1)
                self._sleep(delay)
            try:
                response = self._http.get(url)
            except httpx.TimeoutException:
                problem = "timed out"
                continue
            except httpx.TransportError as error:
                problem = f"could not connect ({type(error).__name__})"
                continue
            if response.status_code in (401, 403):
                user = self._credentials.username if self._credentials else "(no credentials)"
                raise LrsAuthenticationFailed(
                    f"the LRS at {self.endpoint} refused the credentials of {user!r} ({response.status_code}); "
                    "check WORKBENCH_LRS_USERNAME and WORKBENCH_LRS_PASSWORD")
            if response.status_code in _RETRY_STATUSES:
                problem = f"answered {response.status_code} {response.reason_phrase}"
                continue
            if response.status_code >= 400:
                raise LrsError(f"the LRS at {self.endpoint} answered {response.status_code}: {_safe_text(response.text)}")
            return response
        raise LrsUnavailable(f"the LRS at {self.endpoint} {problem} on each of {self._max_retries + 1} attempts; nothing was imported")
