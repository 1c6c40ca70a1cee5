"""DraftingService: brief → grounding → module and assessment drafts → checks → review queue.

Used by the CLI (`workbench draft`, `workbench checks`) and the app. Building it loads no model:
the LLM client, the index and the embedder load theirs on first use.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from pydantic import ValidationError

from review.actors import ActorRef
from review.errors import BlockedByFindings
from review.lifecycle import DraftLifecycle
from review.queries import ReviewQueries
from review.views import DraftView
from workbench.domain.drafts import Brief, DraftContent, Provenance
from workbench.domain.findings import Finding, Severity
from workbench.domain.library import Chunk
from workbench.drafting import assemble
from workbench.drafting.brief import brief_from_framework, load_brief_file
from workbench.drafting.checking import DraftChecker, as_hit
from workbench.drafting.critique import critique_draft
from workbench.drafting.errors import DraftContentInvalid, DraftGenerationFailed
from workbench.drafting.failures import FailedGenerations
from workbench.drafting.grounding import Grounding, format_passages, format_prerequisites, retrieve, scan_passages
from workbench.drafting.library_reader import LibraryReader
from workbench.drafting.prompt_text import describe_brief, describe_objectives, module_size_text, question_count
from workbench.drafting.provenance import generated_by, record_regeneration
from workbench.drafting.regeneration import RegenerationPart, item_part, section_part
from workbench.drafting.schemas import CAPABLE_SIZE, DEMO_SIZE, DraftSize, assessment_schema, module_schema
from workbench.errors import AIUseSwitchedOff, GovernanceError, LLMOutputInvalid
from workbench.governance.routes import Use
from workbench.governance.service import Governance, PassageFilter, Route
from workbench.library.draft_file import render_draft_file
from workbench.llm.client import LLMClient
from workbench.llm.prompts import PromptRegistry
from workbench.settings import Settings

Progress = Callable[[str], None]
TokenCallback = Callable[[str], None]

PROMPT_VERSIONS = {
    "draft_module": 1,
    "draft_assessment": 1,
    "regenerate_section": 1,
    "regenerate_item": 1,
    "critique": 1,
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
    not_submitted: str = ""  # why a draft asked to be submitted stayed in drafting (error findings block it)

    def to_dict(self) -> dict[str, Any]:
        """The CLI's JSON shape."""
        return {
            "draft_id": self.draft_id,
            "revision": self.revision,
            "state": self.state,
            "title": self.content.module.title,
            "grounded": self.content.provenance.grounded,
            "findings": [finding.model_dump(mode="json") for finding in self.findings],
            "not_submitted": self.not_submitted,
        }


def _noop(_: str) -> None:
    return None


def _place_reporter(progress: Progress) -> Callable[[int], None]:
    """Turns a place in the local model's line into a progress line (nothing once it is this request's turn)."""
    def report(ahead: int) -> None:
        if ahead:
            progress(f"waiting for the model: {ahead} generation{'s' if ahead > 1 else ''} ahead of this one")
    return report


