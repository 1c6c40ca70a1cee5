"""Prompt files: every shipped file loads; each kind of bad file is a PromptFileInvalid naming the file."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from workbench.errors import PromptFileInvalid
from workbench.llm.errors import PromptNotFound, PromptVariablesMismatch
from workbench.llm.prompts import PromptRegistry, load_prompt_file

GOOD = """\
name: greet
version: 1
description: Says hello.
input_variables: [person, place]
system: You are polite.
template: |-
  Greet ${person} who is in $place.
examples:
  - person: Ann
    place: Leeds
    output: {"greeting": "Hello Ann"}
"""


def write(folder: Path, file_name: str, text: str) -> Path:
    path = folder / file_name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_shipped_prompt_file_loads(project_root: Path) -> None:
    registry = PromptRegistry.load_dir(project_root / "prompts")
    files = sorted((project_root / "prompts").glob("*.yaml"))
    assert len(registry) == len(files) >= 1
    for prompt in registry.all():
        assert prompt.sha256 == hashlib.sha256(prompt.path.read_bytes()).hexdigest()
        example_vars = {name: f"<{name}>" for name in prompt.input_variables}
        messages = prompt.render(example_vars)
        assert messages[-1].role == "user"


def test_a_good_file_renders_system_examples_then_the_request(tmp_path: Path) -> None:
    prompt = load_prompt_file(write(tmp_path, "greet.v1.yaml", GOOD))
    messages = prompt.render({"person": "Bo", "place": "Oslo"})
    assert [m.role for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[1].content == "Greet Ann who is in Leeds."
    assert messages[2].content == '{"greeting": "Hello Ann"}'
    assert messages[3].content == "Greet Bo who is in Oslo."
    assert (prompt.name, prompt.version, prompt.input_variables) == ("greet", 1, ("person", "place"))


def test_interpolation_is_plain_substitution_only(tmp_path: Path) -> None:
    prompt = load_prompt_file(write(tmp_path, "greet.v1.yaml", GOOD))
    hostile = "${place} {person.__class__} {{7*7}} $$"
    content = prompt.render({"person": hostile, "place": "Oslo"})[-1].content
    # The value is inserted verbatim: nothing in it is substituted or evaluated.
    assert content == f"Greet {hostile} who is in Oslo."


@pytest.mark.parametrize(
    ("file_name", "text", "expected"),
    [
        ("greet.v1.yaml", GOOD + "temperature: 3\n", "unknown key(s) temperature"),
        ("greet.v1.yaml", GOOD.replace("description: Says hello.\n", ""), "missing key(s) description"),
        ("greet.v1.yaml", GOOD.replace("[person, place]", "[person]"), "undeclared variable(s) place"),
        ("greet.v1.yaml", GOOD.replace("[person, place]", "[person, place, mood]"), "never used"),
        ("greet.v1.yaml", GOOD.replace("name: greet", "name: hello"), "does not match the file name"),
        ("greet.v2.yaml", GOOD, "version 1 does not match the file name"),
        ("Greet.yaml", GOOD, "named NAME.vN.yaml"),
        ("greet.v1.yaml", GOOD.replace("    place: Leeds\n", ""), "example 1"),
        ("greet.v1.yaml", GOOD.replace("in $place.", "in $place for $5."), "not followed by a variable name"),
        ("greet.v1.yaml", "name: [unclosed\n", "cannot be read as UTF-8 YAML"),
        ("greet.v1.yaml", "- just\n- a list\n", "must be a YAML mapping"),
        ("greet.v1.yaml", GOOD + "parameters: {top_k: 3}\n", "unknown parameter 'top_k'"),
    ],
)
def test_bad_prompt_files_are_errors_naming_the_file(tmp_path: Path, file_name: str, text: str, expected: str) -> None:
    path = write(tmp_path, file_name, text)
    with pytest.raises(PromptFileInvalid) as raised:
        load_prompt_file(path)
    assert file_name in str(raised.value)
    assert expected in str(raised.value)


def test_a_bad_file_stops_the_folder_load_with_its_name(tmp_path: Path) -> None:
    write(tmp_path, "greet.v1.yaml", GOOD)
    write(tmp_path, "broken.v1.yaml", GOOD.replace("name: greet", "name: broken") + "oops: 1\n")
    with pytest.raises(PromptFileInvalid, match="broken.v1.yaml"):
        PromptRegistry.load_dir(tmp_path)


def test_rendering_with_missing_or_extra_variables_names_them(tmp_path: Path) -> None:
    prompt = load_prompt_file(write(tmp_path, "greet.v1.yaml", GOOD))
    with pytest.raises(PromptVariablesMismatch, match="missing place"):
        prompt.render({"person": "Bo"})
    with pytest.raises(PromptVariablesMismatch, match="unexpected colour"):
        prompt.render({"person": "Bo", "place": "Oslo", "colour": "red"})


def test_registry_returns_the_latest_version_unless_asked(tmp_path: Path) -> None:
    write(tmp_path, "greet.v1.yaml", GOOD)
    write(tmp_path, "greet.v2.yaml", GOOD.replace("version: 1", "version: 2"))
    registry = PromptRegistry.load_dir(tmp_path)
    assert registry.get("greet").version == 2
    assert registry.get("greet", 1).version == 1
    assert registry.get("greet", 1).sha256 != registry.get("greet", 2).sha256
    with pytest.raises(PromptNotFound, match="greet.v1, greet.v2"):
        registry.get("greet", 3)
    with pytest.raises(PromptNotFound, match="no prompt named nope"):
        registry.get("nope")
