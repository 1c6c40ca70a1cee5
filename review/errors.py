"""Named errors of the review queue, each with a message a user can act on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


class ReviewError(Exception):
    """Base of every review-queue error; the CLI and the app show its message as one line."""


class AuthenticationFailed(ReviewError):
    """Unknown user, wrong password or disabled account (deliberately not told apart)."""

    def __init__(self, message: str = "unknown user, wrong password or disabled account") -> None:
        super().__init__(message)


class IdentityAlreadyUsed(ReviewError):
    """A single sign-on identity that already started a session is presented again (a replayed cookie)."""

    def __init__(self) -> None:
        super().__init__("this identity from the provider was already used to sign in; sign in through the provider again")


class SignInThrottled(ReviewError):
    """Too many failed sign-ins for this account or from this address: wait, or ask a lead to lift it."""

    def __init__(self, retry_after_seconds: int) -> None:
        self.retry_after_seconds = retry_after_seconds
        super().__init__(
            f"too many failed sign-ins: try again in {retry_after_seconds} seconds, or ask a lead to lift the lockout"
        )


class PermissionDenied(ReviewError):
    """The acting user may not do this (missing role, disabled, or a separation-of-duties rule)."""


class SelfApprovalDenied(PermissionDenied):
    """The user authored, generated or edited the draft and so may not sign it off."""


class OneDimensionPerReviewer(PermissionDenied):
    """The user already signed another dimension of this revision."""


class InvalidTransition(ReviewError):
    """The action is not allowed from the draft's current state."""


class BlockedByFindings(InvalidTransition):
    """Error findings of the revision are neither resolved by a new revision nor waived."""


@dataclass(frozen=True)
class RevisionChange:
    """One revision saved after the one a person acted on: who saved it, when, and their note."""

    number: int
    editor: str
    at: datetime
    note: str = ""


class StaleRevision(ReviewError):
    """The draft changed since the user looked at it; the message says what changed.

    The fields say the same for a page to put in its own words: the revision acted on, the
    revisions saved since, and the draft's revision and state now."""

    def __init__(self, message: str, *, draft_id: int = 0, acted_on: int = 0, current_revision: int = 0,
                 state: str = "", changes: tuple[RevisionChange, ...] = ()) -> None:
        super().__init__(message)
        self.draft_id = draft_id
        self.acted_on = acted_on
        self.current_revision = current_revision
        self.state = state
        self.changes = changes


class CommentRequired(ReviewError):
    """Rejecting and requesting changes need a comment saying why."""


class NotApproved(ReviewError):
    """Publishing needs all three sign-offs on the current revision's content hash."""


class UnknownDraft(ReviewError):
    """No draft with that id."""


class UnknownUser(ReviewError):
    """No user with that name."""


class UserExists(ReviewError):
    """A user with that name (or identity) already exists."""


class InvalidInput(ReviewError):
    """A value given to the review queue is malformed (unknown role, empty title, NUL byte...)."""


class RevisionRequired(InvalidInput):
    """A decision must name the revision the person read; acting on "whatever is current" is refused."""


class WeakPassword(InvalidInput):
    """The password is too short or otherwise unusable."""


class DatabaseBusy(ReviewError):
    """The database stayed locked or deadlocked after several retries."""


class PublishError(ReviewError):
    """The module file could not be written or removed; nothing was changed."""
