"""The published module file: YAML front matter with provenance, then the approved markdown byte for byte."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import yaml

from review.service import PublishContext


def _module_fields(content: dict) -> dict:
    module = content.get("module") if isinstance(content.get("module"), dict) else content
    return module if isinstance(module, dict) else {}


def _draft_provenance(content: dict, generated_by: dict | None) -> dict:
    provenance = content.get("provenance") if isinstance(content.get("provenance"), dict) else {}
    merged: dict[str, Any] = dict(generated_by or {})
    merged.update({key: value for key, value in provenance.items() if value not in (None, "", [], {})})
    return merged


def front_matter(context: PublishContext, module_id: str, today: date, published_at: datetime) -> dict:
    """The front matter mapping for a draft being published."""
    draft = context.draft
    module = _module_fields(draft.content)
    generation = _draft_provenance(draft.content, draft.generated_by)
    prompts = generation.get("prompts") or []
    fields: dict[str, Any] = {
        "id": module_id,
        "title": draft.title,
        "summary": str(module.get("summary", "")),
        "skills": list(draft.skill_ids or module.get("skill_ids") or []),
        "level": module.get("level") or None,
        "audience": module.get("audience") or None,
        "locale": module.get("locale") or None,
        "duration_minutes": module.get("duration_minutes") or None,
        "status": "published",
        "version": str(draft.revision),
        "last_reviewed": today.isoformat(),
        "provenance": {
            "draft_id": draft.id,
            "revision": draft.revision,
            "content_hash": draft.content_hash,
            "author": draft.author,
            "provider": generation.get("provider") or None,
            "model": generation.get("model") or None,
            "prompts": [
                {key: prompt.get(key) for key in ("name", "version", "sha256")} if isinstance(prompt, dict) else str(prompt)
                for prompt in prompts
            ],
            "sources": list(generation.get("retrieved_chunk_ids") or generation.get("sources") or []),
            "reviewers": [
                {"dimension": s.dimension.value, "user": s.user, "signed_at": s.signed_at.isoformat()}
                for s in context.sign_offs
            ],
            "published_by": context.actor,
            "published_at": published_at.isoformat(),
        },
    }
    return {key: value for key, value in fields.items() if value is not None}


def render_module(context: PublishContext, module_id: str, today: date, published_at: datetime) -> str:
    """The whole file: front matter, a blank line, then the revision's markdown unchanged."""
    data = front_matter(context, module_id, today, published_at)
    header = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000, default_flow_style=False)
    return f"---\n{header}---\n\n{context.draft.markdown}"
