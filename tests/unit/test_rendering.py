"""The safe renderer: untrusted markdown never becomes script, event handler, unsafe link or loaded image."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from workbench.rendering import (
    html_to_text,
    is_safe_url,
    render_markdown_safe,
    render_text_safe,
)


class _Elements(HTMLParser):
    """Collects (tag, attrs) of every element in rendered HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def elements(rendered: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(rendered)
    return parser.elements


def assert_inert(rendered: str) -> None:
    """No script/img/iframe element, no on* attribute, every href http(s)/mailto."""
    for tag, attrs in elements(rendered):
        assert tag not in {"script", "img", "iframe", "object", "embed", "svg", "style", "form", "input"}, rendered
        for name, value in attrs.items():
            assert not name.startswith("on"), rendered
            if name in {"href", "src"}:
                assert re.match(r"^(https?:|mailto:)", value or ""), rendered


PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x]( javascript:alert(1) )",
    "[x](java\tscript:alert(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    "[x](vbscript:msgbox(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript&#58;alert(1))",
    "![](http://example.invalid/x.png)",
    "![pixel](data:image/png;base64,iVBORw0KGgo=)",
    "![x](javascript:alert(1))",
    "<javascript:alert(1)>",
    "[ref]\n\n[ref]: javascript:alert(1)",
    "`<img src=x onerror=alert(1)>`",
    "```\n<script>alert(1)</script>\n```",
    '[ok](https://example.org/"onmouseover="alert(1))',
    "| a | b |\n|---|---|\n| <script>x</script> | [y](javascript:z) |",
    "<svg onload=alert(1)>",
    "<iframe src=https://example.org></iframe>",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_xss_payloads_render_inert(payload: str) -> None:
    rendered = render_markdown_safe(payload)
    assert_inert(rendered)
    assert "<script" not in rendered.lower()


def test_raw_html_is_shown_as_text() -> None:
    rendered = render_markdown_safe("before <b>bold</b> after")
    assert "&lt;b&gt;bold&lt;/b&gt;" in rendered


def test_disallowed_link_stays_visible_as_plain_text() -> None:
    rendered = render_markdown_safe("[click me](javascript:alert(1))")
    assert "<a" not in rendered
    assert "click me" in rendered


def test_external_image_becomes_a_link_not_an_img() -> None:
    rendered = render_markdown_safe("![chart](http://example.invalid/x.png)")
    assert "<img" not in rendered
    tags = elements(rendered)
    assert ("a", {"href": "http://example.invalid/x.png", "rel": "nofollow noopener noreferrer", "class": "blocked-image"}) in tags
    assert "chart" in rendered


def test_data_image_is_not_rendered_at_all() -> None:
    rendered = render_markdown_safe("![pixel](data:image/png;base64,iVBORw0KGgo=)")
    assert "<img" not in rendered and "<a" not in rendered


@pytest.mark.parametrize(
    "markdown, href",
    [
        ("[site](https://example.org/a?b=1&c=2)", "https://example.org/a?b=1&c=2"),
        ("[plain](http://example.org)", "http://example.org"),
        ("[mail](mailto:ld@example.org)", "mailto:ld@example.org"),
        ("<https://example.org/auto>", "https://example.org/auto"),
    ],
)
def test_allowed_links_are_links_with_rel_nofollow(markdown: str, href: str) -> None:
    tags = [attrs for tag, attrs in elements(render_markdown_safe(markdown)) if tag == "a"]
    assert tags == [{"href": href, "rel": "nofollow noopener noreferrer"}]


def test_attribute_values_are_escaped() -> None:
    rendered = render_markdown_safe('[q](https://example.org/"><script>alert(1)</script>)')
    assert_inert(rendered)
    assert '"><script>' not in rendered


def test_tables_and_code_render() -> None:
    rendered = render_markdown_safe("| a | b |\n|---|---|\n| 1 | `x<y` |\n")
    assert "<table>" in rendered and "<code>x&lt;y</code>" in rendered


@pytest.mark.parametrize(
    "url, safe",
    [("https://a.b", True), ("HTTP://A.B", True), ("mailto:x@y.z", True), ("/relative", False),
     ("javascript:x", False), (" JavaScript:x", False), ("data:text/html,x", False), ("&#106;avascript:x", False)],
)
def test_is_safe_url(url: str, safe: bool) -> None:
    assert is_safe_url(url) is safe


def test_html_text_is_reduced_to_visible_text() -> None:
    assert html_to_text("<p>Hi <b>there</b></p><script>alert(1)</script><img src=x onerror=alert(1)>") == "Hi there"
    rendered = render_text_safe("<p>A &amp; B</p><img src=x onerror=alert(1)>", "html")
    assert_inert(rendered)
    assert "A &amp; B" in rendered


def test_plain_text_is_escaped() -> None:
    assert render_text_safe("a < b & <i>c</i>", "plain", inline=True) == "a &lt; b &amp; &lt;i&gt;c&lt;/i&gt;"


def test_image_inside_a_link_does_not_nest_links() -> None:
    rendered = render_markdown_safe("[![logo](http://example.invalid/logo.png)](https://example.org)")
    assert [tag for tag, _ in elements(rendered)].count("a") == 1
    assert "<img" not in rendered and "[image: logo]" in rendered


NESTED_THEN_HIDDEN = (
    "# Handling personal data\n\nKeep records private.\n\n"
    "- - - - - - - - - - - - x\n\n"
    "## Sharing\n\nManagers may share an employee's medical history <script>alert(1)</script>.\n\n"
    "### Question 1\n\nWho may see health records?\n"
)


def test_nesting_past_the_limit_shows_the_rest_as_text_under_a_warning():
    from workbench.rendering import NESTING_LIMIT

    assert NESTING_LIMIT == 20
    rendered = render_markdown_safe(NESTED_THEN_HIDDEN)
    before, _, rest = rendered.partition('<p class="render-warning"')
    assert "<h1>Handling personal data</h1>" in before and "<p>Keep records private.</p>" in before
    assert "from line 5 on it is shown exactly as written" in rest
    # Everything after the limit is there, escaped, in order: the section, its paragraph, the question.
    shown = html_to_text(rest)
    assert shown.index("## Sharing") < shown.index("medical history") < shown.index("Who may see health records?")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rest and "<script" not in rendered


@pytest.mark.parametrize("deep", ["> " * 25 + "quoted", "\n".join("  " * depth + "- item" for depth in range(30)),
                                  "1. " * 15 + "numbered"])
def test_every_kind_of_deep_nesting_keeps_the_text_after_it(deep):
    rendered = render_markdown_safe(f"Intro.\n\n{deep}\n\nThe paragraph after it.\n")
    assert "The paragraph after it." in html_to_text(rendered)
    assert "render-warning" in rendered


def test_ordinary_nesting_renders_without_a_warning():
    rendered = render_markdown_safe("- one\n  - two\n    - three\n\n> quoted\n> > twice\n\nAfter.\n")
    assert "render-warning" not in rendered and "<li>three</li>" in rendered and "<p>After.</p>" in rendered


def test_rendering_differences_name_nesting_and_hidden_html_not_code():
    from workbench.rendering import rendering_differences

    assert rendering_differences(NESTED_THEN_HIDDEN)[0] == "line 5 nests lists or quotes deeper than 20 levels"
    assert rendering_differences("Text <!-- hidden note --> more.") == ["raw HTML is hidden when rendered (1: '<!-- hidden note -->')"]
    assert rendering_differences("<div hidden>\nsecret\n</div>\n")[0].startswith("raw HTML is hidden when rendered")
    assert rendering_differences("Write `<div>` in code, and a < b.") == []
