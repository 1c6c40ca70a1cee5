"""The GIFT the workbench writes, read by an independent parser: gift-pegjs, the published build of the
reference GIFT grammar (npm). Skips with a reason when Node.js or gift-pegjs is not installed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from gift_reference import SUPPORTED_REFERENCE_TYPES, item_view, reference_view
from workbench.domain.assessment import Assessment
from workbench.domain.drafts import DraftContent
from workbench.exports.gift import parse_gift, write_gift

PROJECT_ROOT = Path(__file__).resolve().parents[3]
SAMPLE_DRAFT = PROJECT_ROOT / "tests" / "unit" / "exports" / "data" / "sample_draft.json"
NODE_SCRIPT = """
const gift = require('gift-pegjs');
let input = '';
process.stdin.on('data', chunk => input += chunk);
process.stdin.on('end', () => {
  const results = JSON.parse(input).map(text => {
    try { return {ok: gift.parse(text)}; } catch (error) { return {error: String(error.message)}; }
  });
  process.stdout.write(JSON.stringify(results));
});
"""


def _node_path() -> str | None:
    candidates = [os.environ.get("GIFT_PEGJS_NODE_PATH", ""), str(PROJECT_ROOT / "node_modules"),
                  str(PROJECT_ROOT / ".workbench" / "tools" / "node_modules"), os.environ.get("NODE_PATH", "")]
    for candidate in filter(None, candidates):
        if (Path(candidate) / "gift-pegjs").is_dir():
            return candidate
    return None


@pytest.fixture(scope="module")
def reference_parser():
    """Parse GIFT texts with gift-pegjs in one Node.js process."""
    node, node_path = shutil.which("node"), _node_path()
    if not node or not node_path:
        pytest.skip("Node.js with gift-pegjs is not installed (npm install --prefix .workbench/tools gift-pegjs)")

    def parse(texts: list[str]) -> list[dict]:
        done = subprocess.run([node, "-e", NODE_SCRIPT], input=json.dumps(texts), capture_output=True, text=True,
                              timeout=60, env={**os.environ, "NODE_PATH": node_path}, check=True)
        return json.loads(done.stdout)

    return parse


def _assessments(shared_dir: Path) -> list[Assessment]:
    assessments = [DraftContent.model_validate_json(SAMPLE_DRAFT.read_text(encoding="utf-8")).assessment]
    for path in sorted((shared_dir / "fixtures" / "gift").glob("*.gift")):
        bank = parse_gift(path.read_text(encoding="utf-8"))
        if bank.items:
            assessments.append(Assessment(id=path.stem, title=path.stem, category=bank.category, items=bank.items))
    return assessments


def test_reference_grammar_reads_what_the_workbench_writes(reference_parser, shared_dir: Path) -> None:
    assessments = _assessments(shared_dir)
    texts = [write_gift(assessment) for assessment in assessments]
    results = reference_parser(texts)
    assert len(results) == len(assessments) > 30  # every fixture with supported questions, and the sample draft
    for assessment, text, result in zip(assessments, texts, results):
        assert "error" not in result, f"{assessment.id}: {result.get('error')}"
        questions = [q for q in result["ok"] if q["type"] != "Category"]
        assert [q["type"] in SUPPORTED_REFERENCE_TYPES for q in questions] == [True] * len(assessment.items), assessment.id
        # Both parsers read the same questions out of the file the workbench wrote.
        for question, item in zip(questions, parse_gift(text).items):
            assert reference_view(question) == item_view(item, with_id=True), f"{assessment.id}/{item.id}"
        categories = [q["title"] for q in result["ok"] if q["type"] == "Category"]
        assert categories == ([assessment.category] if assessment.category else [])


def _formatted_texts(node) -> list[tuple[str, str]]:
    """Every {format, text} the reference parser returns, wherever it sits in a question."""
    if isinstance(node, dict):
        found = [(node["format"], node["text"])] if isinstance(node.get("format"), str) and isinstance(node.get("text"), str) else []
        return found + [pair for value in node.values() for pair in _formatted_texts(value)]
    if isinstance(node, list):
        return [pair for value in node for pair in _formatted_texts(value)]
    return []


def test_reference_grammar_finds_no_active_html_in_hostile_items(reference_parser) -> None:
    from markdown_it import MarkdownIt

    from tests.support.hostile_text import active_html, hostile_assessment

    permissive = MarkdownIt("commonmark", {"html": True})
    permissive.validateLink = lambda url: True
    [result] = reference_parser([write_gift(hostile_assessment())])
    assert "error" not in result, result.get("error")
    questions = [q for q in result["ok"] if q["type"] != "Category"]
    assert len(questions) == len(hostile_assessment().items)
    for question in questions:
        for fmt, text in _formatted_texts(question):
            # Moodle renders html and its auto format ("moodle") as HTML, markdown with raw HTML allowed.
            rendered = "" if fmt == "plain" else permissive.render(text) if fmt == "markdown" else text
            assert active_html(rendered) == [], (question.get("title"), fmt, text)
        assert "<" not in (question.get("title") or "")
