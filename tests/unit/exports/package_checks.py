"""Checks shared by the package tests: well-formed XML and a manifest that matches the zip."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile


def read_zip(data: bytes) -> dict[str, bytes]:
    """Every file of a zip package by name."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def assert_well_formed(files: dict[str, bytes]) -> None:
    """Every .xml file of the package parses."""
    for name, data in files.items():
        if name.endswith(".xml"):
            ET.fromstring(data)


def manifest_references(manifest: bytes) -> set[str]:
    """Every href the manifest names (resources and files)."""
    root = ET.fromstring(manifest)
    return {node.get("href") for node in root.iter() if node.get("href")}


def assert_manifest_matches(files: dict[str, bytes]) -> None:
    """The manifest references every file of the package, and every referenced file exists."""
    assert "imsmanifest.xml" in files
    referenced = manifest_references(files["imsmanifest.xml"])
    packaged = set(files) - {"imsmanifest.xml"}
    assert referenced - packaged == set(), "referenced but missing"
    assert packaged - referenced == set(), "packaged but not referenced"
