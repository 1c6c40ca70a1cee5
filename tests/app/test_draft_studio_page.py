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
    _form_button(at, "Save section", f"wb_sec_{draft_id}_s2").click()
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


# ------------------------------------------------------------------ the studio as new users expect it

from streamlit.proto.Block_pb2 import Block as BlockProto  # noqa: E402

from tests.support.replies import assessment_reply, module_reply  # noqa: E402
from workbench.app.studio import TAB_KEY  # noqa: E402


def _open_tab(at) -> int:
    """The index of the tab the browser is told to show (the studio's one tab bar)."""
    return next(node.proto.tab_container.default_tab_index for node in at._tree
                if isinstance(getattr(node, "proto", None), BlockProto) and node.proto.WhichOneof("type") == "tab_container")


def _picker(at):
    """The studio's draft picker (its key changes with the drafts' labels)."""
    return next(box for box in at.selectbox if box.label == "Draft")


def _on_my_drafts(at, draft_id: int):
    """The author clicks "My drafts" and picks a draft, as in the browser."""
    at.session_state[TAB_KEY] = "My drafts"
    at.run()
    return _picker(at).select(draft_id).run()


def _still_on(at, draft_id: int, revision: int, state: str = "drafting") -> None:
    assert not at.exception, at.exception
    assert at.session_state[TAB_KEY] == "My drafts" and _open_tab(at) == 1, "the studio went back to another tab"
    assert _picker(at).value == draft_id, "the studio opened another draft"
    assert f"State: {state} · revision {revision} · author ann" in texts(at)


def test_the_studio_keeps_the_draft_and_tab_after_save_regenerate_and_submit(people, app_services):
    first = _draft(app_services)
    second = _draft(app_services)
    chunk_ids = app_services.review_queries.get_draft(first).content["provenance"]["retrieved_chunk_ids"]
    at = _on_my_drafts(open_page("ann", "draft_studio"), first)
    assert _picker(at).value == first != second

    body = next(t for t in at.text_area if t.value.startswith("End by agreeing one next step"))
    body.input("End by agreeing one next step and a date.")
    _form_button(at, "Save section", f"wb_sec_{first}_s2").click()
    at.run()
    _still_on(at, first, 2)

    app_services.llm.fake.enqueue(section_reply(chunk_ids))
    at.button(key=f"wb_regen_sec_{first}_s2").click().run()
    _still_on(at, first, 3)
    assert "Section s2 regenerated" in texts(at)

    at.button(key=f"wb_submit_{first}").click().run()
    _still_on(at, first, 3, "in_review")
    # The picker names each draft's state and revision as they are now.
    options = _picker(at).options
    assert any(o.startswith(f"#{first} ") and o.endswith("— in_review, revision 3") for o in options), options
    assert any(o.startswith(f"#{second} ") and o.endswith("— drafting, revision 1") for o in options), options


def test_a_new_draft_opens_under_my_drafts_from_its_ready_message(people, app_services):
    queue_draft(app_services, BRIEF, build_index=True)
    at = open_page("ann", "draft_studio")
    at.text_input(key="wb_brief_topic").input(BRIEF.topic)
    next(b for b in at.button if b.label == "Draft module and assessment").click().run()
    draft_id = app_services.review_queries.list_drafts()[0].id
    at.button(key="wb_open_new_draft").click().run()
    _still_on(at, draft_id, 1)


def test_the_draft_takes_shape_while_it_streams_rendered_not_as_json(people, app_services):
    app_services.index.build()
    chunk_ids = app_services.drafting.ground(BRIEF).chunk_ids
    module = module_reply(chunk_ids)
    module["sections"][0]["body"] += " <script>alert(1)</script> **clear** steps"
    app_services.llm.fake.enqueue(module)
    app_services.llm.fake.enqueue(assessment_reply(chunk_ids))
    at = open_page("ann", "draft_studio")
    at.text_input(key="wb_brief_topic").input(BRIEF.topic)
    next(b for b in at.button if b.label == "Draft module and assessment").click().run()
    assert not at.exception, at.exception
    status = at.status[0]
    shown = "\n".join(t.value for t in status.text)
    assert "Section 1 · Situation, behaviour, impact" in shown and "Section 2 · Agreeing next steps" in shown
    assert "Question 1" in shown and "✔ Behaviour\n○ Budget\n○ Bonus" in shown and "Question 2" in shown
    html = "\n".join(h.value for h in status.html)
    assert "<strong>clear</strong>" in html and "&lt;script&gt;" in html and "<script" not in html
    assert "What does the B in SBI stand for?" in html
    assert not [c.value for c in at.code if '"sections"' in c.value or '{"title"' in c.value], "raw JSON shown"
    assert any(m.value == "**Giving feedback that helps**" for m in status.markdown)


