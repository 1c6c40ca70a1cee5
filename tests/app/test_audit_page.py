"""Audit page (lead): figures, the audit log with its integrity check and CSV export, publishing, users."""

from __future__ import annotations

import re

import yaml

from tests.app.conftest import PASSWORD, open_page, texts
from workbench.library.format import body_of, split_front_matter


def test_the_audit_log_verifies_and_exports_as_csv(people, app_services):
    at = open_page("lee", "audit")
    assert not at.exception, at.exception
    at.button(key="wb_audit_verify").click().run()
    assert any("The audit log is intact" in s.value for s in at.success)
    download = at.get("download_button")[0]
    assert "Export the audit log (CSV)" in download.proto.label
    assert any('"arc"' in chart.proto.spec and '"origin"' in chart.proto.spec for chart in at.get("vega_lite_chart")), \
        "the share of AI-drafted modules is drawn"


def test_the_audit_log_csv_is_made_when_asked_for_and_holds_every_row(people, app_services, monkeypatch):
    from review.audit import AuditTrail
    from streamlit.runtime.media_file_manager import MediaFileManager
    from workbench.governance.usage import USAGE_FIELDS

    exports: list[int] = []
    real_export = AuditTrail.export_csv
    monkeypatch.setattr(AuditTrail, "export_csv", lambda self, stream: exports.append(1) or real_export(self, stream))
    deferred: dict[str, object] = {}  # what a click on a download button runs, by file name
    real_add = MediaFileManager.add_deferred

    def add_deferred(self, data, mimetype, coordinates, file_name=None, **options):
        deferred[file_name] = data
        return real_add(self, data, mimetype, coordinates, file_name=file_name, **options)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    at = open_page("lee", "audit")
    assert not at.exception, at.exception
    download = next(b for b in at.get("download_button") if "audit log" in b.proto.label)
    assert download.proto.deferred_file_id and exports == [], "a run of the page does not write the whole log out"
    lines = deferred["audit-log.csv"]().splitlines()
    assert exports == [1]
    assert lines[0].startswith("seq,") and len(lines) == 1 + len(app_services.audit_trail.rows())
    assert deferred["ai-usage.csv"]().splitlines() == [",".join(USAGE_FIELDS)], "no model call yet: the header alone"


def test_a_tampered_audit_log_is_reported_naming_the_row(people, app_services):
    from sqlalchemy import text

    with app_services.database.transaction() as connection:
        # Someone with write access to the database file removes the guard, then edits history.
        connection.execute(text("DROP TRIGGER audit_log_no_update"))
        connection.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2"))
    at = open_page("lee", "audit")
    at.button(key="wb_audit_verify").click().run()
    assert any("tampered" in e.value and "row 2" in e.value for e in at.error), [e.value for e in at.error]


def test_the_lead_adds_a_user_whose_password_is_shown_once(people, app_services):
    at = open_page("lee", "audit")
    at.text_input(key="wb_new_user_name").input("nia")
    at.multiselect(key="wb_new_user_roles").select("ethics_reviewer")
    next(b for b in at.button if b.label == "Add user").click().run()
    assert not at.exception, at.exception
    password = at.code[-1].value
    assert re.fullmatch(r"[A-Za-z0-9_-]{20,}", password)
    assert app_services.accounts.authenticate("nia", password).name == "nia"
    at.run()
    assert password not in [c.value for c in at.code], "the password is not shown again"


def test_roles_are_changed_and_accounts_disabled_from_the_page(people, app_services):
    at = open_page("lee", "audit")
    at.selectbox(key="wb_role_user").select("sam").run()
    at.multiselect(key="wb_roles_sam").select("cultural_reviewer").run()
    at.button(key="wb_save_roles_sam").click().run()
    assert not at.exception, at.exception
    assert {r.value for r in app_services.accounts.get_user("sam").roles} == {"accuracy_reviewer", "cultural_reviewer"}
    at.button(key="wb_disable_sam").click().run()
    assert app_services.accounts.get_user("sam").disabled
    assert "sam is disabled." in texts(at)


