"""The course a learner sees: the module's pages and the quiz, as one HTML page with its quiz data.

Shared by the SCORM 1.2, SCORM 2004 and cmi5 packages, which differ only in the runtime script that
reports to the LMS. Every piece of markdown is rendered with the safe renderer, and the page runs
under a Content-Security-Policy that allows only the package's own scripts and styles.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from markdown_it.common.utils import escapeHtml

from workbench.domain.assessment import Assessment, Item, ItemType
from workbench.domain.drafts import ModuleDraft
from workbench.exports.scoring import general_feedback, option_weights, true_false_answer, true_false_options
from workbench.exports.tracking import TrackingPlan
from workbench.library.format import body_of
from workbench.rendering import render_markdown_safe, render_text_safe

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'"
)


@dataclass(frozen=True)
class Page:
    """One page of the course: a heading and its already safe HTML."""

    heading: str
    html: str


@dataclass(frozen=True)
class CourseSource:
    """What a course package is made of: the module's pages and its assessment, from a draft or the library."""

    source_id: str
    title: str
    pages: list[Page]
    assessment: Assessment | None
    locale: str = "en"
    summary: str = ""
    objectives: tuple[tuple[str, str], ...] = ()  # (id, text) of the module's objectives, when known
    ai_drafted: bool = False  # drafted with AI (then reviewed by people before it could be published)


AI_NOTICE_HEADING = "About this module"
AI_NOTICE = ("AI-assisted, human-reviewed: this module was drafted with the help of AI, then checked and signed off "
             "by people for accuracy, cultural relevance and ethics.")


def with_ai_notice(source: CourseSource) -> CourseSource:
    """The source with a closing page telling learners that AI drafted it and people reviewed it."""
    from dataclasses import replace

    notice = Page(AI_NOTICE_HEADING, f'<p class="ai-notice">{escapeHtml(AI_NOTICE)}</p>')
    return replace(source, pages=[*source.pages, notice])


def pages_from_module(module: ModuleDraft) -> list[Page]:
    """The pages of a drafted module: overview, one per section, then practice and takeaways."""
    overview = [render_markdown_safe(module.summary)]
    if module.objectives:
        overview.append("<h3>What you will be able to do</h3>")
        overview.append("<ul>" + "".join(f"<li>{render_text_safe(o.text, 'markdown', inline=True)}</li>" for o in module.objectives) + "</ul>")
    overview.append(f"<p class=\"meta\">Audience: {escapeHtml(module.audience)} · about {module.duration_minutes} minutes</p>")
    pages = [Page("Overview", "\n".join(overview))]
    pages.extend(Page(section.heading, render_markdown_safe(section.body)) for section in module.sections)
    if module.activities:
        html = "".join(f"<h3>{escapeHtml(activity.title)}</h3>{render_markdown_safe(activity.instructions)}" for activity in module.activities)
        pages.append(Page("Practice", html))
    closing = []
    if module.key_takeaways:
        closing.append("<h3>Key takeaways</h3><ul>" + "".join(f"<li>{render_text_safe(t, 'markdown', inline=True)}</li>" for t in module.key_takeaways) + "</ul>")
    if module.human_touchpoints:
        closing.append("<h3>Learn with others</h3><ul>" + "".join(
            f"<li><strong>{escapeHtml(t.kind.value.replace('_', ' ').title())}</strong>: {render_text_safe(t.description, 'markdown', inline=True)}</li>"
            for t in module.human_touchpoints) + "</ul>")
    if module.glossary:
        closing.append("<h3>Glossary</h3><dl>" + "".join(
            f"<dt>{escapeHtml(entry.term)}</dt><dd>{render_text_safe(entry.definition, 'markdown', inline=True)}</dd>" for entry in module.glossary) + "</dl>")
    if closing:
        pages.append(Page("Summary", "\n".join(closing)))
    return pages


def pages_from_markdown(markdown: str) -> list[Page]:
    """Pages of a library module file: split at its level-2 headings, front matter removed."""
    body = body_of(markdown)
    pages: list[Page] = []
    heading, lines = "Introduction", []
    in_fence = False
    for line in body.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        if not in_fence and line.startswith("# ") and not pages and not any(l.strip() for l in lines):
            continue  # the title is already the package title
        if not in_fence and line.startswith("## "):
            if any(l.strip() for l in lines):
                pages.append(Page(heading, render_markdown_safe("\n".join(lines))))
            heading, lines = line[3:].strip(), []
            continue
        lines.append(line)
    if any(l.strip() for l in lines) or not pages:
        pages.append(Page(heading, render_markdown_safe("\n".join(lines))))
    return pages


