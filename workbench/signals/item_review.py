"""A flagged item sent back to review: a new revision of the published module's draft, the item's statistics as a finding."""

from __future__ import annotations

from typing import Callable

from workbench.errors import SignalsInputInvalid
from workbench.signals.item_analysis import ItemStatistics

CHECK = "item_analysis"


def item_finding(item: ItemStatistics) -> dict:
    """The finding a reviewer reads: the flags' reasons, the figures they rest on, and the statistics themselves."""
    r = "-" if item.discrimination is None else f"{item.discrimination:.2f}"
    reasons = "; ".join(flag.reason for flag in item.flags) or "no flag"
    return {
        "check": CHECK, "severity": "warning", "location": f"item:{item.item_id}", "dimension": "accuracy",
        "message": f"learners' results: {reasons} (p {item.difficulty:.2f}, corrected point-biserial {r}, {item.attempts} answers)",
        "statistics": item.as_dict(),
    }


class ItemReview:
    """Turns a flagged item of a published module into a new revision of the draft it was published from."""

    def __init__(self, analysis: Callable[[str], object], draft_of: Callable[[str], int | None], lifecycle, queries) -> None:
        self._analysis = analysis  # module id -> ItemAnalysis (SignalsService.item_analysis)
        self._draft_of = draft_of  # module id -> the draft it was published from, or None (a module written by hand)
        self.lifecycle = lifecycle
        self.queries = queries

    def reopen(self, actor, module_id: str, item_id: str):
        """A new revision (back to drafting, sign-offs void) whose findings carry the item's statistics; the DraftView."""
        draft_id = self._draft_of(module_id)
        if draft_id is None:
            raise SignalsInputInvalid(f"module {module_id!r} was not published from a draft of the review queue; "
                                      "edit its file instead")
        item = next((item for item in self._analysis(module_id).items if item.item_id == item_id), None)
        if item is None or not item.flags:
            raise SignalsInputInvalid(f"item {item_id!r} of {module_id!r} has no flag to review "
                                      "(or too few people answered it to show its figures)")
        draft = self.queries.get_draft(draft_id)
        findings = [f for f in draft.findings if not (f.get("check") == CHECK and f.get("location") == f"item:{item_id}")]
        return self.lifecycle.revise(actor, draft_id, expected_revision=draft.revision, content=draft.content,
                                     markdown=draft.markdown, findings=[*findings, item_finding(item)], reopen=True,
                                     note=f"reopened for review: learners' results flagged item {item_id}")
