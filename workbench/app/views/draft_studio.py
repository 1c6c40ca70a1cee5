"""Draft studio: the brief, streamed generation with cancel, the draft beside its sources and findings,
edits and regeneration of one part, and submission for review."""

import threading

import streamlit as st
from pydantic import ValidationError

from review.policy import Action, DraftState, Role
from workbench.app import session
from workbench.app.citations import citation_links
from workbench.app.conflicts import Shown, until_reloaded
from workbench.app.draft_panel import finding_rows, run_action, show_flash, show_gating_findings, show_sources
from workbench.app.paging import paged_drafts
from workbench.app.policy_gate import require_policy_accepted
from workbench.app.services import get_services
from workbench.app.studio import (
    BRIEF_KEY, DRAFTS_TAB, NEW_TAB, OPEN_DRAFT_KEY, TAB_KEY, StreamView, open_draft, picker_key, progress_writer,
    remember_seen, seen_revision,
)
from workbench.app.ui import errors_shown, model_banner, plain, show_markdown
from workbench.domain.drafts import Brief, DraftContent
from workbench.domain.library import Level
from workbench.drafting import edits
from workbench.drafting.brief import brief_from_form

user = session.require("draft_studio")
services = get_services()
queries, lifecycle, drafting = services.review_queries, services.lifecycle, services.drafting
st.title("Draft studio", anchor=False)
require_policy_accepted(services.governance, user)
with errors_shown():
    model_banner(services.llm)
show_flash()

if st.session_state.pop("wb_generation_running", False):
    # The previous run stopped in the middle of a generation: the Cancel button (or leaving the page) interrupted it.
    st.warning("Generation cancelled: nothing was stored.")

# The open tab is kept in the session (it survives save, regenerate, submit and the flash above it).
new_tab, drafts_tab = st.tabs([NEW_TAB, DRAFTS_TAB], key=TAB_KEY, on_change="rerun")

# ------------------------------------------------------------------ brief and generation
with new_tab:
    prefill = Brief.model_validate(st.session_state.get(BRIEF_KEY) or {"topic": ""})
    if st.session_state.get(BRIEF_KEY):
        st.info("Brief filled in from the gap you chose; adjust it before drafting.")
    with st.form("wb_brief"):
        left, right = st.columns(2)
        values = {
            "topic": left.text_input("Topic", prefill.topic, key="wb_brief_topic"),
            "skill_ids": left.text_input("Skill ids (comma-separated)", ", ".join(prefill.skill_ids), key="wb_brief_skills"),
            "audience": left.text_input("Audience", prefill.audience, key="wb_brief_audience"),
            "level": left.selectbox("Level", [level.value for level in Level], index=list(Level).index(prefill.level), key="wb_brief_level"),
            "duration_minutes": left.number_input("Duration (minutes)", 5, 600, prefill.duration_minutes, key="wb_brief_duration"),
            "question_count": left.number_input("Questions", 1, 50, prefill.question_count, key="wb_brief_questions"),
            "locale": right.text_input("Locale", prefill.locale, key="wb_brief_locale"),
            "cultural_context": right.text_input("Cultural context", prefill.cultural_context, key="wb_brief_culture"),
            "tone": right.text_input("Tone", prefill.tone, key="wb_brief_tone"),
            "must_include": right.text_area("Must include (one per line)", "\n".join(prefill.must_include), key="wb_brief_must"),
            "prefer_sources": right.text_area("Sources to prefer (module ids or paths, one per line)", "\n".join(prefill.prefer_sources), key="wb_brief_prefer"),
            "avoid_sources": right.text_area("Sources to avoid (one per line)", "\n".join(prefill.avoid_sources), key="wb_brief_avoid"),
        }
        submit_now = st.checkbox("Submit for review as soon as it is drafted", value=False, key="wb_brief_submit")
        generate = st.form_submit_button("Draft module and assessment", type="primary", icon=":material/auto_awesome:")

    if generate:
        brief = None
        try:
            brief = brief_from_form(values)
            if not brief.topic:
                st.error("The brief needs a topic.")
                brief = None
        except ValidationError as error:
            st.error(plain(f"The brief is not valid: {error.errors()[0]['loc'][0]}: {error.errors()[0]['msg']}"))
        if brief is not None:
            # Clicking Cancel re-runs the page, which interrupts the generation at its next streamed token.
            st.button("Cancel", key="wb_cancel_generation", icon=":material/stop_circle:")
            st.session_state["wb_generation_running"] = True
            status = st.status("Drafting…", expanded=True)
            stream = StreamView(status.empty())
            with errors_shown():
                try:
                    result = drafting.create_draft(
                        user.name, brief, submit=submit_now, progress=progress_writer(status),
                        on_token=stream.on_token, cancel=threading.Event(),
                    )
                finally:
                    stream.show()  # the parts that arrived since the last refresh
                status.update(label=f"Draft #{result.draft_id} stored ({result.state}) with {len(result.findings)} findings", state="complete", expanded=True)
                st.session_state[OPEN_DRAFT_KEY] = result.draft_id
                st.session_state.pop(BRIEF_KEY, None)
                st.success(f"Draft #{result.draft_id} is ready: open it under “My drafts”.")
                st.button(f"Open draft #{result.draft_id}", key="wb_open_new_draft", icon=":material/arrow_forward:",
                          on_click=open_draft, args=(result.draft_id,))
            st.session_state.pop("wb_generation_running", None)

