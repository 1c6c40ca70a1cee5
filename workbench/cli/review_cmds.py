"""CLI commands: users, review, publish, unpublish, audit."""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path
from typing import List, Optional

import typer

from review.actors import SHELL
from workbench.cli.terminal import echo
from workbench.cli.common import acting_user, fail, print_json, read_password, state

AS_HELP = "Acting user (asked for their password, or give it on stdin with --password-stdin)."
STDIN_HELP = "Read the password from the first line of stdin instead of prompting."
REVISION_HELP = "Required: the revision you read (`workbench review show ID` prints it); a newer one refuses the action."

users_app = typer.Typer(help="Manage users and roles (a shell-level operation for whoever runs the server).", no_args_is_help=True)
review_app = typer.Typer(help="The review queue: list, show, submit, sign off, waive a finding, request changes, reject, comment, diff.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log: verify it, export it as CSV.", no_args_is_help=True)


_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def _safe(text: str, *, multiline: bool = False) -> str:
    """Untrusted text made harmless for a terminal: control and bidi-override characters shown escaped."""
    keep = "\n\t" if multiline else ""
    text = str(text).replace("\r\n", "\n") if multiline else str(text)
    return "".join(
        ch if (ch in keep or (unicodedata.category(ch) != "Cc" and ch not in _BIDI_CONTROLS)) else f"\\u{ord(ch):04x}"
        for ch in text
    )


def _services(ctx: typer.Context):
    return state(ctx).services


def _revision(draft_id: int, revision: Optional[int]) -> int:
    """The revision the person read; without it nothing is asked or changed (never "whatever is current")."""
    if revision is None:
        fail(f"say which revision you read with --revision N (`workbench review show {draft_id}` prints it)")
    return revision


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
    password = read_password(password_stdin, f"Password for {name}", confirm=True)
    user = _services(ctx).accounts.add_user(name, password, role, actor=SHELL, display_name=display_name)
    echo(f"added {_user_line(user)}")


