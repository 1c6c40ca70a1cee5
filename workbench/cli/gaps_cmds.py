"""CLI commands: gaps (skills framework against library coverage)."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Optional

import typer

from workbench.cli.common import print_json, state

STAGE_LABELS = {
    "reading": "Reading library",
    "embedding": "Embedding chunks",
    "writing": "Writing index",
    "reading index": "Reading index",
    "embedding skills": "Embedding skills",
    "scoring": "Scoring skills",
}
STATUS_MARKS = {"gap": "GAP", "stale": "STALE", "partial": "PARTIAL", "covered": "ok"}


class OutputFormat(StrEnum):
    """How the report is printed."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def _stderr_progress(stage: str, done: int, total: int) -> None:
    """One line on stderr when a stage starts and when it ends, so stdout stays clean for JSON/CSV."""
    label = STAGE_LABELS.get(stage, stage)
    if done == 0:
        typer.echo(f"{label}...", err=True)
    elif done >= total:
        typer.echo(f"{label}: {done}/{total} done", err=True)


def _print_table(report) -> None:
    """A compact human-readable table, most urgent first."""
    counts = report.counts()
    typer.echo(
        f"{report.framework.name}: {len(report.skills)} skills against {report.module_count} modules "
        f"({report.chunk_count} chunks) - {counts['gap']} gap, {counts['stale']} stale, "
        f"{counts['partial']} partial, {counts['covered']} covered"
    )
    typer.echo(f"{'#':>3}  {'status':7}  {'cover':>5}  {'priority':8}  {'level':8}  {'skill':34}  best evidence")
    for skill in report.skills:
        best = skill.evidence[0].path if skill.evidence else "-"
        typer.echo(
            f"{skill.rank:>3}  {STATUS_MARKS.get(skill.status, skill.status):7}  {skill.coverage:5.2f}  "
            f"{skill.priority:8}  {skill.level_match:8}  {skill.skill_name[:34]:34}  {best}"
        )
    if report.near_duplicates:
        typer.echo("Near-duplicate modules:")
        for pair in report.near_duplicates:
            typer.echo(f"  {pair.path_a} ~ {pair.path_b} (similarity {pair.similarity:.2f})")
    if report.orphan_modules:
        typer.echo("Modules teaching no skill of the framework:")
        for orphan in report.orphan_modules:
            typer.echo(f"  {orphan.path}")
    for warning in report.warnings:
        typer.echo(f"warning: {warning}", err=True)


def gaps_command(
    ctx: typer.Context,
    skills: Optional[Path] = typer.Option(
        None, "--skills", help="Skills framework file (.yaml, .csv or an ESCO CSV export); default: the library's skills.yaml."
    ),
    output: OutputFormat = typer.Option(OutputFormat.TABLE, "--format", help="table, json (one object per skill) or csv."),
) -> None:
    """Find the skills the library does not teach, teaches at the wrong level, or teaches with stale content."""
    report = state(ctx).services.gaps.report(skills_file=skills, progress=_stderr_progress)
    for warning in report.warnings if output is not OutputFormat.TABLE else ():
        typer.echo(f"warning: {warning}", err=True)
    if output is OutputFormat.JSON:
        print_json(report.to_json())
    elif output is OutputFormat.CSV:
        sys.stdout.write(report.to_csv())
    else:
        _print_table(report)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the workbench CLI."""
    app.command("gaps")(gaps_command)
