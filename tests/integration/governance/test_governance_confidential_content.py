"""Confidential content stays in-house: a loopback recording server stands in for an external endpoint."""

from __future__ import annotations

import json

import pytest

from review.actors import SHELL
from tests.e2e.scripted_llm import ScriptedLLM
from tests.integration.governance.conftest import CONFIDENTIAL_SENTENCES
from tests.support.replies import queue_draft
from workbench.domain.drafts import DraftContent

USES = ("drafting", "regeneration", "critiques", "gap_explanations")


def _sent(server: ScriptedLLM) -> str:
    """Everything the endpoint received, as one text (the JSON bodies as sent)."""
    return "\n".join(json.dumps(request["json"], ensure_ascii=False) for request in server.requests)


def _route_everything_to(services, server: ScriptedLLM) -> None:
    governance = services.governance
    governance.register_endpoint(SHELL, "vendor", kind="external", max_classification="internal",
                                 base_url=server.base_url, model="vendor-model")
    for use in USES:
        governance.set_route(SHELL, use, "vendor")


def test_the_internal_default_endpoint_is_sent_the_confidential_module(services, brief):
    """The control: with the in-house default endpoint, retrieval does pick the confidential passages."""
    queue_draft(services, brief)
    result = services.drafting.create_draft("ana", brief)
    prompt = "\n".join(str(message.content) for message in services.llm.fake.history[0])
    assert CONFIDENTIAL_SENTENCES[0] in prompt
    assert result.content.provenance.withheld == []
    assert result.content.provenance.endpoint == "default"


def test_no_byte_of_a_confidential_module_reaches_an_external_endpoint(services, brief, library):
    """Drafting, critiques, regeneration and a gap explanation through an external endpoint: the module never leaves."""
    with ScriptedLLM() as server:
        _route_everything_to(services, server)
        result = services.drafting.create_draft("ana", brief, critique=True)
        regenerated = services.drafting.regenerate_section("ana", result.draft_id, "s1", result.revision)
        explanation = services.gaps.explain("fb-giving", None, services.prompts.get("explain_gap"),
                                            skills_file=library / "skills.yaml", actor="ana")

    assert server.schema_names()[:2] == ["ModuleReply", "AssessmentReply"]
    assert "CritiqueReply" in server.schema_names() and "SectionReply" in server.schema_names()
    assert explanation.startswith("Scripted explanation")
    sent = _sent(server)
    assert "Giving feedback with SBI" in sent or "Situation, behaviour, impact" in sent  # the public module went
    for sentence in CONFIDENTIAL_SENTENCES:
        assert sentence not in sent
    for fragment in ("Falcon", "falcon-feedback", "212 roles", "redundancy list"):
        assert fragment not in sent

    # The provenance says what was withheld and why.
    stored = DraftContent.model_validate(services.review_queries.get_draft(result.draft_id).content)
    withheld = stored.provenance.withheld
    assert withheld and {item.path for item in withheld} == {"feedback/falcon-feedback.md"}
    assert all(item.classification == "confidential" and item.endpoint == "vendor" for item in withheld)
    assert "confidential (front matter)" in withheld[0].reason and "up to internal" in withheld[0].reason
    assert stored.provenance.endpoint == "vendor" and stored.provenance.provider == "openai"
    assert not set(stored.provenance.retrieved_chunk_ids) & {item.chunk_id for item in withheld}
    assert services.review_queries.get_draft(regenerated.draft_id).revision == 2


def test_a_misspelt_classification_is_treated_as_the_most_restrictive_level(services, brief, library):
    """`classification: confidental` keeps the module in-house and the reason carries the warning."""
    path = library / "feedback" / "giving-feedback.md"
    path.write_text(path.read_text(encoding="utf-8").replace("status: published", "status: published\nclassification: publik"),
                    encoding="utf-8")
    row = next(r for r in services.governance.classify(["feedback/giving-feedback.md"]))
    assert row["classification"] == "restricted"
    assert "classification 'publik' is not one of public, internal, confidential, restricted" in row["warning"]
    with ScriptedLLM() as server:
        _route_everything_to(services, server)
        result = services.drafting.create_draft("ana", brief, critique=False)
    sent = _sent(server)
    assert "Describe the situation, the behaviour you saw and its impact" not in sent
    reasons = {item.path: item.reason for item in result.content.provenance.withheld}
    assert "treated as restricted, the most restrictive" in reasons["feedback/giving-feedback.md"]


def test_a_folder_default_classifies_the_files_below_it(services, library):
    """A `_folder.yaml` sets the level of files without their own; a file's own level wins."""
    (library / "leadership" / "_folder.yaml").write_text("classification: restricted\n", encoding="utf-8")
    rows = {row["path"]: row for row in services.governance.classify(
        ["leadership/delegating.md", "feedback/falcon-feedback.md", "feedback/giving-feedback.md"])}
    assert (rows["leadership/delegating.md"]["classification"], rows["leadership/delegating.md"]["source"]) == (
        "restricted", "_folder.yaml of folder leadership/")
    assert rows["feedback/falcon-feedback.md"]["source"] == "front matter"
    assert (rows["feedback/giving-feedback.md"]["classification"], rows["feedback/giving-feedback.md"]["source"]) == ("internal", "default")


@pytest.mark.parametrize("use", ["drafting"])
def test_an_unresolved_key_reference_sends_nothing(services, brief, use, monkeypatch):
    """An endpoint whose key reference does not resolve is shown unusable and nothing reaches it."""
    monkeypatch.delenv("VENDOR_KEY_UNSET", raising=False)
    with ScriptedLLM() as server:
        services.governance.register_endpoint(SHELL, "vendor", kind="external", max_classification="internal",
                                              base_url=server.base_url, model="m", key_ref="env:VENDOR_KEY_UNSET")
        services.governance.set_route(SHELL, use, "vendor")
        listed = {row["name"]: row for row in services.governance.endpoints()}
        assert listed["vendor"]["usable"] is False
        assert listed["vendor"]["problem"] == "its key reference does not resolve (environment variable VENDOR_KEY_UNSET is not set)"
        from workbench.errors import EndpointUnusable

        with pytest.raises(EndpointUnusable, match="endpoint 'vendor' cannot be used: its key reference does not resolve"):
            services.drafting.create_draft("ana", brief)
        monkeypatch.setenv("VENDOR_KEY_UNSET", "vendor-secret-123")
        assert {row["name"]: row for row in services.governance.endpoints()}["vendor"]["usable"] is True
        services.drafting.create_draft("ana", brief, critique=False)
    assert len(server.requests) == 2  # only the calls made once the key resolved
    assert server.requests[0]["headers"]["authorization"] == "Bearer vendor-secret-123"
    assert "vendor-secret-123" not in json.dumps(services.governance.endpoints())