@users_app.command("list")
def users_list(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List users and their roles."""
    users = _services(ctx).accounts.list_users()
    if as_json:
        print_json([u.to_dict() for u in users])
        return
    for user in users:
        echo(_user_line(user))


@users_app.command("set-roles")
def users_set_roles(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The user."),
    role: List[str] = typer.Option([], "--role", help="The complete new set of roles; repeat for several (none: no roles)."),
) -> None:
    """Replace a user's roles (the last active lead cannot lose the lead role)."""
    user = _services(ctx).accounts.set_roles(SHELL, name, role)
    echo(f"roles of {_user_line(user)}")


@users_app.command("disable")
def users_disable(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The user."),
    enable: bool = typer.Option(False, "--enable", help="Re-enable instead."),
) -> None:
    """Disable a user: they can no longer log in or act (their past actions stay in the audit log)."""
    user = _services(ctx).accounts.disable_user(SHELL, name, disabled=not enable)
    echo(f"{'enabled' if enable else 'disabled'} {user.name}")


@users_app.command("lockouts")
def users_lockouts(ctx: typer.Context) -> None:
    """List the accounts and client addresses locked out after failed sign-ins."""
    lockouts = _services(ctx).accounts.lockouts()
    if not lockouts:
        typer.echo("no lockouts")
    for lock in lockouts:
        typer.echo(f"{lock.scope} {_safe(lock.subject)}: {lock.failures} failed sign-ins since "
                   f"{lock.first_failed_at:%Y-%m-%d %H:%M} UTC, locked until {lock.locked_until:%Y-%m-%d %H:%M:%S} UTC")


@users_app.command("unlock")
def users_unlock(
    ctx: typer.Context,
    subject: str = typer.Argument(..., help="The user name (or, with --client, the address) to let sign in again."),
    client: bool = typer.Option(False, "--client", help="Lift the lockout of a client address instead of an account."),
) -> None:
    """Lift a sign-in lockout at once (it also ends by itself after its delay)."""
    scope = "client" if client else "account"
    if _services(ctx).accounts.lift_lockout(SHELL, subject, scope):
        typer.echo(f"lifted the lockout of {scope} {_safe(subject)}")
    else:
        fail(f"{scope} {_safe(subject)} has no recorded failed sign-ins; `workbench users lockouts` lists lockouts")


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
    drafts = _services(ctx).review_queries.list_drafts(state=state_, queue_for=queue_for)
    if as_json:
        print_json([d.to_dict() for d in drafts])
        return
    if not drafts:
        echo("no drafts")
    for d in drafts:
        missing = ", ".join(m.value for m in d.missing_dimensions) or "none"
        echo(f"{d.id:>5}  {d.state.value:<17} r{d.revision:<3} {_safe(d.title)}  (author {d.author}; missing: {missing})")


@review_app.command("show")
def review_show(
    ctx: typer.Context,
    draft_id: int = typer.Argument(..., metavar="ID", help="Draft id."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (the draft, its revisions)."),
) -> None:
    """Show a draft's current revision, sign-offs, comments and history."""
    draft = _services(ctx).review_queries.get_draft(draft_id)
    history = _services(ctx).review_queries.revisions(draft_id)
    if as_json:
        print_json({**draft.to_dict(), "revisions": [r.to_dict() for r in history]})
        return
    echo(f"Draft {draft.id}: {_safe(draft.title)}")
    echo(f"State: {draft.state.value}   Revision: {draft.revision}   Content hash: {draft.content_hash}")
    echo(f"Author: {draft.author}   Editors: {', '.join(draft.editors)}")
    if draft.published_path:
        echo(f"Published: {draft.published_path} (revision {draft.published_revision})")
    for sign_off in draft.sign_offs:
        echo(f"  signed {sign_off.dimension.value} by {sign_off.user} at {sign_off.signed_at:%Y-%m-%d %H:%M} UTC")
    for sign_off in draft.lapsed_sign_offs:
        echo(f"  lapsed {sign_off.dimension.value} by {sign_off.user} at {sign_off.signed_at:%Y-%m-%d %H:%M} UTC: "
             f"{_safe(sign_off.lapsed_because or '')}; it no longer counts")
    if draft.missing_dimensions:
        echo(f"  missing: {', '.join(d.value for d in draft.missing_dimensions)}")
    gating = {(f.check, f.location, f.message): f for f in draft.gating_findings}
    if draft.blocking_findings:
        echo(f"  blocked: {len(draft.blocking_findings)} error finding(s) keep this revision from being submitted, "
             "signed off or published (fix them in a new revision, or waive each: `workbench review waive`)")
    for finding in draft.findings:
        if not isinstance(finding, dict):
            continue
        gate = gating.get((str(finding.get("check", "")), str(finding.get("location", "")), str(finding.get("message", ""))))
        line = (f"  finding [{_safe(finding.get('severity', '?'))}] {_safe(finding.get('location', ''))} "
                f"{_safe(finding.get('check', ''))}: {_safe(finding.get('message', ''))}")
        if gate is not None and gate.blocks:
            line += f"  (key {gate.key}; blocks; a reviewer of {gate.dimension.value} may waive it)"
        elif gate is not None:
            line += f"  (key {gate.key}; waived by {gate.waived_by}: {_safe(gate.waiver_reason or '')})"
        echo(line)
    for comment in draft.comments:
        anchor = f" on {comment.anchor}" if comment.anchor else ""
        echo(f"  comment r{comment.revision} {comment.user}{anchor}: {_safe(comment.text)}")
    echo("History: " + "; ".join(f"r{r.number} by {r.editor}" + (f" ({_safe(r.note)})" if r.note else "") for r in history))
    echo("")
    echo(_safe(draft.markdown, multiline=True))


def _act(ctx: typer.Context, as_: Optional[str], password_stdin: bool, action) -> None:
    user = acting_user(ctx, as_, password_stdin)
    echo(action(user))


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
    rev = _revision(draft_id, revision)
    _act(ctx, as_, password_stdin, lambda user: _summary(_services(ctx).lifecycle.submit(user, draft_id, rev)))


@review_app.command("sign-off")
def review_sign_off(
    ctx: typer.Context,
    draft_id: int = typer.Argument(..., metavar="ID", help="Draft id."),
    dimension: str = typer.Option(..., "--dimension", help="accuracy, cultural or ethics."),
    revision: Optional[int] = typer.Option(None, "--revision", help=REVISION_HELP),
    as_: Optional[str] = typer.Option(None, "--as", help=AS_HELP),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=STDIN_HELP),
) -> None:
    """Sign off one dimension of the revision you read (refused if it is no longer the current one)."""
    rev = _revision(draft_id, revision)
    _act(ctx, as_, password_stdin,
         lambda user: _summary(_services(ctx).lifecycle.sign_off(user, draft_id, dimension, rev)))


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
    rev = _revision(draft_id, revision)
    _act(ctx, as_, password_stdin,
         lambda user: _summary(_services(ctx).lifecycle.request_changes(user, draft_id, rev, comment)))


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
    rev = _revision(draft_id, revision)
    _act(ctx, as_, password_stdin,
         lambda user: _summary(_services(ctx).lifecycle.reject(user, draft_id, rev, comment)))


@review_app.command("waive")
def review_waive(
    ctx: typer.Context,
    draft_id: int = typer.Argument(..., metavar="ID", help="Draft id."),
    finding: str = typer.Option(..., "--finding", help="The finding's key, as `workbench review show ID` prints it."),
    reason: str = typer.Option(..., "--reason", "--comment", help="Why this revision may go past the finding (required, audited)."),
    revision: Optional[int] = typer.Option(None, "--revision", help=REVISION_HELP),
    as_: Optional[str] = typer.Option(None, "--as", help=AS_HELP),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=STDIN_HELP),
) -> None:
    """Waive one error finding of the revision you read (a reviewer of its dimension; the next revision voids it)."""
    rev = _revision(draft_id, revision)

    def waive(user) -> str:
        draft = _services(ctx).lifecycle.waive_finding(user, draft_id, finding, reason, rev)
        left = len(draft.blocking_findings)
        return f"waived finding {finding} on draft {draft_id} revision {draft.revision}; {left} error finding(s) still block it"

    _act(ctx, as_, password_stdin, waive)


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
        made = _services(ctx).lifecycle.comment(user, draft_id, comment, anchor=anchor)
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
    echo(_safe(_services(ctx).review_queries.diff(draft_id, rev1, rev2), multiline=True), nl=False)


