"""CLI commands: import learners' results (files, an LRS), list imports, per-item figures."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from review.actors import SHELL, actor_name
from workbench.cli.common import acting_user, fail, print_json, state
from workbench.cli.terminal import echo, terminal_safe
from workbench.signals.model import ImportReport

signals_app = typer.Typer(help="Learners' results and other signals: import them, list imports, per-item figures.", no_args_is_help=True)


def _progress(count: int) -> None:
    echo(f"read {count:,} records…", err=True)


@signals_app.command("import")
def import_signals(
    ctx: typer.Context,
    file: Optional[Path] = typer.Argument(None, help="The file to import (leave out with --from-lrs)."),
    kind: Optional[str] = typer.Option(None, "--kind", help="What the file holds: xapi (JSON array or JSON lines) | scorm-csv | proficiency-csv | market-trend."),
    from_lrs: Optional[str] = typer.Option(None, "--from-lrs", metavar="URL",
                                           help="Pull statements from this LRS's xAPI endpoint (credentials from WORKBENCH_LRS_USERNAME / _PASSWORD)."),
    module: Optional[str] = typer.Option(None, "--module", help="scorm-csv: the published module the rows belong to, when the file has no module column."),
    as_: Optional[str] = typer.Option(None, "--as", help="Record the import under this user (asked for their password); default: the shell operator."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the --as user's password from the first line of stdin."),
    as_json: bool = typer.Option(False, "--json", help="Print the import report as JSON."),
) -> None:
    """Import learners' results from a file or an LRS; bad lines are reported, good ones kept, all in one transaction."""
    if (file is None) == (from_lrs is None):
        fail("give either a FILE (with --kind) or --from-lrs URL")
    who = actor_name(acting_user(ctx, as_, password_stdin)) if as_ else actor_name(SHELL)
    signals = state(ctx).services.signals
    if from_lrs is not None:
        report = signals.import_from_lrs(from_lrs, who, progress=_progress)
    else:
        if not kind:
            fail("say what the file holds with --kind xapi, scorm-csv, proficiency-csv or market-trend")
        report = signals.import_file(file, kind, who, progress=_progress, module_id=module)
    if as_json:
        print_json(report.as_dict())
        return
    _print_report(report)


def _print_report(report: ImportReport) -> None:
    source = terminal_safe(report.source)
    if report.already_imported:
        echo(f"{source} was already imported (import {report.import_id}, {report.imported_at:%Y-%m-%d %H:%M} UTC, "
                   f"by {terminal_safe(report.imported_by)}): nothing to do")
        return
    echo(f"import {report.import_id} from {source}: read {report.read:,}, kept {report.kept:,} new, "
               f"{report.duplicates:,} already kept, {report.ignored:,} ignored, {report.rejected:,} rejected")
    for problem in report.problems:
        echo(f"line {problem.line}: {terminal_safe(problem.reason)}")
    if report.rejected > len(report.problems) + sum(report.unknown_ids.values()):
        echo("(more problems than listed; --json shows the same list)")
    for found in report.matches:
        verdict = "matched by meaning" if found["matched"] else "NOT matched (below the threshold), closest"
        echo(f"label {terminal_safe(found['label'])!r}: {verdict}: {terminal_safe(found['skill_id'])} "
             f"({terminal_safe(found['skill_name'])}), confidence {found['confidence']:.2f}")
    what = "unknown or unmatched skill" if report.kind in ("proficiency-csv", "market-trend") else "unknown id (not in a published assessment)"
    for identifier, count in report.unknown_ids.items():
        echo(f"{what}: {terminal_safe(identifier)} ({count}x)")
    if report.cursor:
        echo(f"next import from this LRS starts after {report.cursor}")


@signals_app.command("imports")
def list_imports(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the imports as JSON."),
) -> None:
    """List every import: source, when, by whom, and what it kept."""
    imports = state(ctx).services.signals.imports()
    if as_json:
        print_json([report.as_dict() for report in imports])
        return
    for report in imports:
        echo(f"{report.import_id:>4}  {report.imported_at:%Y-%m-%d %H:%M}  {report.kind:9}  kept {report.kept:>7,}  "
                   f"rejected {report.rejected:>6,}  {terminal_safe(report.imported_by)}  {terminal_safe(report.source)}")


