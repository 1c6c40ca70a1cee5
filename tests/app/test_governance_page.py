"""Governance page (lead), the policy shown before the first AI action, and AI usage on the Audit page."""

from __future__ import annotations

from tests.app.conftest import open_page, texts


def test_the_lead_registers_an_endpoint_and_sees_it_unusable_without_its_key(people, app_services, monkeypatch):
    monkeypatch.delenv("VENDOR_KEY_FOR_PAGE", raising=False)
    at = open_page("lee", "governance")
    assert not at.exception, at.exception
    at.text_input(key="wb_endpoint_name").input("vendor")
    at.selectbox(key="wb_endpoint_kind").select("external")
    at.text_input(key="wb_endpoint_url").input("https://llm.example.com/v1")
    at.text_input(key="wb_endpoint_model").input("big-model")
    at.text_input(key="wb_endpoint_key_ref").input("env:VENDOR_KEY_FOR_PAGE")
    next(b for b in at.button if b.label == "Register endpoint").click().run()
    assert not at.exception, at.exception
    at.run()
    shown = texts(at)
    assert "Endpoint vendor cannot be used: its key reference does not resolve (environment variable VENDOR_KEY_FOR_PAGE is not set)" in shown
    assert app_services.audit_trail.rows(action="endpoint_registered")[-1]["actor"] == "lee"


def test_a_zero_budget_is_one_error_on_the_page(people, app_services):
    at = open_page("lee", "governance")
    at.text_input(key="wb_budget_subject").input("ann")
    at.text_input(key="wb_budget_day").input("0")
    next(b for b in at.button if b.label == "Save budget").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] and "tokens per day of 0 would refuse every call" in texts(at)
    assert app_services.governance.budgets.all() == []


def test_a_person_accepts_the_policy_before_the_draft_studio_opens(people, app_services):
    app_services.governance.publish_policy("lee", "# Using AI\n\nEvery draft is **reviewed by people**.")
    at = open_page("ann", "draft_studio")
    assert not at.exception, at.exception
    assert "AI-use policy, version 1" in texts(at)
    assert not [b for b in at.button if b.label == "Draft module and assessment"]
    # The lead publishes version 2 while ann reads version 1: her click is refused and version 2 is shown.
    app_services.governance.publish_policy("lee", "# Using AI\n\nVersion two.")
    at.button(key="wb_policy_accept_1").click().run()
    assert "version 1 of the AI-use policy is no longer current: version 2 was published" in texts(at)
    assert "AI-use policy, version 2" in texts(at)
    at.button(key="wb_policy_accept_2").click().run()
    assert not at.exception, at.exception
    assert "You accepted version 2 of the AI-use policy" in texts(at)
    assert "Draft studio" in [t.value for t in at.title]
    assert not app_services.governance.needs_acceptance("ann")


def test_the_audit_page_shows_ai_usage_and_exports_it(people, app_services, submitted_draft):
    at = open_page("lee", "audit")
    assert not at.exception, at.exception
    frames = [frame.value for frame in at.dataframe]
    usage = next(frame for frame in frames if "total_tokens" in frame.columns)
    assert list(usage[["user", "use", "endpoint", "calls"]].itertuples(index=False, name=None)) == [("ann", "drafting", "default", 2)]
    labels = [button.proto.label for button in at.get("download_button")]
    assert "Export the usage (CSV)" in labels
