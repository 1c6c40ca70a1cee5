"""DraftingService: brief → grounding → module and assessment drafts → checks → review queue.

Used by the CLI (`workbench draft`, `workbench checks`) and the app. It takes what it needs from
the composition root lazily, so building it loads no model.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from pydantic import ValidationError

from workbench.domain.assessment import Item
from workbench.domain.checks import CheckContext, InclusiveTerm, run_checks
from workbench.domain.drafts import Brief, DraftContent, PromptUse, Provenance
from workbench.domain.findings import Finding, Severity
from workbench.domain.library import Chunk, SearchHit
from workbench.drafting import assemble
from workbench.drafting.brief import brief_from_framework, load_brief_file
from workbench.drafting.errors import DraftContentInvalid, DraftGenerationFailed, DraftPartNotFound
from workbench.drafting.grounding import Grounding, format_passages, format_prerequisites, retrieve, scan_passages
from workbench.drafting.library_view import LibraryView
from workbench.drafting.render import render_draft_markdown
from workbench.drafting.schemas import CAPABLE_SIZE, DEMO_SIZE, CritiqueReply, DraftSize, assessment_schema, item_schema, module_schema, section_schema
from workbench.drafting.wordlist import load_inclusive_terms
from workbench.errors import LLMOutputInvalid

Progress = Callable[[str], None]
TokenCallback = Callable[[str], None]

PROMPT_VERSIONS = {
    "draft_module": 1,
    "draft_assessment": 1,
    "regenerate_section": 1,
    "regenerate_item": 1,
    "critique": 1,
}
CRITIQUE_DIMENSIONS = {
    "accuracy": "claims the passages do not support, wrong or ambiguous answer keys, misleading feedback",
    "cultural": "examples, names, currency and idioms that do not fit the locale and cultural context; stereotypes",
    "ethics": "bias, exclusion, privacy, manipulation or advice that could harm learners or others",
}


@dataclass
class DraftResult:
    """What drafting, editing or regenerating returns: the stored draft's id, content, findings and revision."""

    draft_id: int
    content: DraftContent
    findings: list[Finding]
    revision: int
    state: str = ""
    markdown: str = ""
    timings: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The CLI's JSON shape."""
        return {
            "draft_id": self.draft_id,
            "revision": self.revision,
            "state": self.state,
            "title": self.content.module.title,
            "grounded": self.content.provenance.grounded,
            "findings": [finding.model_dump(mode="json") for finding in self.findings],
        }


def _noop(_: str) -> None:
    return None


