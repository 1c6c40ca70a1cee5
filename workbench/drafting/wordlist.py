"""The inclusive-language word list: a YAML file of terms and suggestions (path configurable)."""

from __future__ import annotations

from pathlib import Path

import yaml

from workbench.domain.checks import InclusiveTerm
from workbench.domain.findings import Severity
from workbench.errors import ConfigurationError

DEFAULT_WORD_LIST = Path(__file__).with_name("inclusive_language.yaml")


def load_inclusive_terms(path: Path | str | None = None) -> list[InclusiveTerm]:
    """Read the word list; a missing or malformed file is a ConfigurationError naming it."""
    path = Path(path) if path else DEFAULT_WORD_LIST
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ConfigurationError(f"inclusive-language word list {path} cannot be read: {error}") from None
    entries = data.get("terms") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise ConfigurationError(f"inclusive-language word list {path} must hold a list under 'terms'")
    terms = []
    for number, entry in enumerate(entries, start=1):
        if isinstance(entry, str):
            entry = {"term": entry}
        if not isinstance(entry, dict) or not str(entry.get("term") or "").strip():
            raise ConfigurationError(f"inclusive-language word list {path}: entry {number} needs a 'term'")
        try:
            severity = Severity(str(entry.get("severity", "warning")).lower())
        except ValueError:
            raise ConfigurationError(f"inclusive-language word list {path}: entry {number} has an unknown severity") from None
        terms.append(InclusiveTerm(term=str(entry["term"]).strip(), suggestion=str(entry.get("suggestion") or ""), severity=severity))
    return terms


def inclusive_terms_for(library_dir: Path | str, configured: Path | str | None = None) -> list[InclusiveTerm]:
    """The word list that applies: the configured file, else the library's own inclusive_language.yaml, else the shipped one."""
    library_list = Path(library_dir) / "inclusive_language.yaml"
    if configured is None and library_list.is_file():
        configured = library_list
    return load_inclusive_terms(configured)
