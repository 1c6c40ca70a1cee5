"""The pre-review checks of a draft, fed with what the library and the embedder tell about it."""

from __future__ import annotations

import threading
from pathlib import Path

from workbench.domain.checks import CheckContext, InclusiveTerm, run_checks
from workbench.domain.drafts import DraftContent
from workbench.domain.findings import Finding
from workbench.domain.library import Chunk, SearchHit
from workbench.drafting.grounding import scan_passages
from workbench.drafting.library_reader import LibraryReader
from workbench.drafting.wordlist import inclusive_terms_for
from workbench.rendering import rendering_differences


def as_hit(chunk: Chunk) -> SearchHit:
    """A chunk shown as a passage (score unknown)."""
    return SearchHit(chunk_id=chunk.id, module_id=chunk.module_id, path=chunk.path, title=chunk.title,
                     heading=chunk.heading, score=0.0, text=chunk.text)


def cited_chunk_ids(content: DraftContent) -> set[str]:
    """Every chunk id a section or an item of the draft cites."""
    cited = {chunk_id for section in content.module.sections for chunk_id in section.citations}
    return cited | {chunk_id for item in content.assessment.items for chunk_id in item.citations}


class DraftChecker:
    """Runs every deterministic check on a draft; the inclusive-language list is read once, when first needed."""

    def __init__(self, library: LibraryReader, library_dir: Path | str, inclusive_language_file: Path | str | None = None) -> None:
        self.library = library
        self._library_dir = library_dir
        self._word_list = inclusive_language_file
        self._terms: list[InclusiveTerm] | None = None
        self._lock = threading.Lock()

    @property
    def inclusive_terms(self) -> list[InclusiveTerm]:
        """The inclusive-language word list: the one configured, else the library's own, else the shipped one."""
        with self._lock:
            if self._terms is None:
                self._terms = inclusive_terms_for(self._library_dir, self._word_list)
            return self._terms

    def check(self, content: DraftContent, *, suspicious: list | None = None, own_module_ids: set[str] | None = None) -> list[Finding]:
        """The findings of every check on a draft.

        `own_module_ids`: library modules that are this draft itself (once published), left out of
        the near-duplicate comparison.
        """
        known = self.library.chunks()
        if suspicious is None:
            # Re-check the passages the draft came from and those it cites (the library may have changed since).
            looked_at = set(content.provenance.retrieved_chunk_ids) | cited_chunk_ids(content)
            suspicious = scan_passages([as_hit(known[chunk_id]) for chunk_id in looked_at if chunk_id in known])
        context = CheckContext(
            known_chunk_ids=set(known),
            retrieved_chunk_ids=set(content.provenance.retrieved_chunk_ids),
            suspicious_passages=list(suspicious),
            inclusive_terms=self.inclusive_terms,
            grounded=content.provenance.grounded,
            rendering_differences=rendering_differences,
        )
        scores = self.library.similarity_scores(content, known)
        context.section_grounding = scores.section_grounding
        context.module_similarities = [pair for pair in scores.module_similarities if pair[0] not in (own_module_ids or set())]
        return run_checks(content, context)
