"""Named errors of the index, beyond the shared ones in workbench.errors."""

from __future__ import annotations

from workbench.errors import WorkbenchError


class IndexEmpty(WorkbenchError):
    """There is no index yet (or it holds no chunks), so there is nothing to search."""


class IndexUnavailable(WorkbenchError):
    """The Chroma index cannot be opened or the Chroma server cannot be reached."""


class IndexChanging(WorkbenchError):
    """The index kept changing while it was being read (another process writing it)."""
