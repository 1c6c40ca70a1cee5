"""Showing one draft: content beside its sources, findings, diff to the previous revision, comments."""

from __future__ import annotations

from typing import Any, Callable

import pandas as pd
import streamlit as st

from review.errors import InvalidTransition, ReviewError, StaleRevision
from review.lifecycle import DraftLifecycle
from review.policy import DraftActions
from review.queries import ReviewQueries
from review.views import DraftView
from workbench.app.citations import LIBRARY_PAGE, PASSAGE_PARAM, citation_label, readable_sources
from workbench.app.conflicts import Shown, remember_conflict, show_conflict
from workbench.app.ui import errors_shown, plain, show_markdown
from workbench.domain.drafts import DraftContent
from workbench.domain.library import Chunk
from workbench.drafting.service import DraftingService
from workbench.errors import WorkbenchError
from workbench.library.format import body_of

FLASH_KEY = "wb_flash"


def flash(kind: str, message: str) -> None:
    """Remember a one-line outcome of an action to show on the next run (actions run in callbacks)."""
    st.session_state[FLASH_KEY] = (kind, message)


def show_flash() -> None:
    """Show and forget the outcome of the last action; a revision conflict stays until the draft is reloaded."""
    outcome = st.session_state.pop(FLASH_KEY, None)
    if outcome:
        kind, message = outcome
        {"success": st.success, "error": st.error, "warning": st.warning}.get(kind, st.info)(plain(message))
    show_conflict()


def run_action(action: Callable[[], Any], success: str, attempted: str = "action", shown: Shown | None = None) -> None:
    """Run one service call from a button callback, turning a named error into the flash message.

    A draft changed meanwhile becomes the conflict notice (`attempted` names the action in it): a newer
    revision always; a refusal because the state moved on since the page showed `shown`, too."""
    try:
        action()
    except StaleRevision as error:
        remember_conflict(error, attempted)
    except InvalidTransition as error:
        if shown is None or not shown.moved_on(attempted):
            flash("error", str(error))
    except (ReviewError, WorkbenchError) as error:
        flash("error", str(error))
    else:
        flash("success", success)


def finding_rows(findings: list) -> list[dict]:
    """Findings as table rows, errors first."""
    order = {"error": 0, "warning": 1, "info": 2}
    rows = [
        {
            "severity": str(f.get("severity", "")),
            "where": str(f.get("location", "")),
            "check": str(f.get("check", "")),
            "message": str(f.get("message", "")),
            "advisory": bool(f.get("advisory", False)),
        }
        for f in (findings or [])
        if isinstance(f, dict)
    ]
    return sorted(rows, key=lambda row: (order.get(row["severity"], 3), row["where"]))


def show_findings(findings: list) -> None:
    """The pre-review checks' findings, located at the parts they concern."""
    rows = finding_rows(findings)
    if not rows:
        st.success("No findings from the pre-review checks.")
        return
    errors = sum(row["severity"] == "error" for row in rows)
    warnings = sum(row["severity"] == "warning" for row in rows)
    st.caption(f"{errors} errors, {warnings} warnings, {len(rows) - errors - warnings} notes")
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def show_gating_findings(lifecycle: DraftLifecycle, draft: DraftView, actions: DraftActions, user_name: str, key: str) -> None:
    """The revision's error findings at the top of the draft, each with its waiver or what unblocks it.

    Never inside a collapsed box: while one is left unwaived, the revision cannot be submitted, signed
    off or published. A reviewer of the finding's dimension gets a reason box and a Waive button.
    """
    for finding in draft.gating_findings:
        where = f"{finding.location} · {finding.check}: {finding.message}"
        if not finding.blocks:
            st.info(plain(f"Waived by {finding.waived_by}: {where} — reason: {finding.waiver_reason}"), icon=":material/task_alt:")
            continue
        st.error(plain(f"Blocks submit, sign-off and publish: {where} (fix it in a new revision, or a "
                       f"reviewer of {finding.dimension.value} waives it)"), icon=":material/block:")
        if actions.can_waive(finding.key):
            reason_key = f"{key}_waive_reason_{finding.key}"
            columns = st.columns([4, 1])
            columns[0].text_input("Reason to waive it (kept in the audit log)", key=reason_key)
            columns[1].button(
                "Waive", key=f"{key}_waive_{finding.key}", icon=":material/rule:", on_click=run_action,
                args=(lambda k=finding.key, r=reason_key: lifecycle.waive_finding(
                    user_name, draft.id, k, st.session_state.get(r, ""), actions.revision),
                      f"Finding waived on revision {actions.revision}; the next revision is checked afresh.", "waiver"),
            )


def citing_parts(content: dict) -> dict[str, list[str]]:
    """For each cited chunk id, the sections and items that cite it."""
    cited: dict[str, list[str]] = {}
    for section in (content.get("module", {}) or {}).get("sections", []):
        for chunk_id in section.get("citations", []):
            cited.setdefault(chunk_id, []).append(f"section {section.get('id')}")
    for item in (content.get("assessment", {}) or {}).get("items", []):
        for chunk_id in item.get("citations", []):
            cited.setdefault(chunk_id, []).append(f"item {item.get('id')}")
    return cited