def _item_data(item: Item, number: int) -> dict:
    text_format = item.text_format.value
    if item.type == ItemType.TRUE_FALSE:
        true_option, false_option = true_false_options(item)
        is_true = true_false_answer(item)
        options = [
            {"html": "True", "text": "True", "weight": 100.0 if is_true else 0.0,
             "feedback_html": render_text_safe(true_option.feedback, text_format) if true_option and true_option.feedback else ""},
            {"html": "False", "text": "False", "weight": 0.0 if is_true else 100.0,
             "feedback_html": render_text_safe(false_option.feedback, text_format) if false_option and false_option.feedback else ""},
        ]
    else:
        options = [
            {
                "html": render_text_safe(option.text, text_format, inline=True),
                "text": option.text if item.type == ItemType.SHORT_ANSWER else "",
                "weight": weight,
                "feedback_html": render_text_safe(option.feedback, text_format) if option.feedback else "",
            }
            for option, weight in zip(item.options, option_weights(item))
        ]
    feedback = general_feedback(item)
    return {
        "key": f"q{number}",
        "type": item.type.value,
        "stem_html": render_text_safe(item.stem, text_format),
        "options": options,
        "general_feedback_html": render_text_safe(feedback, text_format) if feedback else "",
    }


def quiz_data(assessment: Assessment | None, passing_score: int, tracking: TrackingPlan | None = None,
              standard: str = "", activity: dict | None = None) -> dict:
    """The quiz as the player reads it (all HTML already rendered safely), with what the runtime records."""
    items = assessment.items if assessment else []
    data = []
    for number, item in enumerate(items, start=1):
        entry = _item_data(item, number)
        record = tracking.items[number - 1] if tracking and number <= len(tracking.items) else None
        entry["tracking"] = record.as_dict() if record else None
        data.append(entry)
    quiz = {"passing_score": passing_score, "standard": standard, "items": data}
    if activity:
        quiz["activity"] = activity
    return quiz


def _script_json(data: dict) -> str:
    # Inside <script> only "</" can end the element early; escaping it keeps the data inert.
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/").replace("<!--", "<\\!--")


def index_html(title: str, pages: list[Page], quiz: dict, locale: str, runtime_script: str,
               content_security_policy: str = CONTENT_SECURITY_POLICY) -> str:
    """The course page: module pages, quiz form, quiz data and the scripts (`runtime_script` reports to the LMS)."""
    has_quiz = bool(quiz["items"])
    passing_score = quiz["passing_score"]
    nav = "".join(f'<li><a href="#page-{number}">{escapeHtml(page.heading)}</a></li>' for number, page in enumerate(pages, start=1))
    if has_quiz:
        nav += '<li><a href="#page-quiz">Check your understanding</a></li>'
    sections = "\n".join(
        f'<section class="page" id="page-{number}">\n<h2>{escapeHtml(page.heading)}</h2>\n{page.html}\n</section>'
        for number, page in enumerate(pages, start=1)
    )
    return f"""<!DOCTYPE html>
<html lang="{escapeHtml(locale or 'en')}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{content_security_policy}">
<title>{escapeHtml(title)}</title>
<link rel="stylesheet" href="style.css">
<script src="{runtime_script}"></script>
<script src="quiz.js" defer></script>
</head>
<body>
<header>
<h1>{escapeHtml(title)}</h1>
<p id="lms-status" role="status">Loading…</p>
</header>
<nav aria-label="Contents"><ol>{nav}</ol></nav>
<main>
{sections}
<section class="page" id="page-quiz">
<h2>Check your understanding</h2>
<p>Pass mark: <span id="pass-mark">{passing_score}</span>%.</p>
<form id="quiz" novalidate></form>
<button type="button" id="submit-quiz">Submit answers</button>
<div id="quiz-result" role="status" aria-live="polite"></div>
</section>
</main>
<script type="application/json" id="quiz-data">{_script_json(quiz)}</script>
</body>
</html>
"""
