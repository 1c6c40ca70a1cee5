"""The first-run hint: the exact command that creates the first lead for the library and data dir in use."""

from __future__ import annotations

import shlex
from pathlib import Path

from workbench.settings import Settings


def create_lead_command(settings: Settings, name: str = "NAME") -> str:
    """`workbench --library … --data-dir … users add NAME --role lead --password-stdin`, paths absolute."""
    library = shlex.quote(str(Path(settings.library_dir).resolve()))
    data_dir = shlex.quote(str(Path(settings.data_dir).resolve()))
    return f"workbench --library {library} --data-dir {data_dir} users add {name} --role lead --password-stdin"
