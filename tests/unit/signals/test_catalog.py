"""The catalog knows exactly the ids our exports write for each item, in every standard."""

from __future__ import annotations

from tests.support.drafts import clean_draft
from tests.support.signals import COURSE, MODULE_ID, feedback_catalog
from workbench.domain.assessment import Assessment
from workbench.exports.course_pages import CourseSource
from workbench.exports.service import source_from_draft
from workbench.exports.tracking import Standard, tracking_plan
from workbench.signals.catalog import ResultCatalog


def test_xapi_iris_and_scorm_interaction_ids_are_the_exports_own():
    catalog = feedback_catalog()
    course = catalog.module(MODULE_ID)
    source = source_from_draft(clean_draft(), MODULE_ID)
    xapi = [t.id for t in tracking_plan(source.assessment, Standard.XAPI, source.locale, COURSE).items]
    scorm12 = [t.id for t in tracking_plan(source.assessment, Standard.SCORM12, source.locale).items]
    assert sorted(course.items_by_iri) == sorted(xapi) == [f"{COURSE}/items/q{n}" for n in range(1, 5)]
    assert set(scorm12) <= set(course.items_by_interaction)
    assert [(r.item_id, r.objective_id) for r in map(course.items_by_iri.get, xapi)] == [("q1", "o1"), ("q2", "o2"), ("q3", "o1"), ("q4", "o2")]


def test_awkward_item_ids_map_back_through_the_encoded_ids_the_exports_write():
    draft = clean_draft()
    draft.assessment.items[0].id = "Q 1/ä"  # percent-encoded in xAPI, made an identifier in SCORM
    draft.assessment.items[1].id = "Q 1/ä"  # the same id twice: the second is recorded with a suffix
    source = source_from_draft(draft, "odd ids")
    catalog = ResultCatalog.from_sources([(source, ())])
    course = catalog.module("odd ids")
    for standard in (Standard.SCORM12, Standard.SCORM2004):
        ids = [t.id for t in tracking_plan(source.assessment, standard, source.locale).items]
        assert [course.items_by_interaction[i].item_id for i in ids][:2] == ["Q 1/ä", "Q 1/ä"]
    assert len(course.items_by_iri) == 4


def test_modules_without_questions_are_not_in_the_catalog():
    empty = CourseSource("no-quiz", "No quiz", [], Assessment(id="e", title="e"), "en")
    assert ResultCatalog.from_sources([(empty, ())]).courses == []
