"""GIFT export: every special character escaped, formats declared, feedback, weights, ids, tags, category."""

from __future__ import annotations

import pytest

from workbench.domain.assessment import Assessment, Item, ItemType, Option, TextFormat
from workbench.exports.gift import escape_gift, parse_gift, unescape_gift, write_gift, write_gift_item
from workbench.exports.safe_text import export_safe_item

SPECIALS = ["~", "=", "#", "{", "}", ":", "\\", "\n"]


@pytest.mark.parametrize(
    "text, escaped",
    [("~", "\\~"), ("=", "\\="), ("#", "\\#"), ("{", "\\{"), ("}", "\\}"), (":", "\\:"), ("\\", "\\\\"),
     ("a\nb", "a\\nb"), ("C:\\path{1}", "C\\:\\\\path\\{1\\}"), ("\\n literally", "\\\\n literally")],
)
def test_escape_gift(text: str, escaped: str) -> None:
    assert escape_gift(text) == escaped
    assert unescape_gift(escaped) == text


@pytest.mark.parametrize("special", SPECIALS)
@pytest.mark.parametrize("where", ["stem", "option", "feedback", "title", "general_feedback"])
def test_every_special_character_survives_everywhere(special: str, where: str) -> None:
    text = f"before {special} after"
    fields = {"stem": "Stem", "title": "", "general_feedback": ""}
    option_text, feedback = "Key", ""
    if where == "option":
        option_text = text
    elif where == "feedback":
        feedback = text
    else:
        fields[where] = text
    item = Item(id="q1", type=ItemType.SINGLE_CHOICE, text_format=TextFormat.MARKDOWN, options=[
        Option(id="a", text=option_text, correct=True, feedback=feedback), Option(id="b", text="Other")], **fields)
    parsed = parse_gift(write_gift(Assessment(id="x", title="x", items=[item])))
    assert parsed.unsupported == []
    assert parsed.items == [item]


def test_formats_are_declared() -> None:
    lines = {
        fmt: write_gift_item(Item(id="q", type=ItemType.TRUE_FALSE, stem="S", text_format=fmt, options=[
            Option(id="true", text="True", correct=True), Option(id="false", text="False")]))
        for fmt in TextFormat
    }
    assert "[markdown]S{" in lines[TextFormat.MARKDOWN]
    assert "[html]S{" in lines[TextFormat.HTML]
    assert "]S{" not in lines[TextFormat.PLAIN] and "\nS{" in lines[TextFormat.PLAIN]


def test_sample_assessment_file(draft_content) -> None:
    text = write_gift(draft_content.assessment)
    assert "$CATEGORY: Leadership/Feedback" in text
    assert "// [id:q1]\n// [tag:sbi] [tag:feedback]\n::SBI letters::[markdown]" in text
    # Single choice: key, partial credit, per-option feedback with escapes.
    assert "\t=Behaviour#Right\\: describe what you saw." in text
    assert "\t~%25%Bias#Partly\\: bias matters, but it is not the B." in text
    assert "\t~Belief \\{x\\}#No \\~ beliefs \\= guesses \\# ..." in text
    # Multiple response: no '=' at all (Moodle reads that as multiple answers), weights on every option.
    q2 = text.split("// [id:q2]")[1].split("// [id:q3]")[0]
    assert "=" not in q2.replace("\\=", "")
    assert "\t~%50%Specific#Yes." in q2 and "\t~%-50%Vague#" in q2
    # q2 has an option "Public <shaming>": markdown with a raw tag leaves as the app's safe HTML.
    assert "[html]" in q2 and "Public &lt;shaming&gt;" in q2 and "<shaming>" not in q2
    assert "####<p>Specific and timely feedback can be acted on.</p>" in q2
    # True/false: Moodle's order, feedback for a wrong answer first, then for the right one.
    assert "\tFALSE#No\\: annual is too late.#Correct\\: give it soon." in text
    # Short answer with a partial-credit alternative; plain text has no format tag.
    assert "\t=SBI#Exactly.\n\t=%50%S-B-I#Close enough." in text
    # Rationale becomes general feedback when there is none.
    assert "####SBI \\= situation, behaviour, impact." in text


def test_drafted_assessment_reads_back_with_the_same_scoring(draft_content) -> None:
    from workbench.exports.scoring import option_weights, true_false_answer

    parsed = parse_gift(write_gift(draft_content.assessment))
    assert [item.id for item in parsed.items] == [item.id for item in draft_content.assessment.items]
    for original, read in zip(map(export_safe_item, draft_content.assessment.items), parsed.items):
        assert (read.type, read.stem, read.title, read.tags) == (original.type, original.stem, original.title, original.tags)
        assert [o.text for o in read.options] == [o.text for o in original.options]
        assert [o.feedback for o in read.options] == [o.feedback for o in original.options]
        if original.type == ItemType.TRUE_FALSE:
            assert true_false_answer(read) == true_false_answer(original)
        else:
            assert option_weights(read) == option_weights(original)


def test_blank_in_the_stem_becomes_an_embedded_answer() -> None:
    item = Item(id="q", type=ItemType.SHORT_ANSWER, stem="The capital of France is _____ .", text_format=TextFormat.PLAIN,
                options=[Option(id="a", text="Paris", correct=True)])
    line = write_gift_item(item)
    assert "The capital of France is {\n\t=Paris\n} ." in line
    assert parse_gift(line).items == [item]


def test_stem_starting_like_a_comment_is_not_lost() -> None:
    item = Item(id="q", type=ItemType.SHORT_ANSWER, stem="// is a comment marker in C", text_format=TextFormat.PLAIN,
                options=[Option(id="a", text="yes", correct=True)])
    assert parse_gift(write_gift_item(item)).items == [item]
