"""CLI commands: users, review, publish, unpublish, audit."""

from __future__ import annotations

import sys
import unicodedata
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List, Optional

import typer

from review.errors import ReviewError
from workbench.cli.common import acting_user, fail, print_json, read_password, state
from workbench.errors import WorkbenchError

AS_HELP = "Acting user (asked for their password, or give it on stdin with --password-stdin)."
STDIN_HELP = "Read the password from the first line of stdin instead of prompting."
REVISION_HELP = "The revision you reviewed (default: the current one, as `workbench review show` prints it)."

users_app = typer.Typer(help="Manage users and roles (a shell-level operation for whoever runs the server).", no_args_is_help=True)
review_app = typer.Typer(help="The review queue: list, show, submit, sign off, request changes, reject, comment, diff.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log: verify it, export it as CSV.", no_args_is_help=True)


@contextmanager
def _errors() -> Iterator[None]:
    """Turn a named error into one line and a non-zero exit."""
    try:
        yield
    except (ReviewError, WorkbenchError) as error:
        fail(str(error))


_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def _safe(text: str, *, multiline: bool = False) -> str:
    """Untrusted text made harmless for a terminal: control and bidi-override characters shown escaped."""
    keep = "\n\t" if multiline else ""
    text = str(text).replace("\r\n", "\n") if multiline else str(text)
    return "".join(
        ch if (ch in keep or (unicodedata.category(ch) != "Cc" and ch not in _BIDI_CONTROLS)) else f"\\u{ord(ch):04x}"
        for ch in text
    )


def _review(ctx: typer.Context):
    return state(ctx).services.review


def _revision(ctx: typer.Context, draft_id: int, revision: Optional[int]) -> int:
    return revision if revision is not None else _review(ctx).get_draft(draft_id).revision


def _user_line(user) -> str:
    flags = " (disabled)" if user.disabled else ""
    roles = ", ".join(sorted(r.value for r in user.roles)) or "no roles"
    return f"{user.name}{flags}: {roles}"


# ---------------------------------------------------------------------- users


@users_app.command("add")
def users_add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Login name (letters, digits, '.', '_', '@', '-')."),
    role: List[str] = typer.Option(..., "--role", help="author, accuracy_reviewer, cultural_reviewer, ethics_reviewer or lead; repeat for several."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the new user's password from stdin (else prompted twice)."),
    display_name: str = typer.Option("", "--display-name", help="Name shown in the app."),
) -> None:
    """Add a user with one or more roles (there are no default passwords)."""
    from review.service import SHELL

    password = read_password(password_stdin, f"Password for {name}", confirm=True)
    with _errors():
        user = _review(ctx).add_user(name, password, role, actor=SHELL, display_name=display_name)
    typer.echo(f"added {_user_line(user)}")


