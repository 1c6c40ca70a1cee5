"""Failed sign-ins counted under concurrency, on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from review.errors import AuthenticationFailed, SignInThrottled
from tests.support.people import PASSWORD


def test_simultaneous_failures_are_all_counted_and_lock_the_name(review):
    review.accounts.add_user("lena", PASSWORD, ["lead"])

    def attempt(_: int) -> str:
        try:
            review.accounts.authenticate("nobody-here", "a guess", "203.0.113.9")
        except (AuthenticationFailed, SignInThrottled) as error:
            return type(error).__name__
        return "signed in"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(attempt, range(8)))
    assert set(outcomes) <= {"AuthenticationFailed", "SignInThrottled"}
    locked = [lock for lock in review.accounts.lockouts() if lock.scope == "account"]
    assert len(locked) == 1 and locked[0].subject.startswith("unknown:")
    assert locked[0].failures + outcomes.count("SignInThrottled") == 8
    assert len(review.trail.rows(action="login_failed")) == 1
