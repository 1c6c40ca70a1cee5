"""The inclusive-language word list: shipped default, a library's own list, clear errors for a bad file."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from workbench.drafting.service import DraftingService
from workbench.drafting.wordlist import load_inclusive_terms
from workbench.errors import ConfigurationError
from workbench.settings import Settings


def test_the_shipped_list_is_used_by_default(tmp_path):
    """Without a library list, the shipped one applies."""
    service = DraftingService(SimpleNamespace(settings=Settings(library_dir=tmp_path)))
    assert "manpower" in {term.term for term in service.inclusive_terms}


def test_a_library_brings_its_own_list(tmp_path):
    """An inclusive_language.yaml next to the library's modules replaces the shipped list."""
    (tmp_path / "inclusive_language.yaml").write_text("terms:\n  - {term: rockstar, suggestion: expert, severity: info}\n  - ninja\n")
    service = DraftingService(SimpleNamespace(settings=Settings(library_dir=tmp_path)))
    assert [(t.term, t.suggestion, t.severity.value) for t in service.inclusive_terms] == [("rockstar", "expert", "info"), ("ninja", "", "warning")]


@pytest.mark.parametrize(
    ("text", "message"),
    [("terms: nope\n", "must hold a list"), ("terms:\n  - {suggestion: x}\n", "entry 1 needs a 'term'"),
     ("terms:\n  - {term: x, severity: loud}\n", "unknown severity"), ("terms: [\n", "cannot be read")],
)
def test_a_bad_list_is_a_clear_error_naming_the_file(tmp_path, text, message):
    """Each problem names the file and what is wrong."""
    path = tmp_path / "words.yaml"
    path.write_text(text)
    with pytest.raises(ConfigurationError, match=message) as caught:
        load_inclusive_terms(path)
    assert "words.yaml" in str(caught.value)
