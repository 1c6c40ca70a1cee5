"""Hostile question text (raw HTML, scripts, handlers, trackers) and a checker for what an LMS would run or load."""

from __future__ import annotations

from html.parser import HTMLParser

from lxml import html as lxml_html

from workbench.domain.assessment import Assessment, Item, ItemType, Option, TextFormat

# Elements that run code, load something from elsewhere, or hide a form.
ACTIVE_ELEMENTS = {"script", "style", "iframe", "frame", "object", "embed", "img", "image", "svg", "math", "link", "meta",
                   "base", "form", "input", "button", "video", "audio", "source", "track", "picture", "template", "noscript"}
RESOURCE_ATTRIBUTES = {"src", "srcset", "data", "background", "poster", "action", "formaction", "xlink:href", "style"}
SAFE_SCHEMES = ("http://", "https://", "mailto:")

HOSTILE_MARKDOWN = [
    "Pick one.<script>alert('stem')</script>",
    "<img src=x onerror=alert(1)> Which is right?",
    "See ![tracker](https://tracker.example/pixel.png) first.",
    "Read [the policy](javascript:alert(document.cookie)).",
    "<iframe src='https://evil.example/'></iframe>Choose.",
    '<a href="https://ok.example" onclick="steal()">link</a>',
    "<!-- reviewers never see this --> Visible.",
    "<style>@import url(https://evil.example/x.css);</style>Styled.",
    '<svg onload="alert(1)"><circle r="1"/></svg>Drawn.',
]


def hostile_assessment() -> Assessment:
    """Items of every format whose text tries to bring HTML into an LMS."""
    items = []
    for number, stem in enumerate(HOSTILE_MARKDOWN, start=1):
        items.append(Item(id=f"md{number}", type=ItemType.SINGLE_CHOICE, stem=stem, text_format=TextFormat.MARKDOWN,
                          rationale="<b onmouseover=alert(2)>why</b>", options=[
                              Option(id="a", text="<script>alert('option')</script>Right", correct=True,
                                     feedback="![x](http://tracker.example/f.gif)"),
                              Option(id="b", text="Wrong <img src=//evil.example/o.png>")]))
    items.append(Item(id="html1", type=ItemType.SINGLE_CHOICE, text_format=TextFormat.HTML,
                      stem='<p onmouseover="alert(3)">Imported <b>bold</b></p><script>alert(4)</script>'
                           '<link rel="stylesheet" href="https://evil.example/s.css"><img src="https://evil.example/i.png">',
                      options=[Option(id="a", text="<span style=\"background:url(https://evil.example/b)\">Yes</span>", correct=True),
                               Option(id="b", text='<a href="javascript:alert(5)">No</a>')]))
    items.append(Item(id="plain1", type=ItemType.TRUE_FALSE, text_format=TextFormat.PLAIN,
                      stem="Plain text is safe <script>alert(6)</script>", options=[
                          Option(id="true", text="True", correct=True, feedback="<img src=x onerror=alert(7)>"),
                          Option(id="false", text="False")]))
    items.append(Item(id="short1", type=ItemType.SHORT_ANSWER, text_format=TextFormat.MARKDOWN, stem="Type the acronym.",
                      title="<script>alert(8)</script>Acronym",
                      options=[Option(id="a", text="<b>SBI</b>", correct=True)]))
    return Assessment(id="hostile", title="Hostile", items=items)


class _StdlibCollector(HTMLParser):
    """Every start tag with its attributes, as Python's own HTML parser reads them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_comment(self, data):
        self.comments.append(data)


def active_html(fragment: str) -> list[str]:
    """What in an HTML fragment would run, load a resource or hide text, read by two HTML parsers (empty: nothing)."""
    found: list[str] = []
    collector = _StdlibCollector()
    collector.feed(fragment)
    collector.close()
    tags = list(collector.tags)
    if fragment.strip():
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
        tags += [(element.tag, list(element.attrib.items())) for element in root.iter() if isinstance(element.tag, str)]
        found += [f"comment {comment.text!r}" for comment in root.iter() if not isinstance(comment.tag, str)]
    found += [f"comment {comment!r}" for comment in collector.comments]
    for tag, attrs in tags:
        if tag.lower() in ACTIVE_ELEMENTS:
            found.append(f"<{tag}>")
        for name, value in attrs:
            name = name.lower()
            if name.startswith("on") or name in RESOURCE_ATTRIBUTES:
                found.append(f"<{tag} {name}>")
            if name == "href" and not (value or "").strip().lower().startswith(SAFE_SCHEMES):
                found.append(f"<{tag} href={value!r}>")
    return found
