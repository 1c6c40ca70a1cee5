"""Where a published module lands: a distinct name, never outside the library."""

from __future__ import annotations

import pytest

from workbench.publishing.paths import resolve_inside, unique_relative_path


def test_collisions_get_a_suffix_even_across_case_and_normalisation(tmp_path):
    (tmp_path / "published").mkdir()
    (tmp_path / "published" / "Intro.md").write_text("x")
    assert unique_relative_path(tmp_path, "published", "intro", set()) == "published/intro-2.md"
    assert unique_relative_path(tmp_path, "published", "intro", {"published/intro-2.md"}) == "published/intro-3.md"
    assert unique_relative_path(tmp_path, "published", "new", set()) == "published/new.md"


def test_paths_outside_the_library_are_refused(tmp_path):
    with pytest.raises(ValueError):
        resolve_inside(tmp_path, "../outside.md")
    assert resolve_inside(tmp_path, "published/a.md") == (tmp_path / "published" / "a.md").resolve()
