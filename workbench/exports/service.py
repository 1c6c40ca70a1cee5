"""The export service: drafts and published modules to LMS formats, question banks into the library."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from review.errors import ReviewError
from review.queries import ReviewQueries
from workbench.domain.assessment import Assessment
from workbench.domain.drafts import DraftContent
from workbench.errors import ExportError, ImportFileInvalid, UnknownSkill
from workbench.exports.banks import load_assessment_banks, save_assessment_bank
from workbench.exports.gift import parse_gift, write_gift
from workbench.exports.model import ParsedBank, UnknownModule, UnsupportedQuestion, ascii_id
from workbench.exports.moodle_xml import parse_moodle_xml, write_moodle_xml
from workbench.exports.packaging import write_atomic, zip_bytes
from workbench.exports.qti12 import parse_qti12, parse_qti12_package, qti12_package_files
from workbench.exports.qti21 import qti21_package_files
from workbench.exports.cmi5 import cmi5_package_files
from workbench.exports.formats import ExportFormat
from workbench.exports.course_pages import CourseSource, pages_from_markdown, pages_from_module, with_ai_notice
from workbench.exports.scorm12 import DEFAULT_PASSING_SCORE, scorm12_package_files
from workbench.exports.scorm2004 import scorm2004_package_files
from workbench.exports.xmlutil import local_name, parse_xml
from workbench.settings import Settings

logger = logging.getLogger(__name__)


# Button and menu labels, in the order the app shows them.
FORMAT_LABELS = {
    ExportFormat.SCORM12: "SCORM 1.2 package (any LMS)",
    ExportFormat.SCORM2004: "SCORM 2004 4th edition package",
    ExportFormat.CMI5: "cmi5 package (xAPI)",
    ExportFormat.GIFT: "GIFT (Moodle)",
    ExportFormat.MOODLE_XML: "Moodle XML",
    ExportFormat.QTI12: "QTI 1.2 (Canvas)",
    ExportFormat.QTI21: "QTI 2.1",
}
FILE_SUFFIX = {
    ExportFormat.GIFT: ".gift",
    ExportFormat.MOODLE_XML: ".xml",
    ExportFormat.QTI21: ".qti21.zip",
    ExportFormat.QTI12: ".qti12.zip",
    ExportFormat.SCORM12: ".scorm12.zip",
    ExportFormat.SCORM2004: ".scorm2004.zip",
    ExportFormat.CMI5: ".cmi5.zip",
}
MIME_TYPE = {
    ExportFormat.GIFT: "text/plain",
    ExportFormat.MOODLE_XML: "application/xml",
    ExportFormat.QTI21: "application/zip",
    ExportFormat.QTI12: "application/zip",
    ExportFormat.SCORM12: "application/zip",
    ExportFormat.SCORM2004: "application/zip",
    ExportFormat.CMI5: "application/zip",
}
# Course packages carry the module's pages, so they can be exported without questions.
COURSE_FORMATS = frozenset({ExportFormat.SCORM12, ExportFormat.SCORM2004, ExportFormat.CMI5})


# What is exported (the module's pages and its assessment); the course packages read it directly.
ExportSource = CourseSource


@dataclass(frozen=True)
class ExportFile:
    """An export in memory, for download buttons."""

    filename: str
    data: bytes
    mime_type: str
    notes: tuple[str, ...] = ()  # what the format could not carry as it is (the rest is exported)


@dataclass(frozen=True)
class WrittenExport:
    """An export written to disk, and what its format could not carry as it is."""

    path: Path
    notes: tuple[str, ...] = ()


@dataclass
class ImportReport:
    """What an import brought in, what it left out and where it was stored."""

    source: str
    format: str
    assessment: Assessment
    unsupported: list[UnsupportedQuestion] = field(default_factory=list)
    saved_path: Path | None = None

    def as_dict(self) -> dict:
        """JSON-ready form (the shape of `workbench import-questions --json`)."""
        return {
            "source": self.source,
            "format": self.format,
            "assessment_id": self.assessment.id,
            "title": self.assessment.title,
            "module_id": self.assessment.module_id,
            "skill_ids": self.assessment.skill_ids,
            "category": self.assessment.category,
            "imported": len(self.assessment.items),
            "items": [{"id": item.id, "type": item.type.value, "title": item.title} for item in self.assessment.items],
            "unsupported": [question.as_dict() for question in self.unsupported],
            "saved_path": str(self.saved_path) if self.saved_path else None,
        }


def parse_format(value: str) -> ExportFormat:
    """The export format named by `value`, or a clear error listing the formats."""
    try:
        return ExportFormat(value.strip().lower())
    except ValueError:
        names = ", ".join(fmt.value for fmt in ExportFormat)
        raise ExportError(f"unknown export format {value!r}; choose one of: {names}") from None


def source_from_draft(content: DraftContent, source_id: str = "") -> ExportSource:
    """An export source built from a draft's content."""
    module = content.module
    return ExportSource(
        source_id=source_id or content.assessment.id or ascii_id(module.title),
        title=module.title,
        pages=pages_from_module(module),
        assessment=content.assessment,
        locale=module.locale,
        summary=module.summary,
        objectives=tuple((objective.id, objective.text) for objective in module.objectives),
        ai_drafted=bool(content.provenance.model),
    )


