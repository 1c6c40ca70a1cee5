"""Which pages each role may open: plain data, shared by the router and the pages' own checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from review.policy import REVIEWER_ROLES, Role

ALL_ROLES = frozenset(Role)


@dataclass(frozen=True)
class PageSpec:
    """One page of the app: its script, its title, its icon and the roles that may open it."""

    key: str
    script: str  # relative to workbench/app/main.py
    title: str
    icon: str  # an emoji: a page icon becomes the favicon, and material icons would be fetched from a CDN
    roles: frozenset[Role]


PAGES: tuple[PageSpec, ...] = (
    PageSpec("home", "views/home.py", "My work", "🏠", ALL_ROLES),
    PageSpec("library", "views/library.py", "Library", "📚", ALL_ROLES),
    PageSpec("gaps", "views/gaps.py", "Gaps", "🧭", frozenset({Role.AUTHOR, Role.LEAD})),
    PageSpec("draft_studio", "views/draft_studio.py", "Draft studio", "✍️", frozenset({Role.AUTHOR, Role.LEAD})),
    PageSpec("review_queue", "views/review_queue.py", "Review queue", "✅", REVIEWER_ROLES | {Role.LEAD}),
    PageSpec("signals", "views/signals.py", "Signals", "📈", frozenset({Role.LEAD})),
    PageSpec("audit", "views/audit.py", "Audit", "🛡️", frozenset({Role.LEAD})),
    PageSpec("account", "views/account.py", "Account", "👤", ALL_ROLES),
)
PAGES_BY_KEY = {page.key: page for page in PAGES}


def pages_for_roles(roles: Iterable[Role]) -> list[PageSpec]:
    """The pages a user holding these roles may open, in menu order (none for no role)."""
    held = set(roles)
    return [page for page in PAGES if page.roles & held]


def may_open(roles: Iterable[Role], page_key: str) -> bool:
    """True when one of these roles opens the page."""
    return bool(PAGES_BY_KEY[page_key].roles & set(roles))