@users_app.command("list")
def users_list(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List users and their roles."""
    with _errors():
        users = _review(ctx).list_users()
    if as_json:
        print_json([u.to_dict() for u in users])
        return
    for user in users:
        typer.echo(_user_line(user))


@users_app.command("set-roles")
def users_set_roles(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The user."),
    role: List[str] = typer.Option([], "--role", help="The complete new set of roles; repeat for several (none: no roles)."),
) -> None:
    """Replace a user's roles (the last active lead cannot lose the lead role)."""
    from review.service import SHELL

    with _errors():
        user = _review(ctx).set_roles(SHELL, name, role)
    typer.echo(f"roles of {_user_line(user)}")


@users_app.command("disable")
def users_disable(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The user."),
    enable: bool = typer.Option(False, "--enable", help="Re-enable instead."),
) -> None:
    """Disable a user: they can no longer log in or act (their past actions stay in the audit log)."""
    from review.service import SHELL

    with _errors():
        user = _review(ctx).disable_user(SHELL, name, disabled=not enable)
    typer.echo(f"{'enabled' if enable else 'disabled'} {user.name}")


# ---------------------------------------------------------------------- review


@review_app.command("list")
def review_list(
    ctx: typer.Context,
    state_: Optional[str] = typer.Option(None, "--state", help="drafting, in_review, approved, changes_requested, rejected, published or archived."),
    mine: bool = typer.Option(False, "--mine", help="Only drafts waiting for my sign-off (needs --as)."),
    as_: Optional[str] = typer.Option(None, "--as", help=AS_HELP),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=STDIN_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List drafts, newest first."""
    queue_for = acting_user(ctx, as_, password_stdin) if mine else None
    with _errors():
        drafts = _review(ctx).list_drafts(state=state_, queue_for=queue_for)
    if as_json:
        print_json([d.to_dict() for d in drafts])
        return
    if not drafts:
        typer.echo("no drafts")
    for d in drafts:
        missing = ", ".join(m.value for m in d.missing_dimensions) or "none"
        typer.echo(f"{d.id:>5}  {d.state.value:<17} r{d.revision:<3} {_safe(d.title)}  (author {d.author}; missing: {missing})")


@review_app.command("show")
def review_show(
    ctx: typer.Context,
    draft_id: int = typer.Argument(..., metavar="ID", help="Draft id."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (the draft, its revisions)."),
) -> None:
    """Show a draft's current revision, sign-offs, comments and history."""
    with _errors():
        draft = _review(ctx).get_draft(draft_id)
        history = _review(ctx).revisions(draft_id)
    if as_json:
        print_json({**draft.to_dict(), "revisions": [r.to_dict() for r in history]})
        return
    typer.echo(f"Draft {draft.id}: {_safe(draft.title)}")
    typer.echo(f"State: {draft.state.value}   Revision: {draft.revision}   Content hash: {draft.content_hash}")
    typer.echo(f"Author: {draft.author}   Editors: {', '.join(draft.editors)}")
    if draft.published_path:
        typer.echo(f"Published: {draft.published_path} (revision {draft.published_revision})")
    for sign_off in draft.sign_offs:
        typer.echo(f"  signed {sign_off.dimension.value} by {sign_off.user} at {sign_off.signed_at:%Y-%m-%d %H:%M} UTC")
    if draft.missing_dimensions:
        typer.echo(f"  missing: {', '.join(d.value for d in draft.missing_dimensions)}")
    for finding in draft.findings:
        typer.echo(f"  finding [{_safe(finding.get('severity', '?'))}] {_safe(finding.get('message', finding))}")
    for comment in draft.comments:
        anchor = f" on {comment.anchor}" if comment.anchor else ""
        typer.echo(f"  comment r{comment.revision} {comment.user}{anchor}: {_safe(comment.text)}")
    typer.echo("History: " + "; ".join(f"r{r.number} by {r.editor}" + (f" ({_safe(r.note)})" if r.note else "") for r in history))
    typer.echo("")
    typer.echo(_safe(draft.markdown, multiline=True))


def _act(ctx: typer.Context, as_: Optional[str], password_stdin: bool, action) -> None:
    user = acting_user(ctx, as_, password_stdin)
    with _errors():
        typer.echo(action(user))


def _summary(draft) -> str:
    missing = ", ".join(d.value for d in draft.missing_dimensions) or "none"
    return f"draft {draft.id} is {draft.state.value} (revision {draft.revision}; missing sign-offs: {missing})"


@review_app.command("submit")
def review_submit(
    ctx: typer.Context,
    draft_id: int = typer.Argument(..., metavar="ID", help="Draft id."),
    revision: Optional[int] = typer.Option(None, "--revision", help=REVISION_HELP),
    as_: Optional[str] = typer.Option(None, "--as", help=AS_HELP),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=STDIN_HELP),
) -> None:
    """Send a draft to review."""
    _act(ctx, as_, password_stdin, lambda user: _summary(_review(ctx).submit(user, draft_id, _revision(ctx, draft_id, revision))))


@review_app.command("sign-off")
def review_sign_off(
    ctx: typer.Context,
    draft_id: int = typer.Argument(..., metavar="ID", help="Draft id."),
    dimension: str = typer.Option(..., "--dimension", help="accuracy, cultural or ethics."),
    revision: Optional[int] = typer.Option(None, "--revision", help=REVISION_HELP),
    as_: Optional[str] = typer.Option(None, "--as", help=AS_HELP),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=STDIN_HELP),
) -> None:
    """Sign off one dimension of the current revision."""
    _act(ctx, as_, password_stdin,
         lambda user: _summary(_review(ctx).sign_off(user, draft_id, dimension, _revision(ctx, draft_id, revision))))


@review_app.command("request-changes")
def review_request_changes(
    ctx: typer.Context,
    draft_id: int = typer.Argument(..., metavar="ID", help="Draft id."),
    comment: str = typer.Option(..., "--comment", help="What must change (required)."),
    revision: Optional[int] = typer.Option(None, "--revision", help=REVISION_HELP),
    as_: Optional[str] = typer.Option(None, "--as", help=AS_HELP),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=STDIN_HELP),
) -> None:
    """Send the draft back to its author with a comment."""
    _act(ctx, as_, password_stdin,
         lambda user: _summary(_review(ctx).request_changes(user, draft_id, _revision(ctx, draft_id, revision), comment)))


@review_app.command("reject")
def review_reject(
    ctx: typer.Context,
    draft_id: int = typer.Argument(..., metavar="ID", help="Draft id."),
    comment: str = typer.Option(..., "--comment", help="Why (required)."),
    revision: Optional[int] = typer.Option(None, "--revision", help=REVISION_HELP),
    as_: Optional[str] = typer.Option(None, "--as", help=AS_HELP),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=STDIN_HELP),
) -> None:
    """Reject the draft for good, with a comment."""
    _act(ctx, as_, password_stdin,
         lambda user: _summary(_review(ctx).reject(user, draft_id, _revision(ctx, draft_id, revision), comment)))