def _check_answerable(assessment: Assessment) -> None:
    """Every item needs options and a way to score full marks, or no LMS can grade it."""
    for item in assessment.items:
        if not item.options:
            raise ExportError(f"question {item.id} of {assessment.id} has no options or accepted answers; add them before exporting")
        if not any(option.correct or (option.weight or 0) > 0 for option in item.options):
            raise ExportError(f"question {item.id} of {assessment.id} has no correct option; mark one before exporting")


def render_export(source: ExportSource, fmt: ExportFormat | str, passing_score: int = DEFAULT_PASSING_SCORE) -> ExportFile:
    """Produce one export in memory."""
    fmt = parse_format(fmt) if not isinstance(fmt, ExportFormat) else fmt
    assessment = source.assessment
    filename = ascii_id(source.source_id or source.title, "export") + FILE_SUFFIX[fmt]
    if fmt not in COURSE_FORMATS and (assessment is None or not assessment.items):
        raise ExportError(f"{source.source_id}: there are no questions to export as {fmt.value}; "
                          "SCORM 1.2, SCORM 2004 and cmi5 export the module alone")
    if assessment is not None:
        _check_answerable(assessment)
    notes: list[str] = []
    if fmt == ExportFormat.GIFT:
        data = write_gift(assessment).encode("utf-8")
    elif fmt == ExportFormat.MOODLE_XML:
        data = write_moodle_xml(assessment)
    else:
        if fmt == ExportFormat.QTI21:
            files = qti21_package_files(assessment)
        elif fmt == ExportFormat.QTI12:
            files = qti12_package_files(assessment)
        else:
            package_files = {ExportFormat.SCORM12: scorm12_package_files, ExportFormat.SCORM2004: scorm2004_package_files,
                             ExportFormat.CMI5: cmi5_package_files}[fmt]
            files = package_files(source, passing_score, notes)
        data = zip_bytes(files)
    return ExportFile(filename, data, MIME_TYPE[fmt], tuple(notes))


def _target_path(out_path: Path | str, filename: str) -> Path:
    out = Path(out_path)
    if out.is_dir() or str(out_path).endswith(("/", "\\")):
        return out / filename
    return out


