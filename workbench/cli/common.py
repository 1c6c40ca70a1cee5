"""Helpers shared by the CLI command modules."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any, NoReturn

import typer

from workbench.settings import Settings


@dataclass
class CliState:
    """What the global options decided, plus the services built from it."""

    settings: Settings
    _services: Any = field(default=None, repr=False)

    @property
    def services(self):
        """The composition root for this command, built on first use."""
        if self._services is None:
            from workbench.bootstrap import bootstrap

            self._services = bootstrap(self.settings)
        return self._services


def state(ctx: typer.Context) -> CliState:
    """The CLI state of the current command."""
    return ctx.find_root().obj


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one clear error line to stderr and exit non-zero."""
    typer.echo(f"error: {message}", err=True)
    sys.exit(code)


def print_json(data: Any) -> None:
    """Print data as indented JSON (UTF-8, not ASCII-escaped)."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
