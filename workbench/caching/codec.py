"""Dataclasses to JSON-ready data and back, driven by their type hints (dates, enums, tuples, optionals, nesting)."""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from functools import lru_cache
from typing import Any


class NotEncodable(ValueError):
    """A value the cache cannot write as JSON (the caller then does not cache that item)."""


def to_data(value: Any) -> Any:
    """JSON-ready data for a dataclass instance (or anything nested in one)."""
    return encoder(type(value))(value)


@lru_cache(maxsize=None)
def encoder(kind: type) -> Callable[[Any], Any]:
    """A function turning values of exactly this class into JSON-ready data, chosen once per class (encoding is then cheap)."""
    if dataclasses.is_dataclass(kind):
        names = tuple(item.name for item in dataclasses.fields(kind))
        return lambda value: {name: to_data(getattr(value, name)) for name in names}
    if issubclass(kind, Enum):  # before str and int: a str or int enum is written as its value
        return lambda value: value.value
    if issubclass(kind, date):  # a datetime is a date too
        return lambda value: value.isoformat()
    if issubclass(kind, (list, tuple)):
        return lambda value: [to_data(item) for item in value]
    if issubclass(kind, dict):
        return _mapping_to_data
    if kind is type(None) or issubclass(kind, (str, bool, int, float)):
        return _same
    return functools.partial(_not_encodable, kind.__name__)


def _mapping_to_data(value: dict) -> dict:
    if not all(isinstance(key, str) for key in value):
        raise NotEncodable(f"a mapping with keys that are not text: {list(value)[:3]!r}")
    return {key: to_data(item) for key, item in value.items()}


def _not_encodable(name: str, value: Any) -> Any:
    raise NotEncodable(f"cannot cache a value of type {name}")


def from_data(kind: Any, data: Any) -> Any:
    """The value of type `kind` that `to_data` turned into `data`."""
    return decoder(kind)(data)


def _same(data: Any) -> Any:
    return data


@lru_cache(maxsize=None)
def decoder(kind: Any) -> Callable[[Any], Any]:
    """A function turning data back into a `kind`, built once per type from its hints (decoding is then cheap)."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [option for option in typing.get_args(kind) if option is not type(None)]
        inner = decoder(options[0]) if len(options) == 1 else _same
        return lambda data: None if data is None else inner(data)
    if dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        fields = {item.name: decoder(hints[item.name]) for item in dataclasses.fields(kind)}
        names = frozenset(fields)
        # Only fields whose data is not already their value are converted (most are text and numbers).
        converted = [(name, convert) for name, convert in fields.items() if convert is not _same]

        def build(data: Any) -> Any:
            values = dict(data) if names.issuperset(data) else {name: item for name, item in data.items() if name in names}
            for name, convert in converted:
                if name in values:
                    values[name] = convert(values[name])
            return kind(**values)
        return _optional(build)
    if origin in (list, tuple):
        args = typing.get_args(kind)
        item = decoder(args[0]) if args else _same
        if item is _same:
            return _optional(tuple if origin is tuple else list)
        if origin is tuple:
            return _optional(lambda data: tuple(item(value) for value in data))
        return _optional(lambda data: [item(value) for value in data])
    if origin is dict:
        args = typing.get_args(kind)
        value = decoder(args[1]) if len(args) == 2 else _same
        return _optional(lambda data: {key: value(item) for key, item in data.items()})
    if isinstance(kind, type) and issubclass(kind, Enum):
        return _optional(kind)
    if kind is datetime:
        return _optional(datetime.fromisoformat)
    if kind is date:
        return _optional(date.fromisoformat)
    if kind is float:
        return _optional(float)
    return _same


def _optional(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`convert`, letting None through (a field left empty)."""
    return lambda data: None if data is None else convert(data)