@review_app.command("comment")
def review_comment(
    ctx: typer.Context,
    draft_id: int = typer.Argument(..., metavar="ID", help="Draft id."),
    comment: str = typer.Option(..., "--comment", help="The comment."),
    anchor: Optional[str] = typer.Option(None, "--anchor", help="section:<id>, item:<id>, objective:<id> or activity:<id>."),
    as_: Optional[str] = typer.Option(None, "--as", help=AS_HELP),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=STDIN_HELP),
) -> None:
    """Comment on the current revision, optionally anchored to a section or an item."""

    def add(user) -> str:
        made = _review(ctx).comment(user, draft_id, comment, anchor=anchor)
        return f"comment {made.id} added to draft {draft_id} (revision {made.revision})"

    _act(ctx, as_, password_stdin, add)


@review_app.command("diff")
def review_diff(
    ctx: typer.Context,
    draft_id: int = typer.Argument(..., metavar="ID", help="Draft id."),
    rev1: int = typer.Argument(..., metavar="REV1", help="Older revision."),
    rev2: int = typer.Argument(..., metavar="REV2", help="Newer revision."),
) -> None:
    """A unified diff of the markdown between two revisions."""
    with _errors():
        typer.echo(_safe(_review(ctx).diff(draft_id, rev1, rev2), multiline=True), nl=False)


# ---------------------------------------------------------------------- publish


def publish(
    ctx: typer.Context,
    draft_id: Optional[int] = typer.Argument(None, metavar="ID", help="Draft id."),
    revision: Optional[int] = typer.Option(None, "--revision", help="The revision you approved (default: the current one)."),
    repair: bool = typer.Option(False, "--repair", help="Only bring library files and index in step with the database (after a crash)."),
    as_: Optional[str] = typer.Option(None, "--as", help=AS_HELP),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=STDIN_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Publish an approved draft into the library (lead only) and re-index its file."""
    if repair:
        with _errors():
            report = state(ctx).services.publisher.recover()
        print_json(report.to_dict()) if as_json else typer.echo(
            f"rewritten {len(report.rewritten)}, removed {len(report.removed)}, re-indexed {len(report.reindexed)}, "
            f"temp files removed {report.temp_files_removed}, conflicts {len(report.conflicts)}"
        )
        for conflict in report.conflicts:
            typer.echo(f"  conflict: {conflict}", err=True)
        return
    if draft_id is None:
        fail("give the draft ID to publish (or --repair)")
    user = acting_user(ctx, as_, password_stdin)
    with _errors():
        result = state(ctx).services.publisher.publish(user, draft_id, _revision(ctx, draft_id, revision))
    if as_json:
        print_json(result.to_dict())
    else:
        typer.echo(f"published draft {draft_id} revision {result.revision} to {result.path} (module {result.module_id})")
    if result.warning:
        typer.echo(f"warning: {result.warning}", err=True)


def unpublish(
    ctx: typer.Context,
    draft_id: int = typer.Argument(..., metavar="ID", help="Draft id."),
    reason: str = typer.Option(..., "--reason", help="Why it is withdrawn (required, kept in the audit log)."),
    as_: Optional[str] = typer.Option(None, "--as", help=AS_HELP),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=STDIN_HELP),
) -> None:
    """Withdraw a published module: archive the draft, remove the file from the library and the index (lead only)."""
    user = acting_user(ctx, as_, password_stdin)
    with _errors():
        result = state(ctx).services.publisher.unpublish(user, draft_id, reason)
    typer.echo(f"unpublished draft {draft_id}: removed {result.path}")
    if result.warning:
        typer.echo(f"warning: {result.warning}", err=True)


# ---------------------------------------------------------------------- audit


@audit_app.command("verify")
def audit_verify(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Recompute the hash chain; fails naming the first edited, inserted or deleted row."""
    with _errors():
        result = _review(ctx).audit_verify()
    if as_json:
        print_json(result.to_dict())
        if not result.ok:
            raise typer.Exit(1)
        return
    if not result.ok:
        fail(f"audit log tampered: {result.problem}")
    typer.echo(f"audit log intact: {result.rows_checked} rows, head {result.head_hash}")


@audit_app.command("export")
def audit_export(
    ctx: typer.Context,
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="CSV file to write (default: stdout)."),
) -> None:
    """Export the audit log as CSV."""
    with _errors():
        if output is None:
            _review(ctx).export_audit_csv(sys.stdout)
            return
        temp = output.with_name(f".{output.name}.part")
        with temp.open("w", encoding="utf-8", newline="") as stream:
            count = _review(ctx).export_audit_csv(stream)
        temp.replace(output)
    typer.echo(f"wrote {count} rows to {output}", err=True)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the workbench CLI."""
    app.add_typer(users_app, name="users")
    app.add_typer(review_app, name="review")
    app.add_typer(audit_app, name="audit")
    app.command("publish")(publish)
    app.command("unpublish")(unpublish)
