"""What a streamed draft reply already says: the title, the sections and questions written so far.

The model writes each part as a JSON document (a module, an assessment, or one regenerated section
or question); `shape_of` reads the documents of a `PartialJsonReader` into the parts that are
complete and a note of the part still being written. Values are the model's text, untrusted: the
page shows them through the sanitising renderer or as plain text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workbench.llm.partial_json import JsonArray, JsonObject, is_complete


@dataclass(frozen=True)
class StreamedOption:
    """One answer option of a streamed question."""

    text: str
    correct: bool


@dataclass(frozen=True)
class StreamedSection:
    """A section whose object the model has closed."""

    heading: str
    body: str


@dataclass(frozen=True)
class StreamedQuestion:
    """A question whose object the model has closed."""

    stem: str
    options: tuple[StreamedOption, ...]


@dataclass
class DraftShape:
    """The parts of a draft the model has finished writing, and what it is writing now."""

    title: str = ""
    summary: str = ""
    sections: list[StreamedSection] = field(default_factory=list)
    questions: list[StreamedQuestion] = field(default_factory=list)
    writing: str = ""  # e.g. "section 3: Agreeing next steps" (empty when nothing is half-written)

    @property
    def empty(self) -> bool:
        """True until the first part is complete."""
        return not (self.title or self.summary or self.sections or self.questions)


def _kind(document: JsonObject) -> str:
    """Which reply a document is, from the keys written so far ("" until one says)."""
    if "items" in document:
        return "assessment"
    if document.keys() & {"title", "summary", "sections", "objectives"}:
        return "module"
    if document.keys() & {"stem", "options"}:
        return "question"
    if document.keys() & {"heading", "body"}:
        return "section"
    return ""


def _text(value: Any) -> str:
    """A closed string, else "" (an open one would show a word cut in half)."""
    return value if isinstance(value, str) and is_complete(value) else ""


def _section(value: Any) -> StreamedSection:
    return StreamedSection(_text(value.get("heading")), _text(value.get("body")))


def _question(value: Any) -> StreamedQuestion:
    options = value.get("options")
    listed = options if isinstance(options, list) else []
    return StreamedQuestion(_text(value.get("stem")), tuple(
        StreamedOption(_text(o.get("text")), o.get("correct") is True) for o in listed if isinstance(o, JsonObject) and is_complete(o)))


def _closed_objects(values: Any) -> tuple[list[JsonObject], JsonObject | None]:
    """The closed objects of an array, and the open one at its end, if any."""
    if not isinstance(values, JsonArray):
        return [], None
    objects = [v for v in values if isinstance(v, JsonObject)]
    if objects and not objects[-1].closed:
        return objects[:-1], objects[-1]
    return objects, None


def shape_of(documents: list[JsonObject | JsonArray]) -> DraftShape:
    """The draft's shape from the documents read so far; a later document of a kind (a retry) replaces an earlier one."""
    latest: dict[str, JsonObject] = {}
    for document in documents:
        if isinstance(document, JsonObject) and _kind(document):
            latest[_kind(document)] = document
    shape = DraftShape()
    writing: list[str] = []
    if module := latest.get("module"):
        shape.title, shape.summary = _text(module.get("title")), _text(module.get("summary"))
        done, open_one = _closed_objects(module.get("sections"))
        shape.sections = [_section(s) for s in done]
        if open_one is not None:
            heading = _text(open_one.get("heading"))
            writing.append(f"section {len(done) + 1}" + (f": {heading}" if heading else ""))
        elif not module.closed:
            writing.append("the module")
    if section := latest.get("section"):
        if section.closed:
            shape.sections.append(_section(section))
        else:
            writing.append("the section" + (f": {_text(section.get('heading'))}" if _text(section.get("heading")) else ""))
    if assessment := latest.get("assessment"):
        done, open_one = _closed_objects(assessment.get("items"))
        shape.questions = [_question(q) for q in done]
        if open_one is not None or not assessment.closed:
            writing = [f"question {len(done) + 1}"]
    if question := latest.get("question"):
        if question.closed:
            shape.questions.append(_question(question))
        else:
            writing.append("the question")
    shape.writing = writing[-1] if writing else ""
    return shape
