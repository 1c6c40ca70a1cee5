"""Scripted replies of the fake model for drafting through the pages."""

from __future__ import annotations

from typing import Any


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


def assessment_reply(chunk_ids: list[str]) -> dict[str, Any]:
    """An assessment reply with one item per objective."""
    first = chunk_ids[:1]
    return {
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


def section_reply(chunk_ids: list[str], heading: str = "Agreeing next steps, revisited") -> dict[str, Any]:
    """A regenerated section."""
    return {"heading": heading, "body": "Close with one agreed step, an owner and a date.", "citations": chunk_ids[:1]}


def queue_draft(services, brief) -> list[str]:
    """Index the library, find the passages the service will retrieve for the brief, queue replies citing them."""
    services.index.build()
    chunk_ids = services.drafting.ground(brief).chunk_ids
    services.llm.fake.enqueue(module_reply(chunk_ids))
    services.llm.fake.enqueue(assessment_reply(chunk_ids))
    return chunk_ids
