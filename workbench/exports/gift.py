"""GIFT (Moodle's plain-text question format): writing assessments and reading question banks.

Escaping follows Moodle's own GIFT export: a backslash before `~ = # { } :` and before a backslash,
and `\\n` for a line break. Text without a `[format]` tag is Moodle's auto format, read here as
plain text. True/false feedback follows Moodle: `{TRUE#feedback if wrong#feedback if right}`.
An item whose text could carry markup leaves as HTML held to the app's allowlist (`safe_text`).
"""

from __future__ import annotations

import re

from workbench.domain.assessment import Assessment, Item, ItemType, Option, TextFormat
from workbench.exports.model import ParsedBank, UnsupportedQuestion
from workbench.exports.safe_text import export_safe_item
from workbench.exports.scoring import format_weight, general_feedback, option_weights, true_false_answer, true_false_item_options, true_false_options

GIFT_SPECIALS = "~=#{}:"
BLANK = "_____"
# Exactly five underscores: Moodle's blank. Longer runs are the author's own answer lines.
_BLANK_RE = re.compile(r"(?<!_)_____(?!_)")
_FORMAT_TAG = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
_WEIGHT = re.compile(r"^\s*%(-?\d+(?:\.\d+)?)%")
_TRUE_FALSE = re.compile(r"^(TRUE|FALSE|T|F)\s*(#.*)?$", re.DOTALL)
_ID_META = re.compile(r"\[id:([^\]]+)\]")
_TAG_META = re.compile(r"\[tag:([^\]]+)\]")

_FORMAT_TO_DOMAIN = {"html": TextFormat.HTML, "markdown": TextFormat.MARKDOWN, "plain": TextFormat.PLAIN, "moodle": TextFormat.PLAIN}
_DOMAIN_TO_TAG = {TextFormat.HTML: "[html]", TextFormat.MARKDOWN: "[markdown]", TextFormat.PLAIN: ""}


# --- escaping -------------------------------------------------------------------------------

def escape_gift(text: str) -> str:
    """Escape text for GIFT: backslash, the control characters and line breaks."""
    escaped = (text or "").replace("\\", "\\\\")
    for char in GIFT_SPECIALS:
        escaped = escaped.replace(char, "\\" + char)
    return escaped.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def unescape_gift(text: str) -> str:
    """Undo GIFT escapes; a backslash before any other character stays as it is."""
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            following = text[index + 1]
            if following in GIFT_SPECIALS or following == "\\":
                out.append(following)
                index += 2
                continue
            if following == "n":
                out.append("\n")
                index += 2
                continue
        out.append(char)
        index += 1
    return "".join(out)


def _find_unescaped(text: str, targets: str, start: int = 0) -> int:
    """Index of the first unescaped character of `targets` at or after `start`, else -1."""
    index = start
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char in targets:
            return index
        index += 1
    return -1


def _find_unescaped_run(text: str, run: str, start: int = 0) -> int:
    """Index of the first unescaped occurrence of `run` (e.g. '::' or '####'), else -1."""
    index = _find_unescaped(text, run[0], start)
    while index != -1 and not text.startswith(run, index):
        index = _find_unescaped(text, run[0], index + 1)
    return index


def _split_unescaped(text: str, separator: str) -> list[str]:
    """Split on an unescaped one-character separator."""
    parts, start = [], 0
    index = _find_unescaped(text, separator)
    while index != -1:
        parts.append(text[start:index])
        start = index + 1
        index = _find_unescaped(text, separator, start)
    parts.append(text[start:])
    return parts


# --- writing --------------------------------------------------------------------------------

def _comment_safe(text: str) -> str:
    return re.sub(r"[\]\r\n]", " ", text).strip()


def _answer_line(prefix: str, weight: str | None, text: str, feedback: str) -> str:
    line = prefix + (f"%{weight}%" if weight is not None else "") + escape_gift(text)
    return line + (f"#{escape_gift(feedback)}" if feedback else "")


def _answer_lines(item: Item) -> list[str]:
    if item.type == ItemType.TRUE_FALSE:
        true_option, false_option = true_false_options(item)
        is_true = true_false_answer(item)
        right, wrong = (true_option, false_option) if is_true else (false_option, true_option)
        right_feedback = right.feedback if right else ""
        wrong_feedback = wrong.feedback if wrong else ""
        answer = "TRUE" if is_true else "FALSE"
        if wrong_feedback:
            answer += "#" + escape_gift(wrong_feedback)
        elif right_feedback:
            answer += "#"
        if right_feedback:
            answer += "#" + escape_gift(right_feedback)
        return [answer]

    weights = option_weights(item)
    explicit = any(option.weight is not None for option in item.options)
    any_key = any(option.correct for option in item.options)
    lines = []
    for option, weight in zip(item.options, weights):
        if item.type == ItemType.MULTIPLE_RESPONSE:
            # Moodle reads a block without '=' as multiple response; every credit is a weight.
            plain_distractor = option.weight is None and not option.correct and (explicit or not any_key)
            lines.append(_answer_line("~", None if plain_distractor else format_weight(weight), option.text, option.feedback))
        elif item.type == ItemType.SHORT_ANSWER:
            shown = option.weight if option.weight is not None else (None if option.correct else 0.0)
            lines.append(_answer_line("=", None if shown is None else format_weight(shown), option.text, option.feedback))
        else:
            shown = None if option.weight is None else format_weight(option.weight)
            lines.append(_answer_line("=" if option.correct else "~", shown, option.text, option.feedback))
    return lines


