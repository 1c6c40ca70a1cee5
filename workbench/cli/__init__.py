"""The `workbench` command line: commands parse input, call one service and print the result."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import click
import typer
from typer.core import TyperGroup

from workbench.cli import (
    app_cmds,
    db_cmds,
    draft_cmds,
    export_cmds,
    freshness_cmds,
    gaps_cmds,
    governance_cmds,
    index_cmds,
    llm_cmds,
    review_cmds,
    signals_cmds,
)
from review.errors import ReviewError
from workbench.cli.common import CliState, fail
from workbench.errors import WorkbenchError
from workbench.settings import Settings

class WorkbenchGroup(TyperGroup):
    """The root command: the one place where a named error becomes one line on stderr and exit code 1."""

    def invoke(self, ctx: click.Context):
        """Run the chosen command; commands never catch named errors themselves."""
        try:
            return super().invoke(ctx)
        except (WorkbenchError, ReviewError) as error:
            fail(str(error))


app = typer.Typer(
    cls=WorkbenchGroup,
    name="workbench",
    help="Generative-AI content authoring workbench with human review for L&D teams.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def main_options(
    ctx: typer.Context,
    library: Optional[Path] = typer.Option(None, "--library", help="Content library folder (overrides WORKBENCH_LIBRARY_DIR)."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Data folder for index, database and logs (overrides WORKBENCH_DATA_DIR)."),
) -> None:
    """Index a content library, find skill gaps, draft modules, review and publish them."""
    settings = Settings().with_overrides(library_dir=library, data_dir=data_dir)
    ctx.obj = CliState(settings=settings)


for _module in (index_cmds, gaps_cmds, llm_cmds, review_cmds, draft_cmds, export_cmds, signals_cmds, freshness_cmds, governance_cmds, app_cmds, db_cmds):
    _module.register(app)


def main() -> None:
    """Run the CLI, turning every named error into one line and a non-zero exit."""
    try:
        app(standalone_mode=False)
    except (WorkbenchError, ReviewError) as error:
        fail(str(error))
    except typer.Exit as exit_:
        sys.exit(exit_.exit_code)
    except typer.Abort:
        fail("aborted")
    except KeyboardInterrupt:
        fail("interrupted")
    except Exception as error:  # click usage errors and the like
        if isinstance(error, click.ClickException):
            error.show()
            sys.exit(error.exit_code)
        fail(f"unexpected error: {type(error).__name__}: {error}")
