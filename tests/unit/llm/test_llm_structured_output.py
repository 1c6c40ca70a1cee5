"""Structured output: every way a reply can fail ends in a named error keeping the raw text."""

from __future__ import annotations

import pytest
from llm_support import Tip  # type: ignore[import-not-found]

from workbench.errors import LLMOutputInvalid, LLMRefused, LLMTruncated, LLMUnavailable
from workbench.llm.client import LLMClient
from workbench.llm.errors import LLMCallFailed
from workbench.llm.factory import build_llm
from workbench.settings import Settings

VALID = {"topic": "feedback", "tip": "Be specific."}


def test_a_valid_reply_is_returned_with_its_provenance(llm, fake, tip_prompt, log) -> None:
    fake.enqueue(VALID)
    result = llm.structured(tip_prompt, {"topic": "feedback"}, Tip)
    assert result.value == Tip(**VALID)
    assert result.attempts == 1
    assert (result.provider, result.model) == ("fake", "fake-1")
    assert (result.prompt_use.name, result.prompt_use.version, result.prompt_use.sha256) == (
        "tip",
        1,
        tip_prompt.sha256,
    )
    assert result.completion_tokens > 0 and result.prompt_tokens > 0
    [entry] = log.records
    assert entry["outcome"] == "ok"
    assert entry["prompt_sha256"] == tip_prompt.sha256
    assert entry["parameters"]["schema"] == "Tip"
    assert entry["error"] is None
    # The model saw the few-shot example and then the request.
    assert fake.history[0][-1].content == "Topic: feedback"
    assert fake.calls[0].kwargs["response_format"]["json_schema"]["name"] == "Tip"


@pytest.mark.parametrize(
    ("reply", "options", "error", "message", "outcome"),
    [
        ('{"topic": "feedback", "tip": "Be spe', {"finish_reason": "length"}, LLMTruncated, "token limit", "truncated"),
        ("", {}, LLMRefused, "empty reply", "refused"),
        ("   \n", {}, LLMRefused, "empty reply", "refused"),
        ("", {"finish_reason": "content_filter"}, LLMRefused, "content filter", "refused"),
        ("", {"refusal": "I can't help with that."}, LLMRefused, "refused: I can't help", "refused"),
        ("I'm sorry, but I cannot write that module.", {}, LLMRefused, "refused", "refused"),
    ],
)
def test_truncated_refused_and_filtered_replies_fail_at_once(
    llm, fake, tip_prompt, log, reply, options, error, message, outcome
) -> None:
    fake.enqueue(reply, **options)
    with pytest.raises(error, match=message) as raised:
        llm.structured(tip_prompt, {"topic": "feedback"}, Tip)
    assert raised.value.raw_output == reply
    assert "tip.v1" in str(raised.value)
    assert len(fake.history) == 1  # retrying would not help
    assert [entry["outcome"] for entry in log.records] == [outcome]


def test_an_incomplete_reply_that_spent_the_token_budget_is_a_truncation(llm, fake, tip_prompt, log) -> None:
    # Some servers say finish_reason "tool_calls" or "stop" for a reply cut at max_tokens.
    fake.enqueue('{"topic": "feedback", "tip": "Be', finish_reason="tool_calls")
    with pytest.raises(LLMTruncated, match="whole budget of 4 tokens") as raised:
        llm.structured(tip_prompt, {"topic": "feedback"}, Tip, max_tokens=4)
    assert raised.value.raw_output == '{"topic": "feedback", "tip": "Be'
    assert len(fake.history) == 1
    assert [entry["outcome"] for entry in log.records] == ["truncated"]


@pytest.mark.parametrize(
    ("bad_reply", "message"),
    [
        ('```json\n{"topic": "feedback", "tip": "Be specific."}\n```', "code fence"),
        ("{'topic': 'feedback'}", "not valid JSON"),
        ('{"topic": "feedback", "tip": "Be specific."} and more', "not valid JSON"),
        ('{"topic": "feedback"}', "tip: Field required"),
        ('{"topic": "feedback", "tip": "no"}', "tip: String should have at least 3 characters"),
        ('["a", "list"]', "does not match the Tip schema"),
    ],
)
def test_invalid_replies_are_retried_with_the_error_fed_back(llm, fake, tip_prompt, log, bad_reply, message) -> None:
    fake.enqueue(bad_reply).enqueue(VALID)
    result = llm.structured(tip_prompt, {"topic": "feedback"}, Tip)
    assert result.value == Tip(**VALID)
    assert result.attempts == 2
    retry_messages = fake.history[1]
    assert retry_messages[-2].content == bad_reply  # the model sees its own reply ...
    assert message in retry_messages[-1].content  # ... and what was wrong with it
    assert [entry["outcome"] for entry in log.records] == ["invalid", "ok"]
    assert [entry["parameters"]["attempt"] for entry in log.records] == [1, 2]


