"""Streaming: tokens reach the caller as they arrive; a cancel stops the generation."""

from __future__ import annotations

import threading

import pytest
from llm_support import Tip  # type: ignore[import-not-found]

from workbench.errors import GenerationCancelled

REPLY = '{"topic": "feedback", "tip": "Describe the behaviour you saw and its effect."}'


def test_tokens_are_streamed_in_order(llm, fake, tip_prompt) -> None:
    fake.enqueue(REPLY)
    tokens: list[str] = []
    result = llm.structured(tip_prompt, {"topic": "feedback"}, Tip, on_token=tokens.append)
    assert len(tokens) > 3
    assert "".join(tokens) == REPLY == result.raw_text
    assert result.parameters["streaming"] is True


def test_cancelling_mid_stream_stops_and_keeps_the_partial_reply(llm, fake, tip_prompt, log) -> None:
    fake.enqueue(REPLY, delay_seconds=0.001)
    cancel = threading.Event()
    tokens: list[str] = []

    def on_token(token: str) -> None:
        tokens.append(token)
        if len(tokens) == 3:
            cancel.set()

    with pytest.raises(GenerationCancelled) as raised:
        llm.structured(tip_prompt, {"topic": "feedback"}, Tip, on_token=on_token, cancel=cancel)
    assert len(tokens) == 3
    assert raised.value.raw_output == "".join(tokens)
    assert [entry["outcome"] for entry in log.records] == ["cancelled"]


def test_a_cancel_set_before_the_call_sends_nothing(llm, fake, tip_prompt, log) -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(GenerationCancelled, match="before it started"):
        llm.text(tip_prompt, {"topic": "feedback"}, cancel=cancel)
    assert fake.history == []
    assert [entry["outcome"] for entry in log.records] == ["cancelled"]


def test_cancelling_from_another_thread(llm, fake, tip_prompt) -> None:
    fake.enqueue(" ".join(["word"] * 400), delay_seconds=0.005)
    cancel = threading.Event()
    first_token = threading.Event()
    timer = threading.Thread(target=lambda: (first_token.wait(5), cancel.set()))
    timer.start()
    with pytest.raises(GenerationCancelled) as raised:
        llm.text(tip_prompt, {"topic": "feedback"}, on_token=lambda _: first_token.set(), cancel=cancel)
    timer.join()
    assert 0 < len(raised.value.raw_output.split()) < 400
