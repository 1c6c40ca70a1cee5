"""The library's file format, written in one place: one YAML front-matter block, a blank line, a markdown body.

`workbench.library.parser` reads files; this module writes them (`render_module_file`) and holds
the rules both sides share: which header fields exist and in what order (`ModuleHeader`), how
the body is split from the header (`split_front_matter`), and how titles become ids and file
names (`slugify`, `file_stem`). A body never carries a header of its own: rendering refuses one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import yaml
from markdown_it import MarkdownIt
from mdit_py_plugins.front_matter import front_matter_plugin

from workbench.domain.library import Module
from workbench.errors import WorkbenchError

# Leaves room for ".<slug>.md.<token>.wbtmp" inside the usual 255-byte file name limit.
MAX_SLUG_BYTES = 120
FALLBACK_SLUG = "module"
# Windows device names: a file called like this (with any extension) cannot be opened there.
RESERVED_NAMES = frozenset(
    {"con", "prn", "aux", "nul", "conin$", "conout$"}
    | {f"com{i}" for i in "123456789¹²³"}
    | {f"lpt{i}" for i in "123456789¹²³"}
)
FENCE = "---"

# Finding the front matter needs no block rule but a paragraph to consume the rest cheaply.
_FRONT_MATTER_MD = MarkdownIt("commonmark").use(front_matter_plugin)
_FRONT_MATTER_MD.block.ruler.enableOnly(["front_matter", "paragraph"])
_FRONT_MATTER_MD.core.ruler.disable(["inline"])


class LibraryFormatError(WorkbenchError):
    """Text that cannot be written as a library file (for example a body that carries its own header)."""


# ---------------------------------------------------------------------- slugs


def slugify(text: str, *, ascii_only: bool = False, max_bytes: int = MAX_SLUG_BYTES, fallback: str = FALLBACK_SLUG) -> str:
    """A lower-case slug of letters and digits joined by '-'.

    Accents are folded, separators, dots, control and bidi characters become '-', the result is
    NFC and at most `max_bytes` of UTF-8. `ascii_only` keeps a-z and 0-9 alone (ids used by LMSs
    and URLs); otherwise letters of every script stay (file names in the author's language).
    """
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text or ""))
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    kept = [
        ch if unicodedata.category(ch)[0] in "LN" and ch.isprintable() and (ch.isascii() or not ascii_only) else "-"
        for ch in folded
    ]
    slug = unicodedata.normalize("NFC", re.sub(r"-{2,}", "-", "".join(kept)).strip("-"))
    while len(slug.encode("utf-8")) > max_bytes:
        slug = slug[:-1]
    return slug.strip("-") or fallback


def file_stem(title: str) -> str:
    """The file name (without '.md') for a module with this title: a slug that is never a reserved device name."""
    slug = slugify(title)
    return f"{slug}-{FALLBACK_SLUG}" if slug in RESERVED_NAMES else slug


# ---------------------------------------------------------------------- the header


@dataclass(frozen=True)
class ModuleHeader:
    """The front matter of a library module, in the order it is written. Empty fields are left out."""

    id: str
    title: str
    summary: str = ""
    skills: tuple[str, ...] = ()
    audience: str = ""
    level: str | None = None
    bloom_levels: tuple[str, ...] = ()
    locale: str = ""
    duration_minutes: int | None = None
    owner: str = ""
    status: str = ""
    version: str = ""
    last_reviewed: date | None = None
    prerequisites: tuple[str, ...] = ()
    provenance: dict[str, Any] = field(default_factory=dict)

    def mapping(self) -> dict[str, Any]:
        """The header as the YAML mapping written to the file (order kept, empty values dropped)."""
        values = {
            "id": self.id, "title": self.title, "summary": self.summary, "skills": list(self.skills),
            "audience": self.audience, "level": self.level, "bloom_levels": list(self.bloom_levels),
            "locale": self.locale, "duration_minutes": self.duration_minutes, "owner": self.owner,
            "status": self.status, "version": self.version, "last_reviewed": self.last_reviewed,
            "prerequisites": list(self.prerequisites), "provenance": dict(self.provenance),
        }
        return {key: value for key, value in values.items() if value not in (None, "", [], {})}

    @classmethod
    def of_module(cls, module: Module) -> "ModuleHeader":
        """The header that writes back the metadata a parsed module carries."""
        return cls(
            id=module.id, title=module.title, summary=module.summary, skills=tuple(module.skills),
            audience=module.audience, level=module.level.value if module.level else None,
            bloom_levels=tuple(level.value for level in module.bloom_levels), locale=module.locale,
            duration_minutes=module.duration_minutes, owner=module.owner, status=module.status,
            version=module.version, last_reviewed=module.last_reviewed, prerequisites=tuple(module.prerequisites),
            provenance=dict(module.provenance),
        )


# ---------------------------------------------------------------------- files


def split_front_matter(text: str) -> tuple[str | None, str]:
    """(the front matter's YAML text or None, the body after it), as markdown-it's front matter rule finds them."""
    if not text.lstrip(" \t\r\n\ufeff").startswith("---"):
        return None, text  # the rule needs a fence first: no need to parse the whole document to know
    tokens = _FRONT_MATTER_MD.parse(text)
    if tokens and tokens[0].type == "front_matter" and tokens[0].map:
        return tokens[0].content, "\n".join(text.split("\n")[tokens[0].map[1]:])
    return None, text


def body_of(text: str) -> str:
    """The markdown body of a file or a revision's markdown, without its front matter."""
    return split_front_matter(text or "")[1]


def render_module_file(header: ModuleHeader, body: str) -> str:
    """The whole file: exactly one front-matter block, a blank line, the body (ending in one newline)."""
    body = body.lstrip("\n")
    if split_front_matter(body)[0] is not None:
        raise LibraryFormatError(
            f"the body of module {header.id!r} starts with a front-matter block of its own; render it from the typed draft"
        )
    yaml_text = yaml.safe_dump(header.mapping(), allow_unicode=True, sort_keys=False, width=10_000, default_flow_style=False)
    return f"{FENCE}\n{yaml_text}{FENCE}\n\n{body.rstrip()}\n"
