"""Parsing one markdown file into a Module: optional YAML front matter plus a markdown body.

markdown-it-py finds the front matter and the headings; chunk text is always sliced from the
source lines, never rebuilt from tokens, so nothing markdown-it drops (for example content nested
deeper than its nesting limit) is lost from the index.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Any

import yaml
from markdown_it import MarkdownIt
from mdit_py_plugins.front_matter import front_matter_plugin

from workbench.domain.library import BloomLevel, Level, Module
from workbench.library.format import FENCE, slugify, split_front_matter

# Deep enough for any real document (a list level costs two), shallow enough for Python's stack.
MAX_NESTING = 40
# Ids taken from file paths are as long as the path needs (file systems cap paths anyway).
PATH_ID_BYTES = 1_000


@dataclass(frozen=True)
class Heading:
    """A top-level heading of a body: its line range, depth (1-6) and plain text."""

    line: int
    end_line: int
    depth: int
    text: str


@dataclass(frozen=True)
class BodyOutline:
    """The lines of a markdown body, its top-level headings and any structural problems."""

    lines: tuple[str, ...]
    headings: tuple[Heading, ...]
    problems: tuple[str, ...]


@dataclass
class ParsedModule:
    """A parsed module plus what went wrong on the way.

    `problems` are reported as skipped-with-reason (the file is indexed but something was dropped
    or read as plain text); `warnings` concern one field that was ignored.
    """

    module: Module
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _markdown() -> MarkdownIt:
    """A CommonMark parser with front matter that only does block parsing (headings are all we need)."""
    md = MarkdownIt("commonmark", {"maxNesting": MAX_NESTING}).use(front_matter_plugin)
    # Inline parsing is not needed for headings and has its own pathological inputs; skip it.
    md.core.ruler.disable(["inline"])
    return md


_MD = _markdown()
_INLINE_MARKUP = re.compile(r"!?\[([^\]]*)\]\([^)]*\)|[*_`~]+|<[^>]+>")
_CLOSING_ATX = re.compile(r"\s+#+\s*$")


def plain_heading(raw: str) -> str:
    """Heading text without inline markup (emphasis, code, links keep their text)."""
    text = _CLOSING_ATX.sub("", raw.strip())
    text = _INLINE_MARKUP.sub(lambda match: match.group(1) or "", text)
    return " ".join(text.split())


def _is_closing_fence(line: str, markup: str) -> bool:
    """True when a line closes a fence opened with `markup`."""
    stripped = line.strip()
    return (
        len(stripped) >= len(markup)
        and set(stripped) == {markup[0]}
    )


@lru_cache(maxsize=128)
def outline_body(body: str) -> BodyOutline:
    """The top-level headings of a markdown body and its structural problems (unclosed fences, deep nesting)."""
    tokens = _MD.parse(body)
    lines = tuple(body.split("\n"))
    headings: list[Heading] = []
    problems: list[str] = []
    deepest = 0
    for index, token in enumerate(tokens):
        deepest = max(deepest, token.level)
        if token.type == "heading_open" and token.level == 0 and token.map:
            inline = tokens[index + 1] if index + 1 < len(tokens) else None
            raw = inline.content if inline is not None and inline.type == "inline" else ""
            depth = int(token.tag[1]) if token.tag[1:].isdigit() else 1
            text = plain_heading(raw)
            if text:
                headings.append(Heading(token.map[0], token.map[1], depth, text))
        elif token.type == "fence" and token.map:
            last = token.map[1] - 1
            if last <= token.map[0] or not _is_closing_fence(lines[last], token.markup):
                problems.append(
                    f"code block opened with {token.markup} at body line {token.map[0] + 1} is never closed; "
                    "the rest of the file is read as code (no headings), text kept"
                )
    if deepest >= MAX_NESTING - 1:
        problems.append(
            f"lists or quotes nested deeper than {MAX_NESTING} levels; the deep part (and headings after it "
            "in the same block) indexed as plain text"
        )
    return BodyOutline(lines, tuple(headings), tuple(problems))


def module_id_from_path(relative_path: str) -> str:
    """A module id from a relative path: the slug of the path without its extension."""
    stem = str(PurePosixPath(relative_path).with_suffix(""))
    slug = slugify(stem.replace("/", "-"), ascii_only=True, max_bytes=PATH_ID_BYTES, fallback="")
    if slug:
        return slug
    return "module-" + hashlib.sha256(relative_path.encode("utf-8")).hexdigest()[:10]


def _split_front_matter(text: str) -> tuple[str | None, str, list[str]]:
    """(front matter YAML or None, body, problems): the file format's split, plus an unclosed header noticed."""
    raw, body = split_front_matter(text)
    if raw is None and text.split("\n", 1)[0].rstrip() == FENCE:
        return None, text, ["front matter opened with '---' on line 1 is never closed; the file is indexed as plain text"]
    return raw, body, []


def _as_str(value: Any) -> str:
    """A scalar front matter value as text."""
    return "" if value is None else str(value).strip()


def _as_str_list(value: Any) -> tuple[str, ...] | None:
    """A list (or a single comma-separated string) of texts, or None when it is neither."""
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, (list, tuple)) and all(isinstance(item, (str, int, float)) for item in value):
        return tuple(str(item).strip() for item in value if str(item).strip())
    return None


