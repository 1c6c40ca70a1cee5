"""Governance (lead): endpoints and routes, budgets and teams, the AI-use policy, content classification."""

import pandas as pd
import streamlit as st

from workbench.app import session
from workbench.app.draft_panel import run_action, show_flash
from workbench.app.services import get_services
from workbench.app.ui import errors_shown, plain, show_markdown

USES = ("drafting", "regeneration", "critiques", "gap_explanations")

user = session.require("governance")
governance = get_services().governance
st.title("Governance", anchor=False)
st.caption("Which models may be used for what, what content may reach them, how much each person may use, "
           "and the AI-use policy. Every change here is recorded in the audit log.")
show_flash()

endpoints_tab, budgets_tab, policy_tab, classification_tab = st.tabs(
    ["Endpoints and routes", "Budgets and teams", "AI-use policy", "Classification"])


def _limit(text: str) -> int | None:
    """A limit typed in a box: blank for none; anything else goes to the service, which says what is wrong."""
    text = (text or "").strip().replace(",", "").replace("_", "")
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return text  # the service names the bad value


with endpoints_tab:
    with errors_shown():
        rows = governance.endpoints()
        st.dataframe(pd.DataFrame([{
            "name": row["name"], "kind": row["kind"], "content up to": row["max_classification"],
            "provider": row["provider"], "base URL": row["base_url"] or "", "model": row["model"] or "",
            "key reference": row["key_ref"] or "", "status": "usable" if row["usable"] else f"unusable: {row['problem']}",
            "uses": ", ".join(row["uses"]),
        } for row in rows]), hide_index=True, width="stretch")
        for row in rows:
            if not row["usable"]:
                st.warning(plain(f"Endpoint {row['name']} cannot be used: {row['problem']}. Nothing is sent to it."))

        st.header("Routes", anchor=False)
        names = [row["name"] for row in rows] + ["off"]
        table = governance.route_table()
        columns = st.columns(len(USES))
        for column, use in zip(columns, USES):
            current = table.get(use, "default")
            column.selectbox(use.replace("_", " ").capitalize(), names, index=names.index(current) if current in names else 0,
                             key=f"wb_route_{use}")
        st.button("Save routes", key="wb_routes_save", type="primary", on_click=run_action, args=(
            lambda: [governance.set_route(user.name, use, st.session_state[f"wb_route_{use}"])
                     for use in USES if st.session_state[f"wb_route_{use}"] != table.get(use)],
            "Routes saved.",
        ))

    st.header("Register an endpoint", anchor=False)
    levels = list(governance.levels.names)
    with st.form("wb_endpoint_form", clear_on_submit=False):
        left, right = st.columns(2)
        name = left.text_input("Name", key="wb_endpoint_name")
        kind = left.selectbox("Runs", ["internal", "external"], key="wb_endpoint_kind",
                              help="internal: inside the organisation (the embedded model, an on-prem server); external: a vendor")
        ceiling = left.selectbox("Content it may receive, up to", levels, index=min(1, len(levels) - 1), key="wb_endpoint_level")
        base_url = right.text_input("Base URL (OpenAI-compatible, ending in /v1)", key="wb_endpoint_url")
        model = right.text_input("Model", key="wb_endpoint_model")
        key_ref = right.text_input("Key reference (env:NAME or secrets:NAME — never the key)", key="wb_endpoint_key_ref")
        if st.form_submit_button("Register endpoint"):
            with errors_shown():
                governance.register_endpoint(user.name, name, kind=kind, max_classification=ceiling, base_url=base_url or None,
                                             model=model or None, key_ref=key_ref or None)
                st.success(plain(f"Endpoint {name} registered."))

with budgets_tab:
    with errors_shown():
        budgets = governance.budgets.all()
        if budgets:
            st.dataframe(pd.DataFrame([b.to_dict() for b in budgets]), hide_index=True, width="stretch")
        else:
            st.caption("No budget is set: nobody is limited.")
        teams = governance.budgets.teams()
        if teams:
            st.dataframe(pd.DataFrame([{"team": t, "members": ", ".join(m)} for t, m in teams.items()]), hide_index=True, width="stretch")

    st.header("Set a budget", anchor=False)
    with st.form("wb_budget_form"):
        left, right = st.columns(2)
        subject_kind = left.radio("For", ["user", "team"], horizontal=True, key="wb_budget_kind")
        subject = left.text_input("User or team name", key="wb_budget_subject")
        per_day = right.text_input("Tokens per day (blank: no limit)", key="wb_budget_day")
        per_month = right.text_input("Tokens per month (blank: no limit)", key="wb_budget_month")
        concurrent = right.text_input("Generations at once (blank: no limit)", key="wb_budget_concurrent")
        if st.form_submit_button("Save budget"):
            with errors_shown():
                governance.set_budget(user.name, subject_kind, subject.strip(), tokens_per_day=_limit(per_day),
                                      tokens_per_month=_limit(per_month), concurrent=_limit(concurrent))
                st.success(plain(f"Budget of {subject_kind} {subject.strip()} saved."))

    st.header("Team members", anchor=False)
    with st.form("wb_team_form"):
        team = st.text_input("Team", key="wb_team_name")
        member = st.text_input("User", key="wb_team_member")
        if st.form_submit_button("Add to team"):
            with errors_shown():
                governance.add_team_member(user.name, team, member.strip())
                st.success(plain(f"{member.strip()} is in team {team}."))

with policy_tab:
    with errors_shown():
        current = governance.current_policy()
        if current is None:
            st.info("No AI-use policy is published: nobody is asked to accept one.")
        else:
            st.caption(plain(f"Version {current.version}, published by {current.published_by} on {current.published_at:%Y-%m-%d %H:%M} UTC"))
            with st.container(border=True):
                show_markdown(current.text)
            acceptances = governance.policy.acceptances()
            if acceptances:
                st.dataframe(pd.DataFrame(acceptances), hide_index=True, width="stretch")
    with st.form("wb_policy_form"):
        text = st.text_area("Policy text (markdown)", value=current.text if current else "", height=240, key="wb_policy_text")
        if st.form_submit_button("Publish as a new version", type="primary"):
            with errors_shown():
                published = governance.publish_policy(user.name, text)
                st.success(f"Published version {published.version}. Everyone accepts it before their next AI action.")

with classification_tab:
    st.caption("A module's `classification:` front matter, else its folder's `_folder.yaml` or the settings map, else the default. "
               "A value that is not a level is treated as the most restrictive one.")
    with errors_shown():
        rows = governance.classify()
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        for row in rows:
            if row["warning"]:
                st.warning(plain(row["warning"]))