def show_sources(drafting: DraftingService, draft: DraftView) -> dict[str, Chunk]:
    """The library passages the draft cites or was drafted from, each rendered safely with a link to
    it on the Library page; returns them by id (empty when the draft cannot be read)."""
    sources: dict[str, Chunk] = {}
    with errors_shown():
        content = DraftContent.model_validate(draft.content)
        sources = drafting.sources_for(content)
        if not sources:
            st.info("This draft cites no library passage (it is labelled ungrounded when the library had nothing).")
        cited = citing_parts(draft.content or {})
        for chunk_id, chunk in sources.items():
            by = cited.get(chunk_id)
            label = citation_label(chunk) + (f"  (cited by {', '.join(by)})" if by else "  (retrieved, not cited)")
            with st.expander(plain(label), expanded=False):
                st.page_link(LIBRARY_PAGE, label="Open it in the Library", icon=":material/menu_book:",
                             query_params={PASSAGE_PARAM: chunk_id})
                st.text(chunk.path)
                show_markdown(chunk.text)
    return sources


def show_draft_side_by_side(drafting: DraftingService, draft: DraftView) -> None:
    """The draft's markdown on the left (citations named by module and heading), the passages it cites on the right."""
    left, right = st.columns([3, 2])
    with right:
        st.header("Cited sources", anchor=False)
        sources = show_sources(drafting, draft)
    with left:
        st.header("Draft", anchor=False)
        show_markdown(readable_sources(body_of(draft.markdown), sources))


def show_diff(queries: ReviewQueries, draft: DraftView, key: str) -> None:
    """The readable diff between two revisions (by default the previous and the current)."""
    if draft.revision < 2:
        st.caption("This is the first revision: nothing to compare yet.")
        return
    numbers = list(range(1, draft.revision + 1))
    columns = st.columns(2)
    rev_a = columns[0].selectbox("From revision", numbers, index=len(numbers) - 2, key=f"{key}_a")
    rev_b = columns[1].selectbox("To revision", numbers, index=len(numbers) - 1, key=f"{key}_b")
    with errors_shown():
        st.code(queries.diff(draft.id, rev_a, rev_b), language="diff")


def anchors_of(draft: DraftView) -> list[str]:
    """Anchors a comment may point at: the draft's sections, items and objectives."""
    content = draft.content or {}
    module = content.get("module", {}) or {}
    anchors = [f"section:{s.get('id')}" for s in module.get("sections", []) if s.get("id")]
    anchors += [f"objective:{o.get('id')}" for o in module.get("objectives", []) if o.get("id")]
    anchors += [f"item:{i.get('id')}" for i in (content.get("assessment", {}) or {}).get("items", []) if i.get("id")]
    return anchors


def show_comments(lifecycle: DraftLifecycle, draft: DraftView, user_name: str, key: str) -> None:
    """The draft's comments and a form to add one, optionally anchored to a part."""
    for comment in draft.comments:
        where = f" on {comment.anchor}" if comment.anchor else ""
        with st.container(border=True):
            st.text(f"{comment.user} · revision {comment.revision}{where} · {comment.created_at:%Y-%m-%d %H:%M}")
            st.text(comment.text)
    with st.form(f"{key}_comment", clear_on_submit=True):
        text = st.text_area("Add a comment", key=f"{key}_comment_text")
        anchor = st.selectbox("About", ["(the whole draft)", *anchors_of(draft)], key=f"{key}_comment_anchor")
        if st.form_submit_button("Comment"):
            run_action(
                lambda: lifecycle.comment(user_name, draft.id, text, None if anchor.startswith("(") else anchor),
                "Comment added.",
            )
            st.rerun()


def sign_off_rows(draft: DraftView) -> list[dict]:
    """Who signed which dimension of the current revision, which sign-offs lapsed and why, and what is missing."""
    rows = [
        {"dimension": s.dimension.value, "signed by": s.user, "revision": s.revision, "at": f"{s.signed_at:%Y-%m-%d %H:%M}",
         "status": "counts"}
        for s in draft.sign_offs
    ]
    rows += [
        {"dimension": s.dimension.value, "signed by": s.user, "revision": s.revision, "at": f"{s.signed_at:%Y-%m-%d %H:%M}",
         "status": f"no longer counts: {s.lapsed_because}"}
        for s in draft.lapsed_sign_offs
    ]
    lapsed = {s.dimension for s in draft.lapsed_sign_offs}
    rows += [{"dimension": d.value, "signed by": "(missing)", "revision": draft.revision, "at": "", "status": "missing"}
             for d in draft.missing_dimensions if d not in lapsed]
    return rows


def show_lapsed_sign_offs(draft: DraftView) -> None:
    """A warning naming each sign-off that no longer counts, and why (above the decision, never hidden)."""
    for sign_off in draft.lapsed_sign_offs:
        st.warning(plain(
            f"The {sign_off.dimension.value} sign-off by {sign_off.user} no longer counts: {sign_off.lapsed_because}. "
            f"Another {sign_off.dimension.value} reviewer needs to sign revision {sign_off.revision}."
        ), icon=":material/person_off:")
