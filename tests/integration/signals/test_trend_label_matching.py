"""Matching trend labels by meaning with the embedded model at the default threshold: paraphrases kept, other trades never attached."""

from __future__ import annotations

import pytest

from tests.support.signals import SAMPLE_SKILLS
from workbench.settings import Settings
from workbench.signals.skill_matching import MeaningMatcher
from workbench.skills import load_framework

# Labels as job-posting feeds word them, and the sample framework's skill each one means.
PARAPHRASES = {
    "data visualization": "data-visualisation", "Microsoft Excel": "data-spreadsheets", "change management": "lead-change-management",
    "delegation of work": "lead-delegation", "business report writing": "comm-written-business",
    "public speaking skills": "comm-presenting", "constructive criticism": "feedback-giving", "goal setting and OKRs": "lead-setting-direction",
}
# Skills the framework does not have: their closest skill must not be attached.
OTHER_TRADES = ["machine learning", "sales prospecting", "SQL querying", "bookkeeping", "Java programming", "forklift operation",
                "welding", "nursing care"]


@pytest.fixture(scope="module")
def matcher(embedder):
    return MeaningMatcher(load_framework(SAMPLE_SKILLS), embedder.embed, Settings().signals_trend_match_threshold)


@pytest.mark.parametrize("label", list(PARAPHRASES))
def test_a_paraphrase_of_a_framework_skill_is_matched_to_it(matcher, label):
    found = matcher.match(label)
    assert (found.skill_id, found.matched) == (PARAPHRASES[label], True), found


@pytest.mark.parametrize("label", OTHER_TRADES)
def test_a_skill_the_framework_lacks_stays_unmatched(matcher, label):
    found = matcher.match(label)
    assert not found.matched, found
    assert found.confidence < matcher.threshold
