"""The rules a statement must pass to be kept as a learner's result, and where it is placed."""

from __future__ import annotations

import pytest

from tests.support.signals import COURSE, NOW, OTHER_COURSE, answered, feedback_catalog, module_result
from workbench.signals.pseudonyms import Pseudonymizer
from workbench.signals.xapi import Rejected, StatementReader, Unknown, actor_identifier

from pydantic import SecretStr


@pytest.fixture
def reader() -> StatementReader:
    return StatementReader(feedback_catalog(), Pseudonymizer(SecretStr("k" * 20)).pseudonym, NOW)


@pytest.mark.parametrize("actor, identifier", [
    ({"mbox": "mailto:Sam@Example.org"}, "mbox:mailto:sam@example.org"),
    ({"mbox_sha1sum": "ABC123"}, "mbox_sha1sum:abc123"),
    ({"openid": "https://id.example.org/sam"}, "openid:https://id.example.org/sam"),
    ({"account": {"homePage": "https://lms.example.org", "name": "sam"}}, "account:https://lms.example.org|sam"),
])
def test_each_inverse_functional_identifier_names_a_person(actor, identifier):
    assert actor_identifier(actor) == identifier


@pytest.mark.parametrize("actor, reason", [
    ({"name": "Sam"}, "the actor has no identifier (mbox, mbox_sha1sum, openid or account)"),
    ({"mbox": "mailto:a@example.org", "openid": "https://id.example.org/a"}, "the actor has more than one identifier"),
    ({"account": {"name": "sam"}}, "the actor's account needs a homePage and a name"),
    ("sam", "the statement has no actor"),
])
def test_an_actor_without_exactly_one_identifier_is_refused(actor, reason):
    with pytest.raises(Rejected, match=f"^{reason}$".replace("(", r"\(").replace(")", r"\)")):
        actor_identifier(actor)


def test_the_same_person_gets_the_same_pseudonym_and_another_key_another_one(reader):
    first = reader.to_result(answered("q1", "sam", True))
    second = reader.to_result(answered("q2", "sam", False))
    other = StatementReader(feedback_catalog(), Pseudonymizer(SecretStr("another key, long")).pseudonym, NOW).to_result(answered("q1", "sam", True))
    assert first.person == second.person != other.person
    assert "sam" not in first.person and "secret" not in repr(Pseudonymizer(SecretStr("secret key of length")))


@pytest.mark.parametrize("change, reason", [
    (lambda s: s["result"]["score"].update(scaled=-1.01), "result.score.scaled -1.01 is outside [-1, 1]"),
    (lambda s: s["result"]["score"].update(scaled="0.5"), "result.score.scaled is not a number"),
    (lambda s: s["result"].update(success="yes"), "result.success is not true or false"),
    (lambda s: s.update(timestamp="yesterday"), "the timestamp 'yesterday' is not an ISO 8601 time"),
    (lambda s: s.pop("timestamp"), "the statement has neither a timestamp nor a stored time"),
    (lambda s: s.update(verb={"display": {"en": "answered"}}), "the statement has no verb id"),
    (lambda s: s.pop("object"), "the statement has no object id"),
])
def test_values_outside_the_specification_are_refused_with_the_reason(reader, change, reason):
    statement = answered("q1", "sam", True)
    change(statement)
    with pytest.raises(Rejected) as error:
        reader.to_result(statement)
    assert str(error.value) == reason


def test_the_edges_of_the_score_range_and_the_present_moment_are_kept(reader):
    low = answered("q1", "sam", False)
    low["result"]["score"]["scaled"] = -1
    assert reader.to_result(low).score_scaled == -1.0
    assert reader.to_result(answered("q1", "sam", True, when=NOW)).occurred_at == NOW


def test_other_courses_and_verbs_that_are_no_results_are_ignored_unknown_ids_of_ours_reported(reader):
    assert reader.to_result(answered("q1", "sam", True, course=OTHER_COURSE)) is None
    initialized = module_result("passed", "sam", 1.0)
    initialized["verb"]["id"] = "http://adlnet.gov/expapi/verbs/initialized"
    assert reader.to_result(initialized) is None
    with pytest.raises(Unknown, match=f"^{COURSE}/items/q7$"):
        reader.to_result(answered("q7", "sam", True))
    with pytest.raises(Unknown, match="^https://ld-workbench.invalid/xapi/courses/retired-course$"):
        reader.to_result(answered("q1", "sam", True, course="https://ld-workbench.invalid/xapi/courses/retired-course"))
    # A course id that merely starts like ours is another course of ours, not ours.
    with pytest.raises(Unknown):
        reader.to_result(answered("q1", "sam", True, course=COURSE + "-advanced"))


def test_a_statement_launched_under_the_lms_own_id_is_placed_by_its_grouping(reader):
    statement = module_result("passed", "sam", 0.9)
    statement["object"]["id"] = "https://lms.example.org/activities/42"
    result = reader.to_result(statement)
    assert (result.module_id, result.item_id, result.verb, result.skill_ids) == ("giving-useful-feedback", None, "passed", ("fb-giving",))
