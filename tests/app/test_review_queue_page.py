"""Review queue page: my queue per role, the draft with sources, findings, diff, comments and decisions."""

from __future__ import annotations

from tests.app.conftest import open_page, texts
from workbench.domain.drafts import DraftContent


def _edit_title(services, draft_id: int, title: str) -> None:
    view = services.review_queries.get_draft(draft_id)
    content = DraftContent.model_validate(view.content)
    content.module.title = title
    services.drafting.edit("ann", draft_id, view.revision, content, note="retitled", submit=True)


def test_a_reviewer_sees_the_draft_beside_its_sources_and_findings(submitted_draft, app_services):
    at = open_page("cam", "review_queue")
    assert not at.exception, at.exception
    assert at.selectbox(key="wb_queue_draft").value == submitted_draft
    html = "\n".join(element.value for element in at.html)
    assert "Situation, behaviour, impact" in html  # the draft
    assert "Describe the situation, the behaviour you saw" in html  # a cited library passage
    assert any("Giving feedback with SBI ›" in e.label for e in at.expander)
    assert at.dataframe, "sign-offs and findings are tabled"


def test_the_author_has_nothing_to_sign_in_their_own_draft(submitted_draft, app_services):
    app_services.accounts.set_roles("lee", "ann", ["author", "accuracy_reviewer"])
    at = open_page("ann", "review_queue")
    assert not at.exception, at.exception
    assert "Nothing waiting for you." in texts(at)


def test_a_sign_off_on_a_stale_revision_says_what_changed_and_offers_a_reload(submitted_draft, app_services):
    at = open_page("sam", "review_queue")
    _edit_title(app_services, submitted_draft, "Feedback that helps, retitled")  # someone else changed it meanwhile
    at.button(key=f"wb_sign_{submitted_draft}").click().run()
    assert not at.exception, at.exception
    warnings = [w.value.replace("\\", "") for w in at.warning]
    conflict = next(w for w in warnings if w.startswith(f"Draft #{submitted_draft} changed"))
    assert f"Draft #{submitted_draft} changed while you were reading revision 1: ann saved revision 2 at " in conflict
    assert "UTC (retitled). It is now at revision 2, in review. Nothing was done by your sign-off" in conflict
    assert "workbench review show" not in texts(at) and not at.error
    assert app_services.review_queries.get_draft(submitted_draft).sign_offs == []
    # Until the reviewer reloads, nothing can be signed on the draft; after it, revision 2 can be.
    assert not any(b.key == f"wb_sign_{submitted_draft}" for b in at.button)
    at.button(key="wb_conflict_reload").click().run()
    assert not any(w.value.replace("\\", "").startswith("Draft #") for w in at.warning)
    at.button(key=f"wb_sign_{submitted_draft}").click().run()
    assert "Signed off accuracy on revision 2." in texts(at)
    assert [s.revision for s in app_services.review_queries.get_draft(submitted_draft).sign_offs] == [2]


def test_request_changes_needs_a_comment_and_then_sends_the_draft_back(submitted_draft, app_services):
    at = open_page("eve", "review_queue")
    at.button(key=f"wb_changes_{submitted_draft}").click().run()
    assert any("needs a comment" in e.value.replace("\\", "") for e in at.error)
    assert app_services.review_queries.get_draft(submitted_draft).state.value == "in_review"

    at.text_area(key=f"wb_reason_{submitted_draft}").input("The second question gives the answer away.")
    at.button(key=f"wb_changes_{submitted_draft}").click().run()
    assert not at.exception, at.exception
    assert "Changes requested" in texts(at)
    assert app_services.review_queries.get_draft(submitted_draft).state.value == "changes_requested"


def test_comments_anchor_to_a_part_and_the_diff_shows_the_change(submitted_draft, app_services):
    _edit_title(app_services, submitted_draft, "Feedback that helps, retitled")
    at = open_page("sam", "review_queue")
    key = f"wb_queue_comments_{submitted_draft}"
    at.text_area(key=f"{key}_comment_text").input("Cite the SBI source here.")
    at.selectbox(key=f"{key}_comment_anchor").select("section:s1")
    next(b for b in at.button if b.label == "Comment").click().run()
    assert not at.exception, at.exception
    comments = app_services.review_queries.get_draft(submitted_draft).comments
    assert [(c.user, c.anchor, c.text) for c in comments] == [("sam", "section:s1", "Cite the SBI source here.")]
    diff = "\n".join(c.value for c in at.code)
    assert "-title: Giving feedback that helps" in diff or "Giving feedback that helps" in diff
    assert "retitled" in diff


