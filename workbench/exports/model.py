"""Plain data shared by the importers: what was read and what had to be left out."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from workbench.domain.assessment import Item
from workbench.errors import WorkbenchError
from workbench.library.format import slugify


class UnknownModule(WorkbenchError):
    """A module id that is not in the library."""


@dataclass(frozen=True)
class UnsupportedQuestion:
    """A question of a bank that could not be imported, and why."""

    position: int  # 1-based number of the question in the file
    title: str
    type: str
    reason: str
    line: int | None = None  # line in the file where the question starts, when known

    def as_dict(self) -> dict:
        """JSON-ready form."""
        return asdict(self)


@dataclass
class ParsedBank:
    """What an importer read from one file."""

    items: list[Item] = field(default_factory=list)
    unsupported: list[UnsupportedQuestion] = field(default_factory=list)
    category: str = ""
    title: str = ""


def ascii_id(text: str, fallback: str = "bank") -> str:
    """A lowercase ASCII identifier, safe in LMS packages and file names."""
    return slugify(text, ascii_only=True, max_bytes=80, fallback=fallback)
