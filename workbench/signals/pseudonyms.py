"""Person identifiers replaced by keyed pseudonyms (HMAC-SHA256) before anything is stored."""

from __future__ import annotations

import hashlib
import hmac

from pydantic import SecretStr

from workbench.errors import ConfigurationError

MIN_KEY_CHARS = 16
MAX_REMEMBERED = 100_000


class Pseudonymizer:
    """The same person always gets the same pseudonym under one key; without the key it cannot be reversed or guessed."""

    def __init__(self, key: SecretStr | None) -> None:
        if key is None or len(key.get_secret_value()) < MIN_KEY_CHARS:
            raise ConfigurationError(
                f"set WORKBENCH_SIGNALS_PSEUDONYM_KEY to a secret of at least {MIN_KEY_CHARS} characters: "
                "person identifiers are pseudonymised with it on import")
        self._key = key.get_secret_value().encode("utf-8")
        self._known: dict[str, str] = {}  # one import meets the same people again and again


    def __repr__(self) -> str:
        return "Pseudonymizer(key=**********)"

    def pseudonym(self, identifier: str) -> str:
        """The pseudonym of one person identifier (32 hex characters)."""
        known = self._known.get(identifier)
        if known is None:
            known = hmac.new(self._key, identifier.encode("utf-8"), hashlib.sha256).hexdigest()[:32]
            if len(self._known) < MAX_REMEMBERED:
                self._known[identifier] = known
        return known
