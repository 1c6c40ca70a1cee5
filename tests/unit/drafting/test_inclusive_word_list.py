"""The inclusive-language word list: shipped default, a library's own list, clear errors for a bad file."""

from __future__ import annotations

import pytest

from workbench.drafting.wordlist import inclusive_terms_for, load_inclusive_terms
from workbench.errors import ConfigurationError


def test_the_shipped_list_is_used_by_default(tmp_path):
    """Without a library list, the shipped one applies."""
    assert "manpower" in {term.term for term in inclusive_terms_for(tmp_path)}


def test_a_library_brings_its_own_list(tmp_path):
    """An inclusive_language.yaml next to the library's modules replaces the shipped list."""
    (tmp_path / "inclusive_language.yaml").write_text("terms:\n  - {term: rockstar, suggestion: expert, severity: info}\n  - ninja\n")
    terms = inclusive_terms_for(tmp_path)
    assert [(t.term, t.suggestion, t.severity.value) for t in terms] == [("rockstar", "expert", "info"), ("ninja", "", "warning")]
    configured = tmp_path / "ours.yaml"
    configured.write_text("terms: [guys]\n")
    assert [t.term for t in inclusive_terms_for(tmp_path, configured)] == ["guys"]  # the setting wins over the library's


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
