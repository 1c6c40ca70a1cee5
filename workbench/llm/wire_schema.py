"""The JSON schema sent to OpenAI-compatible endpoints: the strict subset every provider accepts.

A pydantic model's full schema (lengths, counts, numeric bounds, patterns, optional fields,
`$ref`s) is what a reply is validated against locally. Providers accept much less: OpenAI's and
Azure's strict structured outputs reject length, count and numeric constraints and optional
properties; llama.cpp's server turns every `maxLength` into nested grammar rules until it fails
to parse its own grammar and dies. So what goes over the wire is reduced to the keywords in
`WIRE_KEYWORDS` (the table in docs/llm.md lists them per provider):

- every object lists all of its properties in `required` and has `additionalProperties: false`
  (an optional property becomes required; one that accepts null keeps null as its "empty");
- `$ref`s are resolved in place and `$defs` dropped (recursive models are refused);
- length, count, numeric and pattern constraints are removed and written into the property's
  `description` instead ("at most 60 characters"), where a capable model still reads them;
- `title`, `default` and `examples` are dropped; `oneOf` becomes `anyOf`, a single-member `allOf`
  is merged. Any other keyword raises `WireSchemaError`: it has no portable form.

The embedded provider builds its grammar from the full schema and may use this one by choice.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import BaseModel

# The keywords every documented provider accepts (OpenAI strict, Azure strict, vLLM, llama.cpp, Ollama).
WIRE_KEYWORDS = frozenset({"type", "properties", "required", "additionalProperties", "items", "enum", "const", "anyOf", "description"})
# Constraints the local validation enforces; on the wire they become words in the description.
_RANGES = {"minLength": "maxLength", "minItems": "maxItems", "minimum": "maximum"}
_UNITS = {"minLength": " characters", "minItems": " items", "minimum": ""}
_HINTED = frozenset({*_RANGES, *_RANGES.values(), "exclusiveMinimum", "exclusiveMaximum", "multipleOf"})
# Keywords dropped without a hint: annotations, or constraints too technical to put into words.
_DROPPED = frozenset({"title", "default", "examples", "pattern", "format", "uniqueItems", "$schema", "$comment", "readOnly", "writeOnly", "deprecated"})


class WireSchemaError(ValueError):
    """A model's schema uses something that has no form in the providers' common subset."""


@lru_cache(maxsize=256)
def _wire_schema_cached(model_cls: type[BaseModel]) -> str:
    import json

    return json.dumps(to_wire(model_cls.model_json_schema(), name=model_cls.__name__))


def wire_schema(model_cls: type[BaseModel]) -> dict[str, Any]:
    """The provider-safe schema of a pydantic model (a fresh copy; cached per model class)."""
    import json

    return json.loads(_wire_schema_cached(model_cls))


def to_wire(schema: dict[str, Any], *, name: str = "schema") -> dict[str, Any]:
    """The provider-safe form of a full JSON schema (see the module docstring for the rules)."""
    definitions = schema.get("$defs") or {}
    root = _convert(schema, definitions, name, ())
    if root.get("type") != "object":
        raise WireSchemaError(f"{name}: the root of a structured reply must be an object, not {root.get('type') or 'a union'}")
    return root


def _convert(node: dict[str, Any], definitions: dict[str, Any], where: str, resolving: tuple[str, ...]) -> dict[str, Any]:
    if "$ref" in node:
        node, ref_name = _resolved(node, definitions, where, resolving)
        resolving = resolving + (ref_name,)
    node = _merged_all_of(node, where)
    if "$ref" in node:  # the single member of an allOf was a reference
        return _convert(node, definitions, where, resolving)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("$defs", "definitions") or key in _HINTED or key in _DROPPED:
            continue
        if key == "properties":
            out["properties"] = {
                prop: _convert(sub, definitions, f"{where}.{prop}", resolving) for prop, sub in value.items()
            }
        elif key == "items":
            if not isinstance(value, dict):
                raise WireSchemaError(f"{where}: tuple-style 'items' has no portable form")
            out["items"] = _convert(value, definitions, f"{where}[]", resolving)
        elif key in ("anyOf", "oneOf"):
            out["anyOf"] = [_convert(sub, definitions, where, resolving) for sub in value]
        elif key == "additionalProperties":
            if value is not False and not node.get("properties"):
                raise WireSchemaError(f"{where}: a free-form map (object without properties) has no portable form")
        elif key in WIRE_KEYWORDS:
            out[key] = value
        else:
            raise WireSchemaError(f"{where}: the JSON schema keyword '{key}' has no portable form")
    if out.get("type") == "object" or "properties" in out:
        if not out.get("properties") and node.get("additionalProperties") is not False:
            raise WireSchemaError(f"{where}: a free-form map (object without properties) has no portable form")
        out.setdefault("properties", {})
        out["required"] = list(out["properties"])
        out["additionalProperties"] = False
    hint = constraint_hint(node)
    if hint:
        out["description"] = f"{out['description'].rstrip('.')} ({hint})" if out.get("description") else hint[0].upper() + hint[1:]
    return out


def constraint_hint(node: dict[str, Any]) -> str:
    """The length, count and numeric limits of a schema node in words ("1 to 60 characters")."""
    phrases = []
    for low_key, high_key in _RANGES.items():
        low, high = node.get(low_key), node.get(high_key)
        unit = _UNITS[low_key] if high != 1 else _UNITS[low_key].rstrip("s")
        if low == 0 and unit:  # "at least 0 characters" says nothing
            low = None
        if low is None and high is None:
            continue
        if low is not None and high is not None:
            phrases.append(f"{low} to {high}{unit}")
        elif high is not None:
            phrases.append(f"at most {high}{unit}")
        else:
            phrases.append(f"at least {low}{unit}")
    for key, words in (("exclusiveMinimum", "more than"), ("exclusiveMaximum", "less than"), ("multipleOf", "a multiple of")):
        if key in node:
            phrases.append(f"{words} {node[key]}")
    return "; ".join(phrases)


def _resolved(node: dict[str, Any], definitions: dict[str, Any], where: str, resolving: tuple[str, ...]) -> tuple[dict[str, Any], str]:
    """The definition a `$ref` points at, merged with the keywords next to the reference."""
    reference = node["$ref"]
    prefix = "#/$defs/"
    if not reference.startswith(prefix) or reference[len(prefix):] not in definitions:
        raise WireSchemaError(f"{where}: cannot resolve the reference {reference}")
    ref_name = reference[len(prefix):]
    if ref_name in resolving:
        raise WireSchemaError(f"{where}: {ref_name} refers to itself; recursive schemas have no portable form")
    siblings = {key: value for key, value in node.items() if key != "$ref"}
    return {**definitions[ref_name], **siblings}, ref_name


def _merged_all_of(node: dict[str, Any], where: str) -> dict[str, Any]:
    """pydantic wraps a described reference as `allOf: [{$ref}]`: merge a single member in place."""
    if "allOf" not in node:
        return node
    members = node["allOf"]
    if len(members) != 1:
        raise WireSchemaError(f"{where}: 'allOf' with several members has no portable form")
    rest = {key: value for key, value in node.items() if key != "allOf"}
    return {**members[0], **rest}
