"""The table of schema keywords each provider accepts, read from docs/llm.md, and a checker for schemas."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parents[2] / "docs" / "llm.md"
MARKER = "<!-- provider-keywords:"
# Words that are not JSON schema keywords but structure: the properties of an object are names.
NAMED_CHILDREN = ("properties", "$defs")


def provider_keywords() -> dict[str, frozenset[str]]:
    """{provider column: keywords whose cell says "yes"} from the table under the marker in docs/llm.md."""
    text = DOCS.read_text(encoding="utf-8")
    lines = text[text.index(MARKER):].splitlines()[1:]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    providers = header[1:]
    accepted: dict[str, set[str]] = {provider: set() for provider in providers}
    for line in lines[2:]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        keywords = re.findall(r"`([^`]+)`", cells[0])
        for provider, cell in zip(providers, cells[1:]):
            if cell.lower().startswith("yes"):
                accepted[provider].update(keywords)
    return {provider: frozenset(words) for provider, words in accepted.items()}


def keyword_problems(schema: Any, allowed: frozenset[str], where: str = "$") -> list[str]:
    """Every keyword of a schema outside `allowed`, with where it is."""
    problems: list[str] = []
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key not in allowed:
                problems.append(f"{where}: '{key}'")
            if key in NAMED_CHILDREN and isinstance(value, dict):
                for name, sub in value.items():
                    problems += keyword_problems(sub, allowed, f"{where}.{name}")
            elif key in ("items", "additionalProperties") and isinstance(value, dict):
                problems += keyword_problems(value, allowed, f"{where}[]")
            elif key in ("anyOf", "oneOf", "allOf") and isinstance(value, list):
                for number, sub in enumerate(value):
                    problems += keyword_problems(sub, allowed, f"{where}|{number}")
    return problems


def strict_object_problems(schema: Any, where: str = "$") -> list[str]:
    """Objects that do not list every property as required or allow additional properties."""
    problems: list[str] = []
    if isinstance(schema, dict):
        if schema.get("type") == "object" or "properties" in schema:
            names = list(schema.get("properties") or {})
            if schema.get("additionalProperties") is not False:
                problems.append(f"{where}: additionalProperties is not false")
            if sorted(schema.get("required") or []) != sorted(names):
                problems.append(f"{where}: not every property is required")
        for name, sub in (schema.get("properties") or {}).items():
            problems += strict_object_problems(sub, f"{where}.{name}")
        if isinstance(schema.get("items"), dict):
            problems += strict_object_problems(schema["items"], f"{where}[]")
        for number, sub in enumerate(schema.get("anyOf") or []):
            problems += strict_object_problems(sub, f"{where}|{number}")
    return problems


def outside_every_provider(schema: dict[str, Any]) -> dict[str, list[str]]:
    """{provider: problems} for each provider whose accepted keywords or strict rules the schema breaks."""
    found = {}
    strict = strict_object_problems(schema)
    for provider, allowed in provider_keywords().items():
        problems = keyword_problems(schema, allowed) + strict
        if schema.get("type") != "object":
            problems.append("$: the root is not an object")
        if problems:
            found[provider] = problems
    return found
