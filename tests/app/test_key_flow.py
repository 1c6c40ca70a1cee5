"""The whole journey through the pages: draft → submit → three sign-offs by three people → publish."""

from __future__ import annotations

from tests.app.conftest import open_page, texts
from tests.support.replies import queue_draft
from workbench.domain.drafts import Brief

BRIEF = Brief(topic="Giving feedback to team members", skill_ids=["fb-giving"], question_count=2)


def _click(at, label: str):
    return next(b for b in at.button if b.label == label).click().run()


def draft_through_the_studio(services) -> int:
    """The author writes a brief, drafts with the (scripted) model and submits for review."""
    queue_draft(services, BRIEF, build_index=True)
    at = open_page("ann", "draft_studio", timeout=120)
    at.text_input(key="wb_brief_topic").input(BRIEF.topic)
    at.text_input(key="wb_brief_skills").input("fb-giving")
    at.number_input(key="wb_brief_questions").set_value(2)
    at = _click(at, "Draft module and assessment")
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    draft_id = at.session_state["wb_studio_draft"]
    assert services.review_queries.get_draft(draft_id).state.value == "drafting"

    at.run()  # "My drafts" shows the new draft with its findings and sources
    assert not at.exception
    at.button(key=f"wb_submit_{draft_id}").click().run()
    assert not at.exception
    assert services.review_queries.get_draft(draft_id).state.value == "in_review"
    return draft_id


def sign_off_through_the_queue(services, reviewer: str, draft_id: int, dimension: str) -> None:
    """A reviewer finds the draft in their queue and signs off their dimension."""
    at = open_page(reviewer, "review_queue")
    assert not at.exception, at.exception
    assert at.selectbox(key="wb_queue_draft").value == draft_id
    at.button(key=f"wb_sign_{draft_id}").click().run()
    assert not at.exception
    assert f"Signed off {dimension}" in texts(at)
    signed = {s.dimension.value: s.user for s in services.review_queries.get_draft(draft_id).sign_offs}
    assert signed[dimension] == reviewer


def test_draft_submit_three_sign_offs_and_publish_through_the_pages(people, app_services):
    services = app_services
    draft_id = draft_through_the_studio(services)

    for reviewer, dimension in (("sam", "accuracy"), ("cam", "cultural"), ("eve", "ethics")):
        sign_off_through_the_queue(services, reviewer, draft_id, dimension)
    assert services.review_queries.get_draft(draft_id).approved

    at = open_page("lee", "audit")
    assert not at.exception, at.exception
    at.button(key=f"wb_publish_{draft_id}").click().run()
    assert not at.exception, at.exception
    at.button(key=f"wb_publish_confirm_{draft_id}").click().run()  # publishing asks for confirmation
    assert not at.exception, at.exception
    assert "Published draft" in texts(at), texts(at)
    published = services.review_queries.get_draft(draft_id)
    assert published.state.value == "published"
    assert (services.settings.library_dir / published.published_path).is_file()
