"""CLI commands: published modules whose cited passages changed or disappeared, or whose review is stale; reopen one."""

from __future__ import annotations

from typing import Optional

import typer

from workbench.cli.common import acting_user, print_json, state
from workbench.cli.terminal import echo, terminal_safe

freshness_app = typer.Typer(help="Published modules whose sources changed or whose last review is too old; reopen one for review.")


@freshness_app.callback(invoke_without_command=True)
def list_flags(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the flagged modules as JSON."),
) -> None:
    """List the published modules to review again: a cited passage changed or disappeared, or the review is stale."""
    if ctx.invoked_subcommand is not None:
        return
    flags = state(ctx).services.freshness.flags()
    if as_json:
        print_json({"modules": [flag.as_dict() for flag in flags]})
        return
    if not flags:
        echo("every published module's sources are unchanged and its review is recent")
    for flag in flags:
        echo(f"{terminal_safe(flag.module_id)} (draft {flag.draft_id}, by {terminal_safe(flag.author)}): "
             f"{terminal_safe('; '.join(flag.reasons))}")
        for change in flag.changes:
            if change.diff:
                echo(terminal_safe(change.diff))


@freshness_app.command("reopen")
def reopen(
    ctx: typer.Context,
    module: str = typer.Argument(..., metavar="MODULE", help="The flagged published module."),
    as_: Optional[str] = typer.Option(None, "--as", help="The author or lead acting (asked for their password)."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from the first line of stdin."),
    as_json: bool = typer.Option(False, "--json", help="Print the new revision as JSON."),
) -> None:
    """Send a flagged module back to review: a new revision of its draft, sign-offs void, the changes as a finding."""
    user = acting_user(ctx, as_, password_stdin)
    draft = state(ctx).services.freshness.reopen(user, module)
    finding = next(f for f in draft.findings if f.get("check") == "freshness")
    if as_json:
        print_json({"draft_id": draft.id, "revision": draft.revision, "state": draft.state.value, "finding": finding})
        return
    echo(f"draft {draft.id} is {draft.state.value} at revision {draft.revision}: {terminal_safe(finding['message'])}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the workbench CLI."""
    app.add_typer(freshness_app, name="freshness")
