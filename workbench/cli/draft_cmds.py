"""CLI commands: draft (a module and its assessment, checked and sent to review) and checks."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from workbench.cli.terminal import echo
from workbench.cli.common import fail, print_json, state


def _print_findings(findings: list) -> None:
    if not findings:
        echo("no findings")
        return
    for finding in findings:
        mark = " (advisory)" if finding.advisory else ""
        echo(f"{finding.severity.value:<8} {finding.check:<22} {finding.location:<14} {finding.message}{mark}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the workbench CLI."""

    @app.command("draft")
    def draft(
        ctx: typer.Context,
        skill: Optional[str] = typer.Option(None, "--skill", help="Id of the skill (gap) to draft for, from the skills framework."),
        skills: Optional[Path] = typer.Option(None, "--skills", help="Skills framework file (default: the library's skills.yaml)."),
        brief: Optional[Path] = typer.Option(None, "--brief", help="YAML or JSON brief file; with --skill, its fields override the skill's."),
        as_user: str = typer.Option(..., "--as", help="The acting user (an author or lead)."),
        password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the acting user's password from standard input."),
        no_submit: bool = typer.Option(False, "--no-submit", help="Keep the draft in 'drafting' instead of submitting it for review."),
        as_json: bool = typer.Option(False, "--json", help="Print {draft_id, findings, ...} as JSON (progress goes to stderr)."),
    ) -> None:
        """Draft a module and its assessment grounded in the library, run the checks and submit it for review."""
        if not skill and not brief:
            fail("give --skill ID (a skill of the framework) or --brief FILE (a brief typed by hand)")
        from workbench.cli.common import acting_user

        services = state(ctx).services
        drafting = services.drafting
        the_brief = drafting.brief_for_skill(skill, skills, brief) if skill else drafting.load_brief(brief)
        user = acting_user(ctx, as_user, password_stdin)

        def progress(message: str) -> None:
            echo(f"… {message}", err=True)

        result = drafting.create_draft(user, the_brief, submit=not no_submit, progress=progress)
        if as_json:
            print_json(result.to_dict())
            return
        echo(f"draft {result.draft_id} '{result.content.module.title}' revision {result.revision}: {result.state}")
        if result.not_submitted:
            echo(f"not submitted: {result.not_submitted}", err=True)
        if not result.content.provenance.grounded:
            echo("warning: ungrounded draft (the library has nothing on this topic)")
        _print_findings(result.findings)

    @app.command("checks")
    def checks(
        ctx: typer.Context,
        draft_id: int = typer.Argument(..., help="Id of the draft in the review queue."),
        as_json: bool = typer.Option(False, "--json", help="Print the findings as a JSON list."),
    ) -> None:
        """Re-run the pre-review checks on a draft's current revision and print the findings."""
        findings = state(ctx).services.drafting.run_checks(draft_id)
        if as_json:
            print_json([finding.model_dump(mode="json") for finding in findings])
            return
        _print_findings(findings)

    @app.command("failed-reply")
    def failed_reply(
        ctx: typer.Context,
        number: int = typer.Argument(..., help="The number the drafting error gave (failed generation #N)."),
        as_json: bool = typer.Option(False, "--json", help="Print {id, at, label, message, raw_output} as JSON."),
    ) -> None:
        """Show a model reply that stayed invalid after the retries, with its error."""
        kept = state(ctx).services.failed_generations.get(number)
        if as_json:
            print_json({"id": kept.id, "at": kept.at.isoformat(), "label": kept.label, "message": kept.message, "raw_output": kept.raw_output})
            return
        echo(f"failed generation #{kept.id} · {kept.label} · {kept.at.isoformat(timespec='seconds')}")
        echo(f"error: {kept.message}")
        echo(kept.raw_output)
