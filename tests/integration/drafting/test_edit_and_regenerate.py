"""Editing a draft and regenerating one section or one item: new revision, rest kept, checks re-run."""

from __future__ import annotations

import pytest

from tests.support.replies import queue_draft
from review.errors import StaleRevision
from workbench.drafting.errors import DraftPartNotFound


@pytest.fixture
def drafted(services, brief):
    """A fresh draft in review."""
    chunk_ids = queue_draft(services, brief)
    return services.drafting.create_draft("ana", brief), chunk_ids


def test_regenerating_a_section_keeps_everything_else(services, drafted):
    """Only section s2 changes; its id stays; a new revision with re-run checks."""
    draft, chunk_ids = drafted
    services.llm.fake.enqueue({"heading": "Closing the conversation", "body": "Agree one next step and a date. Write it down together.", "citations": chunk_ids[:1]})

    result = services.drafting.regenerate_section("ana", draft.draft_id, "s2", draft.revision, note="more concrete")

    before, after = draft.content, result.content
    assert result.revision == draft.revision + 1
    assert after.module.sections[1].id == "s2" and after.module.sections[1].heading == "Closing the conversation"
    assert after.module.sections[0] == before.module.sections[0]
    assert after.module.objectives == before.module.objectives
    assert after.assessment == before.assessment
    assert [p.name for p in after.provenance.prompts] == ["draft_module", "draft_assessment", "regenerate_section"]
    assert "regenerate_section:s2" in after.provenance.parameters
    assert "more concrete" in str(services.llm.fake.history[-1][-1].content)
    stored = services.review_queries.get_draft(draft.draft_id)
    assert stored.revision == result.revision and stored.findings == [f.model_dump(mode="json") for f in result.findings]


def test_regenerating_an_item_keeps_the_other_items(services, drafted):
    """Only item q1 changes; the other items and the module stay as they were."""
    draft, chunk_ids = drafted
    services.llm.fake.enqueue(
        {
            "type": "single_choice",
            "stem": "Which part of SBI describes what the person did?",
            "options": [
                {"text": "Situation", "correct": False, "feedback": "That is when and where."},
                {"text": "Impact", "correct": False, "feedback": "That is the effect."},
                {"text": "Behaviour", "correct": True, "feedback": "Yes."},
            ],
            "rationale": "Behaviour is what you saw.",
            "citations": chunk_ids[:1],
            "objective": "o1",
            "bloom_level": "understand",
            "difficulty": "medium",
        }
    )

    result = services.drafting.regenerate_item("ana", draft.draft_id, "q1", draft.revision)

    items_before, items_after = draft.content.assessment.items, result.content.assessment.items
    assert items_after[0].id == "q1" and items_after[0].stem.startswith("Which part of SBI")
    assert [o.id for o in items_after[0].options] == ["a", "b", "c"]
    assert items_after[1:] == items_before[1:]
    assert result.content.module == draft.content.module
    assert result.revision == draft.revision + 1


def test_editing_a_field_is_a_new_revision_with_checks_rerun(services, drafted):
    """An edit that breaks an answer key is stored as a new revision and flagged."""
    draft, _ = drafted
    content = draft.content.model_copy(deep=True)
    content.assessment.items[0].options[1].correct = True
    content.module.title = "Giving feedback that lands"

    result = services.drafting.edit("ana", draft.draft_id, draft.revision, content)

    view = services.review_queries.get_draft(draft.draft_id)
    assert view.revision == result.revision == draft.revision + 1
    assert view.title == "Giving feedback that lands" and "title: Giving feedback that lands" in view.markdown
    assert any(f.check == "answer_key" and f.location == "item:q1" for f in result.findings)
    assert not any(f.check == "answer_key" for f in draft.findings)


def test_a_stale_edit_is_refused(services, drafted):
    """Editing from an old revision is a conflict, not a lost update."""
    draft, _ = drafted
    content = draft.content.model_copy(deep=True)
    services.drafting.edit("ana", draft.draft_id, draft.revision, content.model_copy(update={"module": content.module.model_copy(update={"summary": "First edit of the summary."})}))
    with pytest.raises(StaleRevision):
        services.drafting.edit("ana", draft.draft_id, draft.revision, content)


def test_regenerating_an_unknown_part_names_the_known_ones(services, drafted):
    """A wrong section or item id is refused with the ids the draft has."""
    draft, _ = drafted
    with pytest.raises(DraftPartNotFound, match="s1, s2"):
        services.drafting.regenerate_section("ana", draft.draft_id, "s9", draft.revision)
    with pytest.raises(DraftPartNotFound, match="q1, q2"):
        services.drafting.regenerate_item("ana", draft.draft_id, "q7", draft.revision)
