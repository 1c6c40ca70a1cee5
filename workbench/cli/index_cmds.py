"""CLI commands: index (build the semantic index of the library) and search (query it by meaning)."""

from __future__ import annotations

import typer

from workbench.cli.terminal import echo
from workbench.cli.common import fail, print_json, state, terminal_progress
from workbench.stages import STAGE_LABELS


def _print_report(report) -> None:
    """The human-readable summary of an index run."""
    echo(
        f"Read {report.files} files ({report.modules} modules) in {report.seconds:.1f} s: "
        f"{report.chunks_added} chunks added, {report.chunks_updated} updated, "
        f"{report.chunks_removed} removed, {report.chunks_unchanged} unchanged "
        f"({report.chunks_embedded} embedded, {report.chunks_reused} reused)."
    )
    if report.library_commit:
        echo(f"The index reflects library commit {report.library_commit[:12]}.")
    if report.skipped:
        echo(f"Skipped or partly read ({len(report.skipped)}):")
        for item in report.skipped:
            echo(f"  {item.path}: {item.reason}")
    if report.warnings:
        echo(f"Warnings ({len(report.warnings)}):")
        for item in report.warnings:
            echo(f"  {item.path}: {item.reason}")


def index_command(
    ctx: typer.Context,
    rebuild: bool = typer.Option(False, "--rebuild", help="Drop the index and embed everything again (needed after changing the embedding model)."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Index the content library for search; only new or changed text is embedded."""
    with terminal_progress(STAGE_LABELS) as progress:
        report = state(ctx).services.index.build(rebuild=rebuild, progress=progress)
    if as_json:
        print_json(report.to_json())
    else:
        _print_report(report)


def search_command(
    ctx: typer.Context,
    query: str = typer.Argument(..., help="What you are looking for, in your own words."),
    k: int = typer.Option(10, "-k", "--top", min=1, max=1000, help="How many chunks to return."),
    as_json: bool = typer.Option(False, "--json", help="Print the results as JSON."),
) -> None:
    """Search the indexed library by meaning; prints the closest chunks, best first."""
    if not query.strip():
        fail("the search query is empty")
    hits = state(ctx).services.index.search(query, k=k)
    if as_json:
        print_json(
            [
                {
                    "module_id": hit.module_id,
                    "path": hit.path,
                    "title": hit.title,
                    "heading": hit.heading,
                    "score": round(hit.score, 4),
                    "text": hit.text,
                }
                for hit in hits
            ]
        )
        return
    for rank, hit in enumerate(hits, start=1):
        heading = f" > {hit.heading}" if hit.heading != hit.title else ""
        echo(f"{rank:>2}. {hit.score:.3f}  {hit.title}{heading}  ({hit.path})")
        snippet = " ".join(hit.text.split())
        echo(f"      {snippet[:200]}{'...' if len(snippet) > 200 else ''}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the workbench CLI."""
    app.command("index")(index_command)
    app.command("search")(search_command)
