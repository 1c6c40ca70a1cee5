"""SignalsService: learners' results and proficiency ratings imported from files and from an LRS, and what may be shown of them."""

from __future__ import annotations

import hashlib
import io
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator

from pydantic import SecretStr

from workbench.domain.skills import SkillsFramework
from workbench.errors import SignalsInputInvalid
from workbench.exports.lrs_client import LrsClient
from workbench.signals.catalog import ResultCatalog
from workbench.signals.item_analysis import ItemRules, ItemStatistics, item_statistics
from workbench.signals.market_trend import MarketTrendCsvReader
from workbench.signals.model import ImportReport, LearnerResult, SignalKind
from workbench.signals.pseudonyms import Pseudonymizer
from workbench.signals.reading import EmptyInput, read_statements
from workbench.signals.scorm_csv import HeaderInvalid, ScormCsvReader
from workbench.signals.proficiency import ProficiencyCsvReader
from workbench.signals.skill_matching import Embed, MeaningMatcher
from workbench.signals.store import ItemFigures, SignalsRevision, SignalStore, SkillMastery, SkillProficiency, TrendPoint
from workbench.signals.xapi import Rejected, StatementReader, Unknown

PROGRESS_EVERY = 10_000
FILE_KINDS = (SignalKind.XAPI, SignalKind.SCORM_CSV, SignalKind.PROFICIENCY_CSV, SignalKind.MARKET_TREND)

Progress = Callable[[int], None]  # called with the number of records read so far


@dataclass(frozen=True)
class ItemAggregates:
    """The per-item figures that rest on enough people to be shown, and how many were withheld."""

    min_group_size: int
    items: list[ItemFigures]
    withheld: int  # items with results from fewer than `min_group_size` people

    def as_dict(self) -> dict:
        """JSON-ready form (the shape of `workbench signals items --json`)."""
        return {"min_group_size": self.min_group_size, "items": [item.as_dict() for item in self.items], "withheld": self.withheld}


@dataclass(frozen=True)
class ItemAnalysis:
    """The item statistics of one module that rest on enough people, and how many items were withheld."""

    module_id: str
    min_group_size: int
    items: list[ItemStatistics]
    withheld: int

    @property
    def flagged(self) -> list[ItemStatistics]:
        """The items with at least one flag."""
        return [item for item in self.items if item.flags]

    def as_dict(self) -> dict:
        """JSON-ready form (the shape of `workbench signals analysis --json`)."""
        return {"module_id": self.module_id, "min_group_size": self.min_group_size,
                "items": [item.as_dict() for item in self.items], "withheld": self.withheld}


@dataclass(frozen=True)
class ProficiencyAggregates:
    """Per skill and period, the proficiency gap of groups large enough to show, and how many were withheld."""

    min_group_size: int
    skills: list[SkillProficiency]
    withheld: int

    def as_dict(self) -> dict:
        """JSON-ready form (the shape of `workbench signals proficiency --json`)."""
        return {"min_group_size": self.min_group_size, "skills": [skill.as_dict() for skill in self.skills], "withheld": self.withheld}


