"""CLI commands: export to LMS formats, import question banks."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from workbench.cli.terminal import echo
from workbench.cli.common import print_json, state
from workbench.exports.formats import ExportFormat

FORMAT_HELP = " | ".join(fmt.value for fmt in ExportFormat)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the workbench CLI."""

    @app.command("export")
    def export(
        ctx: typer.Context,
        ref: str = typer.Argument(..., metavar="ID", help="A draft number from the review queue, or a published module id."),
        fmt: str = typer.Option(..., "--format", "-f", help=f"Export format: {FORMAT_HELP}."),
        # A string, not a Path: a trailing slash ("out/") means "a folder to write into".
        output: str = typer.Option(..., "--output", "-o", help="File to write, or a folder to write into (existing, or ending in /)."),
        passing_score: int = typer.Option(80, "--passing-score", min=0, max=100, help="Pass mark in percent (SCORM, cmi5)."),
        as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    ) -> None:
        """Export a draft or a published module as GIFT, Moodle XML, QTI 2.1, QTI 1.2 (Canvas), SCORM 1.2, SCORM 2004 or cmi5."""
        written = state(ctx).services.exports.export_id_with_notes(ref, fmt, output, passing_score=passing_score)
        path = written.path
        if as_json:
            print_json({"id": ref, "format": fmt, "path": str(path), "bytes": path.stat().st_size, "notes": list(written.notes)})
            return
        echo(f"wrote {path}")
        for note in written.notes:
            echo(f"note: {note}")

    @app.command("import-questions")
    def import_questions(
        ctx: typer.Context,
        file: Path = typer.Argument(..., help="A GIFT (.gift/.txt), Moodle XML (.xml) or Canvas QTI 1.2 (.xml/.zip) file."),
        module: Optional[str] = typer.Option(None, "--module", help="Link the questions to this library module id."),
        skill: Optional[str] = typer.Option(None, "--skill", help="Link the questions to this skill id."),
        as_json: bool = typer.Option(False, "--json", help="Print the import report as JSON."),
    ) -> None:
        """Import a question bank into the library as an assessment; unsupported questions are listed."""
        report = state(ctx).services.exports.import_questions(file, module_id=module, skill_id=skill)
        if as_json:
            print_json(report.as_dict())
            return
        echo(f"imported {len(report.assessment.items)} question(s) from {file} ({report.format})")
        if report.saved_path:
            echo(f"saved as {report.saved_path}")
        else:
            echo("nothing saved: the file holds no supported questions")
        for question in report.unsupported:
            where = f"question {question.position}" + (f" (line {question.line})" if question.line else "")
            title = f" '{question.title}'" if question.title else ""
            echo(f"skipped {where}{title}: {question.type}: {question.reason}")
