"""Classification levels and where a file's level comes from: front matter, folder default, settings map, default."""

from __future__ import annotations

import pytest

from workbench.errors import ConfigurationError, GovernanceInputInvalid
from workbench.governance.classification import ContentClassifier
from workbench.governance.keys import KeyResolver
from workbench.governance.levels import ClassificationLevels

LEVELS = ClassificationLevels.of(["public", "internal", "confidential", "restricted"])


def _write(root, relative, text):
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_levels_are_ordered_and_a_lead_s_unknown_level_is_refused():
    assert LEVELS.allows("internal", "public") and LEVELS.allows("internal", "internal")
    assert not LEVELS.allows("internal", "confidential")
    assert LEVELS.require(" Confidential ", "level") == "confidential"
    with pytest.raises(GovernanceInputInvalid, match="endpoint 'x': allowed level 'secret' is not a classification level"):
        LEVELS.require("secret", "endpoint 'x': allowed level")
    with pytest.raises(ConfigurationError, match="distinct, non-empty"):
        ClassificationLevels.of(["public", "public"])


def test_front_matter_then_nearest_folder_then_settings_then_default(tmp_path):
    _write(tmp_path, "hr/pay.md", "---\nclassification: restricted\n---\n# Pay\n")
    _write(tmp_path, "hr/intro.md", "# HR intro\n")
    _write(tmp_path, "hr/_folder.yaml", "classification: confidential\n")
    _write(tmp_path, "hr/public/welcome.md", "# Welcome\n")
    _write(tmp_path, "hr/public/_folder.yaml", "classification: public\n")
    _write(tmp_path, "sales/pitch.md", "# Pitch\n")
    _write(tmp_path, "misc/note.md", "# Note\n")
    classifier = ContentClassifier(tmp_path, LEVELS, "internal", {"sales": "confidential"})
    found = {path: classifier.classify(path) for path in
             ("hr/pay.md", "hr/intro.md", "hr/public/welcome.md", "sales/pitch.md", "misc/note.md")}
    assert {path: (c.level, c.source) for path, c in found.items()} == {
        "hr/pay.md": ("restricted", "front matter"),
        "hr/intro.md": ("confidential", "_folder.yaml of folder hr/"),
        "hr/public/welcome.md": ("public", "_folder.yaml of folder hr/public/"),
        "sales/pitch.md": ("confidential", "settings default of folder sales/"),
        "misc/note.md": ("internal", "default"),
    }
    assert all(c.warning is None for c in found.values())


def test_a_misspelt_or_unreadable_classification_is_the_most_restrictive_with_a_warning(tmp_path):
    _write(tmp_path, "a.md", "---\nclassification: confidental\n---\n# A\n")
    _write(tmp_path, "b/_folder.yaml", "classification: [public\n")
    _write(tmp_path, "b/c.md", "# C\n")
    classifier = ContentClassifier(tmp_path, LEVELS, "internal")
    a = classifier.classify("a.md")
    assert a.level == "restricted"
    assert a.warning == ("a.md: classification 'confidental' is not one of public, internal, confidential, restricted; "
                         "treated as restricted, the most restrictive")
    assert classifier.classify("b/c.md").level == "restricted"


def test_a_changed_file_is_read_again(tmp_path):
    _write(tmp_path, "a.md", "---\nclassification: public\n---\n# A\n")
    classifier = ContentClassifier(tmp_path, LEVELS, "internal")
    assert classifier.classify("a.md").level == "public"
    _write(tmp_path, "a.md", "---\nclassification: confidential\ntitle: changed\n---\n# A\n")
    assert classifier.classify("a.md").level == "confidential"


def test_key_references_resolve_from_the_environment_and_the_secrets_file(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('vendor_key = "from-file"\n[llm]\nacme = "nested"\n', encoding="utf-8")
    keys = KeyResolver(secrets, environ={"VENDOR_KEY": "from-env"})
    assert keys.resolve("env:VENDOR_KEY").get_secret_value() == "from-env"
    assert keys.resolve("VENDOR_KEY").get_secret_value() == "from-env"
    assert keys.resolve("secrets:vendor_key").get_secret_value() == "from-file"
    assert keys.resolve("llm.acme").get_secret_value() == "nested"
    assert keys.resolve("env:vendor_key") is None and keys.resolve("secrets:VENDOR_KEY") is None
    assert keys.resolve("MISSING") is None