@signals_app.command("items")
def item_figures(
    ctx: typer.Context,
    module: Optional[str] = typer.Option(None, "--module", help="Only the items of this published module."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
) -> None:
    """Per-item attempts and share correct, for items answered by at least the minimum group of people."""
    aggregates = state(ctx).services.signals.item_aggregates(module)
    if as_json:
        print_json(aggregates.as_dict())
        return
    for item in aggregates.items:
        share = f"{item.correct_share:.0%}" if item.correct_share is not None else "-"
        echo(f"{terminal_safe(item.module_id)}  {terminal_safe(item.item_id)}  attempts {item.attempts}  people {item.people}  correct {share}")
    if aggregates.withheld:
        echo(f"{aggregates.withheld} item(s) withheld: answered by fewer than {aggregates.min_group_size} people")


@signals_app.command("analysis")
def item_analysis(
    ctx: typer.Context,
    module: Optional[str] = typer.Option(None, "--module", help="The published module to analyse (default: every module with answers)."),
    as_json: bool = typer.Option(False, "--json", help="Print the statistics as JSON."),
) -> None:
    """Item analysis: difficulty (p), corrected point-biserial, option shares and flags, for items answered by enough people."""
    signals = state(ctx).services.signals
    analyses = [signals.item_analysis(module_id) for module_id in ([module] if module else signals.analysed_modules())]
    if as_json:
        print_json([analysis.as_dict() for analysis in analyses])
        return
    for analysis in analyses:
        echo(f"{terminal_safe(analysis.module_id)}: {len(analysis.items)} item(s), {len(analysis.flagged)} flagged")
        for item in analysis.items:
            r = "-" if item.discrimination is None else f"{item.discrimination:.2f}"
            shares = ", ".join(f"{terminal_safe(o.response)}{'*' if o.key else ''} {o.share:.0%}" for o in item.options)
            echo(f"  {terminal_safe(item.item_id)}  answers {item.attempts}  p {item.difficulty:.2f}  r {r}  ({shares})")
            for flag in item.flags:
                echo(f"    flag: {terminal_safe(flag.reason)}")
        if analysis.withheld:
            echo(f"  {analysis.withheld} item(s) withheld: answered by fewer than {analysis.min_group_size} people")


@signals_app.command("reopen")
def reopen_item(
    ctx: typer.Context,
    module: str = typer.Argument(..., metavar="MODULE", help="The published module."),
    item: str = typer.Argument(..., metavar="ITEM", help="The flagged item (as `signals analysis` names it)."),
    as_: Optional[str] = typer.Option(None, "--as", help="The author or lead acting (asked for their password)."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from the first line of stdin."),
    as_json: bool = typer.Option(False, "--json", help="Print the new revision's finding as JSON."),
) -> None:
    """Send a flagged item back to review: a new revision of the module's draft, its statistics attached as a finding."""
    user = acting_user(ctx, as_, password_stdin)
    draft = state(ctx).services.item_review.reopen(user, module, item)
    finding = next(f for f in draft.findings if f.get("check") == "item_analysis" and f.get("location") == f"item:{item}")
    if as_json:
        print_json({"draft_id": draft.id, "revision": draft.revision, "state": draft.state.value, "finding": finding})
        return
    echo(f"draft {draft.id} is {draft.state.value} at revision {draft.revision}: {terminal_safe(finding['message'])}")


@signals_app.command("proficiency")
def proficiency(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
) -> None:
    """Per skill and period, the share of people rated below their target, for groups of at least the minimum size."""
    aggregates = state(ctx).services.signals.proficiency_aggregates()
    if as_json:
        print_json(aggregates.as_dict())
        return
    for skill in aggregates.skills:
        echo(f"{terminal_safe(skill.skill_id)}  {terminal_safe(skill.period)}  people {skill.people}  below target {skill.below_target} "
                   f"({skill.below_target / skill.people:.0%})")
    if aggregates.withheld:
        echo(f"{aggregates.withheld} skill-period(s) withheld: fewer than {aggregates.min_group_size} people rated")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the workbench CLI."""
    app.add_typer(signals_app, name="signals")