class DraftingService:
    """Drafts modules and assessments grounded in the library and runs the pre-review checks."""

    def __init__(
        self,
        services: Any,
        *,
        inclusive_terms_file: Path | str | None = None,
        size: DraftSize | None = None,
        critiques: bool | None = None,
    ) -> None:
        self._services = services
        self._inclusive_terms_file = inclusive_terms_file
        self._inclusive_terms: list[InclusiveTerm] | None = None
        self._size = size
        self._critiques = critiques
        self._library: LibraryView | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ collaborators (lazy)

    @property
    def settings(self):
        """The shared settings."""
        return self._services.settings

    @property
    def llm(self):
        """The configured LLM client."""
        return self._services.llm

    @property
    def review(self):
        """The review queue."""
        return self._services.review

    @property
    def library(self) -> LibraryView:
        """Chunks, vectors and search over the library."""
        with self._lock:
            if self._library is None:
                self._library = LibraryView(self._services)
            return self._library

    @property
    def size(self) -> DraftSize:
        """How much the model writes: small for the embedded demo model, fuller for a capable one."""
        if self._size is not None:
            return self._size
        return DEMO_SIZE if self.llm.is_demo_model else CAPABLE_SIZE

    @property
    def inclusive_terms(self) -> list[InclusiveTerm]:
        """The inclusive-language word list: the one given, else the library's own, else the shipped one."""
        if self._inclusive_terms is None:
            path = self._inclusive_terms_file or self.settings.inclusive_language_file
            library_list = Path(self.settings.library_dir) / "inclusive_language.yaml"
            if path is None and library_list.is_file():
                path = library_list
            self._inclusive_terms = load_inclusive_terms(path)
        return self._inclusive_terms

    def _prompt(self, name: str):
        return self._services.prompts.get(name, PROMPT_VERSIONS[name])

    # ------------------------------------------------------------------ briefs

    def brief_for_skill(self, skill_id: str, skills_file: Path | str | None = None, brief_file: Path | str | None = None) -> Brief:
        """A brief for a skill of the framework (UnknownSkill with close ids if absent); a brief file overrides fields."""
        from workbench.skills import load_framework

        framework = load_framework(Path(skills_file) if skills_file else self.settings.resolved_skills_file)
        brief = brief_from_framework(framework, skill_id)
        return load_brief_file(Path(brief_file), base=brief) if brief_file else brief

    @staticmethod
    def load_brief(path: Path | str) -> Brief:
        """A brief typed by hand in a YAML or JSON file."""
        return load_brief_file(Path(path))

    # ------------------------------------------------------------------ drafting

    def ground(self, brief: Brief) -> Grounding:
        """Passages, prerequisites and suspicious passages for a brief."""
        size = self.size
        return retrieve(self.library, brief, max_passages=size.passages)

    def create_draft(
        self,
        actor: Any,
        brief: Brief,
        *,
        submit: bool = True,
        progress: Progress | None = None,
        on_token: TokenCallback | None = None,
        cancel: threading.Event | None = None,
        critique: bool | None = None,
        refresh_index: bool = True,
    ) -> DraftResult:
        """Draft a module and its assessment for the brief, check them, store them (and submit them for review)."""
        progress = progress or _noop
        timings: dict[str, float] = {}
        started = time.perf_counter()
        if refresh_index:
            progress("bringing the library index up to date")
            self.library.refresh(progress)
            timings["index_refresh"] = time.perf_counter() - started
        progress("retrieving library passages")
        mark = time.perf_counter()
        grounding = self.ground(brief)
        timings["retrieval"] = time.perf_counter() - mark
        if not grounding.grounded:
            progress("the library has nothing on this topic: the draft will be labelled ungrounded")

        content = self._write_draft(brief, grounding, progress, timings, on_token, cancel)

        progress("running the pre-review checks")
        mark = time.perf_counter()
        findings = self.check_content(content, suspicious=grounding.suspicious)
        timings["checks"] = time.perf_counter() - mark
        if self._critiques_wanted(critique):
            progress("asking the model for advisory critiques")
            mark = time.perf_counter()
            findings += self.critique(content, cancel=cancel)
            timings["critiques"] = time.perf_counter() - mark

        progress("storing the draft in the review queue")
        mark = time.perf_counter()
        markdown = render_draft_markdown(content)
        view = self.review.create_draft(
            actor,
            title=content.module.title,
            content=content.model_dump(mode="json"),
            markdown=markdown,
            findings=[finding.model_dump(mode="json") for finding in findings],
            skill_ids=list(content.module.skill_ids),
            generated_by=generated_by(content.provenance),
        )
        if submit:
            view = self.review.submit(actor, view.id, view.revision)
        timings["persistence"] = time.perf_counter() - mark
        timings["total"] = time.perf_counter() - started
        progress(f"draft {view.id} stored ({_state(view)}) with {len(findings)} findings")
        return DraftResult(view.id, content, findings, view.revision, _state(view), markdown, timings)

    def _write_draft(self, brief: Brief, grounding: Grounding, progress: Progress, timings: dict[str, float], on_token, cancel) -> DraftContent:
        """The two model calls (module, then assessment for its objectives), assembled with provenance."""
        size = self.size
        chunk_ids = tuple(grounding.chunk_ids)
        passages = format_passages(grounding, max_chars=size.passage_chars)
        brief_text = describe_brief(brief)

        progress("drafting the module")
        mark = time.perf_counter()
        module_result = self._generate(
            "draft_module",
            {"brief": brief_text, "prerequisites": format_prerequisites(grounding.prerequisites), "passages": passages, "size": module_size_text(size, brief)},
            module_schema(size, chunk_ids),
            size.module_max_tokens,
            on_token,
            cancel,
        )
        timings["module_generation"] = time.perf_counter() - mark
        module = assemble.module_from_reply(module_result.value, brief, grounding.prerequisites)

        progress("drafting the assessment")
        mark = time.perf_counter()
        objective_ids = tuple(objective.id for objective in module.objectives)
        item_count = question_count(size, brief, len(objective_ids))
        assessment_result = self._generate(
            "draft_assessment",
            {"brief": brief_text, "objectives": describe_objectives(module), "passages": passages, "size": f"Write {item_count} questions."},
            assessment_schema(size, chunk_ids, objective_ids, item_count),
            size.assessment_max_tokens,
            on_token,
            cancel,
        )
        timings["assessment_generation"] = time.perf_counter() - mark
        assessment = assemble.assessment_from_reply(assessment_result.value, module)

        provenance = Provenance(
            brief=brief,
            retrieved_chunk_ids=list(chunk_ids),
            prompts=[module_result.prompt_use, assessment_result.prompt_use],
            provider=module_result.provider,
            model=module_result.model,
            parameters={"draft_module": module_result.parameters, "draft_assessment": assessment_result.parameters},
            prompt_tokens=module_result.prompt_tokens + assessment_result.prompt_tokens,
            completion_tokens=module_result.completion_tokens + assessment_result.completion_tokens,
            grounded=grounding.grounded,
        )
        return DraftContent(module=module, assessment=assessment, provenance=provenance)

    def _generate(self, prompt_name: str, variables: dict[str, Any], schema: type, max_tokens: int, on_token, cancel):
        """One structured call; a reply that stays invalid is saved to disk and named in the error."""
        prompt = self._prompt(prompt_name)
        try:
            return self.llm.structured(prompt, variables, schema, max_tokens=max_tokens, on_token=on_token, cancel=cancel)
        except LLMOutputInvalid as error:
            saved = self._save_failed(prompt.label, error.raw_output or "", str(error))
            raise DraftGenerationFailed(
                f"{error}. Nothing was stored as a draft; the model's raw reply was saved to {saved}",
                raw_output=error.raw_output,
                saved_to=saved,
            ) from None

    def _save_failed(self, label: str, raw_output: str, message: str) -> Path:
        folder = Path(self.settings.data_dir) / "failed_generations"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        path = folder / f"{stamp}-{re.sub(r'[^A-Za-z0-9_.-]', '_', label)}.txt"
        path.write_text(f"# {message}\n{raw_output}", encoding="utf-8")
        return path

    # ------------------------------------------------------------------ checks

    def check_content(self, content: DraftContent, *, suspicious: list | None = None, own_module_ids: set[str] | None = None) -> list[Finding]:
        """Run every deterministic check on a draft, with what the library and the embedder tell about it.

        `own_module_ids`: library modules that are this draft itself (once published), left out of
        the near-duplicate comparison.
        """
        library = self.library
        known = library.chunks()
        cited = {chunk_id for section in content.module.sections for chunk_id in section.citations}
        cited |= {chunk_id for item in content.assessment.items for chunk_id in item.citations}
        if suspicious is None:
            # Re-check the passages the draft came from and those it cites (the library may have changed since).
            looked_at = [known[chunk_id] for chunk_id in (set(content.provenance.retrieved_chunk_ids) | cited) if chunk_id in known]
            suspicious = scan_passages([_hit(chunk) for chunk in looked_at])
        context = CheckContext(
            known_chunk_ids=set(known),
            retrieved_chunk_ids=set(content.provenance.retrieved_chunk_ids),
            suspicious_passages=list(suspicious),
            inclusive_terms=self.inclusive_terms,
            grounded=content.provenance.grounded,
        )
        scores = library.similarity_scores(content, known)
        context.section_grounding = scores.section_grounding
        context.module_similarities = [pair for pair in scores.module_similarities if pair[0] not in (own_module_ids or set())]
        return run_checks(content, context)

    def run_checks(self, draft_id: int, actor: Any = None) -> list[Finding]:
        """Re-run the checks on a stored draft's current revision (and store the findings when an actor is given)."""
        view = self.review.get_draft(draft_id)
        content = _content_of(view)
        findings = self.check_content(content, own_module_ids=_own_modules(view))
        if actor is not None:
            self.review.update_findings(actor, draft_id, expected_revision=view.revision, findings=[f.model_dump(mode="json") for f in findings])
        return findings

    def _critiques_wanted(self, critique: bool | None) -> bool:
        if critique is not None:
            return critique
        if self._critiques is not None:
            return self._critiques
        return not self.llm.is_demo_model and self.llm.provider != "fake"

    def critique(self, content: DraftContent, dimensions: list[str] | None = None, cancel: threading.Event | None = None) -> list[Finding]:
        """Advisory LLM critiques per review dimension: never blocking, never a sign-off."""
        findings: list[Finding] = []
        markdown = render_draft_markdown(content)
        known = self.library.chunks()
        hits = [_hit(known[chunk_id]) for chunk_id in content.provenance.retrieved_chunk_ids if chunk_id in known]
        passages = format_passages(Grounding(passages=hits, suspicious=scan_passages(hits)), max_chars=self.size.passage_chars)
        prompt = self._prompt("critique")
        for dimension in dimensions or list(CRITIQUE_DIMENSIONS):
            try:
                result = self.llm.structured(
                    prompt,
                    {"dimension": dimension, "guidance": CRITIQUE_DIMENSIONS[dimension], "draft": markdown, "passages": passages},
                    CritiqueReply,
                    cancel=cancel,
                )
            except LLMOutputInvalid as error:
                findings.append(_advisory(dimension, Severity.INFO, "module", f"the {dimension} critique could not be produced: {error}"))
                continue
            for item in result.value.findings:
                findings.append(_advisory(dimension, Severity(item.severity), item.location, item.message))
        return findings

    # ------------------------------------------------------------------ edits and regeneration

    def edit(self, actor: Any, draft_id: int, expected_revision: int, content: DraftContent, *, note: str = "edited", submit: bool = False) -> DraftResult:
        """Store an edited draft as a new revision, with the checks re-run."""
        content = DraftContent.model_validate(content.model_dump(mode="json"))  # edits arrive from forms: re-validate
        return self._store_revision(actor, draft_id, expected_revision, content, note, submit)

    def regenerate_section(
        self,
        actor: Any,
        draft_id: int,
        section_id: str,
        expected_revision: int,
        *,
        note: str = "",
        on_token: TokenCallback | None = None,
        cancel: threading.Event | None = None,
        submit: bool = False,
    ) -> DraftResult:
        """Regenerate one section (same id), keeping every other part of the draft; a new revision."""
        view = self.review.get_draft(draft_id)
        content = _content_of(view)
        index = next((number for number, section in enumerate(content.module.sections) if section.id == section_id), None)
        if index is None:
            known = ", ".join(section.id for section in content.module.sections)
            raise DraftPartNotFound(f"draft {draft_id} has no section '{section_id}' (sections: {known})")
        old = content.module.sections[index]
        brief = content.provenance.brief
        grounding = retrieve(self.library, brief.model_copy(update={"topic": f"{old.heading}: {brief.topic}", "must_include": []}), max_passages=self.size.passages)
        result = self._generate(
            "regenerate_section",
            {
                "brief": describe_brief(brief),
                "outline": describe_outline(content),
                "section": f"Heading: {old.heading}\nBody: {old.body}",
                "note": note.strip() or "(none)",
                "passages": format_passages(grounding, max_chars=self.size.passage_chars),
            },
            section_schema(self.size, tuple(grounding.chunk_ids)),
            self.size.section_max_tokens,
            on_token,
            cancel,
        )
        content.module.sections[index] = assemble.section_from_reply(result.value, section_id)
        _record_generation(content, result, grounding, f"regenerate_section:{section_id}")
        return self._store_revision(actor, draft_id, expected_revision, content, f"regenerated section {section_id}", submit)

    def regenerate_item(
        self,
        actor: Any,
        draft_id: int,
        item_id: str,
        expected_revision: int,
        *,
        note: str = "",
        on_token: TokenCallback | None = None,
        cancel: threading.Event | None = None,
        submit: bool = False,
    ) -> DraftResult:
        """Regenerate one assessment item (same id and objective), keeping the rest; a new revision."""
        view = self.review.get_draft(draft_id)
        content = _content_of(view)
        items = content.assessment.items
        index = next((number for number, item in enumerate(items) if item.id == item_id), None)
        if index is None:
            known = ", ".join(item.id for item in items)
            raise DraftPartNotFound(f"draft {draft_id} has no item '{item_id}' (items: {known})")
        old = items[index]
        objective = next((o for o in content.module.objectives if o.id == old.objective_id), None)
        objective_ids = (objective.id,) if objective else tuple(o.id for o in content.module.objectives)
        brief = content.provenance.brief
        topic = f"{objective.text}: {brief.topic}" if objective else brief.topic
        grounding = retrieve(self.library, brief.model_copy(update={"topic": topic, "must_include": []}), max_passages=self.size.passages)
        result = self._generate(
            "regenerate_item",
            {
                "brief": describe_brief(brief),
                "objective": f"{objective.id} ({objective.bloom_level.value}): {objective.text}" if objective else describe_objectives(content.module),
                "item": describe_item(old),
                "note": note.strip() or "(none)",
                "passages": format_passages(grounding, max_chars=self.size.passage_chars),
            },
            item_schema(self.size, tuple(grounding.chunk_ids), objective_ids),
            self.size.item_max_tokens,
            on_token,
            cancel,
        )
        items[index] = assemble.item_from_reply(result.value, item_id)
        _record_generation(content, result, grounding, f"regenerate_item:{item_id}")
        return self._store_revision(actor, draft_id, expected_revision, content, f"regenerated item {item_id}", submit)

    def _store_revision(self, actor: Any, draft_id: int, expected_revision: int, content: DraftContent, note: str, submit: bool) -> DraftResult:
        findings = self.check_content(content, own_module_ids=_own_modules(self.review.get_draft(draft_id)))
        markdown = render_draft_markdown(content)
        view = self.review.revise(
            actor,
            draft_id,
            expected_revision=expected_revision,
            content=content.model_dump(mode="json"),
            markdown=markdown,
            findings=[finding.model_dump(mode="json") for finding in findings],
            note=note,
            title=content.module.title,
        )
        if submit:
            view = self.review.submit(actor, view.id, view.revision)
        return DraftResult(view.id, content, findings, view.revision, _state(view), markdown)

    # ------------------------------------------------------------------ sources

    def sources_for(self, content: DraftContent) -> dict[str, Chunk]:
        """The library passages a draft cites or was drafted from, by chunk id (for side-by-side display)."""
        known = self.library.chunks()
        wanted: list[str] = list(content.provenance.retrieved_chunk_ids)
        for section in content.module.sections:
            wanted += section.citations
        for item in content.assessment.items:
            wanted += item.citations
        return {chunk_id: known[chunk_id] for chunk_id in dict.fromkeys(wanted) if chunk_id in known}


