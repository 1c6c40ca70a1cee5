"""XML helpers shared by the exporters and importers: safe parsing, clean serialisation."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from workbench.errors import ImportFileInvalid

# Characters XML 1.0 cannot carry, even escaped.
_ILLEGAL_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str | None) -> str:
    """Text that can go into an XML document (illegal control characters removed)."""
    return _ILLEGAL_XML_CHARS.sub("", text or "")


def parse_xml(data: bytes | str, source: str | Path) -> ET.Element:
    """Parse an untrusted XML document, naming the file and position when it is not well-formed."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if b"<!ENTITY" in raw:
        # Entity declarations are how XML bombs and external-entity reads start; banks never need them.
        raise ImportFileInvalid(f"{source}: entity declarations are not allowed in a question bank")
    try:
        return ET.fromstring(raw)
    except ET.ParseError as error:
        line, column = error.position
        reason = str(error).split(":")[0]
        raise ImportFileInvalid(f"{source}: not well-formed XML at line {line}, column {column + 1} ({reason})") from None


def local_name(element: ET.Element) -> str:
    """The tag without its namespace."""
    return element.tag.rsplit("}", 1)[-1]


def children(element: ET.Element, name: str) -> list[ET.Element]:
    """Direct children with this local name, whatever their namespace."""
    return [child for child in element if local_name(child) == name]


def child(element: ET.Element | None, name: str) -> ET.Element | None:
    """The first direct child with this local name."""
    if element is None:
        return None
    found = children(element, name)
    return found[0] if found else None


def descendants(element: ET.Element, name: str) -> list[ET.Element]:
    """Every descendant with this local name, in document order."""
    return [node for node in element.iter() if local_name(node) == name and node is not element]


def to_xml_bytes(root: ET.Element) -> bytes:
    """The document as indented UTF-8 with an XML declaration."""
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    """Append a child element, with optional text and attributes."""
    element = ET.SubElement(parent, tag, {key.rstrip("_"): value for key, value in attributes.items()})
    if text is not None:
        element.text = xml_text(text)
    return element