def _as_date(value: Any) -> date | None:
    """A date from YAML (already a date, or an ISO text), or None when it is not one."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            try:
                return datetime.fromisoformat(value.strip()).date()
            except ValueError:
                return None
    return None


def _fields_from_front_matter(data: dict, warnings: list[str]) -> dict[str, Any]:
    """Module fields from a front matter mapping; each bad value is ignored with a warning."""
    fields: dict[str, Any] = {}
    for key in ("title", "summary", "audience", "locale", "owner", "status", "version"):
        if key in data:
            value = data[key]
            if isinstance(value, (dict, list)):
                warnings.append(f"front matter '{key}' should be text, got a {type(value).__name__}; ignored")
            else:
                fields[key] = _as_str(value)
    if "id" in data:
        value = data["id"]
        if isinstance(value, (str, int)) and _as_str(value):
            fields["id"] = _as_str(value)
        else:
            warnings.append(f"front matter 'id' should be non-empty text, got {value!r}; id taken from the path")
    for key in ("skills", "prerequisites"):
        if key in data:
            ids = _as_str_list(data[key])
            if ids is None:
                warnings.append(f"front matter '{key}' should be a list of ids; ignored")
            else:
                fields[key] = ids
    if data.get("level") is not None:
        raw = _as_str(data["level"]).lower()
        try:
            fields["level"] = Level(raw)
        except ValueError:
            allowed = ", ".join(level.value for level in Level)
            warnings.append(f"front matter 'level' {data['level']!r} is not one of {allowed}; ignored")
    if "bloom_levels" in data:
        names = _as_str_list(data["bloom_levels"])
        if names is None:
            warnings.append("front matter 'bloom_levels' should be a list; ignored")
        else:
            levels = []
            for name in names:
                try:
                    levels.append(BloomLevel(name.lower()))
                except ValueError:
                    warnings.append(f"front matter bloom level {name!r} is unknown; ignored")
            fields["bloom_levels"] = tuple(levels)
    if data.get("duration_minutes") is not None:
        value = data["duration_minutes"]
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            fields["duration_minutes"] = value
        elif isinstance(value, str) and value.strip().isdigit():
            fields["duration_minutes"] = int(value.strip())
        else:
            warnings.append(f"front matter 'duration_minutes' {value!r} is not a whole number of minutes; ignored")
    if data.get("last_reviewed") is not None:
        reviewed = _as_date(data["last_reviewed"])
        if reviewed is None:
            warnings.append(
                f"front matter 'last_reviewed' {data['last_reviewed']!r} is not a date (use YYYY-MM-DD); "
                "the file date is used for freshness"
            )
        else:
            fields["last_reviewed"] = reviewed
    if data.get("provenance") is not None:
        if isinstance(data["provenance"], dict):
            fields["provenance"] = dict(data["provenance"])
        else:
            warnings.append("front matter 'provenance' should be a mapping; ignored")
    return fields


# libyaml's parser reads front matter several times faster than PyYAML's own (about 0.17 s of a 0.5 s
# scan of the sample library); what the values become is the same SafeConstructor either way.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_front_matter(raw: str, problems: list[str]) -> dict | None:
    """The front matter mapping, or None (with a problem) when it is not valid YAML or not a mapping."""
    try:
        data = yaml.load(raw, Loader=SAFE_LOADER) if raw.strip() else {}
    except yaml.YAMLError as error:
        problem = getattr(error, "problem", None) or str(error).split("\n", 1)[0]
        if "maximum nesting depth" in problem:  # libyaml's limit, where the pure-Python parser recurses too deep
            problems.append("front matter is nested too deeply to read; indexed without its front matter")
            return None
        mark = getattr(error, "problem_mark", None)
        where = f" at front matter line {mark.line + 1}" if mark is not None else ""
        problems.append(f"front matter is not valid YAML{where} ({problem}); indexed without its front matter")
        return None
    except RecursionError:
        problems.append("front matter is nested too deeply to read; indexed without its front matter")
        return None
    except (ValueError, TypeError, OverflowError) as error:  # e.g. a date like 2025-13-45
        problems.append(f"front matter has a value YAML cannot read ({error}); indexed without its front matter")
        return None
    if data is None:
        return {}
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a {type(data).__name__}"
        problems.append(f"front matter is {kind}, not a mapping of keys; indexed without its front matter")
        return None
    return data


def parse_module(
    relative_path: str,
    text: str,
    *,
    modified: date | None = None,
    content_sha256: str = "",
) -> ParsedModule:
    """Parse decoded markdown text into a Module (front matter optional)."""
    raw_front_matter, body, problems = _split_front_matter(text)
    warnings: list[str] = []
    fields: dict[str, Any] = {}
    has_front_matter = False
    if raw_front_matter is not None:
        data = _load_front_matter(raw_front_matter, problems)
        if data is not None:
            has_front_matter = True
            fields = _fields_from_front_matter(data, warnings)
    outline = outline_body(body)
    problems.extend(outline.problems)
    title = fields.pop("title", "") or (outline.headings[0].text if outline.headings else "")
    if not title:
        title = PurePosixPath(relative_path).stem.replace("-", " ").replace("_", " ").strip() or relative_path
    module_id = fields.pop("id", "") or module_id_from_path(relative_path)
    if not body.strip():
        warnings.append("no text after the front matter; nothing of it is searchable")
    module = Module(
        id=module_id,
        path=relative_path,
        title=title,
        body=body,
        has_front_matter=has_front_matter,
        modified=modified,
        content_sha256=content_sha256,
        **fields,
    )
    return ParsedModule(module, problems, warnings)
