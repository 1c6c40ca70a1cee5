"""Versioned prompt files (prompts/NAME.vN.yaml): loading, validation and safe rendering.

Interpolation uses `string.Template` (`$name` / `${name}`, `$$` for a literal dollar): it only
substitutes plain values, never evaluates expressions or reads attributes, so a prompt file or a
value coming from a document cannot execute anything. Substitution happens in one pass, so text
inside a value that looks like `$other` stays literal.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Literal

import yaml

from workbench.errors import PromptFileInvalid
from workbench.llm.errors import PromptNotFound, PromptVariablesMismatch

FILE_NAME = re.compile(r"^(?P<name>[a-z][a-z0-9_]*)\.v(?P<version>[1-9][0-9]*)\.ya?ml$")
REQUIRED_KEYS = {"name", "version", "description", "input_variables", "template"}
OPTIONAL_KEYS = {"system", "examples", "parameters"}
KNOWN_PARAMETERS = {"max_tokens": int, "temperature": (int, float)}
Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class Message:
    """One chat message as a prompt renders it (plain data; the providers translate it)."""

    role: Role
    content: str


@dataclass(frozen=True)
class Prompt:
    """A validated prompt file."""

    name: str
    version: int
    description: str
    input_variables: tuple[str, ...]
    system: str
    template: str
    examples: tuple[dict[str, Any], ...]
    sha256: str
    path: Path
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """`name.vN`, how the prompt is named in messages and logs."""
        return f"{self.name}.v{self.version}"

    def render(self, variables: dict[str, Any]) -> list[Message]:
        """The messages for these variables: system, few-shot example pairs, then the request."""
        self._check_variables(variables)
        messages: list[Message] = []
        if self.system:
            messages.append(Message("system", _substitute(self.system, variables)))
        for example in self.examples:
            example_vars = {name: value for name, value in example.items() if name != "output"}
            messages.append(Message("user", _substitute(self.template, example_vars)))
            messages.append(Message("assistant", example_output_text(example["output"])))
        messages.append(Message("user", _substitute(self.template, variables)))
        return messages

    def _check_variables(self, variables: dict[str, Any]) -> None:
        missing = sorted(set(self.input_variables) - set(variables))
        extra = sorted(set(variables) - set(self.input_variables))
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"missing {', '.join(missing)}")
            if extra:
                parts.append(f"unexpected {', '.join(extra)}")
            raise PromptVariablesMismatch(
                f"prompt {self.label} expects variables {', '.join(self.input_variables) or '(none)'}: "
                + "; ".join(parts)
            )


def example_output_text(output: Any) -> str:
    """How an example's output is shown to the model: compact JSON for data, text as is."""
    if isinstance(output, str):
        return output
    return json.dumps(output, ensure_ascii=False, separators=(", ", ": "))


def _substitute(text: str, variables: dict[str, Any]) -> str:
    values = {name: _as_text(value) for name, value in variables.items()}
    return string.Template(text).substitute(values)


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def template_variables(text: str, path: Path) -> set[str]:
    """The `$name` placeholders of a template; a malformed `$` is an error naming the file."""
    found: set[str] = set()
    for match in string.Template.pattern.finditer(text):
        if match.group("invalid") is not None:
            line = text.count("\n", 0, match.start()) + 1
            raise PromptFileInvalid(
                f"{path.name}: a '$' in the template is not followed by a variable name (line {line}); "
                "write '$$' for a literal dollar"
            )
        name = match.group("named") or match.group("braced")
        if name:
            found.add(name)
    return found


