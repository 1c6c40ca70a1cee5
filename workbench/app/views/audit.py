"""Audit (lead): coverage over time, review throughput, AI share, provenance, audit log, publishing, users."""

import secrets

import pandas as pd
import streamlit as st

from workbench.app import charts, session
from review.policy import Action, DraftState, Role
from workbench.app.audit_view import ai_share, csv_text, provenance_fields, throughput, time_in_review
from workbench.app.conflicts import Shown, until_reloaded
from workbench.app.draft_panel import run_action, show_flash
from workbench.app.freshness_panel import show_flags
from workbench.app.paging import paged_drafts
from workbench.app.services import get_services
from workbench.app.ui import errors_shown, plain, show_fields

user = session.require("audit")
services = get_services()
queries, accounts, trail = services.review_queries, services.accounts, services.audit_trail
ROLE_NAMES = [role.value for role in Role]
# Each approved or published draft is shown with its controls and provenance: a short page keeps that quick.
APPROVED_PAGE_SIZE = 20
st.title("Audit", anchor=False)
show_flash()

# The open tab is kept in the session: without a key, the flash shown above it after an action reopens "Overview".
overview, publishing, log, people, usage = st.tabs(["Overview", "Publishing", "Audit log", "Users and roles", "AI usage"],
                                                   key="wb_audit_tab", on_change="rerun")

with overview:
    st.header("Coverage over time", anchor=False)
    history = services.coverage_history.entries()
    if history:
        frame = pd.DataFrame(history)
        st.vega_lite_chart(frame, charts.coverage_over_time(), width="stretch")
    else:
        st.caption("No gap report has been run yet; each run on the Gaps page adds a point here.")

    with errors_shown():
        rows = trail.rows()
        st.header("Review throughput", anchor=False)
        counts = pd.DataFrame(throughput(rows))
        if counts.empty:
            st.caption("No review activity yet.")
        else:
            st.vega_lite_chart(counts, charts.review_throughput(), width="stretch")
        st.header("Time in review", anchor=False)
        durations = pd.DataFrame(time_in_review(rows))
        if durations.empty:
            st.caption("No draft has been submitted yet.")
        else:
            decided = durations[durations["outcome"] != "still in review"]
            columns = st.columns(3)
            columns[0].metric("Submitted drafts", len(durations))
            columns[1].metric("Decided", len(decided))
            columns[2].metric("Median hours to a decision", f"{decided['hours'].median():.1f}" if not decided.empty else "–")
            st.dataframe(durations, hide_index=True, width="stretch")

    st.header("AI-drafted vs human-written", anchor=False)
    with errors_shown():
        share = ai_share(services.index.scan().modules)
        st.vega_lite_chart(pd.DataFrame([{"origin": k, "modules": v} for k, v in share.items()]), charts.origin_share())
        st.caption(f"{share['AI-drafted']} AI-drafted and {share['human-written']} human-written modules in the library.")

with publishing:
    st.header("Approved drafts", anchor=False)
    with errors_shown():
        approved = paged_drafts("wb_approved_page", lambda after, limit: queries.page_drafts(
            state=DraftState.APPROVED, after=after, limit=limit), page_size=APPROVED_PAGE_SIZE)
        if not approved:
            st.caption("No approved draft is waiting.")
        for draft in approved:
            with st.container(border=True):
                st.text(f"#{draft.id} {draft.title} — revision {draft.revision}, by {draft.author}")
                may = until_reloaded(queries.actions_for(user.name, draft.id))  # closed while a conflict on it waits for a reload
                for finding in may.blocking:
                    st.error(plain(f"Blocks publishing: {finding.location} · {finding.check}: {finding.message} "
                                   f"(fix it in a new revision, or a reviewer of {finding.dimension.value} waives it)"))
                confirming = f"wb_confirm_publish_{draft.id}"
                if not st.session_state.get(confirming):
                    st.button("Publish…", key=f"wb_publish_{draft.id}", icon=":material/publish:", disabled=not may.can(Action.PUBLISH),
                              on_click=lambda key=confirming: st.session_state.__setitem__(key, True))
                    continue
                # Publishing is final for learners: the lead sees what will be recorded, then confirms.
                st.markdown("**Publish this revision into the library?** It will be recorded with:")
                show_fields(provenance_fields(queries.get_draft(draft.id)))
                columns = st.columns(2)
                columns[0].button(
                    "Publish now", key=f"wb_publish_confirm_{draft.id}", type="primary", icon=":material/publish:", on_click=run_action,
                    disabled=not may.can(Action.PUBLISH),
                    args=(lambda d=draft: services.publisher.publish(user.name, d.id, d.revision), f"Published draft #{draft.id} into the library.", "publish",
                          Shown(draft, queries, services.audit_trail)),
                )
                columns[1].button("Cancel", key=f"wb_publish_cancel_{draft.id}",
                                  on_click=lambda key=confirming: st.session_state.pop(key, None))

    st.header("Changed outside review", anchor=False)
    with errors_shown():
        outside = services.publisher.changed_outside_review()
        if not outside:
            st.caption("Every published module is exactly as review published it.")
        for change in outside:
            # The path came from the library; plain() keeps it from being read as markdown.
            st.warning(plain(f"#{change.draft_id} {change.path}: changed outside review ({change.what} since it was published)."))

    st.header("Sources changed or review stale", anchor=False)
    with errors_shown():
        flags = services.freshness.flags()
        if not flags:
            st.caption("Every published module's cited passages are as published and its last review is recent.")
        show_flags(flags, services.freshness, user.name, "wb_audit_fresh")

    st.header("Published modules and their provenance", anchor=False)
    with errors_shown():
        published = paged_drafts("wb_published_page", lambda after, limit: queries.page_drafts(
            state=DraftState.PUBLISHED, after=after, limit=limit), page_size=APPROVED_PAGE_SIZE)
        if not published:
            st.caption("Nothing has been published yet.")
        for summary in published:
            draft = queries.get_draft(summary.id)
            with st.expander(plain(f"#{draft.id} {draft.title} → {draft.published_path}")):
                show_fields(provenance_fields(draft))
                reason = st.text_input("Reason to unpublish", key=f"wb_unpublish_reason_{draft.id}")
                st.button(
                    "Unpublish", key=f"wb_unpublish_{draft.id}", icon=":material/unpublished:", on_click=run_action,
                    args=(lambda d=draft.id: services.publisher.unpublish(user.name, d, st.session_state.get(f"wb_unpublish_reason_{d}", "")),
                          f"Unpublished draft #{draft.id}: archived and removed from the index."),
                )

