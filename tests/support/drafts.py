"""A clean sample draft (module and assessment) that passes every check; tests break one thing at a time."""

from __future__ import annotations

from workbench.domain.assessment import Assessment, Difficulty, Item, ItemType, Option
from workbench.domain.drafts import (
    Activity,
    Brief,
    DraftContent,
    GlossaryEntry,
    HumanTouchpoint,
    ModuleDraft,
    Objective,
    Provenance,
    Section,
    TouchpointKind,
)
from workbench.domain.library import BloomLevel, Level

CHUNK_A = "a" * 24
CHUNK_B = "b" * 24

SECTION_ONE = (
    "Feedback works best when it is specific and timely. Describe what you saw, explain the effect it had, "
    "and ask the other person what they think. Keep the focus on the work, not on the person. Short, regular "
    "conversations build trust faster than a long review once a year."
)
SECTION_TWO = (
    "Start by asking how the person sees the situation. Listen before you suggest anything. Agree on one small "
    "next step and a date to check in. Thank them for the conversation, even when it was hard. Write down what "
    "you agreed so that you both remember it."
)


def _item(item_id: str, objective_id: str, key_position: int, stem: str, texts: list[str]) -> Item:
    return Item(
        id=item_id,
        type=ItemType.SINGLE_CHOICE,
        stem=stem,
        options=[
            Option(id=chr(ord("a") + index), text=text, correct=index == key_position, feedback="See the section on feedback.")
            for index, text in enumerate(texts)
        ],
        rationale="The passage says feedback should be specific and timely.",
        citations=[CHUNK_A],
        objective_id=objective_id,
        bloom_level=BloomLevel.UNDERSTAND,
        difficulty=Difficulty.EASY,
    )


def clean_draft() -> DraftContent:
    """A draft with no finding above INFO."""
    module = ModuleDraft(
        title="Giving useful feedback",
        summary="How to give feedback that is specific, timely and kind.",
        audience="team leads",
        level=Level.FOUNDATION,
        duration_minutes=20,
        locale="en-GB",
        skill_ids=["fb-giving"],
        objectives=[
            Objective(id="o1", text="Explain what makes feedback useful.", bloom_level=BloomLevel.UNDERSTAND, verb="explain"),
            Objective(id="o2", text="Plan a short feedback conversation.", bloom_level=BloomLevel.APPLY, verb="plan"),
        ],
        sections=[
            Section(id="s1", heading="What makes feedback useful", body=SECTION_ONE, citations=[CHUNK_A]),
            Section(id="s2", heading="Having the conversation", body=SECTION_TWO, citations=[CHUNK_B]),
        ],
        activities=[Activity(title="Plan a conversation", instructions="Write the first two sentences you will say.", objective_ids=["o2"])],
        key_takeaways=["Be specific and timely.", "Listen first."],
        human_touchpoints=[HumanTouchpoint(kind=TouchpointKind.PEER_LEARNING, description="Practise with a peer and swap roles.")],
        glossary=[GlossaryEntry(term="Feedback", definition="Information about how work was received.")],
    )
    items = [
        _item("q1", "o1", 0, "What makes feedback useful?", ["It is specific and timely", "It is saved for the annual review", "It focuses on personality"]),
        _item("q2", "o2", 1, "What do you do first in a feedback conversation?", ["Give your solution", "Ask how they see it", "Check the calendar"]),
        _item("q3", "o1", 2, "Which feedback is most useful?", ["You are always late", "Try harder", "The report missed two figures"]),
        _item("q4", "o2", 0, "How should a feedback conversation end?", ["Agree a next step and a date", "Change the subject", "Send an email to HR"]),
    ]
    return DraftContent(
        module=module,
        assessment=Assessment(id="giving-useful-feedback-assessment", title="Giving useful feedback", items=items),
        provenance=Provenance(brief=Brief(topic="Giving feedback", question_count=4), retrieved_chunk_ids=[CHUNK_A, CHUNK_B]),
    )


def sample_content(title: str = "Giving useful feedback") -> dict:
    """The clean draft as the JSON the review queue stores, optionally retitled."""
    draft = clean_draft()
    draft.module.title = title
    return draft.model_dump(mode="json")


def with_section_text(content: dict, sentence: str) -> dict:
    """A copy of stored draft content whose first section ends with one more sentence (a real content change)."""
    changed = DraftContent.model_validate(content)
    changed.module.sections[0].body = f"{changed.module.sections[0].body} {sentence}"
    return changed.model_dump(mode="json")
