"""Nobody signs off their own work, and one person signs at most one dimension of a revision."""

from __future__ import annotations

import pytest

from review.errors import OneDimensionPerReviewer, PermissionDenied, SelfApprovalDenied
from review.actors import SHELL


def test_author_holding_a_reviewer_role_cannot_sign_off_their_own_draft(team):
    team.accounts.set_roles(SHELL, "alice", ["author", "accuracy_reviewer"])
    draft = team.in_review()
    with pytest.raises(SelfApprovalDenied, match="alice.*may not sign it off"):
        team.lifecycle.sign_off("alice", draft.id, "accuracy", draft.revision)
    assert team.queries.get_draft(draft.id).sign_offs == []


def test_editor_of_a_revision_cannot_sign_it_off(team):
    team.accounts.set_roles(SHELL, "lena", ["lead", "ethics_reviewer"])
    draft = team.draft()
    draft = team.lifecycle.revise("lena", draft.id, expected_revision=1, content=draft.content,
                                markdown=draft.markdown + "\nEdited by the lead.\n", findings=[], note="tightened")
    draft = team.lifecycle.submit("alice", draft.id, draft.revision)
    with pytest.raises(SelfApprovalDenied, match="lena"):
        team.lifecycle.sign_off("lena", draft.id, "ethics", draft.revision)


def test_user_who_generated_the_draft_cannot_sign_it_off(team):
    draft = team.in_review(generated_by={"user": "eric", "model": "gemma-3-270m"})
    with pytest.raises(SelfApprovalDenied):
        team.lifecycle.sign_off("eric", draft.id, "ethics", draft.revision)


def test_one_person_cannot_sign_two_dimensions_of_a_revision(team):
    draft = team.in_review()
    team.lifecycle.sign_off("multi", draft.id, "accuracy", draft.revision)
    with pytest.raises(OneDimensionPerReviewer, match="already signed off accuracy"):
        team.lifecycle.sign_off("multi", draft.id, "cultural", draft.revision)
    assert [s.dimension.value for s in team.queries.get_draft(draft.id).sign_offs] == ["accuracy"]


def test_reviewer_without_the_dimension_role_is_denied(team):
    draft = team.in_review()
    with pytest.raises(PermissionDenied, match="needs the role cultural_reviewer"):
        team.lifecycle.sign_off("sam", draft.id, "cultural", draft.revision)


def test_lead_is_not_a_reviewer_by_default(team):
    draft = team.in_review()
    with pytest.raises(PermissionDenied):
        team.lifecycle.sign_off("lena", draft.id, "accuracy", draft.revision)


def test_role_revoked_after_the_page_loaded_is_denied(team):
    draft = team.in_review()
    seen = team.queries.get_draft(draft.id)  # the reviewer's page
    team.accounts.set_roles("lena", "sam", ["author"])
    with pytest.raises(PermissionDenied):
        team.lifecycle.sign_off("sam", seen.id, "accuracy", seen.revision)


def test_disabled_reviewer_is_denied(team):
    draft = team.in_review()
    team.accounts.disable_user("lena", "sam")
    with pytest.raises(PermissionDenied, match="disabled"):
        team.lifecycle.sign_off("sam", draft.id, "accuracy", draft.revision)


def test_denials_are_audited(team):
    team.accounts.set_roles(SHELL, "alice", ["author", "ethics_reviewer"])
    draft = team.in_review()
    with pytest.raises(SelfApprovalDenied):
        team.lifecycle.sign_off("alice", draft.id, "ethics", draft.revision)
    denied = team.trail.rows(draft_id=draft.id, action="denied")
    assert len(denied) == 1
    assert denied[0]["actor"] == "alice" and denied[0]["details"]["error"] == "SelfApprovalDenied"
    assert team.trail.verify().ok


def test_database_refuses_a_second_sign_off_per_dimension_or_per_user(team, database):
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError
    from datetime import datetime, timezone

    from review.tables import sign_offs

    draft = team.in_review()
    team.lifecycle.sign_off("multi", draft.id, "accuracy", draft.revision)
    users = {u.name: u.id for u in team.accounts.list_users()}
    row = dict(draft_id=draft.id, revision=draft.revision, content_hash=draft.content_hash, signed_at=datetime.now(timezone.utc))
    for dimension, user in (("accuracy", "sam"), ("ethics", "multi")):
        with pytest.raises(IntegrityError):
            with database.transaction() as connection:
                connection.execute(insert(sign_offs).values(dimension=dimension, user_id=users[user], **row))
