"""Draft studio: the brief, streamed generation with cancel, the draft beside its sources and findings,
edits and regeneration of one part, and submission for review."""

import threading

import streamlit as st
from pydantic import ValidationError

from workbench.app import session
from workbench.app.draft_panel import finding_rows, run_action, show_flash, show_sources
from workbench.app.services import get_services
from workbench.app.studio import (
    BRIEF_KEY, OPEN_DRAFT_KEY, SKILLS_FILE_KEY, StreamView, brief_from_form, lines, progress_writer, remember_seen, seen_revision,
)
from workbench.app.ui import errors_shown, model_banner, plain, show_markdown
from workbench.domain.drafts import Brief, DraftContent

user = session.require("draft_studio")
services = get_services()
review = services.review
drafting = services.drafting
st.title("Draft studio")
with errors_shown():
    model_banner(services.llm)
show_flash()

if st.session_state.pop("wb_generation_running", False):
    # The previous run stopped in the middle of a generation: the Cancel button (or leaving the page) interrupted it.
    st.warning("Generation cancelled: nothing was stored.")

new_tab, drafts_tab = st.tabs(["New draft", "My drafts"])

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
            "level": left.selectbox("Level", ["foundation", "intermediate", "advanced"], index=["foundation", "intermediate", "advanced"].index(prefill.level.value), key="wb_brief_level"),
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
                result = drafting.create_draft(
                    user.name, brief, submit=submit_now, progress=progress_writer(status),
                    on_token=stream.on_token, cancel=threading.Event(),
                )
                status.update(label=f"Draft #{result.draft_id} stored ({result.state}) with {len(result.findings)} findings", state="complete", expanded=False)
                st.session_state[OPEN_DRAFT_KEY] = result.draft_id
                st.session_state.pop(BRIEF_KEY, None)
                st.success(f"Draft #{result.draft_id} is ready: open it under “My drafts”.")
            st.session_state.pop("wb_generation_running", None)

# ------------------------------------------------------------------ one draft: view, edit, regenerate, submit
EDITABLE = {"drafting", "changes_requested", "in_review", "approved", "published"}


def _findings_at(findings: list, location: str) -> list[dict]:
    return [row for row in finding_rows(findings) if row["where"] == location]


def _show_findings_inline(findings: list, location: str) -> None:
    for row in _findings_at(findings, location):
        box = {"error": st.error, "warning": st.warning}.get(row["severity"], st.info)
        box(plain(f"{row['check']}: {row['message']}" + (" (advisory)" if row["advisory"] else "")))


def _save(draft_id: int, revision: int, content: DraftContent, note: str) -> None:
    run_action(lambda: drafting.edit(user.name, draft_id, revision, content, note=note), f"Saved as a new revision ({note}); the checks ran again.")


