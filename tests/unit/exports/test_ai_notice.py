"""The optional "AI-assisted, human-reviewed" page of learner-facing course packages."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from workbench.domain.drafts import DraftContent
from workbench.exports.service import ExportService
from workbench.settings import Settings

SAMPLE = Path(__file__).resolve().parent / "data" / "sample_draft.json"
NOTICE = "AI-assisted, human-reviewed: this module was drafted with the help of AI"


def _course_html(settings: Settings, content: DraftContent) -> str:
    export = ExportService(settings).export_file(content, "scorm12")
    with zipfile.ZipFile(io.BytesIO(export.data)) as package:
        return package.read("index.html").decode("utf-8")


def test_an_ai_drafted_course_carries_the_notice_only_when_asked(tmp_path):
    content = DraftContent.model_validate(json.loads(SAMPLE.read_text(encoding="utf-8")))
    assert content.provenance.model  # drafted by a model
    plain = _course_html(Settings(library_dir=tmp_path, data_dir=tmp_path / "d"), content)
    noticed = _course_html(Settings(library_dir=tmp_path, data_dir=tmp_path / "d", export_ai_notice=True), content)
    assert NOTICE not in plain
    assert NOTICE in noticed and "About this module" in noticed
    written = content.model_copy(update={"provenance": content.provenance.model_copy(update={"model": ""})})
    assert NOTICE not in _course_html(Settings(library_dir=tmp_path, data_dir=tmp_path / "d", export_ai_notice=True), written)
