"""Bad input never stops a run and never silently loses text: each bad file is reported with its reason."""

from __future__ import annotations

import codecs
import os
from pathlib import Path

import pytest

from workbench.library.loader import load_library

GOOD = "# Good module\n\nThis module is fine and must be indexed whatever else is in the folder.\n"


def reasons_for(scan, path: str) -> list[str]:
    """All skipped-file reasons reported for one path."""
    return [item.reason for item in scan.skipped if item.path == path]


def all_chunk_text(scan, path: str) -> str:
    """The text of every chunk of one file, joined."""
    return "\n".join(chunk.text for chunk in scan.chunks if chunk.path == path)


# (file name, bytes, expected phrase in the reason) for files that cannot be read at all.
UNREADABLE = [
    ("latin1.md", "# Café\n\nUn résumé en français.\n".encode("latin-1"), "not UTF-8: invalid byte 0xe9"),
    ("binary.md", b"# Title\n\x00\x01\x02 binary junk", "binary file: contains NUL bytes"),
    ("empty.md", b"", "empty file"),
    ("blank.md", b"  \n\n\t\n", "empty file (only whitespace)"),
    ("oversize.md", b"# Big\n\n" + b"word " * 20_000, "over the size cap of 50,000 bytes"),
    ("bad-utf16.md", codecs.BOM_UTF16_LE + b"\x00\xd8", "UTF-16 LE byte-order mark but is not valid"),
]


@pytest.mark.parametrize(("name", "data", "phrase"), UNREADABLE, ids=[case[0] for case in UNREADABLE])
def test_unreadable_file_is_reported_and_the_rest_indexed(library, library_settings, name, data, phrase):
    (library / "good.md").write_text(GOOD, encoding="utf-8")
    (library / name).write_bytes(data)

    scan = load_library(library, library_settings)

    reasons = reasons_for(scan, name)
    assert len(reasons) == 1 and phrase in reasons[0], reasons
    assert [module.path for module in scan.modules] == ["good.md"]
    assert "must be indexed" in all_chunk_text(scan, "good.md")
    assert scan.files == 2


# Encodings with a byte-order mark are read, not skipped.
ENCODED = [
    ("utf8-bom.md", codecs.BOM_UTF8 + "# Überblick\n\nÄrger vermeiden.\n".encode("utf-8")),
    ("utf16-le.md", codecs.BOM_UTF16_LE + "# Überblick\n\nÄrger vermeiden.\n".encode("utf-16-le")),
    ("utf16-be.md", codecs.BOM_UTF16_BE + "# Überblick\n\nÄrger vermeiden.\n".encode("utf-16-be")),
    ("crlf.md", "# Überblick\r\n\r\nÄrger vermeiden.\r\n".encode("utf-8")),
]


@pytest.mark.parametrize(("name", "data"), ENCODED, ids=[case[0] for case in ENCODED])
def test_text_with_a_byte_order_mark_is_read(library, library_settings, name, data):
    (library / name).write_bytes(data)

    scan = load_library(library, library_settings)

    assert scan.skipped == []
    [module] = scan.modules
    assert module.title == "Überblick"
    assert "Ärger vermeiden." in all_chunk_text(scan, name)
    assert "\ufeff" not in all_chunk_text(scan, name) and "\r" not in all_chunk_text(scan, name)


@pytest.mark.parametrize(
    ("front_matter", "phrase"),
    [
        ("id: [unclosed\ntitle: Broken", "front matter is not valid YAML"),
        ("- just\n- a list", "front matter is a list, not a mapping"),
        ("just a sentence", "front matter is a str, not a mapping"),
        ("last_reviewed: 2025-13-45", "front matter has a value YAML cannot read (month must be in 1..12)"),
        ("deep: " + "[" * 5000 + "]" * 5000, "front matter is nested too deeply to read"),
    ],
    ids=["malformed-yaml", "list", "scalar", "impossible-date", "deep-yaml"],
)
def test_bad_front_matter_is_reported_and_the_body_still_indexed(library, library_settings, front_matter, phrase):
    (library / "bad-front-matter.md").write_text(
        f"---\n{front_matter}\n---\n# Handling complaints\n\nListen, apologise, fix it.\n", encoding="utf-8"
    )

    scan = load_library(library, library_settings)

    [reason] = reasons_for(scan, "bad-front-matter.md")
    assert phrase in reason and "indexed without its front matter" in reason
    [module] = scan.modules
    assert module.has_front_matter is False
    assert module.id == "bad-front-matter"
    assert module.title == "Handling complaints"
    assert "Listen, apologise, fix it." in all_chunk_text(scan, "bad-front-matter.md")


