"""CLI commands: gaps (skills framework against library coverage)."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Optional

import typer

from workbench.cli.terminal import echo, terminal_safe
from workbench.cli.common import print_json, state, terminal_progress
from workbench.stages import STAGE_LABELS

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
        echo(f"{label}...", err=True)
    elif done >= total:
        echo(f"{label}: {done}/{total} done", err=True)


def _print_timings(timings: dict[str, float], reused: bool = False) -> None:
    """Where the time went, one line per stage on stderr, slowest first, then the total."""
    if reused:
        echo("The report for this library and framework was computed before and reused "
             "(--recompute computes it again); it took:", err=True)
    echo("Time per stage:", err=True)
    for stage, seconds in sorted(timings.items(), key=lambda item: -item[1]):
        echo(f"  {STAGE_LABELS.get(stage, stage):20} {seconds:8.2f} s", err=True)
    echo(f"  {'total':20} {sum(timings.values()):8.2f} s", err=True)


def _print_table(report) -> None:
    """A compact human-readable table, most urgent first, with the one-sentence reason for each status."""
    counts = report.counts()
    echo(
        f"{terminal_safe(report.framework.name)}: {len(report.skills)} skills against {report.module_count} modules "
        f"({report.chunk_count} chunks) - {counts['gap']} gap, {counts['stale']} stale, "
        f"{counts['partial']} partial, {counts['covered']} covered"
    )
    echo(f"{'#':>3}  {'status':7}  {'cover':>5}  {'priority':8}  {'level':8}  {'taught':>6}  {'mentd':>5}  "
               f"{'skill':34}  why")
    for skill in report.skills:
        echo(
            f"{skill.rank:>3}  {STATUS_MARKS.get(skill.status, skill.status):7}  {skill.coverage:5.2f}  "
            f"{skill.priority:8}  {skill.level_match:8}  {len(skill.taught_by):>6}  {skill.mention_count:>5}  "
            f"{terminal_safe(skill.skill_name)[:34]:34}  {terminal_safe(skill.why)}"
        )
    if report.near_duplicates:
        echo("Near-duplicate modules:")
        for pair in report.near_duplicates:
            echo(f"  {terminal_safe(pair.path_a)} ~ {terminal_safe(pair.path_b)} (similarity {pair.similarity:.2f})")
    if report.orphan_modules:
        echo("Modules teaching no skill of the framework:")
        for orphan in report.orphan_modules:
            echo(f"  {terminal_safe(orphan.path)}")
    for warning in report.warnings:
        echo(f"warning: {terminal_safe(warning)}", err=True)


def gaps_command(
    ctx: typer.Context,
    skills: Optional[Path] = typer.Option(
        None, "--skills", help="Skills framework file (.yaml, .csv or an ESCO CSV export); default: the library's skills.yaml."
    ),
    output: OutputFormat = typer.Option(
        OutputFormat.TABLE, "--format",
        help="table, json (one object per skill, with taught_by, mentioned_in and why) or csv.",
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Print on stderr how long each stage took."),
    recompute: bool = typer.Option(
        False, "--recompute", help="Compute the report again even if one for this library and framework is cached."
    ),
) -> None:
    """Find the skills the library does not teach, teaches at the wrong level, or teaches with stale content."""
    stages: set[str] = set()
    with terminal_progress(STAGE_LABELS, fallback=_stderr_progress) as progress:
        def noting(stage: str, done: int, total: int) -> None:
            stages.add(stage)
            progress(stage, done, total)

        report = state(ctx).services.gaps.report(skills_file=skills, progress=noting, recompute=recompute)
    if verbose:
        # Scoring is the stage every computed report goes through; without it the shared report was served.
        _print_timings(report.timings, reused="scoring" not in stages)
    for warning in report.warnings if output is not OutputFormat.TABLE else ():
        echo(f"warning: {terminal_safe(warning)}", err=True)
    if output is OutputFormat.JSON:
        print_json(report.to_json())
    elif output is OutputFormat.CSV:
        sys.stdout.write(terminal_safe(report.to_csv()))
    else:
        _print_table(report)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the workbench CLI."""
    app.command("gaps")(gaps_command)
