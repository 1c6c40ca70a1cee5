"""Server-side sign-in sessions on SQLite and PostgreSQL: create, touch, expire, end, end all of a person's."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from review.actors import SHELL
from review.errors import IdentityAlreadyUsed, InvalidInput
from review.sessions import SignInSessions, token_hash
from review.tables import sign_in_sessions
from tests.support.people import PASSWORD

START = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def sessions(review, clock):
    review.accounts.add_user("lena", PASSWORD, ["lead"])
    review.accounts.add_user("sam", PASSWORD, ["accuracy_reviewer"], actor=SHELL)
    return SignInSessions(review.database, review.trail, clock, idle_timeout=timedelta(minutes=60),
                          absolute_timeout=timedelta(hours=12))


def test_the_database_keeps_only_a_hash_of_the_token(sessions, review):
    token = sessions.create("sam", "password")
    with review.database.read() as connection:
        stored = connection.execute(select(sign_in_sessions.c.token_hash)).scalars().all()
    assert stored == [token_hash(token)] and token not in stored
    found = sessions.lookup(token)
    assert (found.session.user_name, found.session.via, found.ended) == ("sam", "password", None)
    assert sessions.lookup("not-a-token").ended == "unknown"
    assert sessions.lookup(None).session is None


def test_use_keeps_a_session_alive_and_idleness_ends_it(sessions, clock):
    token = sessions.create("sam", "password")
    for _ in range(5):
        clock.now += timedelta(minutes=59)
        assert sessions.lookup(token).session is not None
    clock.now += timedelta(minutes=61)
    assert sessions.lookup(token).ended == "idle"
    clock.now -= timedelta(minutes=61)  # ended is ended, whatever the clock says later
    assert sessions.lookup(token).ended == "idle"


def test_a_session_in_use_still_ends_at_its_absolute_expiry(sessions, clock):
    token = sessions.create("sam", "password")
    while clock.now < START + timedelta(hours=12) - timedelta(minutes=30):
        clock.now += timedelta(minutes=30)
        assert sessions.lookup(token).session is not None
    clock.now += timedelta(minutes=30)
    assert sessions.lookup(token).ended == "expired"


def test_ending_one_session_leaves_the_others(sessions):
    laptop, phone = sessions.create("sam", "password"), sessions.create("sam", "password")
    assert sessions.end(laptop) is True
    assert sessions.end(laptop) is False
    assert sessions.lookup(laptop).ended == "signed_out"
    assert sessions.lookup(phone).session is not None
    assert sessions.live_count("sam") == 1


def test_rotation_ends_the_token_the_browser_brought(sessions):
    planted = sessions.create("sam", "password")
    fresh = sessions.create("sam", "password", replacing=planted)
    assert sessions.lookup(planted).ended == "rotated"
    assert sessions.lookup(fresh).session is not None


@pytest.mark.parametrize("change, reason", [
    (lambda accounts: accounts.set_password("lena", "sam", "another long password"), "password_changed"),
    (lambda accounts: accounts.disable_user("lena", "sam"), "disabled"),
    (lambda accounts: accounts.set_roles("lena", "sam", ["ethics_reviewer"]), "roles_changed"),
])
def test_password_change_disable_and_role_change_end_every_session(sessions, review, change, reason):
    tokens = [sessions.create("sam", "password"), sessions.create("sam", "oidc")]
    lena = sessions.create("lena", "password")
    change(review.accounts)
    assert [sessions.lookup(token).ended for token in tokens] == [reason, reason]
    assert sessions.lookup(lena).session is not None
    assert sessions.live_count("sam") == 0


def test_setting_the_same_roles_again_keeps_the_session(sessions, review):
    token = sessions.create("sam", "password")
    review.accounts.set_roles("lena", "sam", ["accuracy_reviewer"])
    assert sessions.lookup(token).session is not None


def test_end_all_for_a_person_and_no_session_for_a_disabled_account(sessions, review):
    tokens = [sessions.create("sam", "password") for _ in range(3)]
    assert sessions.end_all_for("sam", "ended_by_lead") == 3
    assert {sessions.lookup(token).ended for token in tokens} == {"ended_by_lead"}
    review.accounts.disable_user("lena", "sam")
    with pytest.raises(InvalidInput, match="disabled"):
        sessions.create("sam", "password")
    with pytest.raises(InvalidInput, match="one of password, oidc"):
        sessions.create("lena", "magic")


def test_a_single_sign_on_identity_starts_one_session_and_a_later_one_starts_the_next(sessions, clock):
    issued = clock.now - timedelta(seconds=3)
    first = sessions.create("sam", "oidc", identity_issued_at=issued)
    sessions.end(first)
    clock.now += timedelta(minutes=2)
    # The same identity presented again (a copy of the cookie) is refused, before or after sign-out.
    with pytest.raises(IdentityAlreadyUsed, match="already used to sign in; sign in through the provider again"):
        sessions.create("sam", "oidc", identity_issued_at=issued)
    assert sessions.live_count("sam") == 0
    # Signing in at the provider again issues a newer identity, which starts a session.
    assert sessions.lookup(sessions.create("sam", "oidc", identity_issued_at=clock.now - timedelta(seconds=1))).session is not None
    # Password sessions are not part of this rule, and another person's identities are their own.
    assert sessions.create("sam", "password") and sessions.create("lena", "oidc", identity_issued_at=issued)
