"""Slugs of the library format: file names safe for any title, ASCII ids for LMSs and URLs."""

from __future__ import annotations

import unicodedata

import pytest

from workbench.library.format import MAX_SLUG_BYTES, file_stem, slugify


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
def test_file_names_are_safe_for_any_title(title, slug):
    assert file_stem(title) == slug


def test_long_titles_are_capped_in_bytes_at_a_character_boundary():
    slug = file_stem("é" * 500)
    assert len(slug.encode("utf-8")) <= MAX_SLUG_BYTES and unicodedata.is_normalized("NFC", slug)


@pytest.mark.parametrize(("text", "slug"), [
    ("Giving Feedback: the SBI model", "giving-feedback-the-sbi-model"),
    ("Café crème", "cafe-creme"),
    ("مقدمة في التغذية", "draft-module"),
    ("Führung 2.0 — Grundlagen", "fuhrung-2-0-grundlagen"),
])
def test_ascii_ids_keep_only_letters_and_digits(text, slug):
    assert slugify(text, ascii_only=True, max_bytes=60, fallback="draft-module") == slug


def test_ascii_ids_are_capped():
    assert len(slugify("word " * 40, ascii_only=True, max_bytes=60)) <= 60