@pytest.mark.parametrize(
    "bad_reply",
    ['```json\n{"topic": "feedback", "tip": "Be specific."}\n```', "not json at all", '{"topic": 3}'],
)
def test_retries_are_bounded_and_nothing_invalid_is_returned(llm, fake, tip_prompt, log, bad_reply) -> None:
    for _ in range(3):
        fake.enqueue(bad_reply)
    fake.enqueue(VALID)  # would be valid, but the retry budget is spent before it
    with pytest.raises(LLMOutputInvalid) as raised:
        llm.structured(tip_prompt, {"topic": "feedback"}, Tip)
    assert type(raised.value) is LLMOutputInvalid
    assert raised.value.raw_output == bad_reply
    assert "after 3 attempts" in str(raised.value)
    assert len(fake.history) == 3 and fake.pending == 1
    assert [entry["outcome"] for entry in log.records] == ["invalid"] * 3


def test_zero_retries_means_one_attempt(fake, tip_prompt) -> None:
    llm = LLMClient.for_chat_model(fake, max_retries=0)
    fake.enqueue("nope").enqueue(VALID)
    with pytest.raises(LLMOutputInvalid, match="not valid JSON"):
        llm.structured(tip_prompt, {"topic": "x"}, Tip)
    assert len(fake.history) == 1


def test_provider_errors_are_named_errors_and_logged(llm, fake, tip_prompt, log) -> None:
    fake.enqueue(LLMUnavailable("cannot reach the LLM endpoint http://127.0.0.1:9"))
    with pytest.raises(LLMUnavailable, match="tip.v1: cannot reach"):
        llm.structured(tip_prompt, {"topic": "x"}, Tip)
    fake.enqueue(RuntimeError("socket closed"))
    with pytest.raises(LLMCallFailed, match="RuntimeError: socket closed"):
        llm.structured(tip_prompt, {"topic": "x"}, Tip)
    assert [entry["outcome"] for entry in log.records] == ["unavailable", "error"]
    assert "cannot reach" in log.records[0]["error"]


def test_tool_calling_mode_reads_the_function_arguments(fake, tip_prompt) -> None:
    llm = LLMClient.for_chat_model(fake, structured_mode="tools")
    fake.enqueue(VALID)
    result = llm.structured(tip_prompt, {"topic": "feedback"}, Tip)
    assert result.value == Tip(**VALID)
    assert result.parameters["structured_mode"] == "tools"
    kwargs = fake.calls[0].kwargs
    assert kwargs["tools"][0]["function"]["name"] == "Tip"
    assert kwargs["tool_choice"] == {"type": "function", "function": {"name": "Tip"}}


def test_json_object_mode_describes_the_schema_in_the_prompt(fake, tip_prompt) -> None:
    llm = LLMClient.for_chat_model(fake, structured_mode="json_object")
    fake.enqueue(VALID)
    llm.structured(tip_prompt, {"topic": "feedback"}, Tip)
    assert fake.calls[0].kwargs["response_format"] == {"type": "json_object"}
    assert '"tip"' in fake.history[0][0].content and "JSON schema" in fake.history[0][0].content


def test_free_text_is_returned_and_its_failures_are_named(llm, fake, tip_prompt, log) -> None:
    fake.enqueue("Share the agenda a day ahead.")
    result = llm.text(tip_prompt, {"topic": "meetings"})
    assert result.text == "Share the agenda a day ahead."
    fake.enqueue("Share the agenda", finish_reason="length")
    with pytest.raises(LLMTruncated) as raised:
        llm.text(tip_prompt, {"topic": "meetings"})
    assert raised.value.raw_output == "Share the agenda"
    assert [entry["outcome"] for entry in log.records] == ["ok", "truncated"]


def test_build_llm_with_the_fake_provider_exposes_the_fake(tip_prompt) -> None:
    llm = build_llm(Settings(llm_provider="fake"))
    assert (llm.provider, llm.model_id, llm.is_demo_model) == ("fake", "fake", False)
    llm.fake.enqueue(Tip(**VALID))
    assert llm.structured(tip_prompt, {"topic": "feedback"}, Tip).value == Tip(**VALID)
    assert llm.generation_log.recent(1)[0]["outcome"] == "ok"


def test_a_broken_generation_log_does_not_lose_the_result(fake, tip_prompt, caplog) -> None:
    class BrokenLog:
        def record(self, **fields):
            raise OSError("disk full")

    llm = LLMClient.for_chat_model(fake, generation_log=BrokenLog())
    fake.enqueue(VALID)
    assert llm.structured(tip_prompt, {"topic": "x"}, Tip).value == Tip(**VALID)
    assert "could not write the generation log" in caplog.text
