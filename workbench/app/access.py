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
    # A Material icon: drawn from the font Streamlit serves itself, so no emoji font is needed. The favicon
    # is set once in main.py from a bundled image, so a page icon never becomes it (that would be fetched from a CDN).
    icon: str
    roles: frozenset[Role]


PAGES: tuple[PageSpec, ...] = (
    PageSpec("home", "views/home.py", "My work", ":material/home:", ALL_ROLES),
    PageSpec("library", "views/library.py", "Library", ":material/library_books:", ALL_ROLES),
    PageSpec("gaps", "views/gaps.py", "Gaps", ":material/grid_on:", frozenset({Role.AUTHOR, Role.LEAD})),
    PageSpec("draft_studio", "views/draft_studio.py", "Draft studio", ":material/edit_note:", frozenset({Role.AUTHOR, Role.LEAD})),
    PageSpec("review_queue", "views/review_queue.py", "Review queue", ":material/fact_check:", REVIEWER_ROLES | {Role.LEAD}),
    PageSpec("signals", "views/signals.py", "Signals", ":material/monitoring:", frozenset({Role.LEAD})),
    PageSpec("audit", "views/audit.py", "Audit", ":material/verified_user:", frozenset({Role.LEAD})),
    PageSpec("governance", "views/governance.py", "Governance", ":material/policy:", frozenset({Role.LEAD})),
    PageSpec("account", "views/account.py", "Account", ":material/account_circle:", ALL_ROLES),
)
PAGES_BY_KEY = {page.key: page for page in PAGES}


def pages_for_roles(roles: Iterable[Role]) -> list[PageSpec]:
    """The pages a user holding these roles may open, in menu order (none for no role)."""
    held = set(roles)
    return [page for page in PAGES if page.roles & held]


def may_open(roles: Iterable[Role], page_key: str) -> bool:
    """True when one of these roles opens the page."""
    return bool(PAGES_BY_KEY[page_key].roles & set(roles))
