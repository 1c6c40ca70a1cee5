"""Parsing modules with and without front matter, and cutting them into stable chunks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from workbench.domain.library import BloomLevel, Level
from workbench.library.chunker import chunk_module
from workbench.library.loader import load_library
from workbench.library.parser import parse_module

WITH_FRONT_MATTER = """---
id: fb-giving-feedback
title: Giving feedback that lands
summary: A short model for specific, timely feedback.
skills: [fb-giving, comm-listening]
audience: people managers
level: Intermediate
bloom_levels: [understand, apply]
locale: en-GB
duration_minutes: 25
owner: L&D
status: published
version: 1.3
last_reviewed: 2025-02-01
provenance: {model: gemma3, draft_id: d-1}
---

# Feedback basics

Feedback works when it is specific.

## The model

Situation, behaviour, impact.
"""


def test_front_matter_fields_are_read():
    parsed = parse_module("feedback/giving.md", WITH_FRONT_MATTER, content_sha256="abc")
    module = parsed.module

    assert parsed.problems == [] and parsed.warnings == []
    assert module.id == "fb-giving-feedback"
    assert module.title == "Giving feedback that lands"
    assert module.skills == ("fb-giving", "comm-listening")
    assert module.level is Level.INTERMEDIATE
    assert module.bloom_levels == (BloomLevel.UNDERSTAND, BloomLevel.APPLY)
    assert module.duration_minutes == 25
    assert module.version == "1.3"
    assert module.last_reviewed == date(2025, 2, 1)
    assert module.ai_drafted is True
    assert module.has_front_matter is True
    assert module.body.startswith("\n# Feedback basics") and "---" not in module.body


def test_a_file_without_front_matter_takes_its_title_from_the_first_heading_and_its_id_from_the_path():
    module = parse_module("Customer Service/Handling Complaints.md", "Intro line.\n\n## Listen first\n\nText.\n").module

    assert module.has_front_matter is False
    assert module.id == "customer-service-handling-complaints"
    assert module.title == "Listen first"
    assert module.skills == () and module.level is None


def test_a_file_without_heading_takes_its_title_from_the_file_name():
    module = parse_module("notes/time_management-tips.md", "Just some words.\n").module

    assert module.title == "time management tips"


def test_chunks_follow_headings_and_keep_their_path():
    module = parse_module("feedback/giving.md", WITH_FRONT_MATTER).module

    chunks = chunk_module(module, max_chars=1500, overlap=200)

    assert [chunk.heading_path for chunk in chunks] == [
        ("Feedback basics",),
        ("Feedback basics", "The model"),
    ]
    assert [chunk.position for chunk in chunks] == [0, 1]
    assert chunks[1].text == "## The model\n\nSituation, behaviour, impact."
    assert {chunk.module_id for chunk in chunks} == {"fb-giving-feedback"}
    assert {chunk.path for chunk in chunks} == {"feedback/giving.md"}


def test_a_heading_without_text_is_carried_into_the_next_chunk():
    module = parse_module("a.md", "# Title\n\n## Part one\n\nWords.\n\n## Empty at the end\n").module

    chunks = chunk_module(module, max_chars=1500, overlap=200)

    assert chunks[0].text == "# Title\n\n## Part one\n\nWords."
    assert chunks[0].heading_path == ("Title", "Part one")
    assert chunks[-1].text == "## Empty at the end"


def test_long_sections_are_split_under_the_cap_with_overlap_and_lose_no_text():
    sentences = [f"Sentence number {index} talks about delegation and trust." for index in range(80)]
    body = "# Long\n\n" + "\n\n".join(" ".join(sentences[i:i + 4]) for i in range(0, 80, 4)) + "\n"
    module = parse_module("long.md", body).module

    chunks = chunk_module(module, max_chars=400, overlap=80)

    assert len(chunks) > 5
    assert all(len(chunk.text) <= 400 for chunk in chunks)
    joined = "\n".join(chunk.text for chunk in chunks)
    assert all(sentence in joined for sentence in sentences)
    # Each piece after the first starts with the end of the one before it.
    for before, after in zip(chunks, chunks[1:]):
        assert after.text.split("\n\n")[0] in before.text


def test_a_single_word_longer_than_the_cap_is_cut_not_lost():
    module = parse_module("word.md", "# Word\n\n" + "x" * 1000 + "\n").module

    chunks = chunk_module(module, max_chars=300, overlap=50)

    assert all(len(chunk.text) <= 300 for chunk in chunks)
    assert "".join(chunk.text for chunk in chunks).count("x") >= 1000


def test_identical_sections_get_distinct_ids():
    module = parse_module("dup.md", "# A\n\nIntro.\n\n## Notes\n\nTBD\n\n## Notes\n\nTBD\n").module

    chunks = chunk_module(module, max_chars=1500, overlap=200)

    assert len({chunk.id for chunk in chunks}) == len(chunks) == 3


def test_chunk_ids_are_stable_across_runs_and_change_with_the_text(library: Path, library_settings):
    (library / "feedback.md").write_text(WITH_FRONT_MATTER, encoding="utf-8")
    (library / "plain.md").write_text("# Plain\n\nNo front matter here.\n", encoding="utf-8")

    first = [chunk.id for chunk in load_library(library, library_settings).chunks]
    second = [chunk.id for chunk in load_library(library, library_settings).chunks]
    (library / "plain.md").write_text("# Plain\n\nNo front matter here, edited.\n", encoding="utf-8")
    third = [chunk.id for chunk in load_library(library, library_settings).chunks]

    assert first == second
    assert third[:2] == first[:2] and third[2] != first[2]


def test_hidden_folders_the_data_dir_other_files_and_the_root_readme_are_not_modules(library: Path, tmp_path):
    from workbench.settings import Settings

    settings = Settings(library_dir=library, data_dir=library / "workbench-data")
    for relative in (".git/notes.md", "workbench-data/cache.md", "README.md", "skills.yaml", "image.png", ".draft.md"):
        path = library / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("# Not a module\n", encoding="utf-8")
    (library / "topic").mkdir()
    (library / "topic" / "README.md").write_text("# Topic overview\n\nA module.\n", encoding="utf-8")
    (library / "topic" / "unit.markdown").write_text("# Unit\n\nAlso a module.\n", encoding="utf-8")

    scan = load_library(library, settings)

    assert [module.path for module in scan.modules] == ["topic/README.md", "topic/unit.markdown"]
    assert scan.skipped == [] and scan.files == 2


def test_duplicate_module_ids_are_made_unique_with_a_warning(library: Path, library_settings):
    for name in ("one.md", "two.md"):
        (library / name).write_text(f"---\nid: same\n---\n# {name}\n\nText of {name}.\n", encoding="utf-8")

    scan = load_library(library, library_settings)

    assert [module.id for module in scan.modules] == ["same", "two"]
    assert "already used by one.md" in scan.warnings[0].reason
