"""Helpers shared by the CLI command modules."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn

import typer

from workbench.cli.terminal import echo, json_text
from workbench.settings import Settings

if TYPE_CHECKING:
    from workbench.bootstrap import Services


@dataclass
class CliState:
    """What the global options decided, plus the services built from it."""

    settings: Settings
    _services: Services | None = field(default=None, repr=False)

    @property
    def services(self) -> Services:
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
    echo(f"error: {message}", err=True)
    sys.exit(code)


@contextmanager
def terminal_progress(labels: dict[str, str], fallback: Callable[[str, int, int], None] | None = None) -> Iterator:
    """A (stage, done, total) callback drawing one bar per stage on stderr when it is a terminal, else `fallback`."""
    if not sys.stderr.isatty():
        yield fallback
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        tasks: dict[str, int] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(labels.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


def print_json(data: Any) -> None:
    """Print data as indented JSON (UTF-8, hidden characters \\u-escaped, so the terminal never obeys them)."""
    echo(json_text(data))


def read_password(password_stdin: bool, prompt: str, *, confirm: bool = False) -> str:
    """A password from one line of stdin, or a hidden prompt (asked twice when confirming) on a terminal."""
    if password_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            fail("no password on stdin (--password-stdin reads one line)")
        return password
    if not sys.stdin.isatty():
        fail("stdin is not a terminal: pass the password on stdin with --password-stdin")
    return typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm)


def acting_user(ctx: typer.Context, name: str | None, password_stdin: bool):
    """The user named by --as, authenticated with a prompted password or one read from stdin."""
    if not name:
        fail("say who is acting with --as NAME")
    password = read_password(password_stdin, f"Password for {name}")
    return state(ctx).services.accounts.authenticate(name, password)
