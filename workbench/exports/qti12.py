"""IMS QTI 1.2 as Canvas imports and exports it: writing a quiz package and reading Canvas files.

The quiz is one `questestinterop > assessment > section > item*` document; each item names its
Canvas `question_type` in `itemmetadata`. Canvas grades multiple-answer questions with its own
partial-credit rule, so explicit multiple-response weights are not carried in this format (GIFT,
Moodle XML and QTI 2.1 keep them).
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from workbench.domain.assessment import Assessment, Item, ItemType, Option, TextFormat
from workbench.errors import ImportFileInvalid
from workbench.exports.model import ParsedBank, UnsupportedQuestion
from workbench.exports.packaging import xml_identifier
from workbench.exports.scoring import format_weight, general_feedback, option_weights, true_false_answer, true_false_item_options, true_false_options
from workbench.exports.textrender import item_html
from workbench.exports.xmlutil import child, children, descendants, local_name, parse_xml, sub, to_xml_bytes

QTI12_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CANVAS_TYPES = {
    ItemType.SINGLE_CHOICE: "multiple_choice_question",
    ItemType.MULTIPLE_RESPONSE: "multiple_answers_question",
    ItemType.TRUE_FALSE: "true_false_question",
    ItemType.SHORT_ANSWER: "short_answer_question",
}
_TYPES_FROM_CANVAS = {value: key for key, value in CANVAS_TYPES.items()}


# --- writing --------------------------------------------------------------------------------

def _metadata(parent: ET.Element, fields: dict[str, str]) -> None:
    metadata = sub(parent, "qtimetadata")
    for label, entry in fields.items():
        field = sub(metadata, "qtimetadatafield")
        sub(field, "fieldlabel", label)
        sub(field, "fieldentry", entry)


def _material(parent: ET.Element, html: str, texttype: str = "text/html") -> None:
    material = sub(parent, "material")
    sub(material, "mattext", html, texttype=texttype)


def _condition(resprocessing: ET.Element, continue_: str, respident: str, values: list[str] | None,
               score: str | None = None, feedback: str | None = None) -> ET.Element:
    condition = sub(resprocessing, "respcondition", continue_=continue_)
    conditionvar = sub(condition, "conditionvar")
    if values is None:
        sub(conditionvar, "other")
    for value in values or []:
        sub(conditionvar, "varequal", value, respident=respident)
    if score is not None:
        sub(condition, "setvar", score, action="Set", varname="SCORE")
    if feedback:
        sub(condition, "displayfeedback", feedbacktype="Response", linkrefid=feedback)
    return condition


def _itemfeedback(item_element: ET.Element, ident: str, html: str) -> None:
    feedback = sub(item_element, "itemfeedback", ident=ident)
    _material(sub(feedback, "flow_mat"), html)


def _scored_options(item: Item) -> list[tuple[Option, float]]:
    """The options in the order they are shown, each with the credit it gives (percent)."""
    if item.type == ItemType.TRUE_FALSE:
        true_option, false_option = true_false_options(item)
        is_true = true_false_answer(item)
        return [
            (true_option or Option(id="true", text="True"), 100.0 if is_true else 0.0),
            (false_option or Option(id="false", text="False"), 0.0 if is_true else 100.0),
        ]
    return list(zip(item.options, option_weights(item)))


def write_item(section: ET.Element, item: Item, position: int) -> None:
    """Append one item in Canvas's QTI 1.2 shape."""
    element = sub(section, "item", ident=xml_identifier(item.id), title=item.title or f"Question {position}")
    scored = _scored_options(item)
    is_text = item.type == ItemType.SHORT_ANSWER
    # What a response is compared with: the typed text for short answers, else the answer's ident.
    values = [option.text if is_text else xml_identifier(f"{item.id}_{option.id}", "a") for option, _ in scored]
    fields = {"question_type": CANVAS_TYPES[item.type], "points_possible": "1.0"}
    if not is_text:
        fields["original_answer_ids"] = ",".join(values)
    _metadata(sub(element, "itemmetadata"), fields)

    presentation = sub(element, "presentation")
    _material(presentation, item_html(item.stem, item.text_format))
    if is_text:
        response = sub(presentation, "response_str", ident="response1", rcardinality="Single")
        sub(sub(response, "render_fib"), "response_label", ident="answer1", rshuffle="No")
    else:
        cardinality = "Multiple" if item.type == ItemType.MULTIPLE_RESPONSE else "Single"
        render = sub(sub(presentation, "response_lid", ident="response1", rcardinality=cardinality), "render_choice")
        plain = item.text_format == TextFormat.PLAIN or item.type == ItemType.TRUE_FALSE
        for value, (option, _) in zip(values, scored):
            text = option.text if plain else item_html(option.text, item.text_format, inline=True)
            _material(sub(render, "response_label", ident=value), text, "text/plain" if plain else "text/html")

    resprocessing = sub(element, "resprocessing")
    sub(sub(resprocessing, "outcomes"), "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
    feedbacks: list[tuple[str, str]] = []
    if general_feedback(item):
        _condition(resprocessing, "Yes", "response1", None, feedback="general_fb")
        feedbacks.append(("general_fb", item_html(general_feedback(item), item.text_format)))
    for value, (option, _) in zip(values, scored):
        if option.feedback:
            feedback_id = xml_identifier(f"{value}_fb", "f")
            _condition(resprocessing, "Yes", "response1", [value], feedback=feedback_id)
            feedbacks.append((feedback_id, item_html(option.feedback, item.text_format)))

    if item.type == ItemType.MULTIPLE_RESPONSE:
        # Canvas's shape: every key chosen and no distractor; Canvas computes partial credit itself.
        condition = sub(resprocessing, "respcondition", continue_="No")
        both = sub(sub(condition, "conditionvar"), "and")
        for value, (option, _) in zip(values, scored):
            parent = both if option.correct else sub(both, "not")
            sub(parent, "varequal", value, respident="response1")
        sub(condition, "setvar", "100", action="Set", varname="SCORE")
    else:
        full = [value for value, (_, weight) in zip(values, scored) if weight >= 100]
        if full:
            # Canvas lists all accepted short answers in one condition; choices have one key each.
            for group in ([full] if is_text else [[value] for value in full]):
                _condition(resprocessing, "No", "response1", group, score="100")
        # Partial credit ("vary points by answer"), highest first.
        partial = sorted(((weight, value) for value, (_, weight) in zip(values, scored) if 0 < weight < 100), key=lambda pair: -pair[0])
        for weight, value in partial:
            _condition(resprocessing, "No", "response1", [value], score=format_weight(weight))

    for feedback_id, html in feedbacks:
        _itemfeedback(element, feedback_id, html)


def write_qti12_document(assessment: Assessment) -> bytes:
    """The quiz as one QTI 1.2 `questestinterop` document."""
    root = ET.Element("questestinterop", {"xmlns": QTI12_NS})
    quiz = sub(root, "assessment", ident=xml_identifier(assessment.id, "g"), title=assessment.title or assessment.id)
    _metadata(quiz, {"cc_maxattempts": "1"})
    section = sub(quiz, "section", ident="root_section")
    for position, item in enumerate(assessment.items, start=1):
        write_item(section, item, position)
    return to_xml_bytes(root)


def qti12_package_files(assessment: Assessment) -> dict[str, bytes]:
    """The files of a Canvas-importable QTI 1.2 zip: the manifest and the quiz document."""
    ident = xml_identifier(assessment.id, "g")
    quiz_path = f"{ident}/{ident}.xml"
    manifest = ET.Element("manifest", {
        "identifier": f"{ident}_manifest",
        "xmlns": "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1",
    })
    metadata = sub(manifest, "metadata")
    sub(metadata, "schema", "IMS Content")
    sub(metadata, "schemaversion", "1.1.3")
    sub(manifest, "organizations")
    resources = sub(manifest, "resources")
    resource = sub(resources, "resource", identifier=ident, type="imsqti_xmlv1p2", href=quiz_path)
    sub(resource, "file", href=quiz_path)
    return {"imsmanifest.xml": to_xml_bytes(manifest), quiz_path: write_qti12_document(assessment)}


# --- reading --------------------------------------------------------------------------------

def _metadata_fields(item: ET.Element) -> dict[str, str]:
    fields: dict[str, str] = {}
    itemmetadata = child(item, "itemmetadata")
    for field in descendants(itemmetadata, "qtimetadatafield") if itemmetadata is not None else []:
        label, entry = child(field, "fieldlabel"), child(field, "fieldentry")
        if label is not None and entry is not None:
            fields[(label.text or "").strip()] = (entry.text or "").strip()
    return fields


def _mattext(element: ET.Element | None) -> tuple[str, TextFormat]:
    if element is None:
        return "", TextFormat.PLAIN
    texts = descendants(element, "mattext")
    if not texts:
        return "", TextFormat.PLAIN
    node = texts[0]
    text_format = TextFormat.HTML if "html" in (node.get("texttype") or "") else TextFormat.PLAIN
    return (node.text or "").strip(), text_format


def _score(condition: ET.Element) -> float | None:
    setvar = child(condition, "setvar")
    if setvar is None:
        return None
    try:
        return float((setvar.text or "0").strip())
    except ValueError:
        return None


def _read_item(element: ET.Element, position: int) -> tuple[Item | None, UnsupportedQuestion | None]:
    fields = _metadata_fields(element)
    title = element.get("title", "")
    presentation = child(element, "presentation")
    kind = fields.get("question_type", "")
    if not kind and presentation is not None:
        lid = descendants(presentation, "response_lid")
        if descendants(presentation, "response_str"):
            kind = "short_answer_question"
        elif lid:
            kind = "multiple_answers_question" if lid[0].get("rcardinality") == "Multiple" else "multiple_choice_question"
    if kind not in _TYPES_FROM_CANVAS or presentation is None:
        return None, UnsupportedQuestion(position, title, kind or "unknown", f"'{kind or 'unknown'}' questions are not supported")
    responses = descendants(presentation, "response_lid") + descendants(presentation, "response_str")
    if len(responses) != 1 or responses[0].get("rcardinality") == "Ordered":
        reason = "an item with several responses or an ordering is not supported (matching, ordering, multiple blanks)"
        return None, UnsupportedQuestion(position, title, kind, reason)
    if any(fib.get("fibtype") in {"Decimal", "Integer"} for fib in descendants(presentation, "render_fib")):
        return None, UnsupportedQuestion(position, title, "numerical_question", "numerical questions are not supported")

    stem_material = child(presentation, "material")
    stem, text_format = _mattext(stem_material)
    feedbacks = {fb.get("ident", ""): _mattext(fb)[0] for fb in children(element, "itemfeedback")}
    conditions = descendants(element, "respcondition")
    item = Item(
        id=element.get("ident") or f"q{position}",
        type=_TYPES_FROM_CANVAS[kind],
        stem=stem,
        title=title,
        general_feedback=feedbacks.get("general_fb", ""),
        text_format=text_format,
    )

    # Feedback shown for one chosen answer: a condition on that single answer with displayfeedback.
    answer_feedback: dict[str, str] = {}
    scores: dict[str, float] = {}
    keys_in_and: set[str] = set()
    for condition in conditions:
        conditionvar = child(condition, "conditionvar")
        if conditionvar is None:
            continue
        direct = [(node.text or "").strip() for node in children(conditionvar, "varequal")]
        display = child(condition, "displayfeedback")
        link = display.get("linkrefid", "") if display is not None else ""
        if len(direct) == 1 and link and link not in {"general_fb", "correct_fb", "general_incorrect_fb"}:
            answer_feedback[direct[0]] = feedbacks.get(link, "")
        score = _score(condition)
        both = child(conditionvar, "and")
        if both is not None and score:
            keys_in_and.update((node.text or "").strip() for node in children(both, "varequal"))
        elif score is not None and score > 0:
            for value in direct:
                scores[value] = max(scores.get(value, 0.0), score)

    if not scores and not keys_in_and:
        return None, UnsupportedQuestion(position, title, kind, "the item has no answer key (an essay or a survey question)")
    if item.type == ItemType.SHORT_ANSWER:
        top = max(scores.values(), default=100.0) or 100.0
        item.options = [
            Option(id=_option_id(index), text=value, correct=True, feedback=answer_feedback.get(value, ""),
                   weight=None if score >= top else round(score / top * 100, 5))
            for index, (value, score) in enumerate(scores.items())
        ]
        return item, None

    labels = descendants(presentation, "response_label")
    top = max(scores.values(), default=100.0) or 100.0
    options = []
    for index, label in enumerate(labels):
        ident = label.get("ident", "")
        text = _mattext(label)[0]
        score = scores.get(ident, 0.0)
        if item.type == ItemType.MULTIPLE_RESPONSE:
            correct, weight = ident in keys_in_and or score > 0, None
        else:
            correct = score >= top and score > 0
            weight = None if correct or score == 0 else round(score / top * 100, 5)
        options.append(Option(id=_option_id(index), text=text, correct=correct, feedback=answer_feedback.get(ident, ""), weight=weight))
    if item.type == ItemType.TRUE_FALSE:
        true_option = next((o for o in options if o.text.strip().lower() == "true"), options[0] if options else None)
        false_option = next((o for o in options if o is not true_option), None)
        item.options = true_false_item_options(
            bool(true_option and true_option.correct),
            true_option.feedback if true_option else "",
            false_option.feedback if false_option else "",
        )
    else:
        item.options = options
    return item, None


def _option_id(index: int) -> str:
    return "abcdefghijklmnopqrstuvwxyz"[index] if index < 26 else f"o{index + 1}"


def parse_qti12(data: bytes | str, source: str | Path = "QTI 1.2") -> ParsedBank:
    """Read a QTI 1.2 document (Canvas flavour); a file that is not well-formed is rejected."""
    root = parse_xml(data, source)
    if local_name(root) != "questestinterop":
        raise ImportFileInvalid(f"{source}: not a QTI 1.2 file (root element <{local_name(root)}>, expected <questestinterop>)")
    bank = ParsedBank()
    assessment = child(root, "assessment")
    if assessment is not None:
        bank.title = assessment.get("title", "")
    for position, element in enumerate(descendants(root, "item"), start=1):
        item, unsupported = _read_item(element, position)
        if item is not None:
            bank.items.append(item)
        if unsupported is not None:
            bank.unsupported.append(unsupported)
    position = len(bank.items) + len(bank.unsupported)
    for position, entry in enumerate(descendants(root, "bankentry_item"), start=position + 1):
        reason = f"a question drawn from the bank {entry.get('sourcebank_ref', '?')}, which is not in this file"
        bank.unsupported.append(UnsupportedQuestion(position, entry.get("item_ref", ""), "bank_entry", reason))
    return bank


def parse_qti12_package(data: bytes, source: str | Path = "QTI 1.2 package") -> ParsedBank:
    """Read every QTI 1.2 quiz a zip package's manifest lists."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ImportFileInvalid(f"{source}: not a zip file") from None
    with archive:
        names = set(archive.namelist())
        if "imsmanifest.xml" not in names:
            raise ImportFileInvalid(f"{source}: the package has no imsmanifest.xml")
        manifest = parse_xml(archive.read("imsmanifest.xml"), f"{source}!imsmanifest.xml")
        bank = ParsedBank()
        for resource in descendants(manifest, "resource"):
            if not (resource.get("type") or "").startswith("imsqti_xmlv1p2"):
                continue
            for file_element in children(resource, "file"):
                href = file_element.get("href", "")
                if href not in names:
                    raise ImportFileInvalid(f"{source}: the manifest lists {href}, which is not in the package")
                part = parse_qti12(archive.read(href), f"{source}!{href}")
                offset = len(bank.items) + len(bank.unsupported)
                bank.items.extend(part.items)
                bank.unsupported.extend(
                    UnsupportedQuestion(u.position + offset, u.title, u.type, u.reason, u.line) for u in part.unsupported
                )
                bank.title = bank.title or part.title
        return bank
