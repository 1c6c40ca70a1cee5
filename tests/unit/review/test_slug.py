"""Safe file names for any title."""

from __future__ import annotations

import unicodedata

import pytest

from workbench.publishing.slug import MAX_SLUG_BYTES, resolve_inside, slugify_title, unique_relative_path


@pytest.mark.parametrize(("title", "slug"), [
    ("Giving Feedback: the SBI model", "giving-feedback-the-sbi-model"),
    ("../../x", "x"),
    ("/etc/passwd", "etc-passwd"),
    ("..\\..\\boot.ini", "boot-ini"),
    ("CON", "con-module"),
    ("nul", "nul-module"),
    ("nul.txt", "nul-txt"),
    ("com1", "com1-module"),
    ("a\x00b", "a-b"),
    ("\u202eevil\u202c", "evil"),
    ("", "module"),
    ("🙂", "module"),
    (unicodedata.normalize("NFD", "Café"), "cafe"),
    ("Ⅻ ﬁle", "xii-file"),
    ("مقدمة في التغذية", "مقدمة-في-التغذية"),
])
def test_slugify_title(title, slug):
    assert slugify_title(title) == slug


def test_long_titles_are_capped_in_bytes_at_a_character_boundary():
    slug = slugify_title("é" * 500)
    assert len(slug.encode("utf-8")) <= MAX_SLUG_BYTES and unicodedata.is_normalized("NFC", slug)


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
