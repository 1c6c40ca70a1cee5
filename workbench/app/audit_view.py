"""Audit figures from audit-log rows and the library: throughput, time in review, AI share, coverage history."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

DECISIONS = ("publish", "reject", "request_changes")
THROUGHPUT_ACTIONS = ("submit", "sign_off", "request_changes", "reject", "publish", "unpublish")


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