def _texts(item: Item) -> list[str]:
    return [item.stem, item.rationale, item.general_feedback, *(part for o in item.options for part in (o.text, o.feedback))]


def write_gift_item(item: Item) -> str:
    """One question in GIFT, with its id and tags as Moodle comments."""
    lines = [f"// [id:{_comment_safe(item.id)}]"]
    tags = [_comment_safe(tag) for tag in item.tags if _comment_safe(tag)]
    if tags:
        lines.append("// " + " ".join(f"[tag:{tag}]" for tag in tags))
    head = f"::{escape_gift(item.title)}::" if item.title else ""
    if item.text_format == TextFormat.PLAIN and any("<" in text for text in _texts(item)):
        head += "[plain]"  # without a tag Moodle reads auto format, which lets HTML through
    else:
        head += _DOMAIN_TO_TAG[item.text_format]
    answers = "\n".join("\t" + line for line in _answer_lines(item))
    feedback = general_feedback(item)
    if feedback:
        answers += f"\n\t####{escape_gift(feedback)}"
    block = "{\n" + answers + "\n}"
    stem = item.stem
    blank = _BLANK_RE.search(stem)
    before, after = (stem[:blank.start()], stem[blank.end():]) if blank else (stem, "")
    if blank and before.strip() and after.strip():
        # A blank in the stem is where Moodle shows the answer box: put the answers there.
        question = f"{escape_gift(before.rstrip())} {block} {escape_gift(after.lstrip())}"
    else:
        question = escape_gift(stem) + block
    if not head and question.lstrip().startswith("//"):
        head = "[moodle]"  # keeps a stem that starts with // from being read as a comment
    lines.append(head + question)
    return "\n".join(lines)


def write_gift(assessment: Assessment) -> str:
    """The whole assessment as a GIFT file (category first, one blank line between questions)."""
    blocks = [f"// {_comment_safe(assessment.title)}"] if assessment.title else []
    if assessment.category:
        blocks.append(f"$CATEGORY: {_comment_safe(assessment.category)}")
    blocks.extend(write_gift_item(export_safe_item(item)) for item in assessment.items)
    return "\n\n".join(blocks) + "\n"


# --- reading --------------------------------------------------------------------------------

def _normalise(raw: str, text_format: str) -> str:
    """Text as GIFT means it: auto and plain text collapse whitespace; html and markdown keep lines."""
    if text_format in {"moodle", "plain"}:
        raw = re.sub(r"\s+", " ", raw)
    return unescape_gift(raw).strip()


def _take_format(raw: str, default: str) -> tuple[str, str]:
    match = _FORMAT_TAG.match(raw)
    if match:
        return match.group(1).lower(), raw[match.end():]
    return default, raw


def _blocks(text: str) -> list[tuple[int, list[str], list[str]]]:
    """Questions separated by blank lines, as Moodle splits them: (first line, text lines, comment lines)."""
    blocks: list[tuple[int, list[str], list[str]]] = []
    lines: list[str] = []
    comments: list[str] = []
    start = 0

    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("//"):
            comments.append(stripped)
            continue
        if not stripped:
            if lines or comments:
                if lines:
                    blocks.append((start, lines, comments))
                lines, comments = [], []
            continue
        if not lines:
            start = number
        lines.append(line)
    if lines:
        blocks.append((start, lines, comments))
    return blocks


def _option_id(index: int) -> str:
    return "abcdefghijklmnopqrstuvwxyz"[index] if index < 26 else f"o{index + 1}"


