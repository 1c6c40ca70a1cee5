"""Matching a market-trend label to a framework skill by meaning: the closest skill name or alias, with its cosine similarity.

A label that names a skill exactly (id, ESCO URI, name or alias) never comes here; the rest is
embedded with the same model the index uses and compared with every skill's name and each alias.
The best skill is kept only at or above the threshold; below it the label is unmatched, and the
report says which skill came closest and how close, so a lead can add the label as an alias.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from workbench.domain.skills import SkillsFramework

Embed = Callable[[list[str]], np.ndarray]  # texts -> (n, dimension) unit vectors


@dataclass(frozen=True)
class LabelMatch:
    """The framework skill closest in meaning to one label, how close, and whether that is close enough."""

    label: str
    skill_id: str
    skill_name: str
    confidence: float  # cosine similarity of the label and the skill's closest name or alias, in [-1, 1]
    matched: bool  # confidence >= the threshold; otherwise the label's rows are not kept

    def as_dict(self) -> dict:
        """JSON-ready form."""
        return {"label": self.label, "skill_id": self.skill_id, "skill_name": self.skill_name,
                "confidence": round(self.confidence, 3), "matched": self.matched}


class MeaningMatcher:
    """Finds the skill whose name or alias is closest in meaning to a label (one embedding per distinct label)."""

    def __init__(self, framework: SkillsFramework, embed: Embed, threshold: float) -> None:
        self.threshold = threshold
        self._embed = embed
        self._owners: list[tuple[str, str]] = []  # per embedded text: (skill id, skill name)
        texts: list[str] = []
        for skill in framework.skills:
            for text in (skill.name, *skill.aliases):
                texts.append(text)
                self._owners.append((skill.id, skill.name))
        self._vectors = embed(texts) if texts else None  # one matcher per import: the framework may have changed
        self._seen: dict[str, LabelMatch | None] = {}

    def match(self, label: str) -> LabelMatch | None:
        """The closest skill (matched or not), or None for a framework without skills."""
        key = label.strip().casefold()
        if key not in self._seen:
            self._seen[key] = self._closest(label.strip())
        return self._seen[key]

    def _closest(self, label: str) -> LabelMatch | None:
        if self._vectors is None:
            return None
        scores = self._vectors @ np.asarray(self._embed([label])[0], dtype=np.float32)
        best = int(np.argmax(scores))
        skill_id, skill_name = self._owners[best]
        confidence = float(scores[best])
        return LabelMatch(label, skill_id, skill_name, confidence, confidence >= self.threshold)
