"""CLI commands: `workbench governance ...` — endpoints, routes, teams, budgets, the AI-use policy, usage."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from review.actors import SHELL
from workbench.cli.common import acting_user, fail, print_json, state
from workbench.cli.review_cmds import _safe

LEAD_HELP = "Act as this lead (asked for their password); without it, as the operator at the server's shell."
STDIN_HELP = "Read the password from the first line of stdin instead of prompting."
JSON_HELP = "Print JSON."

governance_app = typer.Typer(help="AI governance: endpoints and routes, teams and budgets, the AI-use policy, usage.", no_args_is_help=True)
endpoint_app = typer.Typer(help="Endpoints a use of AI may be routed to (the key stays in the environment or secrets file).", no_args_is_help=True)
route_app = typer.Typer(help="Which endpoint each use of AI goes to, or off.", no_args_is_help=True)
team_app = typer.Typer(help="Teams, for team budgets.", no_args_is_help=True)
budget_app = typer.Typer(help="Token budgets and concurrent generations per user or team.", no_args_is_help=True)
policy_app = typer.Typer(help="The AI-use policy people accept before their first AI action.", no_args_is_help=True)


def _governance(ctx: typer.Context):
    return state(ctx).services.governance


def _lead(ctx: typer.Context, as_: Optional[str], password_stdin: bool):
    return acting_user(ctx, as_, password_stdin) if as_ else SHELL


# ---------------------------------------------------------------------- endpoints


@endpoint_app.command("add")
def endpoint_add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Endpoint name (lower-case letters, digits, '.', '_', '-')."),
    kind: str = typer.Option(..., "--kind", help="internal (runs inside the organisation) or external."),
    max_classification: str = typer.Option(..., "--max-classification", help="The most restricted level of content it may receive."),
    base_url: Optional[str] = typer.Option(None, "--url", help="Base URL of the OpenAI-compatible API, ending in /v1."),
    model: Optional[str] = typer.Option(None, "--model", help="Model (or deployment) name."),
    key_ref: Optional[str] = typer.Option(None, "--key-ref", help="Where the key is: env:NAME, secrets:NAME or a bare name (never the key)."),
    provider: str = typer.Option("openai", "--provider", help="openai or embedded."),
    as_: Optional[str] = typer.Option(None, "--as", help=LEAD_HELP),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=STDIN_HELP),
) -> None:
    """Register an endpoint (or replace one of the same name)."""
    endpoint = _governance(ctx).register_endpoint(
        _lead(ctx, as_, password_stdin), name, kind=kind, max_classification=max_classification, base_url=base_url,
        model=model, key_ref=key_ref, provider=provider,
    )
    typer.echo(f"endpoint {endpoint.name}: {endpoint.kind}, content up to {endpoint.max_classification}")


@endpoint_app.command("list")
def endpoint_list(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help=JSON_HELP)) -> None:
    """List endpoints, whether each is usable now, and the uses routed to each."""
    rows = _governance(ctx).endpoints()
    if as_json:
        print_json(rows)
        return
    for row in rows:
        where = row["base_url"] or row["provider"]
        status = "usable" if row["usable"] else f"UNUSABLE: {row['problem']}"
        uses = ", ".join(row["uses"]) or "no uses"
        typer.echo(_safe(f"{row['name']}  {row['kind']}  up to {row['max_classification']}  {where}  {row['model'] or ''}  [{status}]  ({uses})"))


@endpoint_app.command("remove")
def endpoint_remove(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The endpoint."),
    as_: Optional[str] = typer.Option(None, "--as", help=LEAD_HELP),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=STDIN_HELP),
) -> None:
    """Remove an endpoint no use is routed to."""
    _governance(ctx).remove_endpoint(_lead(ctx, as_, password_stdin), name)
    typer.echo(f"removed endpoint {name}")


# ---------------------------------------------------------------------- routes


@route_app.command("set")
def route_set(
    ctx: typer.Context,
    use: str = typer.Argument(..., help="drafting, regeneration, critiques or gap_explanations."),
    endpoint: str = typer.Argument(..., help="An endpoint name, default, or off."),
    as_: Optional[str] = typer.Option(None, "--as", help=LEAD_HELP),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=STDIN_HELP),
) -> None:
    """Route a use of AI to an endpoint, or switch it off."""
    _governance(ctx).set_route(_lead(ctx, as_, password_stdin), use, endpoint)
    typer.echo(f"{use} -> {endpoint}")


@route_app.command("list")
def route_list(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help=JSON_HELP)) -> None:
    """Where each use of AI goes."""
    table = _governance(ctx).route_table()
    if as_json:
        print_json(table)
        return
    for use, endpoint in table.items():
        typer.echo(f"{use} -> {endpoint}")


# ---------------------------------------------------------------------- teams and budgets


@team_app.command("add")
def team_add(
    ctx: typer.Context,
    team: str = typer.Argument(..., help="The team."),
    user: str = typer.Argument(..., help="The user to put in it."),
    as_: Optional[str] = typer.Option(None, "--as", help=LEAD_HELP),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=STDIN_HELP),
) -> None:
    """Put a user in a team."""
    _governance(ctx).add_team_member(_lead(ctx, as_, password_stdin), team, user)
    typer.echo(_safe(f"{user} is in team {team}"))


@team_app.command("remove")
def team_remove(
    ctx: typer.Context,
    team: str = typer.Argument(..., help="The team."),
    user: str = typer.Argument(..., help="The user to take out."),
    as_: Optional[str] = typer.Option(None, "--as", help=LEAD_HELP),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=STDIN_HELP),
) -> None:
    """Take a user out of a team."""
    _governance(ctx).remove_team_member(_lead(ctx, as_, password_stdin), team, user)
    typer.echo(_safe(f"{user} left team {team}"))


@team_app.command("list")
def team_list(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help=JSON_HELP)) -> None:
    """Teams and their members."""
    teams = _governance(ctx).budgets.teams()
    if as_json:
        print_json(teams)
        return
    for team, members in teams.items():
        typer.echo(_safe(f"{team}: {', '.join(members)}"))


def _subject(user: Optional[str], team: Optional[str]) -> tuple[str, str]:
    if bool(user) == bool(team):
        fail("name exactly one of --user NAME or --team NAME")
    return ("user", user) if user else ("team", team)  # type: ignore[return-value]


@budget_app.command("set")
def budget_set(
    ctx: typer.Context,
    user: Optional[str] = typer.Option(None, "--user", help="The user the budget is for."),
    team: Optional[str] = typer.Option(None, "--team", help="The team the budget is for."),
    tokens_per_day: Optional[int] = typer.Option(None, "--tokens-per-day", help="Tokens (prompt + completion) per day."),
    tokens_per_month: Optional[int] = typer.Option(None, "--tokens-per-month", help="Tokens per calendar month."),
    concurrent: Optional[int] = typer.Option(None, "--concurrent", help="Generations running at once."),
    as_: Optional[str] = typer.Option(None, "--as", help=LEAD_HELP),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=STDIN_HELP),
) -> None:
    """Set limits of a user or team (the limits given replace the stored ones)."""
    kind, subject = _subject(user, team)
    budget = _governance(ctx).set_budget(_lead(ctx, as_, password_stdin), kind, subject, tokens_per_day=tokens_per_day,
                                         tokens_per_month=tokens_per_month, concurrent=concurrent)
    typer.echo(_safe(_budget_line(budget.to_dict())))


@budget_app.command("clear")
def budget_clear(
    ctx: typer.Context,
    user: Optional[str] = typer.Option(None, "--user", help="The user."),
    team: Optional[str] = typer.Option(None, "--team", help="The team."),
    as_: Optional[str] = typer.Option(None, "--as", help=LEAD_HELP),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=STDIN_HELP),
) -> None:
    """Remove every limit of a user or team."""
    kind, subject = _subject(user, team)
    _governance(ctx).clear_budget(_lead(ctx, as_, password_stdin), kind, subject)
    typer.echo(_safe(f"cleared the budget of {kind} {subject}"))


@budget_app.command("list")
def budget_list(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help=JSON_HELP)) -> None:
    """Every budget."""
    rows = [budget.to_dict() for budget in _governance(ctx).budgets.all()]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        typer.echo(_safe(_budget_line(row)))


def _budget_line(row: dict) -> str:
    parts = [f"{label} {row[key]:,}" for key, label in (("tokens_per_day", "tokens/day"), ("tokens_per_month", "tokens/month"),
                                                          ("concurrent", "concurrent")) if row[key] is not None]
    return f"{row['subject_kind']} {row['subject']}: {', '.join(parts)}"


# ---------------------------------------------------------------------- policy


@policy_app.command("publish")
def policy_publish(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="The policy as a markdown file.", exists=True, dir_okay=False, readable=True),
    as_: Optional[str] = typer.Option(None, "--as", help=LEAD_HELP),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=STDIN_HELP),
) -> None:
    """Publish a new version of the AI-use policy; everyone accepts it again before their next AI action."""
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        fail(f"{file} is not UTF-8 text")
    version = _governance(ctx).publish_policy(_lead(ctx, as_, password_stdin), text)
    typer.echo(f"published version {version.version} of the AI-use policy (sha256 {version.sha256[:12]})")


@policy_app.command("show")
def policy_show(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help=JSON_HELP)) -> None:
    """The current policy."""
    current = _governance(ctx).current_policy()
    if as_json:
        print_json(current.to_dict() if current else None)
        return
    if current is None:
        typer.echo("no AI-use policy is published")
        return
    typer.echo(f"version {current.version}, published by {_safe(current.published_by)} on {current.published_at:%Y-%m-%d}\n")
    typer.echo(_safe(current.text, multiline=True))


@policy_app.command("accept")
def policy_accept(
    ctx: typer.Context,
    as_: Optional[str] = typer.Option(None, "--as", help="Who accepts (asked for their password)."),
    version: Optional[int] = typer.Option(None, "--version", help="The version you read (default: the current one, shown first)."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=STDIN_HELP),
) -> None:
    """Accept the AI-use policy as yourself (refused when the version you read was replaced)."""
    user = acting_user(ctx, as_, password_stdin)
    governance = _governance(ctx)
    if version is None:
        current = governance.current_policy()
        if current is None:
            fail("no AI-use policy is published; there is nothing to accept")
        typer.echo(_safe(current.text, multiline=True), err=True)
        version = current.version
    governance.accept_policy(user, version)
    typer.echo(f"{user.name} accepted version {version} of the AI-use policy")


# ---------------------------------------------------------------------- usage and classification


@governance_app.command("usage")
def usage(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
    csv_out: Optional[Path] = typer.Option(None, "--csv", help="Write the usage as CSV to this file ('-' for stdout)."),
) -> None:
    """Tokens and calls per user, use and endpoint, from the generation log."""
    governance = _governance(ctx)
    if csv_out is not None:
        if str(csv_out) == "-":
            governance.usage_csv(sys.stdout)
            return
        temp = csv_out.with_name(f".{csv_out.name}.part")
        with temp.open("w", encoding="utf-8", newline="") as stream:
            count = governance.usage_csv(stream)
        temp.replace(csv_out)
        typer.echo(f"wrote {count} rows to {csv_out}", err=True)
        return
    rows = [row.to_dict() for row in governance.usage_rows()]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        typer.echo(_safe(f"{row['user']}  {row['use']}  {row['endpoint']}  {row['calls']} calls  {row['total_tokens']:,} tokens"))


@governance_app.command("classify")
def classify(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help=JSON_HELP)) -> None:
    """The classification of every library module, where it comes from, and misspelt values."""
    rows = _governance(ctx).classify()
    if as_json:
        print_json(rows)
        return
    for row in rows:
        line = f"{row['path']}: {row['classification']} ({row['source']})"
        typer.echo(_safe(line + (f"  warning: {row['warning']}" if row["warning"] else "")))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the workbench CLI."""
    governance_app.add_typer(endpoint_app, name="endpoint")
    governance_app.add_typer(route_app, name="route")
    governance_app.add_typer(team_app, name="team")
    governance_app.add_typer(budget_app, name="budget")
    governance_app.add_typer(policy_app, name="policy")
    app.add_typer(governance_app, name="governance")
