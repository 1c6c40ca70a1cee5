"""Retrying a failed HTTP request to a model endpoint: which failures, how long to wait, what to report.

The workbench retries by itself instead of leaving it to the OpenAI SDK, because the SDK's
retries hide what happened: a server that crashed on a request and then refused the retry would
be reported as "cannot reach the endpoint", sending the user to the wrong cause. Here every
attempt's failure is seen, so a crash stays a crash, and a server's Retry-After is honoured.
"""

from __future__ import annotations

import email.utils
import random
import threading
import time
from dataclasses import dataclass
from typing import Mapping

from workbench.errors import GenerationCancelled, LLMError, LLMServerCrashed


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait: exponential backoff with jitter, or the server's Retry-After."""

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0  # a server asking for a longer pause is reported, not waited for

    def delay(self, retry_number: int, retry_after: float | None) -> float:
        """Seconds to wait before retry `retry_number` (0 for the first retry)."""
        if retry_after is not None and retry_after > 0:
            return retry_after
        backoff = min(self.initial_delay * 2.0**retry_number, self.max_delay)
        return backoff * (1 - 0.25 * random.random())


class Retryable(Exception):
    """A failure that another attempt may cure (429, 5xx, 408/409, refused connection, timeout).

    `error` is what the user sees if no attempt succeeds. `closed_by_server` marks a server that
    closed the connection before answering; if the next attempts fail too, the crash is reported.
    """

    def __init__(self, error: LLMError, *, retry_after: float | None = None, closed_by_server: bool = False) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after
        self.closed_by_server = closed_by_server


def run_with_retries(attempt, policy: RetryPolicy, crashed: LLMServerCrashed, cancel: threading.Event | None = None):
    """Call `attempt()` until it returns, retrying `Retryable` failures as the policy allows.

    `crashed` is raised instead of the last failure when a server closed a connection on an
    earlier attempt and never answered again (it died, and a refused retry is the consequence).
    """
    closed_before = False
    retry_number = 0
    while True:
        try:
            return attempt()
        except Retryable as failure:
            closed_before = closed_before or failure.closed_by_server
            too_long = failure.retry_after is not None and failure.retry_after > policy.max_retry_after
            if retry_number >= policy.max_retries or too_long:
                final = crashed if closed_before else failure.error
                if retry_number:
                    final = type(final)(f"{final} (still failing after {retry_number} retries)", raw_output=final.raw_output)
                raise final from None
            wait = policy.delay(retry_number, failure.retry_after)
            retry_number += 1
            if cancel is not None:
                if cancel.wait(wait):
                    raise GenerationCancelled("generation cancelled while waiting to retry", raw_output="") from None
            else:
                time.sleep(wait)


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds a server asks to wait: `retry-after-ms`, `Retry-After` in seconds or as an HTTP date."""
    if not headers:
        return None
    lowered = {key.lower(): value for key, value in headers.items()}
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = lowered.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) / divisor)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value:
        parsed = email.utils.parsedate_tz(value)
        if parsed is not None:
            return max(0.0, email.utils.mktime_tz(parsed) - time.time())
    return None
