"""Library page: browse with filters, search, module view with provenance, untrusted markdown rendered inert."""

from __future__ import annotations

from tests.app.conftest import open_page, texts

HOSTILE = """---
id: a-hostile-module
title: A hostile module
skills: [fb-giving]
level: advanced
---

# A hostile module

## Payloads

<script>window.__xss = 1</script> <img src="x" onerror="alert(1)">
A [bad link](javascript:alert(1)) and a ![tracker](http://example.invalid/x.png).
"""


def _all_html(at) -> str:
    return "\n".join(element.value for element in at.html)


def test_browse_opens_a_module_with_its_markdown_rendered_inert(people, app_services):
    (app_services.settings.library_dir / "a-hostile-module.md").write_text(HOSTILE, encoding="utf-8")
    at = open_page("ann", "library")
    assert not at.exception, at.exception
    # The hostile module sorts first, so the module view shows it.
    assert at.selectbox(key="wb_library_module").value == "a-hostile-module"
    html = _all_html(at)
    assert "&lt;script&gt;" in html and "<script" not in html
    assert "onerror=" not in html.replace("onerror=&quot;", "")  # only as escaped text
    assert 'href="javascript' not in html and "<img" not in html
    assert "[image: tracker]" in html
    # Streamlit's own markdown is never allowed raw HTML on any element of the page.
    assert not any(element.allow_html for element in at.markdown)


def test_filters_narrow_the_module_list(people, app_services):
    at = open_page("ann", "library")
    assert "2 of 2 modules" in texts(at)
    at.selectbox(key="wb_filter_stale").select("stale").run()
    # Only the feedback module was last reviewed long ago.
    assert "1 of 2 modules" in texts(at)
    assert at.selectbox(key="wb_library_module").value == "giving-feedback"
    at.selectbox(key="wb_filter_stale").select("any").run()
    at.selectbox(key="wb_filter_origin").select("ai").run()
    assert "0 of 2 modules" in texts(at)


def test_search_shows_ranked_passages(people, app_services):
    app_services.index.build()
    at = open_page("sam", "library")
    at.text_input(key="wb_library_query").input("how do I agree next steps after feedback").run()
    assert not at.exception, at.exception
    assert any("Giving feedback with SBI ›" in t.value for t in at.text)
    assert "agreeing one next step" in _all_html(at)


def test_reindex_shows_its_report(people, app_services):
    at = open_page("lee", "library")
    at.button(key="wb_reindex").click().run()
    assert not at.exception, at.exception
    assert "Re-index finished." in texts(at)
    assert app_services.index.status()["chunks"] > 0


def test_a_library_module_exports_as_scorm(people, app_services):
    at = open_page("ann", "library")
    module_id = at.selectbox(key="wb_library_module").value
    key = f"wb_export_module_{module_id}"
    at.selectbox(key=f"{key}_format").select("scorm12")
    at.button(key=f"{key}_prepare").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    fmt, filename, data, mime = at.session_state[f"{key}_prepared"]
    assert filename.endswith(".scorm12.zip") and data[:2] == b"PK"


def test_a_module_with_imported_answers_shows_its_item_analysis(people, app_services, small_library, tmp_path):
    from tests.support.drafts import clean_draft
    from tests.support.signals import KEY, answered, write_json_lines
    from workbench.exports.banks import save_assessment_bank
    from workbench.exports.cmi5 import course_activity_id

    app_services.settings.signals_pseudonym_key = KEY
    save_assessment_bank(small_library, clean_draft().assessment.model_copy(update={"id": "feedback-check", "module_id": "giving-feedback"}))
    course = course_activity_id("giving-feedback")
    # 30 people: q1 answered right by 29 (too easy), q2 by 15 with "b" the key
    statements = [answered("q1", f"p{n}", n > 0, response="a" if n > 0 else "c", course=course) for n in range(30)]
    statements += [answered("q2", f"p{n}", n % 2 == 0, response="b" if n % 2 == 0 else "d", course=course) for n in range(30)]
    app_services.signals.import_file(write_json_lines(tmp_path / "answers.jsonl", statements), "xapi", "lee")

    at = open_page("lee", "library")
    at.selectbox(key="wb_library_module").select("giving-feedback").run()
    assert not at.exception, at.exception
    items = next(frame.value for frame in at.dataframe if "difficulty p" in frame.value.columns).set_index("item")
    assert items.loc["q1", "answers"] == 30 and items.loc["q1", "difficulty p"] == 0.97
    assert items.loc["q1", "flags"].startswith("too easy: 97 % of 30 answers correct (above 90 %)")
    assert items.loc["q2", "options"] == "b* 50 %, d 50 %"
    assert "flagged; no flag below 30 answers" in texts(at)