def test_unclosed_front_matter_is_reported_and_read_as_text(library, library_settings):
    (library / "open.md").write_text("---\ntitle: Never closed\n\n# Heading\n\nBody text.\n", encoding="utf-8")

    scan = load_library(library, library_settings)

    [reason] = reasons_for(scan, "open.md")
    assert "never closed" in reason
    text = all_chunk_text(scan, "open.md")
    assert "title: Never closed" in text and "Body text." in text


def test_unclosed_code_fence_keeps_the_text_after_it(library, library_settings):
    (library / "fence.md").write_text(
        "# Scripts\n\nIntro.\n\n```python\nprint('hi')\n\n## Not a heading any more\n\nTrailing words kept.\n",
        encoding="utf-8",
    )

    scan = load_library(library, library_settings)

    [reason] = reasons_for(scan, "fence.md")
    assert "never closed" in reason and "line 5" in reason
    assert "Trailing words kept." in all_chunk_text(scan, "fence.md")


@pytest.mark.parametrize("marker", ["> ", "- "], ids=["quotes", "lists"])
def test_ten_thousand_nesting_levels_do_not_crash_and_keep_the_text(library, library_settings, marker):
    (library / "deep.md").write_text(
        f"# Deep\n\nBefore.\n\n{marker * 10_000}innermost words\n\n# After the deep part\n\nClosing words.\n",
        encoding="utf-8",
    )
    (library / "good.md").write_text(GOOD, encoding="utf-8")

    scan = load_library(library, library_settings)

    [reason] = reasons_for(scan, "deep.md")
    assert "nested deeper than" in reason
    text = all_chunk_text(scan, "deep.md")
    for words in ("Before.", "innermost words", "Closing words."):
        assert words in text
    assert all(len(chunk.text) <= library_settings.chunk_max_chars for chunk in scan.chunks)
    assert {module.path for module in scan.modules} == {"deep.md", "good.md"}


def test_symlinks_pointing_outside_the_library_are_reported_not_followed(tmp_path, library, library_settings):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("# Secret\n\nNot part of the library.\n", encoding="utf-8")
    os.symlink(outside / "secret.md", library / "linked.md")
    os.symlink(outside, library / "linked-folder")
    os.symlink(tmp_path / "missing.md", library / "broken.md")
    (library / "good.md").write_text(GOOD, encoding="utf-8")
    (library / "alias.md").symlink_to(library / "good.md")

    scan = load_library(library, library_settings)

    assert "symlink pointing outside the library" in reasons_for(scan, "linked.md")[0]
    assert "symlinked folder pointing outside the library" in reasons_for(scan, "linked-folder")[0]
    assert "broken symlink" in reasons_for(scan, "broken.md")[0]
    assert "Not part of the library" not in "\n".join(chunk.text for chunk in scan.chunks)
    # A link to a file inside the library is read like any file.
    assert {module.path for module in scan.modules} == {"good.md", "alias.md"}


def test_bad_field_values_are_warnings_and_the_module_is_indexed(library, library_settings):
    (library / "fields.md").write_text(
        "---\nid: m1\ntitle: Fields\nlast_reviewed: last spring\nlevel: expert\nduration_minutes: ten\n"
        "bloom_levels: [apply, juggle]\n---\nBody.\n",
        encoding="utf-8",
    )

    scan = load_library(library, library_settings)

    assert scan.skipped == []
    warnings = " | ".join(item.reason for item in scan.warnings)
    assert "'last_reviewed' 'last spring' is not a date" in warnings
    assert "'level' 'expert'" in warnings
    assert "'duration_minutes' 'ten'" in warnings
    assert "'juggle' is unknown" in warnings
    [module] = scan.modules
    assert (module.id, module.title, module.last_reviewed, module.level) == ("m1", "Fields", None, None)
    assert [level.value for level in module.bloom_levels] == ["apply"]
