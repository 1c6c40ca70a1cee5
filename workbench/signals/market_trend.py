"""Market-trend counts (CSV) as signals: per skill and period, how often the skill was asked for (e.g. job postings a month).

Columns, read without case: the skill as a framework id (`skill_id`), an ESCO concept URI
(`esco_uri`) or a label (`skill_label`, `skill`, `label`, `skill_name`); `period` (`2026`,
`2026-11`, `2026-Q3`, `2026-H1`); `count` (a whole number, 0 or more; also `postings`, `mentions`).
An id, URI, name or alias the framework has is taken as it is; any other label is matched by
meaning (skill_matching.MeaningMatcher) and kept only when the match is close enough. The same
CSV rules as the other kinds: delimiter from the header, byte-order mark dropped, text cells,
an exact repeat kept once, a bad row named by line.
"""

from __future__ import annotations

import hashlib
import re
from typing import IO, Callable, Iterator, NamedTuple

from workbench.domain.skills import SkillsFramework
from workbench.signals.csv_records import read_header, records
from workbench.signals.model import ImportReport
from workbench.signals.proficiency import PERIOD, SkillFinder
from workbench.signals.scorm_csv import HeaderInvalid, shown
from workbench.signals.skill_matching import MeaningMatcher
from workbench.signals.xapi import Rejected

_ALIASES = {
    "skill_id": "skill_id", "esco_uri": "esco_uri",
    "skill_label": "label", "skill": "label", "label": "label", "skill_name": "label",
    "period": "period", "count": "count", "postings": "count", "mentions": "count",
}
_COUNT = re.compile(r"^\d{1,15}$")
MAX_LABEL_CHARS = 200


class TrendCount(NamedTuple):
    """How often one skill was asked for in one period, and how its label was matched."""

    record_key: str
    label: str
    skill_id: str
    match: str  # "exact" (id, URI, name or alias) or "meaning"
    confidence: float | None  # the cosine similarity of a match by meaning
    period: str
    count: int


class MarketTrendCsvReader:
    """Reads one market-trend CSV, matching labels to skills and reporting every row it cannot keep."""

    def __init__(self, framework: SkillsFramework, matcher: Callable[[], MeaningMatcher], file_sha256: str) -> None:
        self.skills = SkillFinder(framework)
        self._matcher_factory = matcher  # built on the first label that needs it: exact files never load the model
        self._matcher: MeaningMatcher | None = None
        self._file = file_sha256
        self._counted: dict[tuple[str, str], int] = {}  # (label, period) -> the count the file gave first

    def counts(self, stream: IO[str], report: ImportReport) -> Iterator[TrendCount]:
        """Every keepable row's count; `report` counts rows read, rejected, repeated, and lists the matches by meaning."""
        delimiter, header = read_header(stream)
        columns = [_ALIASES.get(name.replace("\ufeff", "").strip().lower()) for name in header]
        missing = [] if {"skill_id", "esco_uri", "label"} & set(columns) else ["skill_id, esco_uri or skill_label"]
        missing += [name for name in ("period", "count") if name not in columns]
        if missing:
            raise HeaderInvalid(f"the header has no {', '.join(missing)} column")
        yield from records(stream, delimiter, columns, report, self._count)

    def _count(self, row: dict[str, str], report: ImportReport) -> TrendCount | None:
        label = (row.get("skill_id") or row.get("esco_uri") or row.get("label") or "")[:MAX_LABEL_CHARS]
        if not label:
            raise Rejected("no skill")
        period = row.get("period", "")
        if not PERIOD.match(period):
            raise Rejected(f'period "{shown(period)}" is not YYYY, YYYY-MM, YYYY-Qn or YYYY-Hn')
        text = row.get("count", "")
        if not _COUNT.match(text):
            raise Rejected(f'count "{shown(text)}" is not a whole number of 0 or more')
        count = int(text)
        first = self._counted.setdefault((label.casefold(), period), count)
        if first != count:  # an exact repeat is kept once by `records`; two different counts cannot both be right
            raise Rejected(f'a second count for "{shown(label)}" in {period} ({count}; the first was {first})')
        skill_id = self.skills.find(row.get("skill_id", ""), row.get("esco_uri", ""), row.get("label", ""))
        match, confidence = "exact", None
        if skill_id is None:
            if row.get("skill_id") or row.get("esco_uri"):  # an id or URI is never matched by similarity
                report.unknown(shown(label, MAX_LABEL_CHARS))
                return None
            found = self._meaning(label, report)
            if found is None or not found.matched:
                report.unknown(shown(label, MAX_LABEL_CHARS))
                return None
            skill_id, match, confidence = found.skill_id, "meaning", found.confidence
        key = hashlib.sha256("\x1f".join(["trend", self._file, label.casefold(), period, str(count)]).encode()).hexdigest()
        return TrendCount(f"trend:{key}", label, skill_id, match, confidence, period, count)

    def _meaning(self, label: str, report: ImportReport):
        if self._matcher is None:
            self._matcher = self._matcher_factory()
        found = self._matcher.match(label)
        if found is not None:
            report.match(found.as_dict())
        return found
