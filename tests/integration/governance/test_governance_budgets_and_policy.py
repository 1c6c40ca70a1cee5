"""Budgets, the AI-use policy and routes switched off: refused before anything is sent, every lead change audited."""

from __future__ import annotations

import csv
import io
import threading

import pytest

from review.actors import SHELL
from review.errors import PermissionDenied
from tests.support.replies import queue_draft
from workbench.llm.generation_log import GenerationRecord
from workbench.errors import AIUseSwitchedOff, BudgetExceeded, GovernanceInputInvalid, PolicyNotAccepted, PolicySuperseded


def _actions(services) -> list[str]:
    return [row["action"] for row in services.audit_trail.rows()]


def test_a_use_switched_off_is_refused_before_anything_is_sent(services, brief):
    services.governance.set_route("lena", "drafting", "off")
    with pytest.raises(AIUseSwitchedOff, match="drafting with AI is switched off by a lead; nothing was sent"):
        services.drafting.create_draft("ana", brief)
    assert services.llm.fake.history == []
    assert services.review_queries.list_drafts() == []
    row = services.audit_trail.rows(action="route_set")[-1]
    assert (row["actor"], row["details"]) == ("lena", {"use": "drafting", "endpoint": "off"})


def test_only_a_lead_governs_and_a_denial_is_audited(services):
    with pytest.raises(PermissionDenied, match="only a lead governs the use of AI"):
        services.governance.set_route("ana", "drafting", "off")
    denied = services.audit_trail.rows(action="denied")[-1]
    assert denied["actor"] == "ana" and denied["details"]["attempted"] == "route_set"
    assert services.governance.route_table()["drafting"] == "default"


def test_bad_endpoint_input_is_refused_with_the_reason(services):
    governance = services.governance
    with pytest.raises(GovernanceInputInvalid, match="allowed level 'secret' is not a classification level; use one of public, internal, confidential, restricted"):
        governance.register_endpoint("lena", "vendor", kind="external", max_classification="secret", base_url="https://api.example.com/v1", model="m")
    with pytest.raises(GovernanceInputInvalid, match="looks like a key itself"):
        governance.register_endpoint("lena", "vendor", kind="external", max_classification="public", base_url="https://api.example.com/v1",
                                     model="m", key_ref="sk-live-abcdef")
    with pytest.raises(GovernanceInputInvalid, match="no endpoint named 'nowhere'"):
        governance.set_route("lena", "drafting", "nowhere")
    assert [row["name"] for row in governance.endpoints()] == ["default"]


def test_a_budget_of_zero_is_refused(services):
    with pytest.raises(GovernanceInputInvalid, match="tokens per day of 0 would refuse every call"):
        services.governance.set_budget("lena", "user", "ana", tokens_per_day=0)
    assert services.governance.budgets.all() == []


def test_a_spent_user_budget_refuses_the_next_draft_before_anything_is_sent(services, brief):
    governance = services.governance
    governance.set_budget("lena", "user", "ana", tokens_per_day=10)
    queue_draft(services, brief)
    services.drafting.create_draft("ana", brief)  # under budget when it starts: it runs and spends
    calls = len(services.llm.fake.history)
    with pytest.raises(BudgetExceeded, match=r"ana has used [\d,]+ of 10 tokens today; nothing was sent"):
        services.drafting.create_draft("ana", brief)
    assert len(services.llm.fake.history) == calls
    # Someone else is not charged for ana's use.
    queue_draft(services, brief)
    services.drafting.create_draft("bo", brief)


def test_a_team_budget_counts_every_member(services, brief):
    governance = services.governance
    governance.add_team_member("lena", "sales enablement", "ana")
    governance.add_team_member("lena", "sales enablement", "bo")
    governance.set_budget("lena", "team", "sales enablement", tokens_per_month=10)
    queue_draft(services, brief)
    services.drafting.create_draft("ana", brief)
    with pytest.raises(BudgetExceeded, match=r"team 'sales enablement' has used [\d,]+ of 10 tokens this month"):
        services.drafting.create_draft("bo", brief)
    assert {"team_member_added", "budget_set"} <= set(_actions(services))