with log:
    with errors_shown():
        if st.button("Verify the audit log's integrity", key="wb_audit_verify", icon=":material/verified:"):
            result = trail.verify()
            if result.ok:
                st.success(f"The audit log is intact: {result.rows_checked} rows checked.")
            else:
                st.error(plain(f"The audit log was tampered with: {result.problem} (first bad row: {result.first_bad_seq})."))
        st.download_button("Export the audit log (CSV)", csv_text(trail.export_csv), file_name="audit-log.csv", mime="text/csv",
                           key="wb_audit_csv")
        recent = trail.rows(limit=500)
        st.caption(f"The {len(recent)} most recent rows, newest first")
        st.dataframe(
            pd.DataFrame([{k: (str(v) if k == "details" else v) for k, v in row.items() if k not in ("prev_hash",)} for row in reversed(recent)]),
            hide_index=True, width="stretch",
        )

with people:
    users = []
    with errors_shown():
        users = accounts.list_users()
        st.dataframe(pd.DataFrame([{
            "name": u.name, "display name": u.display_name, "roles": ", ".join(sorted(r.value for r in u.roles)),
            "disabled": u.disabled, "sign-in": "OIDC" if u.oidc_subject else ("password" if u.has_password else "none"),
            "identity": f"{u.oidc_issuer} / {u.oidc_subject}" if u.oidc_subject else "",
        } for u in users]), hide_index=True, width="stretch")

    st.header("Sign-in lockouts", anchor=False)
    with errors_shown():
        lockouts = accounts.lockouts()
        if not lockouts:
            st.caption("No account or address is locked out after failed sign-ins.")
        for lock in lockouts:
            line, action = st.columns([5, 1])
            # Subjects are user names, hashes of unknown names or IP addresses: shown as plain text.
            line.text(f"{lock.scope} {lock.subject}: {lock.failures} failed sign-ins since "
                      f"{lock.first_failed_at:%Y-%m-%d %H:%M} UTC, locked until {lock.locked_until:%H:%M:%S} UTC")
            if action.button("Lift", key=f"wb_lift_{lock.scope}_{lock.subject}"):
                accounts.lift_lockout(user.name, lock.subject, lock.scope)
                st.rerun()

    st.header("Add a user", anchor=False)
    with st.form("wb_add_user", clear_on_submit=True):
        name = st.text_input("User name", key="wb_new_user_name")
        display = st.text_input("Display name", key="wb_new_user_display")
        roles = st.multiselect("Roles", ROLE_NAMES, key="wb_new_user_roles")
        if st.form_submit_button("Add user"):
            password = secrets.token_urlsafe(18)
            with errors_shown():
                accounts.add_user(name.strip(), password, roles, actor=user.name, display_name=display.strip())
                st.success(f"Added {plain(name.strip())}. Their first password (shown once; pass it on privately):")
                st.code(password, language=None)

    st.header("Change roles or disable", anchor=False)
    names = [u.name for u in users]
    if names:
        target = st.selectbox("User", names, key="wb_role_user")
        current = next(u for u in users if u.name == target)
        # Not "Roles" as in the form above: a screen reader tells the two apart by their labels alone.
        new_roles = st.multiselect("Roles of the chosen user", ROLE_NAMES, default=[r.value for r in Role if r in current.roles], key=f"wb_roles_{target}")
        columns = st.columns(2)
        columns[0].button("Save roles", key=f"wb_save_roles_{target}", on_click=run_action,
                          args=(lambda t=target: accounts.set_roles(user.name, t, st.session_state.get(f"wb_roles_{t}", [])), f"Roles of {target} saved."))
        if current.disabled:
            columns[1].button("Enable", key=f"wb_enable_{target}", on_click=run_action,
                              args=(lambda t=target: accounts.disable_user(user.name, t, disabled=False), f"{target} can sign in again."))
        else:
            columns[1].button("Disable", key=f"wb_disable_{target}", on_click=run_action,
                              args=(lambda t=target: accounts.disable_user(user.name, t), f"{target} is disabled."))

with usage:
    st.header("AI usage per person, use and endpoint", anchor=False)
    with errors_shown():
        governance = services.governance
        usage_rows = [row.to_dict() for row in governance.usage_rows()]
        if not usage_rows:
            st.caption("No model call has been made yet.")
        else:
            st.dataframe(pd.DataFrame(usage_rows), hide_index=True, width="stretch")
        st.download_button("Export the usage (CSV)", csv_text(governance.usage_csv), file_name="ai-usage.csv", mime="text/csv",
                           key="wb_usage_csv")