def test_removing_the_last_lead_is_refused_with_the_reason(people, app_services):
    at = open_page("lee", "audit")
    at.selectbox(key="wb_role_user").select("lee").run()
    at.multiselect(key="wb_roles_lee").unselect("lead").select("author").run()
    at.button(key="wb_save_roles_lee").click().run()
    assert any("last active lead" in e.value for e in at.error)


def test_publish_then_unpublish_with_a_reason(submitted_draft, app_services):
    """A draft made by the real drafting path is published with one header, shown cleanly in the Library, then withdrawn."""
    for name, dimension in (("sam", "accuracy"), ("cam", "cultural"), ("eve", "ethics")):
        app_services.lifecycle.sign_off(name, submitted_draft, dimension, 1)
    at = open_page("lee", "audit")
    at.button(key=f"wb_publish_{submitted_draft}").click().run()
    assert app_services.review_queries.get_draft(submitted_draft).state.value == "approved", "nothing happens before confirming"
    shown = texts(at).replace("**", "")
    assert "Publish this revision into the library?" in shown
    for line in ("Signed off: accuracy: sam", "cultural: cam", "ethics: eve", "Author: ann", "Revision: 1", "Library passages used:"):
        assert line in shown, line
    at.button(key=f"wb_publish_cancel_{submitted_draft}").click().run()
    assert app_services.review_queries.get_draft(submitted_draft).state.value == "approved"
    assert "Publish this revision into the library?" not in texts(at)
    at.button(key=f"wb_publish_{submitted_draft}").click().run()
    at.button(key=f"wb_publish_confirm_{submitted_draft}").click().run()
    assert not at.exception, at.exception
    draft = app_services.review_queries.get_draft(submitted_draft)
    path = app_services.settings.library_dir / draft.published_path
    text = path.read_text(encoding="utf-8")
    header, body = split_front_matter(text)
    assert yaml.safe_load(header)["status"] == "published" and split_front_matter(body.lstrip("\n"))[0] is None
    assert "status: draft" not in text and "version: '0.1'" not in text
    assert body.lstrip("\n") == body_of(draft.markdown).lstrip("\n")  # what the reviewers signed
    assert any(f"#{submitted_draft}" in e.label for e in at.expander), "provenance of the published module is listed"
    provenance = texts(at).replace("**", "")
    assert f"Published as: {draft.published_path}" in provenance and "{" not in provenance.split("Published as:")[1][:300]

    library = open_page("ann", "library")
    library.selectbox(key="wb_library_module").select(yaml.safe_load(header)["id"]).run()
    html = "\n".join(element.value for element in library.html)
    assert "<h1>Giving feedback that helps</h1>" in html and "status: draft" not in html and "status: published" not in html
    first_chunk = app_services.index.chunk_vectors()[0]
    published_chunks = [chunk for chunk in first_chunk if chunk.path == draft.published_path]
    assert published_chunks and not any("status:" in chunk.text for chunk in published_chunks)

    at.text_input(key=f"wb_unpublish_reason_{submitted_draft}").input("Superseded by the 2027 course.")
    at.button(key=f"wb_unpublish_{submitted_draft}").click().run()
    assert not at.exception, at.exception
    assert app_services.review_queries.get_draft(submitted_draft).state.value == "archived"
    assert not path.exists()


def test_a_lead_sees_a_sign_in_lockout_and_lifts_it(people, app_services):
    from review.errors import AuthenticationFailed, SignInThrottled

    for _ in range(5):
        try:
            app_services.accounts.authenticate("sam", "not the password", "192.0.2.7")
        except AuthenticationFailed:
            pass
    try:
        app_services.accounts.authenticate("sam", PASSWORD, "192.0.2.8")
        raise AssertionError("sam should be locked out")
    except SignInThrottled:
        pass
    at = open_page("lee", "audit")
    assert not at.exception, at.exception
    shown = texts(at)
    assert "account sam: 5 failed sign-ins since" in shown and "locked until" in shown
    at.button(key="wb_lift_account_sam").click().run()
    assert not at.exception, at.exception
    assert "No account or address is locked out after failed sign-ins." in texts(at)
    assert app_services.accounts.authenticate("sam", PASSWORD, "192.0.2.8").name == "sam"


