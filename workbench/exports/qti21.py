"""IMS QTI 2.1 content package: one assessmentItem file per question, a test, and imsmanifest.xml.

Scores use response mappings, so partial-credit weights survive; per-option and general feedback
are modal feedbacks keyed on the chosen option (FEEDBACK outcome) and a constant GENERAL entry.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from workbench.domain.assessment import Assessment, Item, ItemType
from workbench.exports.packaging import xml_identifier
from workbench.exports.scoring import general_feedback, option_weights, true_false_answer, true_false_options
from workbench.exports.textrender import item_html
from workbench.exports.xmlutil import sub, to_xml_bytes, xml_text
from workbench.rendering import html_to_text

QTI21_NS = "http://www.imsglobal.org/xsd/imsqti_v2p1"
QTI21_SCHEMA = "http://www.imsglobal.org/xsd/imsqti_v2p1 http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd"
CP_NS = "http://www.imsglobal.org/xsd/imscp_v1p1"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
GENERAL_FEEDBACK_ID = "GENERAL"
# XHTML attributes QTI 2.1 allows on the elements the safe renderer produces.
_ALLOWED_ATTRIBUTES = {"href", "class", "type", "lang"}


def _append_html(parent: ET.Element, html: str) -> None:
    """Put an HTML fragment into QTI content: as elements when it is well-formed XHTML, else as text."""
    try:
        wrapper = ET.fromstring(f"<div>{xml_text(html)}</div>")
    except ET.ParseError:
        # HTML that is not XHTML (e.g. <br> from an LMS export): keep its text, not broken markup.
        for line in html_to_text(html).split("\n"):
            sub(parent, "p", line)
        return
    for node in wrapper.iter():
        for name in list(node.attrib):
            if name not in _ALLOWED_ATTRIBUTES:
                del node.attrib[name]
    if wrapper.text and wrapper.text.strip():
        sub(parent, "p", wrapper.text.strip())
    for node in list(wrapper):
        parent.append(node)


def _choice_ids(item: Item) -> list[str]:
    return [xml_identifier(f"choice_{option.id}", "c") for option in item.options]


def item_document(item: Item, identifier: str) -> bytes:
    """One question as a QTI 2.1 assessmentItem document."""
    root = ET.Element("assessmentItem", {
        "xmlns": QTI21_NS, "xmlns:xsi": XSI_NS, "xsi:schemaLocation": QTI21_SCHEMA,
        "identifier": identifier, "title": item.title or item.id, "adaptive": "false", "timeDependent": "false",
    })
    options = list(item.options)
    if item.type == ItemType.TRUE_FALSE:
        true_option, false_option = true_false_options(item)
        options = [option for option in (true_option, false_option) if option is not None]
        weights = [100.0 if (option is true_option) == true_false_answer(item) else 0.0 for option in options]
    else:
        weights = option_weights(item)
    is_text = item.type == ItemType.SHORT_ANSWER
    choice_ids = [xml_identifier(f"choice_{option.id}", "c") for option in options]
    cardinality = "multiple" if item.type == ItemType.MULTIPLE_RESPONSE else "single"

    response = sub(root, "responseDeclaration", identifier="RESPONSE", cardinality=cardinality,
                   baseType="string" if is_text else "identifier")
    correct = sub(response, "correctResponse")
    keys = [(option.text if is_text else choice_id) for option, choice_id, weight in zip(options, choice_ids, weights) if weight > 0]
    if item.type != ItemType.MULTIPLE_RESPONSE:
        best = max(weights, default=0)
        keys = [(option.text if is_text else choice_id) for option, choice_id, weight in zip(options, choice_ids, weights) if weight == best and weight > 0][:1]
    for key in keys:
        sub(correct, "value", key)
    mapping = sub(response, "mapping", lowerBound="0", upperBound="1", defaultValue="0")
    for option, choice_id, weight in zip(options, choice_ids, weights):
        if weight:
            attributes = {"mapKey": option.text if is_text else choice_id, "mappedValue": f"{weight / 100:.5f}".rstrip("0").rstrip(".")}
            if is_text:
                attributes["caseSensitive"] = "false"
            sub(mapping, "mapEntry", **attributes)

    sub(sub(sub(root, "outcomeDeclaration", identifier="SCORE", cardinality="single", baseType="float"), "defaultValue"), "value", "0")
    sub(sub(sub(root, "outcomeDeclaration", identifier="MAXSCORE", cardinality="single", baseType="float"), "defaultValue"), "value", "1")
    sub(root, "outcomeDeclaration", identifier="FEEDBACK", cardinality="multiple", baseType="identifier")

    body = sub(root, "itemBody")
    _append_html(body, item_html(item.stem, item.text_format))
    if is_text:
        block = sub(body, "p")
        sub(block, "textEntryInteraction", responseIdentifier="RESPONSE", expectedLength="30")
    else:
        interaction = sub(body, "choiceInteraction", responseIdentifier="RESPONSE", shuffle="false",
                          maxChoices="0" if cardinality == "multiple" else "1")
        for option, choice_id in zip(options, choice_ids):
            choice = sub(interaction, "simpleChoice", identifier=choice_id)
            choice.text = xml_text(option.text) if item.text_format.value == "plain" else None
            if item.text_format.value != "plain":
                _append_html(choice, item_html(option.text, item.text_format, inline=False))

    processing = sub(root, "responseProcessing")
    condition = sub(processing, "responseCondition")
    unanswered = sub(condition, "responseIf")
    sub(sub(unanswered, "isNull"), "variable", identifier="RESPONSE")
    sub(sub(unanswered, "setOutcomeValue", identifier="SCORE"), "baseValue", "0", baseType="float")
    answered = sub(condition, "responseElse")
    sub(sub(answered, "setOutcomeValue", identifier="SCORE"), "mapResponse", identifier="RESPONSE")
    feedback_value = sub(sub(processing, "setOutcomeValue", identifier="FEEDBACK"), "multiple")
    if not is_text:
        sub(feedback_value, "variable", identifier="RESPONSE")
    sub(feedback_value, "baseValue", GENERAL_FEEDBACK_ID, baseType="identifier")

    if not is_text:
        for option, choice_id in zip(options, choice_ids):
            if option.feedback:
                modal = sub(root, "modalFeedback", outcomeIdentifier="FEEDBACK", identifier=choice_id, showHide="show")
                _append_html(modal, item_html(option.feedback, item.text_format))
    feedback = general_feedback(item)
    if feedback:
        modal = sub(root, "modalFeedback", outcomeIdentifier="FEEDBACK", identifier=GENERAL_FEEDBACK_ID, showHide="show")
        _append_html(modal, item_html(feedback, item.text_format))
    return to_xml_bytes(root)


def test_document(assessment: Assessment, test_id: str, item_refs: list[tuple[str, str]]) -> bytes:
    """The assessmentTest that puts every item in one section."""
    root = ET.Element("assessmentTest", {
        "xmlns": QTI21_NS, "xmlns:xsi": XSI_NS, "xsi:schemaLocation": QTI21_SCHEMA,
        "identifier": test_id, "title": assessment.title or assessment.id,
    })
    part = sub(root, "testPart", identifier="part1", navigationMode="linear", submissionMode="individual")
    section = sub(part, "assessmentSection", identifier="section1", title=assessment.title or "Questions", visible="true")
    for identifier, href in item_refs:
        sub(section, "assessmentItemRef", identifier=identifier, href=href)
    return to_xml_bytes(root)


def qti21_package_files(assessment: Assessment) -> dict[str, bytes]:
    """Every file of the QTI 2.1 content package, the manifest included."""
    files: dict[str, bytes] = {}
    item_refs: list[tuple[str, str]] = []
    seen: set[str] = set()
    for position, item in enumerate(assessment.items, start=1):
        identifier = xml_identifier(item.id, "item")
        if identifier in seen:
            identifier = f"{identifier}_{position}"
        seen.add(identifier)
        href = f"items/{identifier}.xml"
        files[href] = item_document(item, identifier)
        item_refs.append((identifier, href))
    test_id = xml_identifier(f"test_{assessment.id}", "t")
    test_href = f"{test_id}.xml"
    files[test_href] = test_document(assessment, test_id, item_refs)

    manifest = ET.Element("manifest", {
        "xmlns": CP_NS, "xmlns:xsi": XSI_NS, "identifier": xml_identifier(f"manifest_{assessment.id}", "m"),
        "xsi:schemaLocation": f"{CP_NS} http://www.imsglobal.org/xsd/imscp_v1p1.xsd",
    })
    metadata = sub(manifest, "metadata")
    sub(metadata, "schema", "QTIv2.1 Package")
    sub(metadata, "schemaversion", "1.0.0")
    sub(manifest, "organizations")
    resources = sub(manifest, "resources")
    test_resource = sub(resources, "resource", identifier=test_id, type="imsqti_test_xmlv2p1", href=test_href)
    sub(test_resource, "file", href=test_href)
    for identifier, href in item_refs:
        sub(test_resource, "dependency", identifierref=identifier)
    for identifier, href in item_refs:
        resource = sub(resources, "resource", identifier=identifier, type="imsqti_item_xmlv2p1", href=href)
        sub(resource, "file", href=href)
    files["imsmanifest.xml"] = to_xml_bytes(manifest)
    return files
