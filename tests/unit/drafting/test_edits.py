"""Edits typed into the studio's forms become a validated draft, or a named error saying which line or field is wrong."""

from __future__ import annotations

import pytest

from tests.support.drafts import clean_draft
from workbench.drafting import edits
from workbench.drafting.errors import DraftEditInvalid, DraftPartNotFound


def test_the_forms_show_objectives_and_options_the_way_they_are_parsed_back():
    draft = clean_draft()
    assert edits.objectives_text(draft).splitlines()[0] == "o1 | understand | explain | Explain what makes feedback useful."
    assert edits.options_text(draft, "q1").splitlines() == ["*It is specific and timely", "It is saved for the annual review", "It focuses on personality"]
    again = edits.edit_details(draft, title=draft.module.title, summary=draft.module.summary, audience=draft.module.audience,
                               duration_minutes=draft.module.duration_minutes, takeaways="\n".join(draft.module.key_takeaways),
                               objectives=edits.objectives_text(draft))
    assert again == draft  # showing then saving a form unchanged changes nothing


def test_details_are_applied_and_a_bad_objective_line_is_named():
    draft = clean_draft()
    edited = edits.edit_details(draft, title="Feedback, revisited", summary="New summary", audience="everyone", duration_minutes=45,
                                takeaways="  One\n\n Two  \n", objectives="o1 | apply | use | Use SBI in a real conversation.")
    assert (edited.module.title, edited.module.duration_minutes, edited.module.key_takeaways) == ("Feedback, revisited", 45, ["One", "Two"])
    assert [(o.id, o.bloom_level.value, o.verb) for o in edited.module.objectives] == [("o1", "apply", "use")]
    with pytest.raises(DraftEditInvalid, match="objective line needs 4 parts separated by '\\|': o2 \\| apply"):
        edits.edit_details(draft, title="T", summary="S", audience="A", duration_minutes=30, takeaways="", objectives="o2 | apply")
    with pytest.raises(DraftEditInvalid, match=r"not saved: module\.objectives\.0\.bloom_level"):
        edits.edit_details(draft, title="T", summary="S", audience="A", duration_minutes=30, takeaways="",
                           objectives="o1 | memorise | recall | Recall the steps.")


def test_options_keep_their_feedback_by_position_and_the_star_marks_the_key():
    draft = clean_draft()
    edited = edits.edit_item(draft, "q2", stem="What comes first?", options="Give your view\n*Ask how they see it\n\n", rationale="Listen first.")
    item = next(i for i in edited.assessment.items if i.id == "q2")
    assert [(o.id, o.text, o.correct) for o in item.options] == [("a", "Give your view", False), ("b", "Ask how they see it", True)]
    assert item.options[0].feedback == "See the section on feedback."  # kept from the option that stood there
    assert item.stem == "What comes first?" and item.rationale == "Listen first."
    assert [i.id for i in edited.assessment.items] == ["q1", "q2", "q3", "q4"]


def test_a_section_edit_changes_that_section_only():
    draft = clean_draft()
    edited = edits.edit_section(draft, "s2", heading="Talking it through", body="Ask, listen, agree.")
    assert edited.module.sections[1].heading == "Talking it through" and edited.module.sections[0] == draft.module.sections[0]
    with pytest.raises(DraftPartNotFound, match="the draft has no section 's9' \\(sections: s1, s2\\)"):
        edits.edit_section(draft, "s9", heading="x", body="y")


def test_json_edits_are_validated_against_the_draft_schema():
    draft = clean_draft()
    assert edits.edit_json(draft.model_dump_json()) == draft
    with pytest.raises(DraftEditInvalid, match="not saved: module.duration_minutes"):
        edits.edit_json(draft.model_dump_json().replace('"duration_minutes":20', '"duration_minutes":0'))
    with pytest.raises(DraftEditInvalid, match="not saved"):
        edits.edit_json("{not json")


def test_renaming_the_module_renames_its_assessment_in_the_draft_and_the_exports():
    from workbench.exports.service import render_export, source_from_draft
    from workbench.library.draft_file import draft_body

    draft = clean_draft()
    draft.assessment.title = "Giving useful feedback: check your understanding"
    renamed = edits.edit_details(draft, title="Feedback that lands", summary=draft.module.summary, audience=draft.module.audience,
                                 duration_minutes=draft.module.duration_minutes, takeaways="", objectives=edits.objectives_text(draft))
    assert renamed.assessment.title == "Feedback that lands: check your understanding"
    assert "## Assessment: Feedback that lands: check your understanding" in draft_body(renamed)
    exported = render_export(source_from_draft(renamed), "gift").data.decode("utf-8")
    assert exported.startswith("// Feedback that lands: check your understanding\n") and "Giving useful feedback" not in exported


def test_an_assessment_title_that_never_named_the_module_is_kept_on_rename():
    draft = clean_draft()
    draft.assessment.title = "Quarterly compliance quiz"
    renamed = edits.edit_details(draft, title="Feedback that lands", summary=draft.module.summary, audience=draft.module.audience,
                                 duration_minutes=draft.module.duration_minutes, takeaways="", objectives=edits.objectives_text(draft))
    assert renamed.assessment.title == "Quarterly compliance quiz"
