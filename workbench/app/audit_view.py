"""Audit figures from audit-log rows and the library: throughput, time in review, AI share, coverage history."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timezone
from typing import IO, Any, Iterable, Mapping

# Approval (the last of the three sign-offs) ends review as much as a rejection or a request for changes.
DECISIONS = ("approved", "publish", "reject", "request_changes")
THROUGHPUT_ACTIONS = ("submit", "sign_off", "approved", "request_changes", "reject", "publish", "unpublish")


def csv_text(write: Callable[[IO[str]], Any]) -> Callable[[], str]:
    """The CSV a writer produces, made only when a person asks for the file (not on every run of the page)."""
    def make() -> str:
        stream = io.StringIO()
        write(stream)
        return stream.getvalue()
    return make


def _field(row: Any, name: str) -> Any:
    return row.get(name) if isinstance(row, Mapping) else getattr(row, name, None)


def _when(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    try:
        parsed = datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _action(row: Any) -> str:
    action = _field(row, "action")
    return str(getattr(action, "value", action) or "")


def throughput(rows: Iterable[Any]) -> list[dict]:
    """Review actions per day: one row per (day, action) for submits, sign-offs and decisions."""
    counts: Counter[tuple[str, str]] = Counter()
    for row in rows:
        action, when = _action(row), _when(_field(row, "at"))
        if action in THROUGHPUT_ACTIONS and when is not None:
            counts[(when.date().isoformat(), action)] += 1
    return [{"day": day, "action": action, "count": count} for (day, action), count in sorted(counts.items())]


def time_in_review(rows: Iterable[Any], now: datetime | None = None) -> list[dict]:
    """Per draft: hours from its first submit to its first decision (or until now, if still open)."""
    now = now or datetime.now(timezone.utc)
    submitted: dict[Any, datetime] = {}
    decided: dict[Any, tuple[datetime, str]] = {}
    for row in rows:
        draft, action, when = _field(row, "draft_id"), _action(row), _when(_field(row, "at"))
        if draft is None or when is None:
            continue
        if action == "submit" and draft not in submitted:
            submitted[draft] = when
        elif action in DECISIONS and draft in submitted and draft not in decided:
            decided[draft] = (when, action)
    result = []
    for draft, start in sorted(submitted.items(), key=lambda pair: pair[1]):
        end, outcome = decided.get(draft, (now, "still in review"))
        result.append({"draft": draft, "submitted": start.isoformat(timespec="seconds"), "outcome": outcome,
                       "hours": round((end - start).total_seconds() / 3600.0, 2)})
    return result


def ai_share(modules: Iterable[Any]) -> dict[str, int]:
    """How many library modules were AI-drafted (published from a draft) and how many human-written."""
    counts = {"AI-drafted": 0, "human-written": 0}
    for module in modules:
        counts["AI-drafted" if getattr(module, "ai_drafted", False) else "human-written"] += 1
    return counts


def provenance_fields(draft: Any) -> list[tuple[str, str]]:
    """A draft's provenance as (label, text) pairs a lead reads before publishing or when auditing."""
    provenance = (_field(draft, "content") or {}).get("provenance", {}) or {}
    sign_offs = [
        f"{_enum_text(_field(s, 'dimension'))}: {_field(s, 'user')} ({_when_text(_field(s, 'signed_at'))}, revision {_field(s, 'revision')})"
        for s in (_field(draft, "sign_offs") or []) if _field(s, "voided_at") is None
    ]
    prompts = [f"{p.get('name')} v{p.get('version')}" for p in provenance.get("prompts", []) or [] if isinstance(p, Mapping)]
    model = " / ".join(str(part) for part in (provenance.get("provider"), provenance.get("model")) if part)
    fields = [
        ("Title", str(_field(draft, "title") or "")),
        ("Revision", str(_field(draft, "revision"))),
        ("Author", str(_field(draft, "author") or "")),
        ("Edited by", ", ".join(_field(draft, "editors") or []) or "nobody besides the author"),
        ("Signed off", "; ".join(sign_offs) or "no sign-off"),
        ("Drafted with", model or "written by hand"),
        ("Prompts", ", ".join(prompts) or "none"),
        ("Library passages used", str(len(provenance.get("retrieved_chunk_ids", []) or []))),
        ("Content hash", str(_field(draft, "content_hash") or "")[:16]),
    ]
    if _field(draft, "published_path"):
        fields[1:1] = [("Published as", str(_field(draft, "published_path"))),
                       ("Published revision", str(_field(draft, "published_revision")))]
    return fields


def _enum_text(value: Any) -> str:
    return str(getattr(value, "value", value) or "")


def _when_text(value: Any) -> str:
    when = _when(value)
    return when.strftime("%Y-%m-%d %H:%M UTC") if when else ""
