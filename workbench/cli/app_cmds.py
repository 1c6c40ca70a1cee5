"""CLI commands: app (`workbench serve` starts the Streamlit workbench)."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import Optional

import typer

from workbench.app.streamlit_options import streamlit_flags
from workbench.cli.terminal import echo
from workbench.cli.common import fail, state
from workbench.first_run import create_lead_command

# The st.App with the sign-in routes in front of the pages (workbench/app/main.py).
APP_SCRIPT = Path(__file__).resolve().parent.parent / "app" / "server.py"
LEAD_ROLE = "lead"


def _first_run_message(settings) -> str:
    return (
        "No accounts exist yet. Create the first lead, then sign in:\n"
        f"  {create_lead_command(settings)}\n"
        "(or start the app with `workbench serve --create-lead NAME` to get a generated password printed once)"
    )


def _create_lead(services, name: str) -> str:
    """Create the first lead with a generated password and return the password."""
    password = secrets.token_urlsafe(18)
    services.accounts.add_user(name, roles=[LEAD_ROLE], password=password)
    return password


def streamlit_command(host: str, port: int, secrets_file: Path) -> list[str]:
    """The `streamlit run` command line for the workbench app, every Streamlit setting explicit."""
    return [sys.executable, "-m", "streamlit", "run", str(APP_SCRIPT), *streamlit_flags(host, port, secrets_file)]


def serve(
    ctx: typer.Context,
    port: int = typer.Option(8501, "--port", help="Port to listen on."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (keep 127.0.0.1 unless behind a proxy)."),
    create_lead: Optional[str] = typer.Option(
        None, "--create-lead", metavar="NAME",
        help="When no account exists yet, create this lead with a generated password, printed once.",
    ),
) -> None:
    """Start the Streamlit workbench (library, gaps, draft studio, review queue, audit)."""
    cli_state = state(ctx)
    settings = cli_state.settings
    services = cli_state.services
    if not services.accounts.list_users():
        if create_lead:
            password = _create_lead(services, create_lead)
            echo(f"Created lead {create_lead!r}. Password (shown once, store it now): {password}")
        else:
            echo(_first_run_message(settings))
    elif create_lead:
        echo("Accounts already exist; --create-lead was ignored.")
    env = dict(os.environ)
    # The app builds its own services from the environment: hand it exactly these settings.
    env["WORKBENCH_LIBRARY_DIR"] = str(Path(settings.library_dir).resolve())
    env["WORKBENCH_DATA_DIR"] = str(Path(settings.data_dir).resolve())
    env["WORKBENCH_STREAMLIT_SECRETS_FILE"] = str(Path(settings.streamlit_secrets_file).expanduser().resolve())
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TRANSFORMERS_OFFLINE", "1")
    env.setdefault("ANONYMIZED_TELEMETRY", "False")
    command = streamlit_command(host, port, settings.streamlit_secrets_file)
    echo(f"Workbench at http://{host}:{port}  (Ctrl+C stops it)")
    sys.stdout.flush()
    try:
        # exec: the server replaces this process, so stopping this pid stops the server.
        os.execve(command[0], command, env)
    except OSError as error:
        fail(f"could not start Streamlit: {error}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the workbench CLI."""
    app.command("serve", help="Start the Streamlit workbench on 127.0.0.1 (first run: tells how to create the first lead).")(serve)