with drafts_tab:
    with errors_shown():
        mine = [d for d in review.list_drafts() if d.author == user.name or user.has("lead")]
        mine = [d for d in mine if str(d.state) not in {"archived", "rejected"}]
        if not mine:
            st.info("No drafts yet: write a brief under “New draft”, or pick a gap on the Gaps page.")
            st.stop()
        ids = [d.id for d in mine]
        wanted = st.session_state.get(OPEN_DRAFT_KEY)
        draft_id = st.selectbox(
            "Draft", ids, index=ids.index(wanted) if wanted in ids else 0, key="wb_studio_pick",
            format_func=lambda i: next(f"#{d.id} {d.title} — {d.state}, revision {d.revision}" for d in mine if d.id == i),
        )
        draft = review.get_draft(draft_id)
        acted_on = seen_revision(draft.id, draft.revision)
        content = DraftContent.model_validate(draft.content)
        state = str(draft.state)
        editable = state in EDITABLE

        st.text(f"State: {state} · revision {draft.revision} · author {draft.author}")
        if state in {"in_review", "approved", "published"}:
            st.caption("Editing creates a new revision: every sign-off of the current one is voided and the draft goes back to drafting.")
        if not content.provenance.grounded:
            st.warning("Ungrounded draft: the library had nothing on this topic, so nothing in it is backed by a source.")
        for row in _findings_at(draft.findings, "module"):
            {"error": st.error, "warning": st.warning}.get(row["severity"], st.info)(plain(f"{row['check']}: {row['message']}"))

        draft_col, sources_col = st.columns([3, 2])
        with sources_col:
            st.subheader("Sources")
            show_sources(services, draft)
        with draft_col:
            module = content.module
            with st.expander("Module details", expanded=False):
                with st.form(f"wb_meta_{draft.id}_{draft.revision}"):
                    title = st.text_input("Title", module.title)
                    summary = st.text_area("Summary", module.summary)
                    audience = st.text_input("Audience", module.audience)
                    duration = st.number_input("Duration (minutes)", 1, 600, module.duration_minutes)
                    takeaways = st.text_area("Key takeaways (one per line)", "\n".join(module.key_takeaways))
                    objectives = st.text_area("Objectives (one per line: id | bloom level | verb | text)",
                                              "\n".join(f"{o.id} | {o.bloom_level.value} | {o.verb} | {o.text}" for o in module.objectives))
                    if st.form_submit_button("Save details", disabled=not editable):
                        data = content.model_dump(mode="json")
                        data["module"].update(title=title, summary=summary, audience=audience, duration_minutes=int(duration), key_takeaways=lines(takeaways))
                        parsed = []
                        for line in lines(objectives):
                            parts = [p.strip() for p in line.split("|", 3)]
                            if len(parts) == 4:
                                parsed.append({"id": parts[0], "bloom_level": parts[1], "verb": parts[2], "text": parts[3]})
                            else:
                                st.error(plain(f"Objective line needs 4 parts separated by '|': {line}"))
                                parsed = None
                                break
                        if parsed is not None:
                            data["module"]["objectives"] = parsed
                            try:
                                _save(draft.id, acted_on, DraftContent.model_validate(data), "edited the module details")
                            except ValidationError as error:
                                st.error(plain(f"Not saved: {error.errors()[0]['msg']}"))
                            st.rerun()
                for row_location in [f"objective:{o.id}" for o in module.objectives]:
                    _show_findings_inline(draft.findings, row_location)

            st.subheader(plain(module.title))
            st.text(module.summary)
            for index, section in enumerate(module.sections):
                with st.container(border=True):
                    st.text(f"Section {section.id} · {section.heading}")
                    show_markdown(section.body)
                    st.text("Cites: " + (", ".join(section.citations) or "nothing"))
                    _show_findings_inline(draft.findings, f"section:{section.id}")
                    with st.expander(plain(f"Edit or regenerate section {section.id}")):
                        with st.form(f"wb_sec_{draft.id}_{draft.revision}_{section.id}"):
                            heading = st.text_input("Heading", section.heading)
                            body = st.text_area("Body (markdown)", section.body, height=200)
                            if st.form_submit_button("Save section", disabled=not editable):
                                data = content.model_dump(mode="json")
                                data["module"]["sections"][index].update(heading=heading, body=body)
                                _save(draft.id, acted_on, DraftContent.model_validate(data), f"edited section {section.id}")
                                st.rerun()
                        note = st.text_input("What should change? (optional)", key=f"wb_sec_note_{draft.id}_{section.id}")
                        if st.button(f"Regenerate section {section.id}", key=f"wb_regen_sec_{draft.id}_{section.id}", disabled=not editable, icon=":material/autorenew:"):
                            box = st.status(plain(f"Regenerating section {section.id}…"), expanded=True)
                            stream = StreamView(box.empty())
                            run_action(lambda: drafting.regenerate_section(user.name, draft.id, section.id, acted_on, note=note, on_token=stream.on_token),
                                       f"Section {section.id} regenerated; the rest of the draft is unchanged.")
                            st.rerun()

            st.subheader("Assessment")
            for index, item in enumerate(content.assessment.items):
                with st.container(border=True):
                    st.text(f"Question {item.id} · {item.type.value} · objective {item.objective_id} · {item.difficulty.value}")
                    show_markdown(item.stem)
                    for option in item.options:
                        st.text(f"{'✔' if option.correct else '○'} {option.id}. {option.text}" + (f"  — {option.feedback}" if option.feedback else ""))
                    st.text(f"Rationale: {item.rationale}\nCites: {', '.join(item.citations) or 'nothing'}")
                    _show_findings_inline(draft.findings, f"item:{item.id}")
                    with st.expander(plain(f"Edit or regenerate question {item.id}")):
                        with st.form(f"wb_item_{draft.id}_{draft.revision}_{item.id}"):
                            stem = st.text_area("Question", item.stem)
                            options = st.text_area("Options (one per line; start the correct ones with '*')",
                                                   "\n".join(("*" if o.correct else "") + o.text for o in item.options))
                            rationale = st.text_area("Rationale", item.rationale)
                            if st.form_submit_button("Save question", disabled=not editable):
                                data = content.model_dump(mode="json")
                                old = {o["id"]: o for o in data["assessment"]["items"][index]["options"]}
                                new_options = []
                                for number, line in enumerate(lines(options)):
                                    option_id = chr(ord("a") + number)
                                    new_options.append({**old.get(option_id, {"feedback": ""}), "id": option_id,
                                                        "text": line.lstrip("*").strip(), "correct": line.startswith("*")})
                                data["assessment"]["items"][index].update(stem=stem, rationale=rationale, options=new_options)
                                _save(draft.id, acted_on, DraftContent.model_validate(data), f"edited item {item.id}")
                                st.rerun()
                        note = st.text_input("What should change? (optional)", key=f"wb_item_note_{draft.id}_{item.id}")
                        if st.button(f"Regenerate question {item.id}", key=f"wb_regen_item_{draft.id}_{item.id}", disabled=not editable, icon=":material/autorenew:"):
                            box = st.status(plain(f"Regenerating question {item.id}…"), expanded=True)
                            stream = StreamView(box.empty())
                            run_action(lambda: drafting.regenerate_item(user.name, draft.id, item.id, acted_on, note=note, on_token=stream.on_token),
                                       f"Question {item.id} regenerated; the rest of the draft is unchanged.")
                            st.rerun()

            with st.expander("Edit the whole draft as JSON (every field)"):
                with st.form(f"wb_json_{draft.id}_{draft.revision}"):
                    raw = st.text_area("Draft content", content.model_dump_json(indent=2), height=400)
                    if st.form_submit_button("Save JSON", disabled=not editable):
                        try:
                            edited = DraftContent.model_validate_json(raw)
                        except ValidationError as error:
                            first = error.errors()[0]
                            st.error(plain(f"Not saved: {'.'.join(str(p) for p in first['loc'])}: {first['msg']}"))
                        else:
                            _save(draft.id, acted_on, edited, "edited the draft")
                            st.rerun()

        st.divider()
        if state in {"drafting", "changes_requested"}:
            if state == "changes_requested":
                st.info("A reviewer asked for changes: edit the draft (a new revision) and submit it again.")
                for comment in draft.comments:
                    st.text(f"{comment.user} on revision {comment.revision}: {comment.text}")
            st.button(
                "Submit for review", type="primary", key=f"wb_submit_{draft.id}", icon=":material/send:",
                disabled=state != "drafting", on_click=run_action,
                args=(lambda: review.submit(user.name, draft.id, seen_revision(draft.id, draft.revision)), f"Draft #{draft.id} submitted for review."),
            )
        else:
            st.caption(f"This draft is {state}.")
        remember_seen(draft.id, draft.revision)
