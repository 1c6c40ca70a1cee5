"""Findings that gate decisions: which findings block, how one is named, and the refusal (plain Python, no database).

A finding is the JSON the pre-review checks stored with a revision ({"check", "severity", "location",
"message", "advisory", "dimension"}). An *error* that is not advisory blocks submitting, signing off
and publishing that revision until a new revision no longer has it, or a reviewer of its dimension
waives it with a reason (`DraftLifecycle.waive_finding`). Waivers belong to one revision.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Mapping, NamedTuple

from review.errors import BlockedByFindings
from review.policy import Action, Dimension
from review.views import GatingFindingView

# A finding that names no dimension (older rows, a check without one) is the subject-matter expert's.
DEFAULT_DIMENSION = Dimension.ACCURACY


class WaiverRecord(NamedTuple):
    """Who waived a finding of the revision, why, and when."""

    user: str
    reason: str
    waived_at: datetime


def finding_key(finding: Mapping) -> str:
    """A short id for a finding, stable while the revision keeps it (its check, location and message)."""
    canonical = json.dumps([str(finding.get("check", "")), str(finding.get("location", "")), str(finding.get("message", ""))],
                           ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


def finding_dimension(finding: Mapping) -> Dimension:
    """The dimension whose reviewers may waive the finding."""
    try:
        return Dimension(str(finding.get("dimension") or ""))
    except ValueError:
        return DEFAULT_DIMENSION


def is_gating(finding: object) -> bool:
    """An error from a deterministic check (advisory model critiques never block)."""
    return isinstance(finding, Mapping) and str(finding.get("severity", "")) == "error" and not finding.get("advisory", False)


def gating_findings(findings: list, waivers: Mapping[str, WaiverRecord]) -> list[GatingFindingView]:
    """The revision's error findings (one per key), each with its waiver when there is one."""
    result: dict[str, GatingFindingView] = {}
    for finding in findings or []:
        if not is_gating(finding):
            continue
        key = finding_key(finding)
        waiver = waivers.get(key)
        result.setdefault(key, GatingFindingView(
            key=key, check=str(finding.get("check", "")), location=str(finding.get("location", "")),
            message=str(finding.get("message", "")), dimension=finding_dimension(finding),
            waived_by=waiver.user if waiver else None, waiver_reason=waiver.reason if waiver else None,
            waived_at=waiver.waived_at if waiver else None,
        ))
    return list(result.values())


def check_findings_gate(action: Action, gating: list[GatingFindingView], *, draft_id: int, revision: int) -> None:
    """Raise BlockedByFindings when error findings of the revision are left unwaived."""
    blocking = [finding for finding in gating if finding.blocks]
    if not blocking:
        return
    listed = "; ".join(f"[{f.key}] {f.location} {f.check}: {f.message} ({f.dimension.value})" for f in blocking[:5])
    more = f"; and {len(blocking) - 5} more" if len(blocking) > 5 else ""
    raise BlockedByFindings(
        f"cannot {action.value.replace('_', ' ')} draft {draft_id}: revision {revision} has "
        f"{len(blocking)} error finding{'s' if len(blocking) != 1 else ''} — {listed}{more}. "
        "Fix them in a new revision, or a reviewer of the finding's dimension waives each with a reason"
    )
