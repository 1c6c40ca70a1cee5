"""A typed draft as a library file: the library's header keys, every part of the module, a structure the model cannot break."""

from __future__ import annotations

import yaml

from tests.support.drafts import CHUNK_A, clean_draft
from workbench.library.draft_file import draft_body, render_draft_file
from workbench.library.format import split_front_matter

LIBRARY_KEYS = {"id", "title", "summary", "skills", "audience", "level", "bloom_levels", "locale", "duration_minutes", "status", "version", "provenance"}


def _front_matter(markdown: str) -> dict:
    header, body = split_front_matter(markdown)
    assert header is not None and split_front_matter(body)[0] is None
    return yaml.safe_load(header)


def test_markdown_has_the_library_front_matter_and_every_part():
    """Front matter keys of the library, then objectives, sections with sources, practice, glossary, questions."""
    markdown = render_draft_file(clean_draft())
    front = _front_matter(markdown)
    assert LIBRARY_KEYS <= set(front)
    assert front["id"] == "giving-useful-feedback" and front["level"] == "foundation" and front["skills"] == ["fb-giving"]
    assert front["provenance"]["sources"] == [CHUNK_A, "b" * 24]
    for part in ("# Giving useful feedback", "## Learning objectives", "## What makes feedback useful", f"`{CHUNK_A}`",
                 "## Practice activities", "## Key takeaways", "## Learning with others", "**Peer learning:**", "## Glossary",
                 "## Assessment", "- [x] **a.** It is specific and timely"):
        assert part in markdown


def test_assessment_can_be_left_out_for_learners():
    """Publishing may render the module without its answer key."""
    assert "## Assessment" not in draft_body(clean_draft(), include_assessment=False)


def test_generated_text_cannot_break_the_document_structure():
    """A body with a top-level heading or a front-matter fence stays inside its section."""
    draft = clean_draft()
    draft.module.sections[0].body = "# Hijacked title\n---\nid: evil\n---\n## Another"
    markdown = render_draft_file(draft)
    assert _front_matter(markdown)["id"] == "giving-useful-feedback"
    assert "\n# Hijacked" not in markdown and "### Hijacked title" in markdown and "\n## Another" not in markdown


def test_unicode_round_trips_in_front_matter():
    """RTL text and emoji in a title survive rendering."""
    draft = clean_draft()
    draft.module.title = "Feedback 🙂 שלום"
    assert _front_matter(render_draft_file(draft))["title"] == "Feedback 🙂 שלום"