class DraftingService:
    """Drafts modules and assessments grounded in the library and runs the pre-review checks."""

    def __init__(
        self,
        *,
        settings: Settings,
        llm: LLMClient,
        prompts: PromptRegistry,
        library: LibraryReader,
        checker: DraftChecker,
        lifecycle: DraftLifecycle,
        queries: ReviewQueries,
        governance: Governance,
        failures: FailedGenerations,
        size: DraftSize | None = None,
        critiques: bool | None = None,
    ) -> None:
        self.settings = settings
        self.llm = llm
        self.prompts = prompts
        self.library = library
        self.checker = checker
        self.lifecycle = lifecycle
        self.queries = queries
        self.governance = governance  # asked for the route of each use before any call
        self.failures = failures  # invalid replies kept in the database, readable from every replica
        self._size = size
        self._critiques = critiques

    @property
    def size(self) -> DraftSize:
        """How much the configured model writes: small for the embedded demo model, fuller for a capable one."""
        return self.size_for(self.llm)

    def size_for(self, llm: LLMClient) -> DraftSize:
        """How much a model writes: the set size, else by whether it is the embedded demo model."""
        if self._size is not None:
            return self._size
        return DEMO_SIZE if llm.is_demo_model else CAPABLE_SIZE

    def _prompt(self, name: str):
        return self.prompts.get(name, PROMPT_VERSIONS[name])

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

    def ground(self, brief: Brief, passages: PassageFilter | None = None, size: DraftSize | None = None) -> Grounding:
        """Passages, prerequisites and suspicious passages for a brief, as the drafting endpoint may receive them."""
        passages = passages or self.governance.passage_filter(Use.DRAFTING)
        size = size or self.size
        return retrieve(self.library, brief, max_passages=size.passages, withhold=_withhold(passages))

    def create_draft(
        self,
        actor: ActorRef,
        brief: Brief,
        *,
        submit: bool = True,
        progress: Progress | None = None,
        on_token: TokenCallback | None = None,
        cancel: threading.Event | None = None,
        critique: bool | None = None,
        refresh_index: bool = True,
    ) -> DraftResult:
        """Draft a module and its assessment for the brief, check them, store them (and submit them for review).

        Governance is asked first: a refusal (use off, endpoint unusable, policy, budget) ends here, before anything is sent.
        """
        progress = progress or _noop
        route = self.governance.route(Use.DRAFTING, actor)
        with route.generation():
            return self._create_draft(actor, route, brief, submit, progress, on_token, cancel, critique, refresh_index)

    def _create_draft(self, actor: ActorRef, route: Route, brief: Brief, submit: bool, progress: Progress, on_token,
                      cancel, critique: bool | None, refresh_index: bool) -> DraftResult:
        timings: dict[str, float] = {}
        started = time.perf_counter()
        size = self.size_for(route.llm)
        if refresh_index:
            progress("bringing the library index up to date")
            self.library.refresh(progress)
            timings["index_refresh"] = time.perf_counter() - started
        progress("retrieving library passages")
        mark = time.perf_counter()
        grounding = self.ground(brief, route.passages, size)
        timings["retrieval"] = time.perf_counter() - mark
        if grounding.withheld:
            progress(f"{len(grounding.withheld)} passages withheld from endpoint {route.endpoint.name!r} by their classification")
        if not grounding.grounded:
            progress("the library has nothing on this topic: the draft will be labelled ungrounded")

        content = self._write_draft(route, size, brief, grounding, progress, timings, on_token, cancel)

        progress("running the pre-review checks")
        mark = time.perf_counter()
        findings = self.check_content(content, suspicious=grounding.suspicious)
        timings["checks"] = time.perf_counter() - mark
        if self._critiques_wanted(critique, route.llm):
            progress("asking the model for advisory critiques")
            mark = time.perf_counter()
            findings += self._governed_critiques(content, actor, cancel, progress)
            timings["critiques"] = time.perf_counter() - mark

        progress("storing the draft in the review queue")
        mark = time.perf_counter()
        markdown = render_draft_file(content)
        view = self.lifecycle.create_draft(
            actor,
            title=content.module.title,
            content=content.model_dump(mode="json"),
            markdown=markdown,
            findings=[finding.model_dump(mode="json") for finding in findings],
            skill_ids=list(content.module.skill_ids),
            generated_by=generated_by(content.provenance),
        )
        view, not_submitted = self._submit(actor, view) if submit else (view, "")
        timings["persistence"] = time.perf_counter() - mark
        timings["total"] = time.perf_counter() - started
        progress(f"draft {view.id} stored ({_state(view)}) with {len(findings)} findings")
        return DraftResult(view.id, content, findings, view.revision, _state(view), markdown, timings, not_submitted)

    def _write_draft(self, route: Route, size: DraftSize, brief: Brief, grounding: Grounding, progress: Progress,
                     timings: dict[str, float], on_token, cancel) -> DraftContent:
        """The two model calls (module, then assessment for its objectives), assembled with provenance."""
        chunk_ids = tuple(grounding.chunk_ids)
        passages = format_passages(grounding, max_chars=size.passage_chars)
        brief_text = describe_brief(brief)

        progress("drafting the module")
        mark = time.perf_counter()
        module_result = self._generate(
            route.llm,
            "draft_module",
            {"brief": brief_text, "prerequisites": format_prerequisites(grounding.prerequisites), "passages": passages, "size": module_size_text(size, brief)},
            module_schema(size, chunk_ids),
            size.module_max_tokens,
            on_token,
            cancel,
            progress,
        )
        timings["module_generation"] = time.perf_counter() - mark
        module = assemble.module_from_reply(module_result.value, brief, grounding.prerequisites)

        progress("drafting the assessment")
        mark = time.perf_counter()
        objective_ids = tuple(objective.id for objective in module.objectives)
        item_count = question_count(size, brief, len(objective_ids))
        assessment_result = self._generate(
            route.llm,
            "draft_assessment",
            {"brief": brief_text, "objectives": describe_objectives(module), "passages": passages, "size": f"Write {item_count} questions."},
            assessment_schema(size, chunk_ids, objective_ids, item_count),
            size.assessment_max_tokens,
            on_token,
            cancel,
            progress,
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
            withheld=list(grounding.withheld),
            endpoint=route.endpoint.name,
        )
        return DraftContent(module=module, assessment=assessment, provenance=provenance)

    def _generate(self, llm: LLMClient, prompt_name: str, variables: dict[str, Any], schema: type, max_tokens: int, on_token, cancel,
                  progress: Progress = _noop):
        """One structured call; a reply that stays invalid is kept (numbered) and named in the error."""
        prompt = self._prompt(prompt_name)
        try:
            return llm.structured(prompt, variables, schema, max_tokens=max_tokens, on_token=on_token, cancel=cancel,
                                  on_wait=_place_reporter(progress))
        except LLMOutputInvalid as error:
            number = self.failures.save(prompt.label, error.raw_output or "", str(error))
            raise DraftGenerationFailed(
                f"{error}. Nothing was stored as a draft; the model's raw reply was kept as failed generation #{number} "
                f"(workbench failed-reply {number})",
                raw_output=error.raw_output,
                kept_as=number,
            ) from None

    # ------------------------------------------------------------------ checks

    def check_content(self, content: DraftContent, *, suspicious: list | None = None, own_module_ids: set[str] | None = None) -> list[Finding]:
        """Run every deterministic check on a draft (see DraftChecker.check)."""
        return self.checker.check(content, suspicious=suspicious, own_module_ids=own_module_ids)

    def run_checks(self, draft_id: int, actor: ActorRef | None = None) -> list[Finding]:
        """Re-run the checks on a stored draft's current revision (and store the findings when an actor is given)."""
        view = self.queries.get_draft(draft_id)
        findings = self.check_content(_content_of(view), own_module_ids=_own_modules(view))
        if actor is not None:
            self.lifecycle.update_findings(actor, draft_id, expected_revision=view.revision,
                                           findings=[f.model_dump(mode="json") for f in findings])
        return findings

    def _critiques_wanted(self, critique: bool | None, llm: LLMClient) -> bool:
        if critique is not None:
            return critique
        if self._critiques is not None:
            return self._critiques
        return not llm.is_demo_model and llm.provider != "fake"

    def _governed_critiques(self, content: DraftContent, actor: ActorRef, cancel, progress: Progress) -> list[Finding]:
        """Critiques while drafting: a refusal by governance becomes a note, the draft is still stored."""
        try:
            return self.critique(content, cancel=cancel, actor=actor)
        except AIUseSwitchedOff:
            progress("critiques are switched off by a lead")
            return []
        except GovernanceError as error:
            progress(f"critiques not run: {error}")
            return [Finding(check="critique", severity=Severity.INFO, location="module", advisory=True,
                            message=f"the advisory critiques were not run: {error}")]

    def critique(self, content: DraftContent, dimensions: list[str] | None = None, cancel: threading.Event | None = None,
                 actor: ActorRef | None = None) -> list[Finding]:
        """Advisory LLM critiques per review dimension: never blocking, never a sign-off.

        Routed as critiques: only the draft's passages the critiques endpoint may receive are sent.
        """
        route = self.governance.route(Use.CRITIQUES, actor)
        known = self.library.chunks()
        hits = [as_hit(known[chunk_id]) for chunk_id in content.provenance.retrieved_chunk_ids if chunk_id in known]
        hits, _ = route.passages.split(hits, lambda hit: (hit.chunk_id, hit.module_id, hit.path))
        passages = format_passages(Grounding(passages=hits, suspicious=scan_passages(hits)), max_chars=self.size_for(route.llm).passage_chars)
        with route.generation():
            return critique_draft(route.llm, self._prompt("critique"), render_draft_file(content), passages, dimensions, cancel)

    # ------------------------------------------------------------------ edits and regeneration

    def edit(self, actor: ActorRef, draft_id: int, expected_revision: int, content: DraftContent, *, note: str = "edited",
             submit: bool = False) -> DraftResult:
        """Store an edited draft as a new revision, with the checks re-run."""
        content = DraftContent.model_validate(content.model_dump(mode="json"))  # edits arrive from forms: re-validate
        return self._store_revision(actor, draft_id, expected_revision, content, note, submit)

    def regenerate_section(self, actor: ActorRef, draft_id: int, section_id: str, expected_revision: int, *, note: str = "",
                           on_token: TokenCallback | None = None, cancel: threading.Event | None = None,
                           submit: bool = False) -> DraftResult:
        """Regenerate one section (same id), keeping every other part of the draft; a new revision."""
        part = lambda content: section_part(content, draft_id, section_id, self.size)  # noqa: E731
        return self._regenerate(actor, draft_id, expected_revision, part, note, on_token, cancel, submit)

    def regenerate_item(self, actor: ActorRef, draft_id: int, item_id: str, expected_revision: int, *, note: str = "",
                        on_token: TokenCallback | None = None, cancel: threading.Event | None = None,
                        submit: bool = False) -> DraftResult:
        """Regenerate one assessment item (same id and objective), keeping the rest; a new revision."""
        part = lambda content: item_part(content, draft_id, item_id, self.size)  # noqa: E731
        return self._regenerate(actor, draft_id, expected_revision, part, note, on_token, cancel, submit)

    def _regenerate(self, actor: ActorRef, draft_id: int, expected_revision: int, part_of: Callable[[DraftContent], RegenerationPart],
                    note: str, on_token, cancel, submit: bool) -> DraftResult:
        """Retrieve passages for one part, ask the model for it, put it in place, note the call, store a new revision."""
        content = _content_of(self.queries.get_draft(draft_id))
        part = part_of(content)
        route = self.governance.route(Use.REGENERATION, actor)
        size = self.size_for(route.llm)
        brief = content.provenance.brief
        grounding = retrieve(self.library, brief.model_copy(update={"topic": part.topic, "must_include": []}),
                             max_passages=size.passages, withhold=_withhold(route.passages))
        variables = {**part.variables, "note": note.strip() or "(none)",
                     "passages": format_passages(grounding, max_chars=size.passage_chars)}
        with route.generation():
            result = self._generate(route.llm, part.prompt, variables, part.schema(tuple(grounding.chunk_ids)), part.max_tokens,
                                    on_token, cancel)
        part.apply(result.value)
        record_regeneration(content, result, grounding.chunk_ids, f"{part.prompt}:{part.label.split(' ', 1)[1]}",
                            withheld=grounding.withheld, endpoint=route.endpoint.name)
        return self._store_revision(actor, draft_id, expected_revision, content, f"regenerated {part.label}", submit)

    def _store_revision(self, actor: ActorRef, draft_id: int, expected_revision: int, content: DraftContent, note: str,
                        submit: bool) -> DraftResult:
        findings = self.check_content(content, own_module_ids=_own_modules(self.queries.get_draft(draft_id)))
        markdown = render_draft_file(content)
        view = self.lifecycle.revise(
            actor, draft_id, expected_revision=expected_revision, content=content.model_dump(mode="json"),
            markdown=markdown, findings=[finding.model_dump(mode="json") for finding in findings], note=note,
            title=content.module.title,
        )
        view, not_submitted = self._submit(actor, view) if submit else (view, "")
        return DraftResult(view.id, content, findings, view.revision, _state(view), markdown, not_submitted=not_submitted)

    def _submit(self, actor: ActorRef, view: DraftView) -> tuple[DraftView, str]:
        """Submit the stored revision, unless error findings block it: then it stays in drafting, saying why."""
        try:
            return self.lifecycle.submit(actor, view.id, view.revision), ""
        except BlockedByFindings as blocked:
            return self.queries.get_draft(view.id), str(blocked)

    # ------------------------------------------------------------------ sources

    def sources_for(self, content: DraftContent) -> dict[str, Chunk]:
        """The library passages a draft cites or was drafted from, by chunk id (for side-by-side display)."""
        known = self.library.chunks()
        wanted = list(content.provenance.retrieved_chunk_ids)
        wanted += [chunk_id for section in content.module.sections for chunk_id in section.citations]
        wanted += [chunk_id for item in content.assessment.items for chunk_id in item.citations]
        return {chunk_id: known[chunk_id] for chunk_id in dict.fromkeys(wanted) if chunk_id in known}


# ---------------------------------------------------------------------- helpers


def _withhold(passages: PassageFilter):
    """The grounding's question to governance: may this hit go to the endpoint (None) or why not."""
    return lambda hit: passages.withheld(hit.chunk_id, hit.module_id, hit.path)


def _content_of(view: DraftView) -> DraftContent:
    try:
        return DraftContent.model_validate(view.content)
    except ValidationError as error:
        raise DraftContentInvalid(f"draft {view.id} does not hold a module and assessment draft: {error.errors()[0]['msg']}") from None


def _own_modules(view: DraftView) -> set[str]:
    """The library module a draft became when it was published (not a duplicate of itself)."""
    return {view.module_id} if view.module_id else set()


def _state(view: DraftView) -> str:
    return view.state.value
