"""Which activity and interaction ids our exports wrote, and the module, item, objective and skills each stands for.

The ids are computed by the export code itself (exports/cmi5.py for the xAPI IRIs, exports/tracking.py
for SCORM interaction ids), from the same published assessments, so a result maps back exactly; an id
below our activity base that names nothing published is reported, never matched by guesswork.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, NamedTuple

from workbench.exports.cmi5 import DEFAULT_ACTIVITY_BASE, course_activity_id
from workbench.exports.course_pages import CourseSource
from workbench.exports.tracking import Standard, tracking_plan


MAX_REMEMBERED = 100_000


@dataclass(frozen=True)
class ItemRef:
    """One published item: its module, its own id, its objective and the skills it tests."""

    module_id: str
    item_id: str
    objective_id: str
    skill_ids: tuple[str, ...]


@dataclass
class CourseRef:
    """One published module with an assessment, under the ids its exports carry."""

    module_id: str
    course_iri: str
    skill_ids: tuple[str, ...]
    items_by_iri: dict[str, ItemRef] = field(default_factory=dict)
    items_by_interaction: dict[str, ItemRef] = field(default_factory=dict)  # SCORM 1.2 and 2004 interaction ids


class Placement(NamedTuple):
    """Where a statement belongs: a course of ours (and maybe an item), another course, or an unknown id of ours."""

    course: CourseRef | None = None
    item: ItemRef | None = None
    unknown_id: str | None = None  # an id below our base that names nothing published

    @property
    def other_course(self) -> bool:
        """True when the statement names none of our activities at all."""
        return self.course is None and self.unknown_id is None


class ResultCatalog:
    """Looks up the ids in learners' results."""

    def __init__(self, courses: Iterable[CourseRef], activity_base: str = DEFAULT_ACTIVITY_BASE) -> None:
        self.activity_base = activity_base.rstrip("/")
        self.courses = list(courses)
        self._by_iri = {course.course_iri: course for course in self.courses}
        self._by_module = {course.module_id: course for course in self.courses}
        # An import names the same few object ids again and again; those placed by the object id alone are remembered.
        self._placed: dict[str, Placement] = {}

    @classmethod
    def from_sources(cls, sources: Iterable[tuple[CourseSource, tuple[str, ...]]],
                     activity_base: str = DEFAULT_ACTIVITY_BASE) -> "ResultCatalog":
        """The catalog of every (export source, module skills) pair that has an assessment."""
        courses = []
        for source, module_skills in sources:
            assessment = source.assessment
            if assessment is None or not assessment.items:
                continue
            skills = tuple(dict.fromkeys([*assessment.skill_ids, *module_skills]))
            course_iri = course_activity_id(source.source_id, activity_base)
            course = CourseRef(source.source_id, course_iri, skills)
            refs = [ItemRef(source.source_id, item.id, item.objective_id, skills) for item in assessment.items]
            xapi = tracking_plan(assessment, Standard.XAPI, source.locale, course_iri)
            for ref, tracking in zip(refs, xapi.items):
                if tracking is not None:
                    course.items_by_iri[tracking.id] = ref
            for standard in (Standard.SCORM12, Standard.SCORM2004):
                plan = tracking_plan(assessment, standard, source.locale)
                for ref, tracking in zip(refs, plan.items):
                    if tracking is not None:
                        course.items_by_interaction.setdefault(tracking.id, ref)
            courses.append(course)
        return cls(courses, activity_base)

    @property
    def activity_ids(self) -> list[str]:
        """What an LRS import asks for: everything below our activity base."""
        return [self.activity_base]

    def module(self, module_id: str) -> CourseRef | None:
        """The published module with this id, when it has an assessment."""
        return self._by_module.get(module_id)

    def place(self, object_id: str, named: Callable[[], set[str]]) -> Placement:
        """Where a statement about `object_id` belongs; `named()` gives every activity it names, asked only when needed."""
        placed = self._placed.get(object_id)
        if placed is not None:
            return placed
        prefix = self.activity_base + "/"
        course = self._course_of(object_id) if object_id.startswith(prefix) else None
        if course is None:
            # The object is not one of our published activities (an LMS's own id, an unknown id of ours, another
            # course): the context activities decide.
            ours = [name for name in named() if name.startswith(prefix)]
            if not ours:
                return Placement()
            course = next((found for found in map(self._course_of, ours) if found is not None), None)
            if course is None:
                return Placement(unknown_id=min(ours, key=len))
        items_prefix = course.course_iri + "/items/"
        if object_id.startswith(items_prefix):
            item = course.items_by_iri.get(object_id)
            placed = Placement(course, item) if item else Placement(unknown_id=object_id)
        else:
            placed = Placement(course)
        if object_id.startswith(course.course_iri) and len(self._placed) < MAX_REMEMBERED:
            self._placed[object_id] = placed  # the object alone decided: the same object id always lands here
        return placed

    def _course_of(self, activity_id: str) -> CourseRef | None:
        course = self._by_iri.get(activity_id)
        if course is not None:
            return course
        # `<course>/au`, `<course>/items/q1`, `<course>/objectives/o1`: the course is the first path segment below the base.
        rest = activity_id[len(self.activity_base) + 1:]
        return self._by_iri.get(f"{self.activity_base}/{rest.split('/', 1)[0]}")