def _parse_entries(body: str, text_format: str) -> list[tuple[str, float | None, str, str]]:
    """(prefix, weight, text, feedback) of each `=`/`~` answer of an answer block."""
    if not body or body[0] not in "=~":
        body = "=" + body  # a single bare answer is a short answer's only accepted answer
    starts = []
    index = _find_unescaped(body, "=~")
    while index != -1:
        starts.append(index)
        index = _find_unescaped(body, "=~", index + 1)
    entries = []
    for position, begin in enumerate(starts):
        end = starts[position + 1] if position + 1 < len(starts) else len(body)
        raw = body[begin + 1:end]
        weight = None
        match = _WEIGHT.match(raw)
        if match:
            weight = float(match.group(1))
            raw = raw[match.end():]
        answer_format, raw = _take_format(raw, text_format)
        hash_index = _find_unescaped(raw, "#")
        text_raw, feedback_raw = (raw, "") if hash_index == -1 else (raw[:hash_index], raw[hash_index + 1:])
        feedback_format, feedback_raw = _take_format(feedback_raw, text_format)
        entries.append((body[begin], weight, _normalise(text_raw, answer_format), _normalise(feedback_raw, feedback_format)))
    return entries


def parse_gift(text: str, source: str = "GIFT") -> ParsedBank:
    """Read a GIFT question bank; unsupported question types are listed, not fatal."""
    bank = ParsedBank()
    position = 0
    for line_number, lines, comments in _blocks(text):
        block = "\n".join(lines).strip()
        if block.startswith("$CATEGORY:"):
            bank.category = bank.category or block.split(":", 1)[1].strip()
            continue
        position += 1
        meta = " ".join(comments)
        id_match = _ID_META.search(meta)
        tags = [tag.strip() for tag in _TAG_META.findall(meta)]

        title = ""
        rest = block
        if rest.startswith("::"):
            end = _find_unescaped_run(rest, "::", 2)
            if end != -1:
                title = _normalise(rest[2:end], "moodle")
                rest = rest[end + 2:]

        def unsupported(kind: str, reason: str) -> None:
            bank.unsupported.append(UnsupportedQuestion(position, title, kind, reason, line_number))

        text_format, rest = _take_format(rest.lstrip(), "moodle")
        brace = _find_unescaped(rest, "{")
        if brace == -1:
            unsupported("description", "a description has no answers to import")
            continue
        close = _find_unescaped(rest, "}", brace + 1)
        if close == -1:
            unsupported("unknown", f"the answer block opened on line {line_number} is never closed")
            continue
        stem = _normalise(rest[:brace], text_format)
        after = _normalise(rest[close + 1:], text_format)
        if after:
            stem = f"{stem} {BLANK} {after}".strip()

        answer_raw = rest[brace + 1:close]
        feedback_at = _find_unescaped_run(answer_raw, "####")
        general = ""
        if feedback_at != -1:
            feedback_format, feedback_raw = _take_format(answer_raw[feedback_at + 4:], text_format)
            general = _normalise(feedback_raw, feedback_format)
            answer_raw = answer_raw[:feedback_at]
        body = answer_raw.strip()

        item = Item(
            id=id_match.group(1).strip() if id_match else f"q{position}",
            type=ItemType.SHORT_ANSWER,
            stem=stem,
            title=title,
            tags=tags,
            general_feedback=general,
            text_format=_FORMAT_TO_DOMAIN[text_format],
        )
        if not body:
            unsupported("essay", "essay questions are graded by hand and have no options to import")
            continue
        if body.startswith("#"):
            unsupported("numerical", "numerical questions are not supported")
            continue
        true_false = _TRUE_FALSE.match(body)
        if true_false:
            is_true = true_false.group(1) in {"T", "TRUE"}
            feedbacks = _split_unescaped(true_false.group(2) or "", "#")[1:] + ["", ""]
            wrong = _normalise(_take_format(feedbacks[0], text_format)[1], text_format)
            right = _normalise(_take_format(feedbacks[1], text_format)[1], text_format)
            true_feedback, false_feedback = (right, wrong) if is_true else (wrong, right)
            item.type = ItemType.TRUE_FALSE
            item.options = true_false_item_options(is_true, true_feedback, false_feedback)
            bank.items.append(item)
            continue

        entries = _parse_entries(body, text_format)
        prefixes = {prefix for prefix, *_ in entries}
        if "~" not in prefixes and all("->" in entry_text for _, _, entry_text, _ in entries):
            unsupported("matching", "matching questions are not supported")
            continue
        if "~" in prefixes:
            item.type = ItemType.SINGLE_CHOICE if "=" in prefixes else ItemType.MULTIPLE_RESPONSE
        options = []
        for index, (prefix, weight, option_text, feedback) in enumerate(entries):
            if item.type == ItemType.MULTIPLE_RESPONSE:
                correct = weight is not None and weight > 0
            elif item.type == ItemType.SHORT_ANSWER:
                correct = weight is None or weight > 0
            else:
                correct = prefix == "="
            if correct and weight == 100 and item.type != ItemType.MULTIPLE_RESPONSE:
                weight = None  # full credit is what a key gives anyway
            options.append(Option(id=_option_id(index), text=option_text, correct=correct, feedback=feedback, weight=weight))
        item.options = options
        bank.items.append(item)
    return bank
