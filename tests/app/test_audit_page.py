"""Audit page (lead): figures, the audit log with its integrity check and CSV export, publishing, users."""

from __future__ import annotations

import re

from tests.app.conftest import PASSWORD, open_page, texts


def test_the_audit_log_verifies_and_exports_as_csv(people, app_services):
    at = open_page("lee", "audit")
    assert not at.exception, at.exception
    at.button(key="wb_audit_verify").click().run()
    assert any("The audit log is intact" in s.value for s in at.success)
    download = at.get("download_button")[0]
    assert "Export the audit log (CSV)" in download.proto.label


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
    assert app_services.review.authenticate("nia", password).name == "nia"
    at.run()
    assert password not in [c.value for c in at.code], "the password is not shown again"


def test_roles_are_changed_and_accounts_disabled_from_the_page(people, app_services):
    at = open_page("lee", "audit")
    at.selectbox(key="wb_role_user").select("sam").run()
    at.multiselect(key="wb_roles_sam").select("cultural_reviewer").run()
    at.button(key="wb_save_roles_sam").click().run()
    assert not at.exception, at.exception
    assert {r.value for r in app_services.review.get_user("sam").roles} == {"accuracy_reviewer", "cultural_reviewer"}
    at.button(key="wb_disable_sam").click().run()
    assert app_services.review.get_user("sam").disabled
    assert "sam is disabled." in texts(at)


def test_removing_the_last_lead_is_refused_with_the_reason(people, app_services):
    at = open_page("lee", "audit")
    at.selectbox(key="wb_role_user").select("lee").run()
    at.multiselect(key="wb_roles_lee").unselect("lead").select("author").run()
    at.button(key="wb_save_roles_lee").click().run()
    assert any("last active lead" in e.value for e in at.error)


def test_publish_then_unpublish_with_a_reason(submitted_draft, app_services):
    review = app_services.review
    for name, dimension in (("sam", "accuracy"), ("cam", "cultural"), ("eve", "ethics")):
        review.sign_off(name, submitted_draft, dimension, 1)
    at = open_page("lee", "audit")
    at.button(key=f"wb_publish_{submitted_draft}").click().run()
    assert not at.exception, at.exception
    path = app_services.settings.library_dir / review.get_draft(submitted_draft).published_path
    assert path.is_file()
    assert any(f"#{submitted_draft}" in e.label for e in at.expander), "provenance of the published module is listed"

    at.text_input(key=f"wb_unpublish_reason_{submitted_draft}").input("Superseded by the 2027 course.")
    at.button(key=f"wb_unpublish_{submitted_draft}").click().run()
    assert not at.exception, at.exception
    assert review.get_draft(submitted_draft).state.value == "archived"
    assert not path.exists()
