"""Draft studio page: findings beside the parts, edits and regeneration as new revisions, submission."""

from __future__ import annotations

from tests.app.conftest import open_page, texts
from tests.support.replies import queue_draft, section_reply
from workbench.domain.drafts import Brief

BRIEF = Brief(topic="Giving feedback to team members", skill_ids=["fb-giving"], question_count=2)


def _draft(services, submit: bool = False) -> int:
    queue_draft(services, BRIEF, build_index=True)
    return services.drafting.create_draft("ann", BRIEF, submit=submit).draft_id


def _form_button(at, label: str, form: str):
    return next(b for b in at.button if b.label == label and form in (b.key or b.id or ""))


def test_editing_a_section_stores_a_new_revision_and_reruns_the_checks(people, app_services):
    draft_id = _draft(app_services)
    at = open_page("ann", "draft_studio")
    assert not at.exception, at.exception
    body = next(t for t in at.text_area if t.value.startswith("End by agreeing one next step"))
    body.input("End by agreeing one next step. Email me at jane.doe@acme-corp.co.uk to follow up.")
    _form_button(at, "Save section", f"wb_sec_{draft_id}_1_s2").click()
    at.run()
    assert not at.exception, at.exception
    view = app_services.review_queries.get_draft(draft_id)
    assert view.revision == 2 and "jane.doe@acme-corp.co.uk" in view.content["module"]["sections"][1]["body"]
    # The checks ran again on the new revision and their finding sits beside the section it concerns.
    assert any(f["location"] == "section:s2" and "personal" in f["check"] for f in view.findings), view.findings
    assert any("personal" in w.value for w in [*at.warning, *at.error])


def test_regenerating_one_section_keeps_the_rest(people, app_services):
    draft_id = _draft(app_services)
    before = app_services.review_queries.get_draft(draft_id).content
    chunk_ids = before["provenance"]["retrieved_chunk_ids"]
    at = open_page("ann", "draft_studio")
    app_services.llm.fake.enqueue(section_reply(chunk_ids))
    at.text_input(key=f"wb_sec_note_{draft_id}_s2").input("Make the ending more concrete.")
    at.button(key=f"wb_regen_sec_{draft_id}_s2").click().run()
    assert not at.exception, at.exception
    assert "Section s2 regenerated" in texts(at)
    after = app_services.review_queries.get_draft(draft_id).content
    assert after["module"]["sections"][1]["heading"] == "Agreeing next steps, revisited"
    assert after["module"]["sections"][0] == before["module"]["sections"][0]
    assert after["assessment"] == before["assessment"]


def test_submitting_right_after_a_regeneration_submits_the_revision_shown(people, app_services):
    draft_id = _draft(app_services)
    chunk_ids = app_services.review_queries.get_draft(draft_id).content["provenance"]["retrieved_chunk_ids"]
    at = open_page("ann", "draft_studio")
    app_services.llm.fake.enqueue(section_reply(chunk_ids))
    at.button(key=f"wb_regen_sec_{draft_id}_s2").click().run()
    assert "State: drafting · revision 2" in texts(at)
    at.button(key=f"wb_submit_{draft_id}").click().run()
    assert not at.exception, at.exception
    view = app_services.review_queries.get_draft(draft_id)
    assert (view.state.value, view.revision) == ("in_review", 2), texts(at)
    assert "you acted on revision" not in texts(at)


def test_submitting_sends_the_draft_to_review(people, app_services):
    draft_id = _draft(app_services)
    at = open_page("ann", "draft_studio")
    at.button(key=f"wb_submit_{draft_id}").click().run()
    assert not at.exception, at.exception
    assert app_services.review_queries.get_draft(draft_id).state.value == "in_review"
    assert f"Draft #{draft_id} submitted for review." in texts(at).replace("\\", "")


def test_model_markdown_in_a_draft_renders_inert(people, app_services):
    from tests.support.replies import assessment_reply, module_reply

    app_services.index.build()
    chunk_ids = app_services.drafting.ground(BRIEF).chunk_ids
    hostile = module_reply(chunk_ids)
    hostile["sections"][0]["body"] = 'Text <script>alert(1)</script> <img src=x onerror=alert(2)> [x](javascript:alert(3)) ![p](http://example.invalid/p.png)'
    app_services.llm.fake.enqueue(hostile)
    app_services.llm.fake.enqueue(assessment_reply(chunk_ids))
    app_services.drafting.create_draft("ann", BRIEF, submit=False)
    at = open_page("ann", "draft_studio")
    html = "\n".join(e.value for e in at.html)
    assert "&lt;script&gt;" in html and "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert not any(element.allow_html for element in at.markdown)


def test_a_model_reply_that_stays_invalid_is_reported_and_nothing_is_stored(people, app_services):
    app_services.index.build()
    for _ in range(app_services.settings.llm_max_retries + 1):
        app_services.llm.fake.enqueue("Sure! Here is your module: it is about feedback.")
    at = open_page("ann", "draft_studio")
    at.text_input(key="wb_brief_topic").input(BRIEF.topic)
    next(b for b in at.button if b.label == "Draft module and assessment").click().run()
    assert not at.exception, at.exception
    errors = [e.value.replace("\\", "") for e in at.error]
    assert len(errors) == 1 and "Nothing was stored as a draft" in errors[0], errors
    assert app_services.review_queries.list_drafts() == []


def test_a_brief_without_a_topic_is_refused_before_any_model_call(people, app_services):
    at = open_page("ann", "draft_studio")
    next(b for b in at.button if b.label == "Draft module and assessment").click().run()
    assert [e.value for e in at.error] == ["The brief needs a topic."]
    assert app_services.llm.fake.history == []


ZERO_KEYS = "a single-choice item needs exactly one key, it has 0"


def break_first_question(services, draft_id: int) -> None:
    """The sample case, through the studio's own edit path: q1 loses its key and gets two identical options."""
    from workbench.domain.drafts import DraftContent

    view = services.review_queries.get_draft(draft_id)
    content = DraftContent.model_validate(view.content)
    item = content.assessment.items[0]
    item.options[1].text = item.options[0].text
    for option in item.options:
        option.correct = False
    services.drafting.edit("ann", draft_id, view.revision, content, note="broke q1")


def test_error_findings_sit_at_the_top_of_the_draft_and_block_submitting(people, app_services):
    draft_id = _draft(app_services)
    break_first_question(app_services, draft_id)
    at = open_page("ann", "draft_studio")
    assert not at.exception, at.exception
    errors = [e.value.replace("\\", "") for e in at.error]
    assert errors[0].startswith("Blocks submit, sign-off and publish: item:") and ZERO_KEYS in errors[0], errors
    assert any("duplicate_options" in e and "are the same" in e for e in errors[:2]), errors
    hidden = [e.value for expander in at.expander for e in expander.error]
    assert not any(ZERO_KEYS in e for e in hidden), "an error finding must never sit in a collapsed box"
    assert at.button(key=f"wb_submit_{draft_id}").disabled
    assert "Submitting is blocked by 2 error finding(s)" in texts(at)
    assert app_services.review_queries.get_draft(draft_id).state.value == "drafting"
