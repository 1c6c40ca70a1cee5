"""Shared test data for the LLM layer's unit tests (a schema and a prompt file)."""

from __future__ import annotations

from pydantic import BaseModel, Field

TIP_PROMPT = """\
name: tip
version: 1
description: One tip about a topic.
input_variables: [topic]
system: Give one tip.
template: "Topic: $topic"
examples:
  - topic: meetings
    output: {"topic": "meetings", "tip": "Share the agenda early."}
"""


class Tip(BaseModel):
    """A tip about a topic."""

    topic: str
    tip: str = Field(min_length=3)
