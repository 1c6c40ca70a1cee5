"""Faults caused for real on llama.cpp's server, each ending in the error that names its cause.

The server is killed while it streams; the schema that used to kill it (the capable-size module
schema with its `maxLength`s) is sent as declared and kills it again, while its wire form is
accepted; a prompt too long for its context ends in an empty stream that is named as such; a
structured-output mode it does not support is refused with its own message. The shared server is restarted after each kill.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.llama_server import SERVER_KEY, SERVER_MODEL
from workbench.drafting.schema_check import EXAMPLE_PASSAGE_IDS, example_variables
from workbench.drafting.schemas import CAPABLE_SIZE, module_schema
from workbench.errors import LLMError, LLMSchemaRejected, LLMServerCrashed, LLMTruncated, LLMUnavailable
from workbench.llm.check import LLMCheckReply
from workbench.llm.factory import build_llm
from workbench.llm.prompts import PromptRegistry
from workbench.settings import Settings

pytestmark = pytest.mark.slow
PROMPTS = PromptRegistry.load_dir(Path(__file__).resolve().parents[3] / "prompts")


def server_llm(server, **overrides):
    values = dict(llm_provider="openai", llm_base_url=server.base_url, llm_model=SERVER_MODEL, llm_api_key=SERVER_KEY,
                  llm_max_retries=0, llm_timeout_seconds=120, llm_structured_mode="tools")
    values.update(overrides)
    return build_llm(Settings(**values))


@pytest.fixture
def server(llama_server):
    """The shared server, brought back to life after a test that killed it."""
    llama_server.restart()
    yield llama_server
    llama_server.restart()


def test_a_server_killed_while_streaming_is_reported_as_crashed(server) -> None:
    llm = server_llm(server, llm_max_retries=2)
    streamed: list[str] = []

    def kill_after_two_tokens(token: str) -> None:
        streamed.append(token)
        if len(streamed) == 2:
            server.kill()  # SIGKILL, in the middle of the stream

    with pytest.raises(LLMError) as raised:
        llm.structured(PROMPTS.get("llm_check"), {"topic": "coaching"}, LLMCheckReply, on_token=kill_after_two_tokens)
    assert type(raised.value) is LLMServerCrashed, f"{type(raised.value).__name__}: {raised.value}"
    assert str(raised.value) == (
        f"llm_check.v1: the LLM server at {server.base_url} closed the connection while generating — "
        "it may have crashed; see its log"
    )
    assert raised.value.raw_output == "".join(streamed)
    assert not server.alive()


def test_the_capable_module_schema_as_declared_crashes_the_server_and_its_wire_form_does_not(server) -> None:
    prompt = PROMPTS.get("draft_module")
    schema = module_schema(CAPABLE_SIZE, EXAMPLE_PASSAGE_IDS)
    with pytest.raises(LLMError) as raised:
        server_llm(server, llm_schema="full", llm_max_retries=1).structured(prompt, example_variables(prompt), schema, max_tokens=8)
    # The retry found nothing listening: still the crash, not "cannot reach the endpoint".
    assert type(raised.value) is LLMServerCrashed, f"{type(raised.value).__name__}: {raised.value}"
    assert "closed the connection while generating — it may have crashed; see its log (still failing after 1 retries)" in str(raised.value)
    assert server.logged("failed to parse grammar")

    server.restart()
    with pytest.raises(LLMTruncated):  # accepted: the server generated with it until the 8-token budget
        server_llm(server).structured(prompt, example_variables(prompt), schema, max_tokens=8)
    assert server.alive()


def test_a_prompt_too_long_for_the_context_sends_the_user_to_the_servers_log(server) -> None:
    # Streaming, llama-cpp-python's server answers 200 with an empty stream and logs the reason.
    prompt = PROMPTS.get("draft_module")
    variables = {**example_variables(prompt), "passages": "A passage far longer than the context. " * 400}
    with pytest.raises(LLMError) as raised:
        server_llm(server).structured(prompt, variables, module_schema(CAPABLE_SIZE, EXAMPLE_PASSAGE_IDS), max_tokens=8)
    assert type(raised.value) is LLMUnavailable, f"{type(raised.value).__name__}: {raised.value}"
    assert str(raised.value) == (
        f"draft_module.v1: the LLM server at {server.base_url} ended the stream without a reply or an error; see its log "
        "(llama-cpp-python's server does this for a prompt longer than its context)"
    )
    assert server.logged("exceed context window of 2048")
    assert server.alive()


def test_json_schema_mode_is_refused_by_name_with_the_servers_message(server) -> None:
    with pytest.raises(LLMError) as raised:
        server_llm(server, llm_structured_mode="json_schema").structured(PROMPTS.get("llm_check"), {"topic": "a"}, LLMCheckReply)
    assert type(raised.value) is LLMSchemaRejected, f"{type(raised.value).__name__}: {raised.value}"
    assert "rejected the LLMCheckReply schema in json_schema: HTTP 500" in str(raised.value)
    assert "Input should be 'text' or 'json_object'" in str(raised.value)
