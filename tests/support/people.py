"""People for tests: real argon2id with cheap parameters, created through the accounts service."""

from __future__ import annotations

from argon2 import PasswordHasher

from review.accounts import Accounts

# The real algorithm and checks; cheap parameters so that creating twenty users takes milliseconds.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PASSWORD = "correct horse battery"


def add_people(accounts: Accounts, people: dict[str, list[str]], password: str = PASSWORD) -> None:
    """Create the people in order: the first (a lead) bootstraps the empty database, the lead adds the rest."""
    names = list(people)
    accounts.add_user(names[0], password, people[names[0]])
    for name in names[1:]:
        accounts.add_user(name, password, people[name], actor=names[0])