def read_question_bank(path: Path) -> tuple[str, ParsedBank]:
    """Read a GIFT, Moodle XML, QTI 1.2 file or QTI 1.2 zip; returns (format, bank)."""
    path = Path(path)
    if not path.is_file():
        raise ImportFileInvalid(f"{path}: no such file")
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".zip" or data[:4] == b"PK\x03\x04":
        return "qti12", parse_qti12_package(data, path)
    if suffix == ".xml" or data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        root = parse_xml(data, path)
        name = local_name(root)
        if name == "quiz":
            return "moodle-xml", parse_moodle_xml(data, path)
        if name == "questestinterop":
            return "qti12", parse_qti12(data, path)
        raise ImportFileInvalid(f"{path}: <{name}> is neither a Moodle XML quiz nor a QTI 1.2 file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportFileInvalid(f"{path}: not UTF-8 text (line {line}, byte {error.start})") from None
    return "gift", parse_gift(text, str(path))


class ExportService:
    """Exports drafts and published modules; imports question banks into the library."""

    def __init__(self, settings: Settings, drafts: ReviewQueries | None = None) -> None:
        self.settings = settings
        self.drafts = drafts  # None: only library modules can be exported (no review queue to read drafts from)

    # ----------------------------------------------------------------------- export

    def export(self, content: DraftContent, fmt: ExportFormat | str, out_path: Path | str,
               passing_score: int = DEFAULT_PASSING_SCORE) -> Path:
        """Write a draft's content in one format to `out_path` (a file, or a folder to put it in)."""
        return self.write(source_from_draft(content), fmt, out_path, passing_score)

    def write(self, source: ExportSource, fmt: ExportFormat | str, out_path: Path | str,
              passing_score: int = DEFAULT_PASSING_SCORE) -> Path:
        """Write an export source in one format, atomically."""
        return self.write_with_notes(source, fmt, out_path, passing_score).path

    def write_with_notes(self, source: ExportSource, fmt: ExportFormat | str, out_path: Path | str,
                         passing_score: int = DEFAULT_PASSING_SCORE) -> WrittenExport:
        """Write an export source atomically; also returns what the format could not carry as it is."""
        export = render_export(self._noticed(source), fmt, passing_score)
        target = _target_path(out_path, export.filename)
        try:
            return WrittenExport(write_atomic(target, export.data), export.notes)
        except OSError as error:
            raise ExportError(f"cannot write {target}: {error.strerror or error}") from None

    def export_file(self, ref: str | int | DraftContent, fmt: ExportFormat | str,
                    passing_score: int = DEFAULT_PASSING_SCORE) -> ExportFile:
        """An export in memory (filename, bytes, MIME type) for a download button: by draft number, module id or content."""
        source = source_from_draft(ref) if isinstance(ref, DraftContent) else self.resolve(str(ref))
        return render_export(self._noticed(source), fmt, passing_score)

    def _noticed(self, source: ExportSource) -> ExportSource:
        """With WORKBENCH_EXPORT_AI_NOTICE, an AI-drafted course ends with the "AI-assisted, human-reviewed" page."""
        if self.settings.export_ai_notice and source.ai_drafted:
            return with_ai_notice(source)
        return source

    def export_id(self, ref: str, fmt: ExportFormat | str, out_path: Path | str,
                  passing_score: int = DEFAULT_PASSING_SCORE) -> Path:
        """Export a draft (by its number) or a published module (by its id)."""
        return self.export_id_with_notes(ref, fmt, out_path, passing_score).path

    def export_id_with_notes(self, ref: str, fmt: ExportFormat | str, out_path: Path | str,
                             passing_score: int = DEFAULT_PASSING_SCORE) -> WrittenExport:
        """Export a draft or a published module; returns the path and the export's notes."""
        fmt = parse_format(fmt) if not isinstance(fmt, ExportFormat) else fmt
        return self.write_with_notes(self.resolve(ref), fmt, out_path, passing_score)

    def resolve(self, ref: str) -> ExportSource:
        """Find what `ref` names: a draft in the review queue, else a module of the library."""
        ref = str(ref).strip()
        if ref.isdigit():
            content = self._draft_content(int(ref))
            return source_from_draft(content, f"draft-{ref}")
        return self._library_source(ref)

    def _draft_content(self, draft_id: int) -> DraftContent:
        if self.drafts is None:
            raise ExportError("the review queue is not available to look up drafts")
        try:
            view = self.drafts.get_draft(draft_id)
        except ReviewError as error:
            raise ExportError(str(error)) from None
        try:
            return DraftContent.model_validate(view.content)
        except ValueError as error:
            raise ExportError(f"draft {draft_id} does not hold a complete module and assessment: {str(error).splitlines()[0]}") from None

    def _library_source(self, module_id: str) -> ExportSource:
        from workbench.library.loader import load_library

        scan = load_library(Path(self.settings.library_dir), self.settings)
        module = next((m for m in scan.modules if m.id == module_id), None)
        if module is None:
            raise ExportError(f"no draft or library module with id {module_id!r}; `workbench review list` shows drafts")
        return self._module_source(module, Path(scan.library_dir), load_assessment_banks(Path(self.settings.library_dir)))

    def course_sources(self) -> list[tuple[ExportSource, tuple[str, ...]]]:
        """Every library module that has questions, as its exports see it, with the module's skills (one library scan)."""
        from workbench.library.loader import load_library

        scan = load_library(Path(self.settings.library_dir), self.settings)
        banks = load_assessment_banks(Path(self.settings.library_dir))
        linked = {bank.module_id for bank in banks}
        sources = []
        for module in scan.modules:
            if (module.provenance or {}).get("draft_id") in (None, "") and module.id not in linked:
                continue  # no assessment: nothing a learner's result could refer to
            try:
                source = self._module_source(module, Path(scan.library_dir), banks)
            except ExportError as error:
                logger.warning("module %s left out of the published assessments: %s", module.id, error)
                continue
            if source.assessment is not None and source.assessment.items:
                sources.append((source, tuple(module.skills)))
        return sources

    def _module_source(self, module, library_dir: Path, banks: list[Assessment]) -> ExportSource:
        """What the exports of one library module carry: its draft's content, or its markdown and linked banks."""
        draft_id = (module.provenance or {}).get("draft_id")
        if draft_id not in (None, "") and self.drafts is not None:
            content = self._draft_content(int(draft_id))
            source = source_from_draft(content, module.id)
            return ExportSource(module.id, module.title, source.pages, content.assessment, module.locale or source.locale,
                                source.summary, source.objectives, ai_drafted=source.ai_drafted)
        # A module written by people: its own markdown, and any question bank linked to it.
        banks = [bank for bank in banks if bank.module_id == module.id]
        assessment = None
        if banks:
            assessment = banks[0].model_copy(update={"items": [item for bank in banks for item in bank.items]})
        markdown = (library_dir / module.path).read_text(encoding="utf-8", errors="replace")
        return ExportSource(module.id, module.title, pages_from_markdown(markdown), assessment, module.locale or "en")

    # ----------------------------------------------------------------------- import

    def _check_module(self, module_id: str) -> None:
        from workbench.library.loader import load_library

        ids = {module.id for module in load_library(Path(self.settings.library_dir), self.settings).modules}
        if module_id not in ids:
            raise UnknownModule(f"no module with id {module_id!r} in the library {self.settings.library_dir}")

    def _check_skill(self, skill_id: str) -> None:
        skills_file = Path(self.settings.resolved_skills_file)
        if not skills_file.is_file():
            return  # no framework to check against; the link is kept as given
        from workbench.skills import load_framework

        if load_framework(skills_file).get(skill_id) is None:
            raise UnknownSkill(f"skill {skill_id!r} is not in the framework {skills_file}")

    def import_questions(self, path: Path | str, module_id: str | None = None, skill_id: str | None = None,
                         save: bool = True) -> ImportReport:
        """Import a GIFT / Moodle XML / QTI 1.2 bank as an assessment linked to a module or skill."""
        path = Path(path)
        if module_id:
            self._check_module(module_id)
        if skill_id:
            self._check_skill(skill_id)
        fmt, bank = read_question_bank(path)
        stem = path.name.split(".")[0] or "bank"
        assessment = Assessment(
            id=ascii_id(f"{module_id or skill_id or ''}-{stem}" if (module_id or skill_id) else stem, "bank"),
            title=bank.title or stem.replace("_", " ").replace("-", " ").strip() or "Imported questions",
            module_id=module_id,
            skill_ids=[skill_id] if skill_id else [],
            category=bank.category,
            items=bank.items,
        )
        report = ImportReport(source=str(path), format=fmt, assessment=assessment, unsupported=bank.unsupported)
        if save and assessment.items:
            report.saved_path = save_assessment_bank(Path(self.settings.library_dir), assessment)
        return report