# ---------------------------------------------------------------------- prompt variables


def describe_brief(brief: Brief) -> str:
    """The brief as the model reads it."""
    lines = [f"Topic: {brief.topic}"]
    if brief.skill_ids:
        lines.append(f"Skills: {', '.join(brief.skill_ids)}")
    lines.append(
        f"Audience: {brief.audience}. Level: {brief.level.value}. Duration: {brief.duration_minutes} minutes. "
        f"Locale: {brief.locale}. Tone: {brief.tone}."
    )
    if brief.cultural_context:
        lines.append(f"Cultural context: {brief.cultural_context}")
    if brief.must_include:
        lines.append("Must include: " + "; ".join(brief.must_include))
    return "\n".join(lines)


def module_size_text(size: DraftSize, brief: Brief) -> str:
    """How much to write, in words the model follows."""
    if size == DEMO_SIZE:
        objectives, sections = size.objectives, size.sections
    else:
        objectives = max(2, min(size.objectives, brief.duration_minutes // 15 + 1))
        sections = max(2, min(size.sections, brief.duration_minutes // 10))
    return (
        f"Write {objectives} objectives, {sections} short sections, {size.activities} activity, {size.takeaways} takeaways, "
        f"{size.touchpoints} human touchpoint and {size.glossary} glossary term{'s' if size.glossary > 1 else ''}."
    )


def question_count(size: DraftSize, brief: Brief, objectives: int) -> int:
    """Questions to ask for: the brief's count, at least one per objective, within the size limit."""
    return max(1, min(size.items, max(brief.question_count, objectives)))


def describe_objectives(module) -> str:
    """The module's objectives, one a line with id and Bloom level."""
    return "\n".join(f"{objective.id} ({objective.bloom_level.value}): {objective.text}" for objective in module.objectives)


def describe_outline(content: DraftContent) -> str:
    """Title, objectives and section headings of a draft."""
    lines = [f"Title: {content.module.title}"]
    lines += [f"Section {section.id}: {section.heading}" for section in content.module.sections]
    return "\n".join(lines)


def describe_item(item: Item) -> str:
    """One item as the model reads it when asked to rewrite it."""
    options = "; ".join(f"{option.id}) {option.text}{' (correct)' if option.correct else ''}" for option in item.options)
    return f"{item.type.value}: {item.stem}\nOptions: {options}"


# ---------------------------------------------------------------------- helpers


def generated_by(provenance: Provenance) -> dict[str, Any]:
    """What the review queue records about the generation."""
    return {
        "provider": provenance.provider,
        "model": provenance.model,
        "prompts": [use.model_dump() for use in provenance.prompts],
        "grounded": provenance.grounded,
    }


def _record_generation(content: DraftContent, result: Any, grounding: Grounding, what: str) -> None:
    """Add a regeneration to the draft's provenance (prompt, passages, tokens)."""
    provenance = content.provenance
    use: PromptUse = result.prompt_use
    if all((p.name, p.version, p.sha256) != (use.name, use.version, use.sha256) for p in provenance.prompts):
        provenance.prompts.append(use)
    for chunk_id in grounding.chunk_ids:
        if chunk_id not in provenance.retrieved_chunk_ids:
            provenance.retrieved_chunk_ids.append(chunk_id)
    provenance.parameters[what] = result.parameters
    provenance.prompt_tokens += result.prompt_tokens
    provenance.completion_tokens += result.completion_tokens
    provenance.provider, provenance.model = result.provider, result.model


def _content_of(view: Any) -> DraftContent:
    try:
        return DraftContent.model_validate(view.content)
    except ValidationError as error:
        raise DraftContentInvalid(f"draft {view.id} does not hold a module and assessment draft: {error.errors()[0]['msg']}") from None


def _own_modules(view: Any) -> set[str]:
    """The library module a draft became when it was published (not a duplicate of itself)."""
    module_id = getattr(view, "module_id", None)
    return {module_id} if module_id else set()


def _state(view: Any) -> str:
    state = getattr(view, "state", "")
    return getattr(state, "value", str(state))


def _hit(chunk: Chunk) -> SearchHit:
    return SearchHit(chunk_id=chunk.id, module_id=chunk.module_id, path=chunk.path, title=chunk.title, heading=chunk.heading, score=0.0, text=chunk.text)


def _advisory(dimension: str, severity: Severity, location: str, message: str) -> Finding:
    return Finding(check=f"critique_{dimension}", severity=severity, location=location, message=message, advisory=True)
