"""Item statistics of a published module as table rows and a caption, shared by the Library and Review queue pages."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from workbench.app.ui import plain


def item_rows(analysis) -> list[dict]:
    """One row per item: answers, difficulty, discrimination, option shares (the key starred) and flags."""
    return [{
        "item": item.item_id,
        "answers": item.attempts,
        "difficulty p": round(item.difficulty, 2),
        "point-biserial (corrected)": None if item.discrimination is None else round(item.discrimination, 2),
        "options": ", ".join(f"{option.response}{'*' if option.key else ''} {option.share * 100:.0f} %" for option in item.options),
        "flags": "; ".join(flag.reason for flag in item.flags),
    } for item in analysis.items]


def show_item_analysis(signals, module_id: str, key: str):
    """The module's item analysis (items answered by enough people), or a caption saying why there is none; the analysis."""
    analysis = signals.item_analysis(module_id)
    if not analysis.items and not analysis.withheld:
        st.caption("No learners' answers imported for this module yet.")
        return analysis
    if analysis.items:
        st.caption(f"{len(analysis.flagged)} of {len(analysis.items)} item(s) flagged; no flag below "
                   f"{signals.item_rules.min_attempts} answers. * marks the key.")
        st.dataframe(pd.DataFrame(item_rows(analysis)), hide_index=True, width="stretch", key=key)
    if analysis.withheld:
        st.caption(f"{analysis.withheld} item(s) of {plain(module_id)} not shown: answered by fewer than "
                   f"{analysis.min_group_size} people.")
    return analysis