def test_an_unwaived_error_finding_disables_publish(submitted_draft, app_services):
    from tests.app.test_draft_studio_page import ZERO_KEYS

    for name, dimension in (("sam", "accuracy"), ("cam", "cultural"), ("eve", "ethics")):
        app_services.lifecycle.sign_off(name, submitted_draft, dimension, 1)
    # The checks, run again on the approved revision, now report an error (a changed rule, a new check).
    broken = [{"check": "answer_key", "severity": "error", "location": "item:q1", "message": ZERO_KEYS,
               "advisory": False, "dimension": "accuracy"}]
    app_services.lifecycle.update_findings("lee", submitted_draft, expected_revision=1, findings=broken)
    at = open_page("lee", "audit")
    assert not at.exception, at.exception
    assert at.button(key=f"wb_publish_{submitted_draft}").disabled
    errors = [e.value.replace("\\", "") for e in at.error]
    assert any(e.startswith("Blocks publishing: item:q1 · answer_key: " + ZERO_KEYS) for e in errors), errors
    assert app_services.review_queries.get_draft(submitted_draft).published_path is None


def test_publishing_a_draft_changed_since_it_was_shown_says_what_changed_and_publishes_nothing(submitted_draft, app_services):
    from workbench.domain.drafts import DraftContent

    for name, dimension in (("sam", "accuracy"), ("cam", "cultural"), ("eve", "ethics")):
        app_services.lifecycle.sign_off(name, submitted_draft, dimension, 1)
    at = open_page("lee", "audit")
    at.button(key=f"wb_publish_{submitted_draft}").click().run()
    # While the lead reads the provenance, the author edits the approved draft: revision 2, back to drafting.
    content = DraftContent.model_validate(app_services.review_queries.get_draft(submitted_draft).content)
    content.module.summary = "A late change nobody has reviewed."
    app_services.drafting.edit("ann", submitted_draft, 1, content, note="late change")
    at.button(key=f"wb_publish_confirm_{submitted_draft}").click().run()
    assert not at.exception, at.exception
    warning = next(w for w in (w.value.replace("\\", "") for w in at.warning) if w.startswith("Draft #"))
    assert warning.startswith(f"Draft #{submitted_draft} changed while you were reading revision 1: ann saved revision 2 at ")
    assert "(late change). It is now at revision 2, drafting. Nothing was done by your publish" in warning
    assert "workbench review show" not in texts(at)
    view = app_services.review_queries.get_draft(submitted_draft)
    assert view.state.value == "drafting" and view.published_path is None
    assert not any((app_services.settings.library_dir / "published").glob("*.md"))
    at.button(key="wb_conflict_reload").click().run()
    assert "No approved draft is waiting." in texts(at)


def test_publishing_a_draft_another_lead_published_meanwhile_says_who(submitted_draft, app_services):
    for name, dimension in (("sam", "accuracy"), ("cam", "cultural"), ("eve", "ethics")):
        app_services.lifecycle.sign_off(name, submitted_draft, dimension, 1)
    at = open_page("lee", "audit")
    at.button(key=f"wb_publish_{submitted_draft}").click().run()
    app_services.publisher.publish("lee", submitted_draft, 1)  # the same lead, from another browser tab
    at.button(key=f"wb_publish_confirm_{submitted_draft}").click().run()
    assert not at.exception, at.exception
    warning = next(w for w in (w.value.replace("\\", "") for w in at.warning) if w.startswith("Draft #"))
    assert warning.startswith(f"Draft #{submitted_draft} changed while you were reading it: lee published it at ")
    assert "It is now at revision 1, published. Nothing was done by your publish" in warning
    assert len(list((app_services.settings.library_dir / "published").glob("*.md"))) == 1
