"""SCORM 1.2 package: the module as HTML pages, the quiz, and a runtime that reports to the LMS.

One SCO (`index.html`) holds the module's pages and the quiz; every piece of markdown is rendered
with the safe renderer, and the page runs under a Content-Security-Policy that allows only the
package's own scripts and styles. Without an LMS the page still works and shows the result.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from markdown_it.common.utils import escapeHtml

from workbench.domain.assessment import Assessment, Item, ItemType
from workbench.domain.drafts import ModuleDraft
from workbench.exports.packaging import xml_identifier
from workbench.exports.scoring import general_feedback, option_weights, true_false_answer, true_false_options
from workbench.exports.scorm_assets import QUIZ_PLAYER_JS, SCORM_RUNTIME_JS, STYLE_CSS
from workbench.exports.xmlutil import sub, to_xml_bytes
from workbench.library.format import body_of
from workbench.rendering import render_markdown_safe, render_text_safe

DEFAULT_PASSING_SCORE = 80
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'"
)


@dataclass(frozen=True)
class Page:
    """One page of the course: a heading and its already safe HTML."""

    heading: str
    html: str


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


def quiz_data(assessment: Assessment | None, passing_score: int) -> dict:
    """The quiz as the player reads it (all HTML already rendered safely)."""
    items = assessment.items if assessment else []
    return {"passing_score": passing_score, "items": [_item_data(item, number) for number, item in enumerate(items, start=1)]}


def _script_json(data: dict) -> str:
    # Inside <script> only "</" can end the element early; escaping it keeps the data inert.
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/").replace("<!--", "<\\!--")


def index_html(title: str, pages: list[Page], assessment: Assessment | None, passing_score: int, locale: str) -> str:
    """The SCO page: module pages, quiz form, quiz data and the scripts."""
    has_quiz = bool(assessment and assessment.items)
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
<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">
<title>{escapeHtml(title)}</title>
<link rel="stylesheet" href="style.css">
<script src="scorm_api.js"></script>
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
<p>Pass mark: {passing_score}%.</p>
<form id="quiz" novalidate></form>
<button type="button" id="submit-quiz">Submit answers</button>
<div id="quiz-result" role="status" aria-live="polite"></div>
</section>
</main>
<script type="application/json" id="quiz-data">{_script_json(quiz_data(assessment, passing_score))}</script>
</body>
</html>
"""


def manifest_xml(identifier: str, title: str, files: list[str], passing_score: int | None) -> bytes:
    """imsmanifest.xml for one SCO that lists every file of the package."""
    manifest = ET.Element("manifest", {
        "identifier": identifier,
        "version": "1.0",
        "xmlns": "http://www.imsproject.org/xsd/imscp_rootv1p1p2",
        "xmlns:adlcp": "http://www.adlnet.org/xsd/adlcp_rootv1p2",
        "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
        "xsi:schemaLocation": (
            "http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd "
            "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 imsmd_rootv1p2p1.xsd "
            "http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd"
        ),
    })
    metadata = sub(manifest, "metadata")
    sub(metadata, "schema", "ADL SCORM")
    sub(metadata, "schemaversion", "1.2")
    organizations = sub(manifest, "organizations", default="ORG-1")
    organization = sub(organizations, "organization", identifier="ORG-1")
    sub(organization, "title", title)
    entry = sub(organization, "item", identifier="ITEM-1", identifierref="RES-1", isvisible="true")
    sub(entry, "title", title)
    if passing_score is not None:
        sub(entry, "adlcp:masteryscore", str(passing_score))
    resources = sub(manifest, "resources")
    resource = ET.SubElement(resources, "resource", {"identifier": "RES-1", "type": "webcontent", "adlcp:scormtype": "sco", "href": "index.html"})
    for name in files:
        sub(resource, "file", href=name)
    return to_xml_bytes(manifest)


def scorm12_package_files(
    title: str,
    pages: list[Page],
    assessment: Assessment | None,
    package_id: str,
    passing_score: int = DEFAULT_PASSING_SCORE,
    locale: str = "en",
) -> dict[str, bytes]:
    """Every file of the SCORM 1.2 package, the manifest included."""
    files = {
        "index.html": index_html(title, pages, assessment, passing_score, locale).encode("utf-8"),
        "scorm_api.js": SCORM_RUNTIME_JS.encode("utf-8"),
        "quiz.js": QUIZ_PLAYER_JS.encode("utf-8"),
        "style.css": STYLE_CSS.encode("utf-8"),
    }
    has_quiz = bool(assessment and assessment.items)
    files["imsmanifest.xml"] = manifest_xml(
        xml_identifier(f"course_{package_id}", "m"), title, sorted(files), passing_score if has_quiz else None
    )
    return files
