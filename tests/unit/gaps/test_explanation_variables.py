"""What the explanation prompt is given: passages that teach the skill, else the passages that only mention it."""

from __future__ import annotations

from workbench.domain.skills import Skill
from workbench.gaps.explain import explanation_variables
from workbench.gaps.report import Mention, Passage, SkillGap


def test_a_skill_taught_by_none_is_explained_from_its_mentions():
    mention = Mention("ch15-04-rc", "ch15-04-rc.md", "Rc<T>", Passage("c1", "Cloning an Rc<T>", 0.9), "Rc<T>")
    result = SkillGap(
        skill_id="unsafe", skill_name="Unsafe Rust", status="partial", coverage=0.0, priority="medium",
        level_match="unknown", evidence=[], reasons=["mentioned in 1 module(s) ('Rc<T>'), taught by none"],
        mentioned_in=[mention], mention_count=1, why="mentioned in 1 module(s) ('Rc<T>'), taught by none",
    )
    variables = explanation_variables(result, Skill(id="unsafe", name="Unsafe Rust"), {"c1": "  an unsafe   block\n"})
    assert variables["evidence"] == '- ch15-04-rc.md > Cloning an Rc<T> (only mentions it):\n  "an unsafe block"'
    assert variables["reasons"] == "- mentioned in 1 module(s) ('Rc<T>'), taught by none"