def test_the_lead_sees_all_drafts_and_can_reject_with_a_reason(submitted_draft, app_services):
    at = open_page("lee", "review_queue")
    assert at.radio(key="wb_queue_view").value == "all"
    at.text_area(key=f"wb_reason_{submitted_draft}").input("Out of scope for this quarter.")
    at.button(key=f"wb_reject_{submitted_draft}").click().run()
    assert not at.exception, at.exception
    assert app_services.review_queries.get_draft(submitted_draft).state.value == "rejected"


def test_a_draft_exports_from_the_review_queue(submitted_draft, app_services):
    at = open_page("sam", "review_queue")
    key = f"wb_export_draft_{submitted_draft}"
    at.selectbox(key=f"{key}_format").select("gift")
    at.button(key=f"{key}_prepare").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    fmt, filename, data, mime = at.session_state[f"{key}_prepared"]
    assert fmt == "gift" and filename.endswith(".gift") and mime == "text/plain"
    assert "What does the B in SBI stand for?" in data.decode("utf-8")
    assert at.get("download_button")


def test_a_sign_off_by_a_disabled_reviewer_is_shown_as_lapsed(submitted_draft, app_services):
    app_services.lifecycle.sign_off("sam", submitted_draft, "accuracy", 1)
    app_services.accounts.disable_user("lee", "sam")
    at = open_page("lee", "review_queue")
    assert not at.exception, at.exception
    warnings = [w.value.replace("\\", "") for w in at.warning]
    assert any("The accuracy sign-off by sam no longer counts: sam has been disabled since signing" in w for w in warnings), warnings
    sign_offs = next(frame.value for frame in at.dataframe if "status" in frame.value.columns)
    row = sign_offs[sign_offs["dimension"] == "accuracy"].iloc[0]
    assert row["signed by"] == "sam" and row["status"] == "no longer counts: sam has been disabled since signing"


def test_an_accuracy_reviewer_waives_an_error_finding_with_a_reason(people, app_services):
    from tests.app.test_draft_studio_page import ZERO_KEYS, _draft, break_first_question

    draft_id = _draft(app_services)
    break_first_question(app_services, draft_id)
    at = open_page("sam", "review_queue")
    at.radio(key="wb_queue_view").set_value("waivers").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="wb_queue_draft").value == draft_id
    blocking = app_services.review_queries.get_draft(draft_id).blocking_findings
    key = next(f.key for f in blocking if f.message == ZERO_KEYS)
    prefix = f"wb_queue_findings_{draft_id}"
    at.text_input(key=f"{prefix}_waive_reason_{key}").input("q1 is rewritten by hand before the pilot")
    at.button(key=f"{prefix}_waive_{key}").click().run()
    assert not at.exception, at.exception
    after = app_services.review_queries.get_draft(draft_id)
    waived = next(f for f in after.gating_findings if f.key == key)
    assert (waived.waived_by, waived.waiver_reason) == ("sam", "q1 is rewritten by hand before the pilot")
    shown = [i.value.replace("\\", "") for i in at.info]
    assert any(i.startswith("Waived by sam:") and ZERO_KEYS in i and "q1 is rewritten by hand" in i for i in shown), shown
    assert len(after.blocking_findings) == 1  # the duplicate options still block
    # The cultural reviewer may not waive accuracy findings and is not offered the button.
    cam = open_page("cam", "review_queue")
    cam.radio(key="wb_queue_view").set_value("waivers").run()
    assert "No error finding is waiting for your waiver." in texts(cam)


def test_the_lead_pages_through_a_long_list_newest_first(app_services, people):
    from tests.support.drafts import sample_content
    from workbench.library.draft_file import render_draft_file

    made = []
    for number in range(53):
        content = sample_content(f"Module {number:02d}")
        draft = app_services.lifecycle.create_draft(
            "ann", title=f"Module {number:02d}", content=content, markdown=render_draft_file(DraftContent.model_validate(content)),
            findings=[], skill_ids=["fb-giving"])
        made.append(app_services.lifecycle.submit("ann", draft.id, draft.revision).id)
    at = open_page("lee", "review_queue")
    assert not at.exception, at.exception
    first = list(at.dataframe[0].value["id"])
    assert first == list(reversed(made))[:50] and "Page 1, 50 drafts, newest first" in texts(at)
    at.button(key="wb_queue_page_older").click().run()
    assert not at.exception, at.exception
    assert list(at.dataframe[0].value["id"]) == list(reversed(made))[50:] and "Page 2, 3 drafts, newest first" in texts(at)
    assert at.button(key="wb_queue_page_older").disabled
    at.button(key="wb_queue_page_newer").click().run()
    assert list(at.dataframe[0].value["id"]) == first


