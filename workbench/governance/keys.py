"""Resolving an endpoint's key reference: the name of an environment variable or of a secrets-file entry.

The database and the UI only ever hold the reference (`env:ACME_LLM_KEY`, `secrets:acme_key`, or a
bare name looked up in the environment, then in the secrets file); the key is read when a call is made.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Mapping

from pydantic import SecretStr


class KeyResolver:
    """Looks key references up in the environment and in a TOML secrets file."""

    def __init__(self, secrets_file: Path, environ: Mapping[str, str] | None = None) -> None:
        self.secrets_file = Path(secrets_file)
        self.environ = os.environ if environ is None else environ

    def resolve(self, reference: str) -> SecretStr | None:
        """The key a reference names, or None when it names nothing (or an empty value)."""
        kind, _, name = reference.partition(":") if ":" in reference else ("", "", reference)
        name = name.strip()
        if not name:
            return None
        if kind in ("", "env"):
            value = self.environ.get(name)
            if value:
                return SecretStr(value)
            if kind == "env":
                return None
        if kind in ("", "secrets"):
            value = self._secret(name)
            if value:
                return SecretStr(value)
        return None

    @staticmethod
    def describe(reference: str) -> str:
        """Where a reference points, for a message (never the key)."""
        kind, _, name = reference.partition(":") if ":" in reference else ("", "", reference)
        if kind == "env":
            return f"environment variable {name}"
        if kind == "secrets":
            return f"secrets entry {name}"
        return f"environment variable or secrets entry {reference}"

    def _secret(self, dotted: str) -> str | None:
        """A value of the secrets file; `section.key` reaches into a table."""
        try:
            data = tomllib.loads(self.secrets_file.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            return None
        value: object = data
        for part in dotted.split("."):
            if not isinstance(value, dict) or part not in value:
                return None
            value = value[part]
        return str(value) if isinstance(value, (str, int)) and str(value) else None