def test_concurrent_generations_are_limited(services, brief):
    governance = services.governance
    governance.set_budget("lena", "user", "ana", concurrent=1)
    chunk_ids = queue_draft(services, brief)
    started, release = threading.Event(), threading.Event()
    outcome: dict = {}

    def slow_token(_: str) -> None:
        started.set()
        release.wait(10)

    def first() -> None:
        outcome["first"] = services.drafting.create_draft("ana", brief, on_token=slow_token, critique=False)

    worker = threading.Thread(target=first)
    worker.start()
    assert started.wait(30)
    try:
        with pytest.raises(BudgetExceeded, match="ana already has 1 generation running, the limit is 1"):
            services.drafting.create_draft("ana", brief)
    finally:
        release.set()
        worker.join(30)
    assert outcome["first"].draft_id
    queue_draft(services, brief)
    services.drafting.create_draft("ana", brief)  # the slot was given back
    assert chunk_ids


def test_the_policy_is_accepted_before_the_first_ai_action(services, brief):
    governance = services.governance
    version = governance.publish_policy("lena", "# Using AI here\n\nDrafts are checked by people before anyone learns from them.")
    assert version.version == 1
    with pytest.raises(PolicyNotAccepted, match="ana has not accepted version 1 of the AI-use policy; nothing was sent"):
        services.drafting.create_draft("ana", brief)
    assert services.llm.fake.history == []
    governance.accept_policy("ana", 1)
    queue_draft(services, brief)
    services.drafting.create_draft("ana", brief)
    accepted = services.audit_trail.rows(action="policy_accepted")
    assert [(row["actor"], row["details"]) for row in accepted] == [("ana", {"version": 1})]
    assert services.audit_trail.verify().ok


def test_accepting_a_superseded_version_is_refused(services, brief):
    """The lead edits the policy while ana reads version 1: her acceptance of version 1 does not count."""
    governance = services.governance
    governance.publish_policy("lena", "Version one.")
    shown = governance.current_policy().version
    governance.publish_policy("lena", "Version two: critiques never replace a reviewer.")
    with pytest.raises(PolicySuperseded, match="version 1 of the AI-use policy is no longer current: version 2 was published"):
        governance.accept_policy("ana", shown)
    assert governance.needs_acceptance("ana")
    with pytest.raises(PolicyNotAccepted, match="version 2"):
        services.drafting.create_draft("ana", brief)
    governance.accept_policy("ana", 2)
    assert not governance.needs_acceptance("ana")
    assert [row["details"]["version"] for row in services.audit_trail.rows(action="policy_published")] == [1, 2]


def test_usage_per_user_use_and_endpoint_exports_as_formula_safe_csv(services, brief):
    queue_draft(services, brief)
    services.drafting.create_draft("ana", brief)
    rows = services.governance.usage_rows()
    ana = [row for row in rows if row.user == "ana"]
    assert [(row.use, row.endpoint, row.calls) for row in ana] == [("drafting", "default", 2)]
    assert ana[0].total_tokens == ana[0].prompt_tokens + ana[0].completion_tokens > 0
    # User names cannot start like a formula; a row written by other code could, so the export neutralises it.
    services.generation_log.record(GenerationRecord("p", 1, "0" * 64, "fake", "fake", actor="=HYPERLINK(\"http://x\")",
                                                    use="drafting", endpoint="default", prompt_tokens=1, completion_tokens=1))
    stream = io.StringIO()
    assert services.governance.usage_csv(stream) == 2
    rows = list(csv.reader(io.StringIO(stream.getvalue())))
    assert rows[0] == ["user", "use", "endpoint", "calls", "failed_calls", "prompt_tokens", "completion_tokens", "total_tokens", "last_call"]
    assert rows[1][0] == "'=HYPERLINK(\"http://x\")"
    assert rows[2][:5] == ["ana", "drafting", "default", "2", "0"]