class SignalsService:
    """Imports learners' results (xAPI files, SCORM interaction CSVs, an LRS) into the database, pseudonymised."""

    def __init__(self, store: SignalStore, catalog: Callable[[], ResultCatalog], pseudonym_key: SecretStr | None,
                 lrs_client: Callable[[str | None], LrsClient], clock: Callable[[], datetime], min_group_size: int = 5,
                 framework: Callable[[], SkillsFramework] | None = None, embed: Callable[[], Embed] | None = None,
                 trend_match_threshold: float = 0.7, item_rules: ItemRules = ItemRules()) -> None:
        self.store = store
        self._embed = embed  # the index's embedder, asked for only when a trend label is not a framework name
        self.trend_match_threshold = trend_match_threshold
        self.item_rules = item_rules
        self._framework = framework  # the skills framework ratings are matched against (read per import)
        self._catalog = catalog  # built per import: the published assessments may have changed since the last one
        self._pseudonym_key = pseudonym_key
        self._lrs_client = lrs_client
        self._clock = clock
        self.min_group_size = min_group_size

    # ------------------------------------------------------------------ imports

    def import_file(self, path: Path | str, kind: SignalKind | str, imported_by: str,
                    progress: Progress | None = None, module_id: str | None = None) -> ImportReport:
        """Import one file in one transaction; the same bytes imported again change nothing."""
        path = Path(path)
        kind = _kind(kind)
        if not path.is_file():
            raise SignalsInputInvalid(f"{path}: no such file")
        sha256 = _file_sha256(path)
        earlier = self.store.find_file(sha256)
        if earlier is not None:
            earlier.already_imported = True
            return earlier
        now = self._clock()
        report = ImportReport(kind=kind.value, source=path.name, sha256=sha256, imported_at=now, imported_by=imported_by)
        if kind == SignalKind.MARKET_TREND:
            return self._import_trends(path, report)  # counts per skill: no person in them, no pseudonym key needed
        pseudonymizer = Pseudonymizer(self._pseudonym_key)
        if kind == SignalKind.PROFICIENCY_CSV:
            return self._import_ratings(path, report, pseudonymizer)
        catalog = self._catalog()
        if kind == SignalKind.XAPI:
            statements = StatementReader(catalog, pseudonymizer.pseudonym, now)
            return self._import_stream(path, report, lambda stream, _: self._statements_of_file(stream, statements, report, progress))
        interactions = ScormCsvReader(catalog, pseudonymizer.pseudonym, now, module_id)
        return self._import_stream(path, report, lambda stream, _: _counted(interactions.results(stream, report), report, progress))

    def _import_ratings(self, path: Path, report: ImportReport, pseudonymizer: Pseudonymizer) -> ImportReport:
        if self._framework is None:
            raise SignalsInputInvalid("no skills framework to match ratings against")
        reader = ProficiencyCsvReader(self._framework(), pseudonymizer.pseudonym)
        return self._import_stream(path, report, reader.ratings, "ratings")

    def _import_trends(self, path: Path, report: ImportReport) -> ImportReport:
        if self._framework is None or self._embed is None:
            raise SignalsInputInvalid("no skills framework and embedding model to match trend labels against")
        framework, embed = self._framework(), self._embed
        reader = MarketTrendCsvReader(framework, lambda: MeaningMatcher(framework, embed(), self.trend_match_threshold),
                                      report.sha256 or "")
        return self._import_stream(path, report, reader.counts, "trends")

    def _import_stream(self, path: Path, report: ImportReport, read: Callable, rows: str = "results") -> ImportReport:
        """One file's records (`read(stream, report)`) in one transaction, with the file-level errors named."""
        with path.open("r", encoding="utf-8", newline="") as stream:
            try:
                return self.store.record_import(report, read(stream, report), rows=rows)
            except (EmptyInput, HeaderInvalid) as error:
                raise SignalsInputInvalid(f"{path.name}: {error}; nothing was imported") from None
            except UnicodeDecodeError as error:
                raise SignalsInputInvalid(f"{path.name}: not UTF-8 text ({error.reason}); nothing was imported") from None

    def import_upload(self, filename: str, data: bytes, kind: SignalKind | str, imported_by: str,
                      module_id: str | None = None) -> ImportReport:
        """Import an uploaded file (the app's Signals page) exactly as `import_file` imports one from disk."""
        name = _upload_name(filename)
        with tempfile.TemporaryDirectory(prefix="workbench-signals-") as folder:
            path = Path(folder) / name
            path.write_bytes(data)
            return self.import_file(path, kind, imported_by, module_id=module_id)

    def import_from_lrs(self, endpoint: str | None, imported_by: str, progress: Progress | None = None) -> ImportReport:
        """Pull our activities' statements stored since the last import from this LRS; all or nothing."""
        pseudonymizer = Pseudonymizer(self._pseudonym_key)
        catalog = self._catalog()
        with self._lrs_client(endpoint) as client:
            source = client.endpoint
            since = self.store.last_cursor(source)
            batch = client.fetch_statements(catalog.activity_ids, since=since)
        now = self._clock()
        report = ImportReport(kind=SignalKind.LRS.value, source=source, imported_at=now, imported_by=imported_by,
                              cursor=batch.cursor or since)
        report.read = batch.ignored
        report.ignored = batch.ignored  # other courses' statements, left out by the client
        reader = StatementReader(catalog, pseudonymizer.pseudonym, now)
        elements = ((number, statement, None) for number, statement in enumerate(batch.statements, start=1))
        return self.store.record_import(report, self._results(elements, reader, report, progress))

    def _statements_of_file(self, stream: io.TextIOBase, reader: StatementReader, report: ImportReport,
                            progress: Progress | None) -> Iterator[LearnerResult]:
        return self._results(read_statements(stream), reader, report, progress)

    @staticmethod
    def _results(elements, reader: StatementReader, report: ImportReport, progress: Progress | None) -> Iterator[LearnerResult]:
        to_result = reader.to_result
        for line, value, error in elements:
            report.read += 1
            if progress is not None and report.read % PROGRESS_EVERY == 0:
                progress(report.read)
            if error is not None:
                report.reject(line, error)
                continue
            try:
                result = to_result(value)
            except Rejected as rejected:
                report.reject(line, str(rejected))
                continue
            except Unknown as unknown:
                report.unknown(str(unknown))
                continue
            if result is None:
                report.ignored += 1
            else:
                yield result

    # ------------------------------------------------------------------ reading

    def imports(self) -> list[ImportReport]:
        """Every import, newest first."""
        return self.store.imports()

    def revision(self) -> SignalsRevision:
        """Changes whenever an import lands: the key part a cache of signal-based figures (the gap report) reads."""
        return self.store.revision()

    def trend_points(self) -> list[TrendPoint]:
        """Per skill and period, the market-trend count (the latest import that gave that period)."""
        return self.store.trend_points()

    def proficiency_aggregates(self) -> ProficiencyAggregates:
        """Per skill and period, the share of people below target, only where at least `min_group_size` people were rated."""
        figures = self.store.proficiency_figures()
        shown = [figure for figure in figures if figure.people >= self.min_group_size]
        return ProficiencyAggregates(self.min_group_size, shown, len(figures) - len(shown))

    def skill_mastery(self) -> list[SkillMastery]:
        """Per skill, the answers on its items, only for skills answered by at least `min_group_size` people."""
        return [figure for figure in self.store.skill_mastery() if figure.people >= self.min_group_size]

    def item_analysis(self, module_id: str) -> ItemAnalysis:
        """Difficulty, discrimination, option shares and flags of a module's items answered by at least `min_group_size` people."""
        items = item_statistics(module_id, self.store.first_answers(module_id), self.item_rules)
        shown = [item for item in items if item.attempts >= self.min_group_size]  # one first answer per person
        return ItemAnalysis(module_id, self.min_group_size, shown, len(items) - len(shown))

    def analysed_modules(self) -> list[str]:
        """The modules whose items have answers."""
        return self.store.answered_modules()

    def item_aggregates(self, module_id: str | None = None) -> ItemAggregates:
        """Per-item figures, only for items answered by at least `min_group_size` people."""
        figures = self.store.item_figures(module_id)
        shown = [item for item in figures if item.people >= self.min_group_size]
        return ItemAggregates(self.min_group_size, shown, len(figures) - len(shown))


def _counted(results: Iterator[LearnerResult], report: ImportReport, progress: Progress | None) -> Iterator[LearnerResult]:
    """Pass results through, telling `progress` every PROGRESS_EVERY records read."""
    told = 0
    for result in results:
        if progress is not None and report.read - told >= PROGRESS_EVERY:
            told = report.read - report.read % PROGRESS_EVERY
            progress(told)
        yield result


def _kind(kind: SignalKind | str) -> SignalKind:
    try:
        value = SignalKind(str(kind).strip().lower())
    except ValueError:
        value = None
    if value not in FILE_KINDS:
        raise SignalsInputInvalid(f"unknown kind of file {str(kind)[:40]!r}; choose one of: {', '.join(k.value for k in FILE_KINDS)}")
    return value


def _upload_name(filename: str) -> str:
    """The uploaded file's own name (no folders, no control characters), kept as the import's source."""
    name = "".join(char for char in Path(str(filename).replace("\\", "/")).name if char.isprintable())[:200]
    return name if name.strip(". ") else "upload"


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
