"""Stale actions are refused, repeats leave one row, races have one winner, nothing is lost under load."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from review.errors import InvalidTransition, ReviewError, RevisionRequired, StaleRevision
from review.policy import DraftState
from review.actors import SHELL
from review.tables import comments, sign_offs


def test_stale_sign_off_is_refused_and_says_what_changed(team):
    draft = team.in_review()
    seen = team.queries.get_draft(draft.id)
    team.lifecycle.revise("alice", draft.id, expected_revision=seen.revision, content=seen.content,
                        markdown=seen.markdown + "\nNew paragraph.\n", findings=[], note="added a paragraph")
    with pytest.raises(StaleRevision, match=r"revision 2 by alice .*added a paragraph"):
        team.lifecycle.sign_off("sam", draft.id, "accuracy", seen.revision)
    assert team.queries.get_draft(draft.id).sign_offs == []


@pytest.mark.parametrize("decision", ["submit", "sign_off", "request_changes", "reject", "publish"])
def test_a_decision_that_names_no_revision_is_refused(team, decision):
    draft = team.draft() if decision == "submit" else team.approved() if decision == "publish" else team.in_review()
    before = team.trail.rows()
    calls = {
        "submit": lambda: team.lifecycle.submit("alice", draft.id, None),
        "sign_off": lambda: team.lifecycle.sign_off("sam", draft.id, "accuracy", None),
        "request_changes": lambda: team.lifecycle.request_changes("sam", draft.id, None, "needs sources"),
        "reject": lambda: team.lifecycle.reject("sam", draft.id, None, "off topic"),
        "publish": lambda: team.ledger.publish_transaction("lena", draft.id, None, prepare=lambda c: pytest.fail("staged")),
    }
    with pytest.raises(RevisionRequired, match=rf"on draft {draft.id} must name the revision you read"):
        calls[decision]()
    after = team.queries.get_draft(draft.id)
    assert after.state == draft.state and after.sign_offs == draft.sign_offs and after.comments == []
    assert team.trail.rows() == before


def test_same_sign_off_sent_twice_leaves_one_row(team, database):
    draft = team.in_review()
    team.lifecycle.sign_off("sam", draft.id, "accuracy", draft.revision)
    again = team.lifecycle.sign_off("sam", draft.id, "accuracy", draft.revision)
    assert [s.user for s in again.sign_offs] == ["sam"]
    with database.read() as connection:
        assert connection.execute(select(func.count()).select_from(sign_offs)).scalar_one() == 1
    assert len(team.trail.rows(draft_id=draft.id, action="sign_off")) == 1


def test_same_sign_off_from_two_tabs_at_once_leaves_one_row(team, database):
    draft = team.in_review()
    barrier = threading.Barrier(2)

    def click():
        barrier.wait()
        return team.lifecycle.sign_off("sam", draft.id, "accuracy", draft.revision)

    with ThreadPoolExecutor(2) as pool:
        results = [f.result() for f in [pool.submit(click) for _ in range(2)]]
    assert all([s.user for s in r.sign_offs] == ["sam"] for r in results)
    with database.read() as connection:
        assert connection.execute(select(func.count()).select_from(sign_offs)).scalar_one() == 1


@pytest.mark.parametrize("attempt", range(3))
def test_approve_and_request_changes_at_the_same_moment_one_wins(team, attempt):
    draft = team.in_review()
    draft = team.lifecycle.sign_off("sam", draft.id, "accuracy", draft.revision)
    draft = team.lifecycle.sign_off("cara", draft.id, "cultural", draft.revision)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def run(name, action):
        barrier.wait()
        try:
            action()
            outcomes[name] = "won"
        except ReviewError as error:
            outcomes[name] = error

    threads = [
        threading.Thread(target=run, args=("approve", lambda: team.lifecycle.sign_off("eric", draft.id, "ethics", draft.revision))),
        threading.Thread(target=run, args=("changes", lambda: team.lifecycle.request_changes("eth2", draft.id, draft.revision, "tone is off"))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    winners = [name for name, outcome in outcomes.items() if outcome == "won"]
    assert len(winners) == 1, outcomes
    loser = next(outcome for outcome in outcomes.values() if outcome != "won")
    assert isinstance(loser, InvalidTransition)
    final = team.queries.get_draft(draft.id)
    rows = team.trail.rows(draft_id=draft.id)
    actions = [r["action"] for r in rows]
    if winners == ["approve"]:
        assert final.state == DraftState.APPROVED and final.approved
        assert "approved" in actions and "request_changes" not in actions
    else:
        assert final.state == DraftState.CHANGES_REQUESTED and not final.approved
        assert "request_changes" in actions and "approved" not in actions and actions.count("sign_off") == 2
    assert actions[-1] == "denied"
    assert team.trail.verify().ok


def test_twenty_reviewers_fifty_actions_each_lose_nothing(team, review, database):
    reviewers = [f"r{i:02d}" for i in range(20)]
    for index, name in enumerate(reviewers):
        review.accounts.add_user(name, "correct horse battery", [("accuracy_reviewer", "cultural_reviewer", "ethics_reviewer")[index % 3]], actor=SHELL)
    drafts = [team.in_review(title=f"Module {i}") for i in range(10)]
    failures: list[BaseException] = []
    successful_comments = [0] * len(reviewers)
    barrier = threading.Barrier(len(reviewers))

    def reviewer(index: int) -> None:
        name = reviewers[index]
        dimension = ("accuracy", "cultural", "ethics")[index % 3]
        barrier.wait()
        for step in range(50):
            try:
                if step % 5 == 0:
                    draft = drafts[(index + step // 5) % len(drafts)]  # each reviewer tries every draft once
                    review.lifecycle.sign_off(name, draft.id, dimension, draft.revision)
                else:
                    draft = drafts[(index + step) % len(drafts)]
                    review.lifecycle.comment(name, draft.id, f"{name} note {step}", anchor=f"section:s{step % 4}")
                    successful_comments[index] += 1
            except ReviewError:
                pass  # an expected conflict (dimension signed by someone else, draft approved meanwhile)
            except BaseException as error:  # noqa: BLE001 - "database is locked" must never reach a user
                failures.append(error)

    threads = [threading.Thread(target=reviewer, args=(i,)) for i in range(len(reviewers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not failures, failures[:3]
    with database.read() as connection:
        assert connection.execute(select(func.count()).select_from(comments)).scalar_one() == sum(successful_comments) == 20 * 40
        per_dimension = connection.execute(
            select(sign_offs.c.draft_id, sign_offs.c.dimension, func.count()).group_by(sign_offs.c.draft_id, sign_offs.c.dimension)
        ).all()
    assert all(count == 1 for _, _, count in per_dimension)
    assert len(per_dimension) == 30  # every dimension of every draft got exactly one sign-off
    assert all(review.queries.get_draft(d.id).approved for d in drafts)
    assert len(review.trail.rows(action="comment")) == 20 * 40
    assert review.trail.verify().ok
