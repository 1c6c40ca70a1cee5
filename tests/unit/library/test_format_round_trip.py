"""The library file format round-trips: parse(render(x)) gives back x's metadata and body, with one header.

For every module of the sample library, for drafts of every shape, and for published files, whose
text is a fixed point of parse-then-render (so re-publishing the same revision writes the same bytes).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from review.policy import Dimension, DraftState
from review.publications import PublishContext
from review.views import DraftView, SignOffView
from tests.support.drafts import clean_draft
from workbench.domain.drafts import PromptUse
from workbench.library.draft_file import draft_body, draft_header, render_draft_file
from workbench.library.format import LibraryFormatError, ModuleHeader, body_of, render_module_file, split_front_matter
from workbench.library.parser import parse_module
from workbench.publishing.render import render_published

SAMPLE_LIBRARY = Path(__file__).resolve().parents[3] / "content_library"
SAMPLE_FILES = sorted(p for p in SAMPLE_LIBRARY.rglob("*.md") if p.name != "README.md")
WHEN = datetime(2026, 12, 1, 9, 30, tzinfo=timezone.utc)


def _header_count(text: str) -> int:
    """How many front-matter blocks stand at the top of the text, one after the other."""
    count = 0
    while True:
        header, text = split_front_matter(text.lstrip("\n"))
        if header is None:
            return count
        count += 1


def _reparsed(text: str, path: str = "x.md"):
    parsed = parse_module(path, text)
    assert parsed.problems == [] and parsed.warnings == [], (parsed.problems, parsed.warnings)
    return parsed.module


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: str(p.relative_to(SAMPLE_LIBRARY)))
def test_every_sample_module_round_trips(path):
    relative = str(path.relative_to(SAMPLE_LIBRARY))
    original = parse_module(relative, path.read_text(encoding="utf-8")).module
    text = render_module_file(ModuleHeader.of_module(original), original.body)
    again = _reparsed(text, relative)
    assert ModuleHeader.of_module(again) == ModuleHeader.of_module(original)
    assert again.body.lstrip("\n") == original.body.lstrip("\n")
    assert _header_count(text) == 1
    assert render_module_file(ModuleHeader.of_module(again), again.body) == text  # a fixed point


def _drafts():
    plain = clean_draft()
    hostile = clean_draft()
    hostile.module.sections[0].body = "---\nid: evil\nstatus: published\n---\n# Hijacked\n\n- - - - - - x"
    hostile.module.title = "Feedback: «quotes», 'apostrophes' & #hashes --- 🙂 שלום"
    ungrounded = clean_draft()
    ungrounded.provenance.grounded = False
    ungrounded.provenance.retrieved_chunk_ids = []
    ungrounded.module.prerequisites = ["giving-feedback", "active-listening"]
    return {"plain": plain, "hostile": hostile, "ungrounded": ungrounded}


@pytest.mark.parametrize("name", list(_drafts()))
def test_every_draft_round_trips_with_one_header(name):
    draft = _drafts()[name]
    text = render_draft_file(draft)
    assert _header_count(text) == 1
    parsed = _reparsed(text)
    assert ModuleHeader.of_module(parsed) == draft_header(draft)
    assert parsed.body.lstrip("\n") == draft_body(draft)
    assert parsed.title == draft.module.title and parsed.status == "draft"


def _context(revision: int = 3) -> PublishContext:
    draft = clean_draft()
    draft.provenance.model, draft.provenance.provider = "gemma-3-270m", "embedded"
    draft.provenance.prompts = [PromptUse(name="draft_module", version=1, sha256="ab" * 32)]
    signed = [SignOffView(dimension, user, revision, "c" * 64, WHEN) for dimension, user in
              ((Dimension.ACCURACY, "sam"), (Dimension.CULTURAL, "cara"), (Dimension.ETHICS, "eric"))]
    view = DraftView(
        id=7, title=draft.module.title, state=DraftState.APPROVED, revision=revision, content=draft.model_dump(mode="json"),
        markdown=render_draft_file(draft), content_hash="c" * 64, findings=[], skill_ids=list(draft.module.skill_ids),
        author="alice", generated_by=None, sign_offs=signed, missing_dimensions=[], approved=True, comments=[],
        editors=["alice"], created_at=WHEN, updated_at=WHEN,
    )
    return PublishContext(draft=view, actor="lena", sign_offs=signed, existing_path=None, existing_module_id=None,
                          taken_paths=frozenset())


def test_a_published_file_is_a_fixed_point_and_carries_the_reviewed_body():
    context = _context()
    text = render_published(context, "giving-useful-feedback", WHEN)
    assert _header_count(text) == 1
    parsed = _reparsed(text, "published/giving-useful-feedback.md")
    assert (parsed.status, parsed.version, parsed.last_reviewed.isoformat()) == ("published", "3", "2026-12-01")
    assert parsed.provenance["reviewers"][0] == {"dimension": "accuracy", "user": "sam", "signed_at": WHEN.isoformat()}
    assert parsed.provenance["draft_id"] == 7 and parsed.provenance["published_by"] == "lena"
    # The body the reviewers read in the queue is the body of the file, byte for byte.
    assert parsed.body.lstrip("\n") == split_front_matter(context.draft.markdown)[1].lstrip("\n")
    assert render_module_file(ModuleHeader.of_module(parsed), parsed.body) == text
    assert render_published(context, "giving-useful-feedback", WHEN) == text  # re-publishing writes the same bytes


def test_a_body_that_brings_its_own_header_is_refused():
    with pytest.raises(LibraryFormatError, match="front-matter block of its own"):
        render_module_file(ModuleHeader(id="x", title="X"), "---\nstatus: draft\nversion: '0.1'\n---\n# X\n")


def test_the_body_of_a_file_or_a_revision_leaves_its_header_out():
    assert body_of("---\nid: a\ntitle: B\n---\n# Heading\n") == "# Heading\n"
    assert body_of("# No front matter\n---\n") == "# No front matter\n---\n"
    assert body_of("") == ""