# ---------------------------------------------------------------------- publish


def publish(
    ctx: typer.Context,
    draft_id: Optional[int] = typer.Argument(None, metavar="ID", help="Draft id."),
    revision: Optional[int] = typer.Option(None, "--revision", help=REVISION_HELP),
    repair: bool = typer.Option(False, "--repair", help="Only bring library files and index in step with the database (after a crash)."),
    as_: Optional[str] = typer.Option(None, "--as", help=AS_HELP),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=STDIN_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Publish an approved draft into the library (lead only) and re-index its file."""
    if repair:
        report = _services(ctx).publisher.repair()
        if as_json:
            print_json(report.to_dict())
        else:
            echo(f"rewritten {len(report.rewritten)}, removed {len(report.removed)}, re-indexed {len(report.reindexed)}, "
                 f"temp files removed {report.temp_files_removed}, conflicts {len(report.conflicts)}, "
                 f"index failures {len(report.index_failures)}")
            for path in (*report.rewritten, *report.removed):
                echo(f"  {'rewritten' if path in report.rewritten else 'removed'}: {_safe(path)}")
        for conflict in report.conflicts:
            echo(f"  conflict: {_safe(conflict)}", err=True)
        for failure in report.index_failures:
            echo(f"  index failure: {_safe(failure)}", err=True)
        return
    if draft_id is None:
        fail("give the draft ID to publish (or --repair)")
    rev = _revision(draft_id, revision)
    user = acting_user(ctx, as_, password_stdin)
    result = _services(ctx).publisher.publish(user, draft_id, rev)
    if as_json:
        print_json(result.to_dict())
    else:
        pushed = f"; commit {result.commit[:12]} pushed to the library remote" if result.commit else ""
        echo(f"published draft {draft_id} revision {result.revision} to {result.path} (module {result.module_id}){pushed}")
    if result.warning:
        echo(f"warning: {result.warning}", err=True)


def unpublish(
    ctx: typer.Context,
    draft_id: int = typer.Argument(..., metavar="ID", help="Draft id."),
    reason: str = typer.Option(..., "--reason", help="Why it is withdrawn (required, kept in the audit log)."),
    as_: Optional[str] = typer.Option(None, "--as", help=AS_HELP),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=STDIN_HELP),
) -> None:
    """Withdraw a published module: archive the draft, remove the file from the library and the index (lead only)."""
    user = acting_user(ctx, as_, password_stdin)
    result = _services(ctx).publisher.unpublish(user, draft_id, reason)
    reverted = f"; revert commit {result.commit[:12]} pushed to the library remote" if result.commit else ""
    echo(f"unpublished draft {draft_id}: removed {result.path}{reverted}")
    if result.warning:
        echo(f"warning: {result.warning}", err=True)


# ---------------------------------------------------------------------- audit


@audit_app.command("verify")
def audit_verify(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Recompute the hash chain; fails naming the first edited, inserted or deleted row."""
    result = _services(ctx).audit_trail.verify()
    if as_json:
        print_json(result.to_dict())
        if not result.ok:
            raise typer.Exit(1)
        return
    if not result.ok:
        fail(f"audit log tampered: {result.problem}")
    echo(f"audit log intact: {result.rows_checked} rows, head {result.head_hash}")


@audit_app.command("export")
def audit_export(
    ctx: typer.Context,
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="CSV file to write (default: stdout)."),
) -> None:
    """Export the audit log as CSV."""
    if output is None:
        _services(ctx).audit_trail.export_csv(sys.stdout)
        return
    temp = output.with_name(f".{output.name}.part")
    with temp.open("w", encoding="utf-8", newline="") as stream:
        count = _services(ctx).audit_trail.export_csv(stream)
    temp.replace(output)
    echo(f"wrote {count} rows to {output}", err=True)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the workbench CLI."""
    app.add_typer(users_app, name="users")
    app.add_typer(review_app, name="review")
    app.add_typer(audit_app, name="audit")
    app.command("publish")(publish)
    app.command("unpublish")(unpublish)