def _citation_links(at) -> list:
    return [link for link in at.get("page_link") if link.value.replace("\\", "").startswith("Cites: ")]


def test_citations_read_as_module_and_heading_and_link_to_the_passage(people, app_services):
    from urllib.parse import parse_qs

    from tests.app.conftest import open_app

    draft_id = _draft(app_services)
    content = app_services.review_queries.get_draft(draft_id).content
    cited = content["module"]["sections"][0]["citations"][0]
    chunk = app_services.library_reader.chunks()[cited]
    at = _on_my_drafts(open_page("ann", "draft_studio"), draft_id)
    links = _citation_links(at)
    # One link per citation of each section and question, named as people name the passage.
    assert len(links) == sum(len(s["citations"]) for s in content["module"]["sections"]) + sum(
        len(i["citations"]) for i in content["assessment"]["items"])
    assert links[0].value.replace("\\", "") == f"Cites: {chunk.title} › {chunk.heading}" == "Cites: Giving feedback with SBI › Situation, behaviour, impact"
    assert links[0].proto.page.endswith("library") and parse_qs(links[0].proto.query_string) == {"passage": [cited]}
    assert cited not in texts(at), "a citation is shown as a hash"

    library = open_app("ann")
    library.query_params["passage"] = cited
    library.switch_page("views/library.py")
    library.run()
    assert not library.exception, library.exception
    assert library.header[0].value.replace("\\", "") == "Giving feedback with SBI › Situation, behaviour, impact"
    assert "Describe the situation, the behaviour you saw" in library.html[0].value


def test_a_link_to_a_passage_the_library_no_longer_has_says_so(people, app_services):
    from tests.app.conftest import open_app

    library = open_app("ann")
    library.query_params["passage"] = "0" * 16
    library.switch_page("views/library.py")
    library.run()
    assert not library.exception, library.exception
    assert "The cited passage is no longer in the library" in library.warning[0].value


def test_a_save_after_someone_else_changed_the_draft_says_who_and_keeps_it_closed_until_reloaded(people, app_services):
    from workbench.domain.drafts import DraftContent

    draft_id = _draft(app_services)
    at = _on_my_drafts(open_page("ann", "draft_studio"), draft_id)
    # Meanwhile the lead retitles the draft (revision 2).
    view = app_services.review_queries.get_draft(draft_id)
    theirs = DraftContent.model_validate(view.content)
    theirs.module.title = "Feedback that helps, by the lead"
    app_services.drafting.edit("lee", draft_id, 1, theirs, note="retitled")

    body = next(t for t in at.text_area if t.value.startswith("End by agreeing one next step"))
    body.input("Mine: end with a date.")
    _form_button(at, "Save section", f"wb_sec_{draft_id}_s2").click()
    at.run()
    assert not at.exception, at.exception
    warning = next(w for w in (w.value.replace("\\", "") for w in at.warning) if w.startswith("Draft #"))
    assert warning.startswith(f"Draft #{draft_id} changed while you were reading revision 1: lee saved revision 2 at ")
    assert "UTC (retitled). It is now at revision 2, drafting. Nothing was done by your edit" in warning
    assert "workbench review show" not in texts(at) and not at.error
    stored = app_services.review_queries.get_draft(draft_id)
    assert stored.revision == 2 and stored.title == "Feedback that helps, by the lead"
    # The studio stays on the draft, now at revision 2, with every control closed until the author reloads.
    _still_on(at, draft_id, 2)
    assert _form_button(at, "Save section", f"wb_sec_{draft_id}_s2").disabled
    assert at.button(key=f"wb_submit_{draft_id}").disabled
    at.button(key="wb_conflict_reload").click().run()
    assert not any(w.value.replace("\\", "").startswith("Draft #") for w in at.warning)
    _still_on(at, draft_id, 2)
    assert not _form_button(at, "Save section", f"wb_sec_{draft_id}_s2").disabled