def test_a_flagged_item_of_a_published_draft_is_reopened_from_the_learners_results_tab(submitted_draft, app_services, tmp_path):
    from tests.support.signals import KEY, answered, write_json_lines
    from workbench.exports.cmi5 import course_activity_id

    for name, dimension in (("sam", "accuracy"), ("cam", "cultural"), ("eve", "ethics")):
        app_services.lifecycle.sign_off(name, submitted_draft, dimension, 1)
    published = app_services.publisher.publish("lee", submitted_draft, 1)
    app_services.settings.signals_pseudonym_key = KEY
    item = app_services.review_queries.get_draft(submitted_draft).content["assessment"]["items"][0]["id"]
    course = course_activity_id(published.module_id)
    statements = [answered(item, f"p{n}", n > 0, response="x" if n else "y", course=course) for n in range(30)]
    report = app_services.signals.import_file(write_json_lines(tmp_path / "answers.jsonl", statements), "xapi", "lee")
    assert report.kept == 30, report.as_dict()

    at = open_page("lee", "review_queue")
    at.radio(key="wb_queue_view").set_value("all").run()
    at.selectbox(key="wb_queue_state").select("published").run()
    assert not at.exception, at.exception
    items = next(frame.value for frame in at.dataframe if "difficulty p" in frame.value.columns)
    assert list(items["item"]) == [item] and items["flags"].iloc[0].startswith("too easy: 97 % of 30 answers correct")
    assert at.selectbox(key=f"wb_queue_flagged_{submitted_draft}").value == item
    at.button(key=f"wb_queue_reopen_{submitted_draft}").click().run()
    assert not at.exception, at.exception
    assert f"Revision opened for item {item}" in texts(at)
    draft = app_services.review_queries.get_draft(submitted_draft)
    assert (draft.revision, draft.state.value) == (2, "drafting")
    assert [f["location"] for f in draft.findings if f["check"] == "item_analysis"] == [f"item:{item}"]


def test_the_reviewer_reads_citations_as_module_and_heading_with_a_link(submitted_draft, app_services):
    from urllib.parse import parse_qs

    content = app_services.review_queries.get_draft(submitted_draft).content
    cited = content["module"]["sections"][0]["citations"][0]
    at = open_page("sam", "review_queue")
    assert not at.exception, at.exception
    html = "\n".join(element.value for element in at.html)
    assert "Sources: Giving feedback with SBI › Situation, behaviour, impact" in html
    assert cited not in html, "the draft shows a citation as a hash"
    links = [link for link in at.get("page_link") if link.value == "Open it in the Library"]
    assert {parse_qs(link.proto.query_string)["passage"][0] for link in links} >= {cited}
    # What is stored and signed keeps the passage id: only the page names it.
    assert f"`{cited}`" in app_services.review_queries.get_draft(submitted_draft).markdown


def test_a_decision_on_a_draft_someone_rejected_meanwhile_says_who_and_offers_a_reload(submitted_draft, app_services):
    at = open_page("sam", "review_queue")
    app_services.lifecycle.reject("lee", submitted_draft, 1, "Out of scope for this quarter.")  # same revision, new state
    at.button(key=f"wb_sign_{submitted_draft}").click().run()
    assert not at.exception, at.exception
    warning = next(w for w in (w.value.replace("\\", "") for w in at.warning) if w.startswith("Draft #"))
    assert warning.startswith(f"Draft #{submitted_draft} changed while you were reading it: lee rejected it at ")
    assert "UTC. It is now at revision 1, rejected. Nothing was done by your sign-off" in warning
    assert not at.error, [e.value for e in at.error]
    assert app_services.review_queries.get_draft(submitted_draft).sign_offs == []
    at.button(key="wb_conflict_reload").click().run()
    assert not any(w.value.replace("\\", "").startswith("Draft #") for w in at.warning)


def test_a_refusal_that_is_not_a_change_by_someone_else_stays_the_error_it_is(submitted_draft, app_services):
    at = open_page("eve", "review_queue")
    at.button(key=f"wb_changes_{submitted_draft}").click().run()  # no comment: refused for that reason alone
    assert any("needs a comment" in e.value.replace("\\", "") for e in at.error)
    assert not any(w.value.replace("\\", "").startswith("Draft #") for w in at.warning)
