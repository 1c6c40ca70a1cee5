"""Audit page and My work: a published module whose cited passage changed is listed with its diff; one click reopens it."""

from __future__ import annotations

from tests.app.conftest import open_page, texts
from tests.support.drafts import sample_content
from workbench.domain.drafts import DraftContent
from workbench.library.draft_file import render_draft_file

OLD = "Write down what you agreed."
NEW = "Write down what you agreed <script>alert(1)</script>."


def _published_citing_the_next_steps(services) -> int:
    services.index.build()
    cited = next(c.id for c in services.index.scan().chunks
                 if c.module_id == "giving-feedback" and c.heading == "Agreeing next steps")
    content = sample_content("Feedback conversations")
    content["provenance"]["retrieved_chunk_ids"] = [cited]
    markdown = render_draft_file(DraftContent.model_validate(content))
    draft = services.lifecycle.create_draft("ann", title="Feedback conversations", content=content, markdown=markdown,
                                            findings=[], skill_ids=["fb-giving"])
    draft = services.lifecycle.submit("ann", draft.id, draft.revision)
    for name, dimension in (("sam", "accuracy"), ("cam", "cultural"), ("eve", "ethics")):
        draft = services.lifecycle.sign_off(name, draft.id, dimension, draft.revision)
    services.publisher.publish("lee", draft.id, draft.revision)
    source = services.settings.library_dir / "feedback" / "giving-feedback.md"
    source.write_text(source.read_text(encoding="utf-8").replace(OLD, NEW), encoding="utf-8")
    services.index.build()
    return draft.id


def test_the_audit_page_lists_the_changed_source_with_its_diff_and_reopens_the_module(people, app_services):
    draft_id = _published_citing_the_next_steps(app_services)
    at = open_page("lee", "audit")
    assert not at.exception, at.exception
    shown = texts(at)
    assert f"#{draft_id} Feedback conversations" in shown and "source changed: giving-feedback / Agreeing next steps" in shown
    [diff] = [c.value for c in at.code if "as published" in c.value]
    assert "-End the conversation by agreeing one next step and a date to check in. " + OLD in diff.splitlines()
    assert "+End the conversation by agreeing one next step and a date to check in. " + NEW in diff.splitlines()
    assert not any("<script>" in element.value for element in at.markdown), "library text never reaches markdown raw"

    at.button(key=f"wb_audit_fresh_reopen_{draft_id}").click().run()
    assert not at.exception, at.exception
    draft = app_services.review_queries.get_draft(draft_id)
    assert (draft.state.value, draft.revision, draft.sign_offs) == ("drafting", 2, [])
    assert any(f["check"] == "freshness" for f in draft.findings)
    assert "back in drafting at a new revision" in texts(at)
    assert "Every published module's cited passages are as published" in texts(at)


def test_my_work_lists_the_flagged_module_for_its_author_only(people, app_services):
    draft_id = _published_citing_the_next_steps(app_services)
    mine = open_page("ann", "home")
    assert not mine.exception, mine.exception
    assert "My published modules to review again" in texts(mine)
    assert any(b.key == f"wb_home_fresh_reopen_{draft_id}" for b in mine.button)
    lead = open_page("lee", "home")
    assert "My published modules to review again" not in texts(lead)
