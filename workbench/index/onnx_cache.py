"""The quantized ONNX copy of an embedding model in the data dir: where it lives, its manifest, its checks.

A copy is a folder holding `model.onnx`, `tokenizer.json` and `manifest.json`. The manifest
records the sha256 of both files, checked on every load, and what the copy was made from (the
cache format, the onnxruntime version, the source folder's files and the int8 range this CPU
needs): a copy made from anything else is outdated and is exported again. A copy whose files do
not match their sha256 is corrupted: loading it stops with an error naming `workbench models
prepare`, which exports it again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Callable, Literal

from filelock import FileLock

from workbench.errors import EmbeddingBackendUnavailable
from workbench.index import int8_range
from workbench.index.onnx_encoder import OnnxEncoder, TokenizerConfig

log = logging.getLogger(__name__)

FORMAT = 2  # bump when the export changes what a copy holds: older copies are then rebuilt
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
MANIFEST_FILE = "manifest.json"
FIX = "run `workbench models prepare` to export it again, or set WORKBENCH_EMBEDDING_BACKEND=torch"

Say = Callable[[str], None]
CopyState = Literal["ready", "missing", "outdated", "corrupted"]


@dataclass(frozen=True)
class CopyCheck:
    """What a look at a cached copy found, and why when it is not ready."""

    state: CopyState
    reason: str = ""
    manifest: dict | None = None


@dataclass(frozen=True)
class PreparedCopy:
    """The outcome of making sure a copy is ready: verified as it was, or exported now (and why)."""

    directory: Path
    exported: bool
    reason: str
    manifest: dict


def folder_signature(folder: Path) -> list:
    """Names, sizes and modification times of a model folder's files (a change means the model changed)."""
    entries = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            status = path.stat()
            entries.append([str(path.relative_to(folder)), status.st_size, status.st_mtime_ns])
    return entries


def copy_dir(cache_root: Path, model_name: str, model_dir: Path) -> Path:
    """The folder of the copy of one model folder: its name plus a hash of where it lives (two folders, two copies)."""
    where = hashlib.sha256(str(model_dir.resolve()).encode("utf-8")).hexdigest()[:10]
    return cache_root / f"{model_name}-{where}-onnx-int8"


def _runtime_version() -> str:
    try:
        return metadata.version("onnxruntime")
    except metadata.PackageNotFoundError:
        return "not installed"


def expected_origin(model_dir: Path) -> dict:
    """What a current copy of this model folder must have been made from, on this CPU."""
    return {"format": FORMAT, "onnxruntime": _runtime_version(), "source": folder_signature(model_dir),
            "int8_range": int8_range.this_machine()}


def sha256_bytes(data: bytes) -> str:
    """The sha256 of some bytes, as hex."""
    return hashlib.sha256(data).hexdigest()


