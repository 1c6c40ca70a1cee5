"""What a first visit would otherwise wait for, imported in the background as the server starts.

The index client and the gap service take seconds to import (Chroma alone about two on a loaded
machine): a server that imports them only when the first person opens Library or Gaps makes that
person wait. Nothing is built or opened here, so settings and services stay the pages' business.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading

log = logging.getLogger(__name__)

# In the order a first visit needs them; scikit-learn is not among them (only computing a report does).
# chromadb.api.rust is what an embedded client loads when it opens; the signals service names the
# revision of imported signals, an input of every gap report.
MODULES = ("chromadb", "chromadb.api.rust", "workbench.index.service", "workbench.gaps.service", "workbench.signals.service",
           "workbench.bootstrap", "pandas", "pyarrow")


def _import_all(modules: tuple[str, ...]) -> None:
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")  # before Chroma reads it, as the index client does
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as error:  # noqa: BLE001 - the page that needs it will say what is wrong
            log.warning("could not import %s ahead of the first visit: %s", name, error)


def warm_up_in_background(modules: tuple[str, ...] = MODULES) -> threading.Thread:
    """Start importing the modules in a daemon thread and return it (the server does not wait for it)."""
    thread = threading.Thread(target=_import_all, args=(modules,), name="workbench-warm-up", daemon=True)
    thread.start()
    return thread
