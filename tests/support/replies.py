"""Scripted replies of the fake model: a module, an assessment, a regenerated section, queued for a brief."""

from __future__ import annotations

from typing import Any

from workbench.domain.drafts import Brief


def module_reply(chunk_ids: list[str], **changes: Any) -> dict[str, Any]:
    """A module reply citing the given passages."""
    first = chunk_ids[:1]
    reply = {
        "title": "Giving feedback that helps",
        "summary": "How team leads give specific, timely feedback and agree next steps.",
        "objectives": [
            {"verb": "explain", "text": "Explain the situation-behaviour-impact model.", "bloom_level": "understand"},
            {"verb": "plan", "text": "Plan a feedback conversation that ends with a next step.", "bloom_level": "apply"},
        ],
        "sections": [
            {"heading": "Situation, behaviour, impact", "body": "Describe the situation, the behaviour and its impact. Keep it specific and timely.", "citations": first},
            {"heading": "Agreeing next steps", "body": "End by agreeing one next step and a date to check in.", "citations": chunk_ids[1:2] or first},
        ],
        "activities": [{"title": "Prepare", "instructions": "Write the SBI sentences for a recent event."}],
        "key_takeaways": ["Be specific.", "Agree a next step."],
        "human_touchpoints": [{"kind": "peer_learning", "description": "Practise with a peer and swap roles."}],
        "glossary": [{"term": "SBI", "definition": "Situation, behaviour, impact."}],
    }
    reply.update(changes)
    return reply


def assessment_reply(chunk_ids: list[str], **changes: Any) -> dict[str, Any]:
    """An assessment reply with one item per objective."""
    first = chunk_ids[:1]
    reply = {
        "items": [
            {
                "type": "single_choice",
                "stem": "What does the B in SBI stand for?",
                "options": [
                    {"text": "Behaviour", "correct": True, "feedback": "Right."},
                    {"text": "Budget", "correct": False, "feedback": "No, SBI is about what people do."},
                    {"text": "Bonus", "correct": False, "feedback": "No."},
                ],
                "rationale": "SBI is situation, behaviour, impact.",
                "citations": first,
                "objective": "o1",
                "bloom_level": "remember",
                "difficulty": "easy",
            },
            {
                "type": "true_false",
                "stem": "A feedback conversation should end with an agreed next step.",
                "options": [
                    {"text": "True", "correct": True, "feedback": "Yes."},
                    {"text": "False", "correct": False, "feedback": "The module says to agree a next step."},
                ],
                "rationale": "Agree one next step and a date to check in.",
                "citations": first,
                "objective": "o2",
                "bloom_level": "understand",
                "difficulty": "easy",
            },
        ]
    }
    reply.update(changes)
    return reply


def section_reply(chunk_ids: list[str], heading: str = "Agreeing next steps, revisited") -> dict[str, Any]:
    """A regenerated section."""
    return {"heading": heading, "body": "Close with one agreed step, an owner and a date.", "citations": chunk_ids[:1]}


def queue_draft(services, brief: Brief, module: dict | None = None, assessment: dict | None = None, *,
                build_index: bool = False) -> list[str]:
    """Find the passages the service will retrieve (indexing the library first when asked), and queue replies citing them."""
    if build_index:
        services.index.build()
    chunk_ids = services.drafting.ground(brief).chunk_ids
    fake = services.llm.fake
    fake.enqueue(module if module is not None else module_reply(chunk_ids))
    fake.enqueue(assessment if assessment is not None else assessment_reply(chunk_ids))
    return chunk_ids
