"""Proficiency ratings from performance reviews (CSV) as signals: who (pseudonymised) or which team, skill, rating, target, period.

Columns, read without case: the person (`person`, `employee_id`, `learner_id`) and/or the `team`;
the skill as a framework id (`skill_id`), an ESCO concept URI (`esco_uri`) or the skill's name or one
of its aliases (`skill_name`), or any of these in one `skill` column; `rating`; `target` (may be empty); `period` (`2026`, `2026-11`,
`2026-Q3` or `2026-H1`). The skill is found exactly (id, the URI's last segment as ESCO ids are
made, or name / alias without case); a skill that is not in the framework is reported, never
guessed. A row repeated exactly is kept once.
"""

from __future__ import annotations

import hashlib
import re
from typing import IO, Callable, Iterator, NamedTuple

from workbench.domain.skills import SkillsFramework
from workbench.signals.csv_records import read_header, records
from workbench.signals.model import ImportReport
from workbench.signals.scorm_csv import HeaderInvalid, shown
from workbench.signals.xapi import Rejected
from workbench.skills.esco import esco_skill_id

_ALIASES = {
    "person": "person", "employee_id": "person", "learner_id": "person", "team": "team",
    "skill_id": "skill_id", "esco_uri": "esco_uri", "skill": "skill_name", "skill_name": "skill_name",
    "rating": "rating", "target": "target", "period": "period",
}
PERIOD = re.compile(r"^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]|H[12]))?$")
MAX_TEAM_CHARS = 200


class ProficiencyRating(NamedTuple):
    """One rating of one (pseudonymised) person or one team on one framework skill in one period."""

    record_key: str
    person: str | None
    team: str | None
    skill_id: str
    rating: float
    target: float | None
    period: str


class SkillFinder:
    """Finds a framework skill by id, ESCO URI, name or alias, exactly; None when there is no such skill."""

    def __init__(self, framework: SkillsFramework) -> None:
        self._ids = {skill.id for skill in framework.skills}
        self._names: dict[str, str] = {}
        for skill in framework.skills:
            for label in (skill.name, *skill.aliases):
                self._names.setdefault(label.strip().casefold(), skill.id)

    def find(self, skill_id: str, esco_uri: str, name: str) -> str | None:
        """The skill's framework id."""
        if skill_id:
            return skill_id if skill_id in self._ids else None
        if esco_uri:
            found = esco_skill_id(esco_uri)
            return found if found in self._ids else None
        # One `skill` column may hold any of the three: an id, a URI, or a name.
        label = name.strip()
        if label in self._ids:
            return label
        if label.startswith(("http://", "https://")):
            return self.find("", label, "")
        return self._names.get(label.casefold())


class ProficiencyCsvReader:
    """Reads one ratings CSV, reporting every row it cannot keep."""

    def __init__(self, framework: SkillsFramework, pseudonym: Callable[[str], str]) -> None:
        self.skills = SkillFinder(framework)
        self.pseudonym = pseudonym

    def ratings(self, stream: IO[str], report: ImportReport) -> Iterator[ProficiencyRating]:
        """Every keepable row's rating; `report` counts rows read, rejected, repeated and unknown skills."""
        delimiter, header = read_header(stream)
        columns = [_ALIASES.get(name.replace("\ufeff", "").strip().lower()) for name in header]
        missing = []
        if "person" not in columns and "team" not in columns:
            missing.append("person or team")
        if not {"skill_id", "esco_uri", "skill_name"} & set(columns):
            missing.append("skill_id, esco_uri or skill_name")
        missing += [name for name in ("rating", "period") if name not in columns]
        if missing:
            raise HeaderInvalid(f"the header has no {', '.join(missing)} column")
        yield from records(stream, delimiter, columns, report, self._rating)

    def _rating(self, row: dict[str, str], report: ImportReport) -> ProficiencyRating | None:
        person, team = row.get("person", ""), row.get("team", "")[:MAX_TEAM_CHARS]
        if not person and not team:
            raise Rejected("neither a person nor a team")
        label = row.get("skill_id") or row.get("esco_uri") or row.get("skill_name") or ""
        if not label:
            raise Rejected("no skill")
        skill_id = self.skills.find(row.get("skill_id", ""), row.get("esco_uri", ""), row.get("skill_name", ""))
        if skill_id is None:
            report.unknown(shown(label, 200))
            return None
        rating = _number(row.get("rating", ""), "rating")
        target = _number(row["target"], "target") if row.get("target") else None
        period = row.get("period", "")
        if not PERIOD.match(period):
            raise Rejected(f'period "{shown(period)}" is not YYYY, YYYY-MM, YYYY-Qn or YYYY-Hn')
        pseudonym = self.pseudonym(person) if person else None
        key = hashlib.sha256("\x1f".join(["rating", pseudonym or "", team, skill_id, period, repr(rating), repr(target)]).encode()).hexdigest()
        return ProficiencyRating(f"rating:{key}", pseudonym, team or None, skill_id, rating, target, period)


def _number(text: str, what: str) -> float:
    try:
        value = float(text.replace(",", ".")) if text.count(",") == 1 and "." not in text else float(text)
    except ValueError:
        raise Rejected(f'{what} "{shown(text)}" is not a number') from None
    if value != value or value in (float("inf"), float("-inf")):
        raise Rejected(f'{what} "{shown(text)}" is not a number')
    return value
