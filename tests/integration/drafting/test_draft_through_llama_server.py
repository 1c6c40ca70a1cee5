"""The whole drafting path through a real OpenAI-compatible server: llama.cpp's, serving the packaged model.

`workbench draft` (module and assessment), then both regenerations, a critique and a gap
explanation, each through the `openai` provider and the shared loopback `llama_cpp.server`, at the
demo draft size with the full schema (the server's grammar holds the small model to the limits),
in tools mode — the structured mode this server supports; it refuses `json_schema` (see
tests/integration/llm/test_llm_server_faults.py). The wire form and JSON mode each get one call too:
content quality aside, every call ends in a schema-valid result or a named error.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.libraries import DELEGATION, FEEDBACK, write_library
from tests.support.llama_server import SERVER_KEY, SERVER_MODEL
from tests.support.people import FAST_HASHER, PASSWORD
from tests.support.services import services_on
from workbench.domain.drafts import DraftContent
from workbench.drafting.errors import DraftGenerationFailed
from workbench.errors import LLMTruncated

pytestmark = pytest.mark.slow
PROJECT_ROOT = Path(__file__).resolve().parents[3]
SKILLS = PROJECT_ROOT / "content_library" / "skills.yaml"
WORKBENCH = Path(sys.executable).with_name("workbench")
SKILL = "feedback-cross-cultural"


def server_environment(server, **extra: str) -> dict[str, str]:
    """The settings a user sets to draft with the packaged model behind llama.cpp's server."""
    env = {
        **os.environ, "HF_HUB_OFFLINE": "1",
        "WORKBENCH_LLM_PROVIDER": "openai", "WORKBENCH_LLM_BASE_URL": server.base_url,
        "WORKBENCH_LLM_API_KEY": SERVER_KEY, "WORKBENCH_LLM_MODEL": SERVER_MODEL,
        "WORKBENCH_DRAFT_SIZE": "demo", "WORKBENCH_LLM_SCHEMA": "full", "WORKBENCH_LLM_SEED": "7",
        "WORKBENCH_LLM_TIMEOUT_SECONDS": "300",
    }
    env.pop("OPENAI_API_KEY", None)
    env.update(extra)
    return env


def server_services(drafted, **overrides):
    """Services over the drafted data dir, drafting through the server like the CLI did."""
    from workbench.bootstrap import bootstrap
    from workbench.settings import Settings

    values = dict(
        library_dir=drafted["library"], data_dir=drafted["data_dir"], skills_file=SKILLS,
        llm_provider="openai", llm_base_url=drafted["server"].base_url, llm_api_key=SERVER_KEY, llm_model=SERVER_MODEL,
        draft_size="demo", llm_schema="full", llm_structured_mode="tools", llm_seed=7, llm_timeout_seconds=300,
    )
    values.update(overrides)
    return bootstrap(Settings(**values), embedder=drafted["embedder"], password_hasher=FAST_HASHER)


@pytest.fixture(scope="module")
def drafted(llama_server, tmp_path_factory, embedder):
    """`workbench draft --skill feedback-cross-cultural` run once, as a user would, against the server."""
    llama_server.restart()
    root = tmp_path_factory.mktemp("server-drafting")
    library = write_library(root / "library", {"feedback/giving-feedback.md": FEEDBACK, "leadership/delegating.md": DELEGATION})
    data_dir = root / "data"
    services_on(data_dir, library, embedder, {"lena": ["lead"], "ana": ["author"]}).database.dispose()
    completed = subprocess.run(
        [str(WORKBENCH), "--library", str(library), "--data-dir", str(data_dir),
         "draft", "--skill", SKILL, "--skills", str(SKILLS), "--as", "ana", "--password-stdin", "--json", "--no-submit"],
        input=PASSWORD + "\n", capture_output=True, text=True, timeout=900, env=server_environment(llama_server), cwd=PROJECT_ROOT,
    )
    return {"completed": completed, "library": library, "data_dir": data_dir, "server": llama_server, "embedder": embedder}


