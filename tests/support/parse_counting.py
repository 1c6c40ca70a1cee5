"""Counting which library files are actually read and parsed, through the real reader."""

from __future__ import annotations


def count_parsed_files(monkeypatch) -> list[str]:
    """Wrap the library's file reader so each file it parses is listed (the real reader still does the work)."""
    from workbench.library import loader

    seen: list[str] = []
    real = loader.read_module_file

    def counting(root, relative, settings):
        seen.append(relative)
        return real(root, relative, settings)

    monkeypatch.setattr(loader, "read_module_file", counting)
    return seen
