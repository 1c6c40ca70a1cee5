"""How long to wait before retrying a model endpoint: the server's Retry-After first, else backoff with jitter."""

from __future__ import annotations

import email.utils
import time

import pytest

from workbench.llm.retry import RetryPolicy, parse_retry_after


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "2"}, 2.0),
        ({"retry-after": "0.5"}, 0.5),
        ({"retry-after-ms": "250", "Retry-After": "9"}, 0.25),  # milliseconds win, as the OpenAI SDK reads them
        ({"Retry-After": "soon"}, None),
        ({}, None),
        (None, None),
    ],
)
def test_retry_after_headers(headers, seconds) -> None:
    assert parse_retry_after(headers) == seconds


def test_retry_after_as_an_http_date() -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 28 <= parse_retry_after({"Retry-After": when}) <= 30


def test_the_server_s_wait_is_used_else_exponential_backoff_with_jitter() -> None:
    policy = RetryPolicy(max_retries=3, initial_delay=0.5, max_delay=8.0)
    assert policy.delay(0, 3.0) == 3.0
    for retry_number, ceiling in ((0, 0.5), (1, 1.0), (2, 2.0), (6, 8.0)):
        assert 0.75 * ceiling <= policy.delay(retry_number, None) <= ceiling
