"""Every real question bank of ../shared, exported in every format: well-formed XML and complete manifests."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from workbench.domain.assessment import Assessment
from workbench.exports.gift import parse_gift
from workbench.exports.moodle_xml import parse_moodle_xml
from workbench.exports.service import ExportFormat, ExportSource, render_export


def _banks(shared_dir: Path) -> list[Assessment]:
    banks = []
    for path in sorted((shared_dir / "fixtures" / "gift").glob("*.gift")):
        bank = parse_gift(path.read_text(encoding="utf-8"))
        banks.append(Assessment(id=path.stem, title=path.stem, category=bank.category, items=bank.items))
    for path in sorted((shared_dir / "fixtures" / "moodle_xml").glob("*.xml")):
        bank = parse_moodle_xml(path.read_bytes(), path)
        banks.append(Assessment(id=path.stem, title=path.stem, category=bank.category, items=bank.items))
    return [bank for bank in banks if bank.items]


@pytest.mark.parametrize("fmt", [ExportFormat.MOODLE_XML, ExportFormat.QTI21, ExportFormat.QTI12, ExportFormat.SCORM12])
def test_every_bank_exports_to_well_formed_complete_packages(shared_dir: Path, fmt: ExportFormat) -> None:
    banks = _banks(shared_dir)
    assert len(banks) > 35
    for bank in banks:
        export = render_export(ExportSource(bank.id, bank.title, [], bank), fmt)
        if fmt == ExportFormat.MOODLE_XML:
            assert len(ET.fromstring(export.data).findall("question")) == len(bank.items) + bool(bank.category)
            continue
        with zipfile.ZipFile(io.BytesIO(export.data)) as archive:
            files = {name: archive.read(name) for name in archive.namelist()}
        for name, data in files.items():
            if name.endswith(".xml"):
                ET.fromstring(data)  # raises when not well-formed
        manifest = ET.fromstring(files.pop("imsmanifest.xml"))
        referenced = {node.get("href") for node in manifest.iter() if node.get("href")}
        assert referenced == set(files), bank.id