def check_copy(directory: Path, model_dir: Path) -> CopyCheck:
    """Whether the copy in `directory` is ready, missing, outdated or corrupted (reads and hashes its files)."""
    try:
        manifest = json.loads((directory / MANIFEST_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return CopyCheck("missing", "not exported yet")
    except (OSError, ValueError) as error:
        return CopyCheck("corrupted", f"its manifest cannot be read ({error})")
    if not isinstance(manifest, dict):
        return CopyCheck("corrupted", "its manifest is not a JSON object")
    origin = expected_origin(model_dir)
    for key, expected in origin.items():
        if manifest.get(key) != expected:
            why = {"format": "it was made by another version of the workbench",
                   "onnxruntime": "it was made by another onnxruntime version",
                   "source": "it was made by other model files",
                   "int8_range": f"it was made for a CPU that needs the {manifest.get(key) or int8_range.REDUCED_RANGE} and this one "
                                 f"the {expected}"}[key]
            return CopyCheck("outdated", why, manifest)
    for name in (MODEL_FILE, TOKENIZER_FILE):
        try:
            data = (directory / name).read_bytes()
        except OSError as error:
            return CopyCheck("corrupted", f"{name} cannot be read ({error.strerror or error})", manifest)
        if sha256_bytes(data) != (manifest.get("files") or {}).get(name):
            return CopyCheck("corrupted", f"{name} does not match its recorded sha256", manifest)
    return CopyCheck("ready", "", manifest)


def load_copy(directory: Path, manifest: dict, workers: int = 1) -> OnnxEncoder:
    """An encoder of `workers` sessions over a copy, re-checking each file's sha256 on the bytes actually loaded."""
    try:
        blobs = {name: (directory / name).read_bytes() for name in (MODEL_FILE, TOKENIZER_FILE)}
        for name, data in blobs.items():
            if sha256_bytes(data) != manifest["files"][name]:
                raise ValueError(f"{name} does not match its recorded sha256")
        config = TokenizerConfig.from_json(manifest["tokenizer"])
        return OnnxEncoder(blobs[MODEL_FILE], blobs[TOKENIZER_FILE].decode("utf-8"), config, workers)
    except Exception as error:  # noqa: BLE001 - onnxruntime raises its own types for a graph it cannot read
        raise EmbeddingBackendUnavailable(
            f"the ONNX embedding model at {directory} is corrupted ({error}); {FIX}"
        ) from error


def prepare_copy(directory: Path, model_name: str, model_dir: Path, say: Say | None = None,
                 force: bool = False, repair: bool = True) -> PreparedCopy:
    """Make sure the copy is ready: verify it, or export it when missing, outdated (or corrupted, if `repair`).

    Under a file lock, so two processes never export into the same folder at once; the new copy is
    written beside the old one and renamed into place, so a crash never leaves half a copy.
    """
    say = say or (lambda message: None)
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(directory) + ".lock", timeout=900)
        lock.acquire()
    except OSError as error:
        raise EmbeddingBackendUnavailable(
            f"cannot write the ONNX embedding model under {directory.parent} ({error}); "
            "make the folder writable and run `workbench models prepare`, or set WORKBENCH_EMBEDDING_BACKEND=torch"
        ) from error
    try:
        found = check_copy(directory, model_dir)
        if found.state == "ready" and not force:
            return PreparedCopy(directory, False, "verified", found.manifest or {})
        if found.state == "corrupted" and not repair:
            raise EmbeddingBackendUnavailable(f"the ONNX embedding model at {directory} is corrupted ({found.reason}); {FIX}")
        reason = "forced" if found.state == "ready" else found.reason
        say(f"exporting the embedding model {model_name} to int8 ONNX ({reason}) ...")
        log.info("exporting %s to %s: %s", model_name, directory, reason)
        manifest = _export(directory, model_name, model_dir)
        say(f"ONNX embedding model ready: {directory} (probe cosine vs torch "
            f"min {manifest['probe_cosine']['min']}, mean {manifest['probe_cosine']['mean']})")
        return PreparedCopy(directory, True, reason, manifest)
    finally:
        lock.release()


def _export(directory: Path, model_name: str, model_dir: Path) -> dict:
    """Export into a fresh folder beside `directory`, write the manifest last, then swap it in."""
    from workbench.index.onnx_export import ExportFailed, export_quantized

    partial = directory.with_name(directory.name + ".partial")
    try:
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        weights_range = int8_range.this_machine()
        exported = export_quantized(model_dir, partial, weights_range)
        manifest = {
            **expected_origin(model_dir),
            "model": model_name,
            "dimension": exported.dimension,
            "tokenizer": exported.tokenizer.to_json(),
            "files": {name: sha256_bytes((partial / name).read_bytes()) for name in (MODEL_FILE, TOKENIZER_FILE)},
            "quantization": f"dynamic int8: QInt8 weights per channel ({weights_range}), activations quantized at run time",
            "probe_cosine": {"min": exported.probe_min_cosine, "mean": exported.probe_mean_cosine},
            "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        (partial / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        if directory.exists():
            shutil.rmtree(directory)
        os.replace(partial, directory)
        return manifest
    except (ExportFailed, OSError) as error:
        shutil.rmtree(partial, ignore_errors=True)
        raise EmbeddingBackendUnavailable(
            f"could not export the embedding model {model_name} to ONNX: {error}; "
            "run `workbench models prepare` to try again, or set WORKBENCH_EMBEDDING_BACKEND=torch"
        ) from error
