"""Citations as people read them: "Module title › Heading", linked to the passage on the Library page.

A draft cites library passages by id (the id stays in the stored and published markdown, where it
is what the citation checks resolve); the app shows each one by its module title and heading, with
a link that opens the Library page at that passage.
"""

from __future__ import annotations

import re
from typing import Callable

import streamlit as st

from workbench.app.ui import plain, show_markdown
from workbench.domain.library import Chunk

LIBRARY_PAGE = "views/library.py"
PASSAGE_PARAM = "passage"
# The sources line the draft file writes under a section or question: *Sources: `id`, `id`*
_SOURCES_LINE = re.compile(r"^\*Sources: (?P<ids>`[^`\n]+`(?:, `[^`\n]+`)*)\*$", re.MULTILINE)


def citation_label(chunk: Chunk) -> str:
    """A passage as people name it."""
    return f"{chunk.title} › {chunk.heading}"


def readable_sources(markdown: str, sources: dict[str, Chunk]) -> str:
    """The draft's markdown with each sources line naming its passages by module title and heading
    (as escaped text, so a title cannot add a link or formatting); an id the library no longer has stays as it is."""
    def name(match: re.Match) -> str:
        ids = [part.strip("`") for part in match.group("ids").split(", ")]
        named = [plain(citation_label(sources[i])) if i in sources else f"`{i}` (not in the library)" for i in ids]
        return "*Sources: " + "; ".join(named) + "*"

    return _SOURCES_LINE.sub(name, markdown)


def citation_links(chunk_ids: list[str], sources: dict[str, Chunk]) -> None:
    """One link per cited passage to the Library page, opened at that passage; "nothing" when none."""
    if not chunk_ids:
        st.text("Cites nothing")
        return
    for chunk_id in chunk_ids:
        chunk = sources.get(chunk_id)
        if chunk is None:
            st.text(f"Cites a passage no longer in the library ({chunk_id})")
            continue
        st.page_link(LIBRARY_PAGE, label=plain(f"Cites: {citation_label(chunk)}"), icon=":material/menu_book:",
                     query_params={PASSAGE_PARAM: chunk_id})


def show_linked_passage(chunks: Callable[[], dict[str, Chunk]]) -> None:
    """On the Library page: the passage a citation link points at, above everything else (the
    library is read only when the page was opened from a link)."""
    chunk_id = st.query_params.get(PASSAGE_PARAM)
    if not chunk_id:
        return
    chunk = chunks().get(chunk_id)
    with st.container(border=True):
        if chunk is None:
            st.warning("The cited passage is no longer in the library: its module changed or moved since it was cited.")
            return
        st.header(plain(citation_label(chunk)), anchor=False)
        st.text(f"Cited passage · {chunk.path}")
        show_markdown(chunk.text)
