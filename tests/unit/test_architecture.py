"""The rules of the house that code can check: import boundaries and help text on every command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import typer.main

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_hold():
    """review/ never imports workbench; the domain imports no frameworks; pages import no persistence."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _walk(command: click.Command, path: tuple[str, ...] = ()):
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _walk(sub, path + (name,))


def test_every_cli_command_has_help_text():
    """A user typing --help on any command learns what it does."""
    from workbench.cli import app

    root = typer.main.get_command(app)
    missing = [" ".join(path) or "workbench" for path, command in _walk(root) if not (command.help or "").strip()]
    assert missing == []


def test_every_cli_option_has_help_text():
    """Every option explains itself in --help."""
    from workbench.cli import app

    root = typer.main.get_command(app)
    missing = []
    for path, command in _walk(root):
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden and not (param.help or "").strip():
                if param.name not in {"help"}:
                    missing.append(f"{' '.join(path)} {param.opts[0]}")
    assert missing == []