# ------------------------------------------------------------------ one draft: view, edit, regenerate, submit
def _findings_at(findings: list, location: str) -> list[dict]:
    return [row for row in finding_rows(findings) if row["where"] == location]


def _show_findings_inline(findings: list, location: str) -> None:
    for row in _findings_at(findings, location):
        box = {"error": st.error, "warning": st.warning}.get(row["severity"], st.info)
        box(plain(f"{row['check']}: {row['message']}" + (" (advisory)" if row["advisory"] else "")))


def _save(edit, note: str) -> None:
    """Apply one form's edit (a DraftEditInvalid shows as an error) and store it as a new revision."""
    def store() -> None:
        drafting.edit(user.name, draft.id, acted_on, edit(), note=note)

    run_action(store, f"Saved as a new revision ({note}); the checks ran again.", "edit")
    st.rerun()


def _regenerate_control(kind: str, label: str, part_id: str, regenerate) -> None:
    """A note and a Regenerate button for one section or question; the model's reply streams into a status box."""
    note = st.text_input("What should change? (optional)", key=f"wb_{kind}_note_{draft.id}_{part_id}")
    if st.button(f"Regenerate {label} {part_id}", key=f"wb_regen_{kind}_{draft.id}_{part_id}", disabled=not actions.can_edit,
                 icon=":material/autorenew:"):
        stream = StreamView(st.status(plain(f"Regenerating {label} {part_id}…"), expanded=True).empty())
        run_action(lambda: regenerate(note, stream.on_token),
                   f"{label.capitalize()} {part_id} regenerated; the rest of the draft is unchanged.", f"regeneration of {label} {part_id}")
        st.rerun()