def test_workbench_draft_succeeds_through_the_server(drafted) -> None:
    completed = drafted["completed"]
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads(completed.stdout)
    assert report["state"] == "drafting" and report["revision"] == 1 and report["grounded"] is True
    services = server_services(drafted)
    draft = services.review_queries.get_draft(report["draft_id"])
    content = DraftContent.model_validate(draft.content)
    assert content.module.title == report["title"]
    assert [section.id for section in content.module.sections] == ["s1", "s2"]  # the demo size: two sections
    assert 1 <= len(content.assessment.items) <= 2
    provenance = content.provenance
    assert (provenance.provider, provenance.model) == ("openai", SERVER_MODEL)
    # auto mode: the server refused json_schema, the draft was written through a forced tool call.
    assert provenance.parameters["draft_module"]["structured_mode"] == "tools"
    assert provenance.parameters["draft_assessment"]["structured_mode"] == "tools"
    outcomes = [(entry["prompt_name"], entry["outcome"]) for entry in reversed(services.generation_log.recent(10))]
    assert outcomes[-1] == ("draft_assessment", "ok") and ("draft_module", "ok") in outcomes
    services.database.dispose()


def test_both_regenerations_succeed_through_the_server(drafted) -> None:
    draft_id = json.loads(drafted["completed"].stdout)["draft_id"]
    services = server_services(drafted)
    before = DraftContent.model_validate(services.review_queries.get_draft(draft_id).content)

    section = services.drafting.regenerate_section("ana", draft_id, "s1", 1, note="one concrete example")
    assert section.revision == 2
    assert section.content.module.sections[0].id == "s1"
    assert section.content.module.sections[1] == before.module.sections[1]
    assert section.content.assessment == before.assessment
    assert "regenerate_section:s1" in section.content.provenance.parameters

    item = services.drafting.regenerate_item("ana", draft_id, "q1", 2)
    assert item.revision == 3
    old, new = before.assessment.items[0], item.content.assessment.items[0]
    assert (new.id, new.objective_id) == ("q1", old.objective_id)
    assert item.content.assessment.items[1:] == before.assessment.items[1:]
    assert item.content.module.sections == section.content.module.sections
    assert item.content.provenance.parameters["regenerate_item:q1"]["structured_mode"] == "tools"
    services.database.dispose()


def test_a_critique_through_the_server_is_advisory(drafted) -> None:
    draft_id = json.loads(drafted["completed"].stdout)["draft_id"]
    services = server_services(drafted)
    content = DraftContent.model_validate(services.review_queries.get_draft(draft_id).content)
    findings = services.drafting.critique(content, dimensions=["accuracy"])
    assert all(finding.advisory and finding.check == "critique_accuracy" for finding in findings)
    # Either the model's findings (schema-valid) or one info finding naming why the critique failed.
    failed = [finding for finding in findings if "could not be produced" in finding.message]
    assert not failed or (len(findings) == 1 and failed[0].severity.value == "info")
    log = services.generation_log.recent(1)[0]
    assert (log["prompt_name"], log["parameters"]["structured_mode"]) == ("critique", "tools")
    services.database.dispose()


def test_a_gap_explanation_through_the_server(drafted) -> None:
    services = server_services(drafted)
    try:
        text = services.gaps.explain(SKILL, services.llm, services.prompts.get("explain_gap"), skills_file=SKILLS)
    except LLMTruncated as error:  # free text: the base model may talk until its 300-token budget ends
        assert "explain_gap.v1: the reply stopped at the token limit after 300 tokens" in str(error) and error.raw_output
        outcome = "truncated"
    else:
        assert text.strip()
        outcome = "ok"
    log = services.generation_log.recent(1)[0]
    assert (log["prompt_name"], log["outcome"], log["parameters"]["structured_mode"]) == ("explain_gap", outcome, "text")
    services.database.dispose()


@pytest.mark.parametrize(
    "overrides",
    [{"llm_schema": "wire"}, {"llm_structured_mode": "json_object", "llm_max_retries": 0}],
    ids=["wire schema, tools", "json_object"],
)
def test_other_forms_end_in_a_result_or_a_named_error(drafted, overrides) -> None:
    draft_id = json.loads(drafted["completed"].stdout)["draft_id"]
    services = server_services(drafted, **overrides)
    revision = services.review_queries.get_draft(draft_id).revision
    try:
        result = services.drafting.regenerate_section("ana", draft_id, "s2", revision)
    except DraftGenerationFailed as error:  # the named error of an invalid reply, after the retries
        assert re.search(r"does not match the SectionReply schema|used the whole budget|is not valid JSON|stopped at the token limit", str(error))
        assert "Nothing was stored as a draft" in str(error) and services.failed_generations.get(error.kept_as).message in str(error)
        assert services.review_queries.get_draft(draft_id).revision == revision
    else:
        assert result.revision == revision + 1 and result.content.module.sections[1].id == "s2"
    services.database.dispose()
