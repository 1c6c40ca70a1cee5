"""Skills frameworks: the workbench's YAML/CSV format and ESCO's CSV export, validated."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from workbench.domain.skills import SkillsFramework
from workbench.errors import SkillsFileInvalid
from workbench.skills.esco import is_esco_header, load_esco_csv
from workbench.skills.project_format import load_csv, load_yaml
from workbench.skills.reading import read_text

__all__ = ["load_framework", "load_yaml", "load_csv", "load_esco_csv"]


def load_framework(path: Path | str) -> SkillsFramework:
    """Load a skills framework, choosing the format by extension and, for CSV, by its header."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in {".yaml", ".yml", ".json"}:
        return load_yaml(path)
    if suffix in {".csv", ".txt", ""}:
        text = read_text(path)
        header = next(csv.reader(io.StringIO(text, newline="")), [])
        if is_esco_header([column.strip() for column in header]):
            return load_esco_csv(path, text)
        return load_csv(path, text)
    raise SkillsFileInvalid(f"{path}: unsupported skills file type {suffix!r}; use .yaml, .yml or .csv")
