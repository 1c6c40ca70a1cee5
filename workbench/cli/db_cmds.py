"""CLI command: `migrate-db` moves the whole workbench database to another server (e.g. SQLite → PostgreSQL)."""

from __future__ import annotations

import typer

from workbench.cli.common import print_json, state


def migrate_db(
    ctx: typer.Context,
    to: str = typer.Option(..., "--to", metavar="URL",
                           help="The empty target database, e.g. postgresql+psycopg://user@host:5432/workbench."),
    json_output: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Copy every draft, sign-off, publication, person and audit row into an empty database, then verify it."""
    # Imported here: every other command starts without the copier and its tables.
    from review.db import Database
    from review.db_copy import copy_database

    settings = state(ctx).settings
    source, target = Database(settings.resolved_database_url), Database(to)

    def progress(stage: str, done: int, total: int) -> None:
        typer.echo(f"{stage}: {done} of {total}", err=True)

    try:
        report = copy_database(source, target, progress=progress)
    finally:
        source.dispose()
        target.dispose()
    if json_output:
        print_json(report.to_dict())
        return
    typer.echo(f"Copied {sum(report.rows.values())} rows in {len(report.rows)} tables from {report.source} to {report.target}; "
               f"the audit log verifies there ({report.audit_rows} rows, head {report.audit_head[:12]}…).")
    typer.echo("Point WORKBENCH_DATABASE_URL at the new database and restart every workbench process.")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the workbench CLI."""
    app.command("migrate-db", help="Move the workbench database to another (empty) database, e.g. SQLite to PostgreSQL.")(migrate_db)