def load_prompt_file(path: Path) -> Prompt:
    """Read and validate one prompt file; every problem is a PromptFileInvalid naming the file."""
    path = Path(path)
    match = FILE_NAME.match(path.name)
    if not match:
        raise PromptFileInvalid(f"{path.name}: prompt files are named NAME.vN.yaml (lower-case name, version >= 1)")
    try:
        raw_bytes = path.read_bytes()
        data = yaml.safe_load(raw_bytes.decode("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise PromptFileInvalid(f"{path.name}: cannot be read as UTF-8 YAML: {error}") from error
    if not isinstance(data, dict):
        raise PromptFileInvalid(f"{path.name}: the file must be a YAML mapping")
    unknown = sorted(set(data) - REQUIRED_KEYS - OPTIONAL_KEYS)
    if unknown:
        raise PromptFileInvalid(
            f"{path.name}: unknown key(s) {', '.join(map(str, unknown))}; "
            f"allowed: {', '.join(sorted(REQUIRED_KEYS | OPTIONAL_KEYS))}"
        )
    absent = sorted(REQUIRED_KEYS - set(data))
    if absent:
        raise PromptFileInvalid(f"{path.name}: missing key(s) {', '.join(absent)}")

    name, version = data["name"], data["version"]
    if name != match.group("name"):
        raise PromptFileInvalid(f"{path.name}: name '{name}' does not match the file name")
    if not isinstance(version, int) or isinstance(version, bool) or version != int(match.group("version")):
        raise PromptFileInvalid(f"{path.name}: version {version!r} does not match the file name")
    description = _require_text(data, "description", path)
    template = _require_text(data, "template", path)
    system = data.get("system") or ""
    if not isinstance(system, str):
        raise PromptFileInvalid(f"{path.name}: 'system' must be text")

    input_variables = data["input_variables"] or []
    if not isinstance(input_variables, list) or not all(
        isinstance(item, str) and item.isidentifier() for item in input_variables
    ):
        raise PromptFileInvalid(f"{path.name}: 'input_variables' must be a list of identifiers")
    if len(set(input_variables)) != len(input_variables):
        raise PromptFileInvalid(f"{path.name}: 'input_variables' lists a variable twice")
    declared = set(input_variables)
    used_in_template = template_variables(template, path)
    used = used_in_template | template_variables(system, path)
    if used - declared:
        raise PromptFileInvalid(
            f"{path.name}: the template uses undeclared variable(s) {', '.join(sorted(used - declared))}"
        )
    if declared - used:
        raise PromptFileInvalid(
            f"{path.name}: input variable(s) {', '.join(sorted(declared - used))} are never used in the template"
        )
    examples = _validate_examples(data.get("examples") or [], used_in_template, declared, path)
    parameters = _validate_parameters(data.get("parameters") or {}, path)
    return Prompt(
        name=name,
        version=version,
        description=description.strip(),
        input_variables=tuple(input_variables),
        system=system,
        template=template,
        examples=tuple(examples),
        sha256=hashlib.sha256(raw_bytes).hexdigest(),
        path=path,
        parameters=parameters,
    )


def _require_text(data: dict, key: str, path: Path) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise PromptFileInvalid(f"{path.name}: '{key}' must be non-empty text")
    return value


def _validate_examples(
    examples: Any, template_vars: set[str], declared: set[str], path: Path
) -> list[dict[str, Any]]:
    # An example fills the template (not the system message), so it needs the template's variables.
    if not isinstance(examples, list):
        raise PromptFileInvalid(f"{path.name}: 'examples' must be a list")
    required = template_vars | {"output"}
    allowed = declared | {"output"}
    for number, example in enumerate(examples, start=1):
        if not isinstance(example, dict):
            raise PromptFileInvalid(f"{path.name}: example {number} must be a mapping")
        missing = sorted(required - set(example))
        extra = sorted(set(example) - allowed)
        if missing or extra:
            detail = "; ".join(
                part
                for part in (
                    f"missing {', '.join(missing)}" if missing else "",
                    f"unknown {', '.join(map(str, extra))}" if extra else "",
                )
                if part
            )
            raise PromptFileInvalid(
                f"{path.name}: example {number} must give the template's variables and 'output': {detail}"
            )
    return examples


def _validate_parameters(parameters: Any, path: Path) -> dict[str, Any]:
    if not isinstance(parameters, dict):
        raise PromptFileInvalid(f"{path.name}: 'parameters' must be a mapping")
    for key, value in parameters.items():
        expected_type = KNOWN_PARAMETERS.get(key)
        if expected_type is None:
            raise PromptFileInvalid(
                f"{path.name}: unknown parameter '{key}'; allowed: {', '.join(sorted(KNOWN_PARAMETERS))}"
            )
        if isinstance(value, bool) or not isinstance(value, expected_type):
            raise PromptFileInvalid(f"{path.name}: parameter '{key}' has the wrong type")
    return dict(parameters)


class PromptRegistry:
    """Every prompt file of a folder, by name and version."""

    def __init__(self, prompts: Iterable[Prompt] = ()) -> None:
        self._prompts: dict[tuple[str, int], Prompt] = {}
        for prompt in prompts:
            key = (prompt.name, prompt.version)
            if key in self._prompts:
                raise PromptFileInvalid(f"{prompt.path.name}: {prompt.label} is defined twice")
            self._prompts[key] = prompt

    @classmethod
    def load_dir(cls, path: Path | str) -> "PromptRegistry":
        """Load and validate every `*.yaml` file of a folder (the first bad file stops the load)."""
        folder = Path(path)
        if not folder.is_dir():
            raise PromptFileInvalid(f"prompt folder {folder} does not exist")
        files = sorted(p for p in folder.iterdir() if p.suffix in {".yaml", ".yml"} and p.is_file())
        return cls(load_prompt_file(file) for file in files)

    def get(self, name: str, version: int | None = None) -> Prompt:
        """The prompt of that name, at that version or the latest one."""
        if version is not None:
            prompt = self._prompts.get((name, version))
            if prompt is None:
                raise PromptNotFound(f"no prompt {name}.v{version}; known: {self._known(name)}")
            return prompt
        versions = [key[1] for key in self._prompts if key[0] == name]
        if not versions:
            raise PromptNotFound(f"no prompt named {name}; known: {', '.join(self.names()) or '(none)'}")
        return self._prompts[(name, max(versions))]

    def names(self) -> list[str]:
        """The distinct prompt names, sorted."""
        return sorted({key[0] for key in self._prompts})

    def all(self) -> list[Prompt]:
        """Every prompt, sorted by name then version."""
        return [self._prompts[key] for key in sorted(self._prompts)]

    def _known(self, name: str) -> str:
        versions = sorted(key[1] for key in self._prompts if key[0] == name)
        return ", ".join(f"{name}.v{v}" for v in versions) or "(none of that name)"

    def __len__(self) -> int:
        return len(self._prompts)
