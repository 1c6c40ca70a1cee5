"""The published module file: the approved draft's own body under a published header with its provenance."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError

from review.errors import PublishError
from review.publications import PublishContext
from workbench.domain.drafts import DraftContent
from workbench.library.draft_file import draft_header, render_draft_file

PUBLISHED_STATUS = "published"


def typed_draft(context: PublishContext) -> DraftContent:
    """The draft being published as a module and assessment; PublishError when it holds something else."""
    try:
        return DraftContent.model_validate(context.draft.content)
    except ValidationError as error:
        raise PublishError(
            f"draft {context.draft.id} does not hold a module and assessment draft "
            f"({error.errors()[0]['msg']}); nothing was published"
        ) from None


def publication_provenance(context: PublishContext, content: DraftContent, published_at: datetime) -> dict[str, Any]:
    """Who made, reviewed and published this revision, from which model, prompts and passages."""
    draft, generation = context.draft, content.provenance
    return {
        "draft_id": draft.id,
        "revision": draft.revision,
        "content_hash": draft.content_hash,
        "author": draft.author,
        "provider": generation.provider or None,
        "model": generation.model or None,
        "prompts": [{"name": use.name, "version": use.version, "sha256": use.sha256} for use in generation.prompts],
        "sources": list(generation.retrieved_chunk_ids),
        "grounded": generation.grounded,
        "reviewers": [
            {"dimension": s.dimension.value, "user": s.user, "signed_at": s.signed_at.isoformat()} for s in context.sign_offs
        ],
        "published_by": context.actor,
        "published_at": published_at.isoformat(),
    }


def render_published(context: PublishContext, module_id: str, published_at: datetime) -> str:
    """The whole file of a publication, rendered from the typed draft (never from stored markdown)."""
    content = typed_draft(context)
    header = draft_header(
        content, module_id=module_id, status=PUBLISHED_STATUS, version=str(context.draft.revision),
        provenance=publication_provenance(context, content, published_at), last_reviewed=published_at.date(),
    )
    return render_draft_file(content, header)
