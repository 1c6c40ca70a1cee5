"""Error findings gate decisions: no submit, sign-off or publish until a new revision resolves them or a
reviewer of the finding's dimension waives each with a reason; the next revision voids the waivers."""

from __future__ import annotations

import pytest

from review.actors import SHELL
from review.errors import BlockedByFindings, CommentRequired, PermissionDenied, SelfApprovalDenied
from review.policy import Action, Dimension, DraftState
from tests.support.drafts import clean_draft
from workbench.domain.checks import run_checks
from workbench.library.draft_file import render_draft_file

ZERO_KEYS = "a single-choice item needs exactly one key, it has 0"


def _broken():
    """The sample case: question q1 has no key and two identical options."""
    content = clean_draft()
    item = content.assessment.items[0]
    item.options[1].text = item.options[0].text
    for option in item.options:
        option.correct = False
    return content


def _findings(content) -> list[dict]:
    return [finding.model_dump(mode="json") for finding in run_checks(content)]


def _store(team, content):
    return team.lifecycle.create_draft("alice", title=content.module.title, content=content.model_dump(mode="json"),
                                       markdown=render_draft_file(content), findings=_findings(content), skill_ids=["feedback"])


def _revise(team, draft, content, note):
    return team.lifecycle.revise("alice", draft.id, expected_revision=draft.revision, content=content.model_dump(mode="json"),
                                 markdown=render_draft_file(content), findings=_findings(content), note=note)


def test_the_sample_case_cannot_be_submitted(team):
    draft = _store(team, _broken())
    blocking = {(f.check, f.location, f.message, f.dimension) for f in draft.blocking_findings}
    assert ("answer_key", "item:q1", ZERO_KEYS, Dimension.ACCURACY) in blocking
    assert ("duplicate_options", "item:q1", "options 'a' and 'b' are the same: 'It is specific and timely'", Dimension.ACCURACY) in blocking
    actions = team.queries.actions_for("alice", draft.id)
    assert actions.blocked and not actions.can(Action.SUBMIT)
    with pytest.raises(BlockedByFindings, match=rf"cannot submit draft {draft.id}: revision 1 has 2 error findings .*{ZERO_KEYS}"):
        team.lifecycle.submit("alice", draft.id, draft.revision)
    assert team.queries.get_draft(draft.id).state == DraftState.DRAFTING
    denied = team.trail.rows(draft_id=draft.id, action="denied")[-1]
    assert denied["details"] == {"attempted": "submit", "error": "BlockedByFindings"}


def test_error_findings_found_in_review_block_sign_off_and_after_approval_block_publishing(team):
    draft = team.in_review()
    broken = _findings(_broken())
    team.lifecycle.update_findings("alice", draft.id, expected_revision=draft.revision, findings=broken)
    assert not team.queries.actions_for("sam", draft.id).can(Action.SIGN_OFF)
    with pytest.raises(BlockedByFindings, match=rf"cannot sign off draft {draft.id}: .*{ZERO_KEYS}"):
        team.lifecycle.sign_off("sam", draft.id, "accuracy", draft.revision)
    assert team.queries.get_draft(draft.id).sign_offs == []

    approved = team.approved(title="Another draft")
    team.lifecycle.update_findings("alice", approved.id, expected_revision=approved.revision, findings=broken)
    assert not team.queries.actions_for("lena", approved.id).can(Action.PUBLISH)
    with pytest.raises(BlockedByFindings, match=rf"cannot publish draft {approved.id}"):
        team.ledger.publish_transaction("lena", approved.id, approved.revision, prepare=lambda context: pytest.fail("staged"))
    assert team.ledger.publications() == []


def test_a_reviewer_of_the_dimension_waives_with_a_reason_and_the_draft_goes_through(team):
    draft = _store(team, _broken())
    keys = [f.key for f in draft.blocking_findings]
    assert team.queries.actions_for("sam", draft.id).waivable == tuple(keys)
    assert team.queries.actions_for("cara", draft.id).waivable == ()
    assert [d.id for d in team.queries.awaiting_waiver("sam")] == [draft.id] and team.queries.awaiting_waiver("cara") == []
    with pytest.raises(PermissionDenied, match="may not waive accuracy findings on draft .* needs the role accuracy_reviewer"):
        team.lifecycle.waive_finding("cara", draft.id, keys[0], "fine by me", draft.revision)
    with pytest.raises(CommentRequired):
        team.lifecycle.waive_finding("sam", draft.id, keys[0], "  ", draft.revision)
    for key in keys:
        draft = team.lifecycle.waive_finding("sam", draft.id, key, "q1 is removed before publishing; tracked in the brief", draft.revision)
    assert draft.blocking_findings == [] and {f.waived_by for f in draft.gating_findings} == {"sam"}
    assert {f.waiver_reason for f in draft.gating_findings} == {"q1 is removed before publishing; tracked in the brief"}
    waived = team.trail.rows(draft_id=draft.id, action="waive_finding")
    assert [(r["actor"], r["dimension"], r["details"]["finding"]) for r in waived] == [("sam", "accuracy", key) for key in keys]
    assert waived[0]["comment"] == "q1 is removed before publishing; tracked in the brief"

    draft = team.lifecycle.submit("alice", draft.id, draft.revision)
    for user, dimension in (("sme2", "accuracy"), ("cara", "cultural"), ("eric", "ethics")):
        draft = team.lifecycle.sign_off(user, draft.id, dimension, draft.revision)
    assert draft.approved


def test_a_contributor_may_not_waive_the_findings_of_their_own_draft(team):
    team.accounts.set_roles(SHELL, "alice", ["author", "accuracy_reviewer"])
    draft = _store(team, _broken())
    assert team.queries.actions_for("alice", draft.id).waivable == ()
    with pytest.raises(SelfApprovalDenied, match="may not waive its findings"):
        team.lifecycle.waive_finding("alice", draft.id, draft.blocking_findings[0].key, "I know better", draft.revision)


def test_the_next_revision_voids_waivers_and_a_fixing_revision_unblocks(team):
    broken = _broken()
    draft = _store(team, broken)
    for finding in draft.blocking_findings:
        draft = team.lifecycle.waive_finding("sam", draft.id, finding.key, "accepted for now", draft.revision)
    broken.module.sections[0].body += " One more sentence."
    again = _revise(team, draft, broken, "still broken")
    assert again.revision == 2 and len(again.blocking_findings) == 2 and all(f.waived_by is None for f in again.gating_findings)
    assert len(team.trail.rows(draft_id=draft.id, action="waiver_voided")) == 2
    with pytest.raises(BlockedByFindings):
        team.lifecycle.submit("alice", draft.id, again.revision)

    fixed = _broken()
    fixed.assessment.items[0].options[0].correct = True
    fixed.assessment.items[0].options[1].text = "It is saved for the annual review"
    resolved = _revise(team, again, fixed, "q1 has one key and distinct options")
    assert resolved.gating_findings == []
    assert team.lifecycle.submit("alice", draft.id, resolved.revision).state == DraftState.IN_REVIEW