with drafts_tab:
    with errors_shown():
        hidden = {DraftState.ARCHIVED, DraftState.REJECTED}
        authors = None if user.has(Role.LEAD) else [user.name]
        mine = paged_drafts("wb_studio_page", lambda after, limit: queries.page_drafts(
            authors=authors, exclude_states=hidden, after=after, limit=limit))
        if not mine:
            st.info("No drafts yet: write a brief under “New draft”, or pick a gap on the Gaps page.")
            st.stop()
        labels = {d.id: f"#{d.id} {d.title} — {d.state.value}, revision {d.revision}" for d in mine}
        wanted = st.session_state.get(OPEN_DRAFT_KEY)
        ids = list(labels)
        draft_id = st.selectbox("Draft", ids, index=ids.index(wanted) if wanted in ids else 0, key=picker_key(labels),
                                format_func=labels.get)
        st.session_state[OPEN_DRAFT_KEY] = draft_id  # the draft reopens after leaving the page and coming back
        draft = queries.get_draft(draft_id)
        # While a conflict on this draft waits for a reload, its controls stay closed.
        actions = until_reloaded(queries.actions_for(user.name, draft.id))
        acted_on = seen_revision(draft.id, draft.revision)
        content = DraftContent.model_validate(draft.content)

        st.text(f"State: {draft.state.value} · revision {draft.revision} · author {draft.author}")
        if actions.edit_voids_sign_offs:
            st.caption("Editing creates a new revision: every sign-off of the current one is voided and the draft goes back to drafting.")
        if not content.provenance.grounded:
            st.warning("Ungrounded draft: the library had nothing on this topic, so nothing in it is backed by a source.")
        # Every error finding, wherever it sits, at the top: it blocks submitting until fixed or waived.
        show_gating_findings(lifecycle, draft, actions, user.name, key=f"wb_studio_findings_{draft.id}")
        _show_findings_inline(draft.findings, "module")

        # Forms are keyed by draft and part, not revision: a Save clicked on the revision shown is
        # always received, and refused with the conflict notice when the draft has moved on since.
        draft_col, sources_col = st.columns([3, 2])
        with sources_col:
            st.header("Sources", anchor=False)
            sources = show_sources(drafting, draft)
        with draft_col:
            module = content.module
            with st.expander("Module details", expanded=False):
                with st.form(f"wb_meta_{draft.id}"):
                    title = st.text_input("Title", module.title)
                    summary = st.text_area("Summary", module.summary)
                    audience = st.text_input("Audience", module.audience)
                    duration = st.number_input("Duration (minutes)", 1, 600, module.duration_minutes)
                    takeaways = st.text_area("Key takeaways (one per line)", "\n".join(module.key_takeaways))
                    objectives = st.text_area("Objectives (one per line: id | bloom level | verb | text)", edits.objectives_text(content))
                    if st.form_submit_button("Save details", disabled=not actions.can_edit):
                        _save(lambda: edits.edit_details(content, title=title, summary=summary, audience=audience,
                                                         duration_minutes=int(duration), takeaways=takeaways,
                                                         objectives=objectives), "edited the module details")
            for objective in module.objectives:  # outside the collapsed details: findings are never hidden
                _show_findings_inline(draft.findings, f"objective:{objective.id}")

            st.header(plain(module.title), anchor=False)
            st.text(module.summary)
            for section in module.sections:
                with st.container(border=True):
                    st.text(f"Section {section.id} · {section.heading}")
                    show_markdown(section.body)
                    citation_links(section.citations, sources)
                    _show_findings_inline(draft.findings, f"section:{section.id}")
                    with st.expander(plain(f"Edit or regenerate section {section.id}")):
                        with st.form(f"wb_sec_{draft.id}_{section.id}"):
                            heading = st.text_input("Heading", section.heading)
                            body = st.text_area("Body (markdown)", section.body, height=200)
                            if st.form_submit_button("Save section", disabled=not actions.can_edit):
                                _save(lambda s=section.id, h=heading, b=body: edits.edit_section(content, s, heading=h, body=b),
                                      f"edited section {section.id}")
                        _regenerate_control("sec", "section", section.id, lambda note, on_token, s=section.id: drafting.regenerate_section(
                            user.name, draft.id, s, acted_on, note=note, on_token=on_token))

            st.header("Assessment", anchor=False)
            for item in content.assessment.items:
                with st.container(border=True):
                    st.text(f"Question {item.id} · {item.type.value} · objective {item.objective_id} · {item.difficulty.value}")
                    show_markdown(item.stem)
                    for option in item.options:
                        st.text(f"{'✔' if option.correct else '○'} {option.id}. {option.text}" + (f"  — {option.feedback}" if option.feedback else ""))
                    st.text(f"Rationale: {item.rationale}")
                    citation_links(item.citations, sources)
                    _show_findings_inline(draft.findings, f"item:{item.id}")
                    with st.expander(plain(f"Edit or regenerate question {item.id}")):
                        with st.form(f"wb_item_{draft.id}_{item.id}"):
                            stem = st.text_area("Question", item.stem)
                            options = st.text_area("Options (one per line; start the correct ones with '*')", edits.options_text(content, item.id))
                            rationale = st.text_area("Rationale", item.rationale)
                            if st.form_submit_button("Save question", disabled=not actions.can_edit):
                                _save(lambda i=item.id, q=stem, o=options, r=rationale: edits.edit_item(content, i, stem=q, options=o, rationale=r),
                                      f"edited item {item.id}")
                        _regenerate_control("item", "question", item.id, lambda note, on_token, i=item.id: drafting.regenerate_item(
                            user.name, draft.id, i, acted_on, note=note, on_token=on_token))

            with st.expander("Edit the whole draft as JSON (every field)"):
                with st.form(f"wb_json_{draft.id}"):
                    raw = st.text_area("Draft content", content.model_dump_json(indent=2), height=400)
                    if st.form_submit_button("Save JSON", disabled=not actions.can_edit):
                        _save(lambda: edits.edit_json(raw), "edited the draft")

        st.divider()
        if draft.state is DraftState.CHANGES_REQUESTED:
            st.info("A reviewer asked for changes: edit the draft (a new revision) and submit it again.")
            for comment in draft.comments:
                st.text(f"{comment.user} on revision {comment.revision}: {comment.text}")
        if draft.state in (DraftState.DRAFTING, DraftState.CHANGES_REQUESTED):
            if actions.blocked:
                st.warning(f"Submitting is blocked by {len(actions.blocking)} error finding(s) listed at the top of the draft: "
                           "fix them (a new revision) or ask a reviewer of the finding's dimension to waive them.")
            st.button(
                "Submit for review", type="primary", key=f"wb_submit_{draft.id}", icon=":material/send:",
                disabled=not actions.can(Action.SUBMIT), on_click=run_action,
                # A click runs this callback before the next run: it acts on the revision this run shows.
                args=(lambda shown=draft.revision: lifecycle.submit(user.name, draft.id, shown), f"Draft #{draft.id} submitted for review.",
                      "submission", Shown(draft, queries, services.audit_trail)),
            )
        else:
            st.caption(f"This draft is {draft.state.value}.")
        remember_seen(draft.id, draft.revision)
