"""Cache codec: dataclasses to JSON-ready data and back, and the values it refuses."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import numpy as np
import pytest

from workbench.caching.codec import NotEncodable, from_data, to_data


class Colour(str, enum.Enum):
    RED = "red"


class Size(enum.IntEnum):
    LARGE = 3


@dataclass(frozen=True)
class Leaf:
    name: str
    colour: Colour
    size: Size
    when: datetime
    day: date | None = None


@dataclass
class Tree:
    leaves: tuple[Leaf, ...]
    scores: list[float]
    extra: dict[str, list[Colour]] = field(default_factory=dict)
    note: str | None = None


def test_nested_values_become_plain_json_data_and_come_back_equal():
    when = datetime(2026, 12, 1, 21, 5, 3, 123456, tzinfo=timezone.utc)
    tree = Tree((Leaf("a", Colour.RED, Size.LARGE, when, date(2026, 1, 2)), Leaf("b", Colour.RED, Size.LARGE, when)),
                [0.25, 1.0], {"k": [Colour.RED]})

    data = to_data(tree)

    assert data == {
        "leaves": [
            {"name": "a", "colour": "red", "size": 3, "when": "2026-12-01T21:05:03.123456+00:00", "day": "2026-01-02"},
            {"name": "b", "colour": "red", "size": 3, "when": "2026-12-01T21:05:03.123456+00:00", "day": None},
        ],
        "scores": [0.25, 1.0], "extra": {"k": ["red"]}, "note": None,
    }
    assert type(data["leaves"][0]["colour"]) is str and type(data["leaves"][0]["size"]) is int
    assert from_data(Tree, data) == tree


@pytest.mark.parametrize("value, message", [
    ({1: "a"}, "a mapping with keys that are not text: [1]"),
    (object(), "cannot cache a value of type object"),
    (np.int64(3), "cannot cache a value of type int64"),
    (Tree, "cannot cache a value of type type"),
    (Tree((), [], {"k": [object()]}), "cannot cache a value of type object"),
])
def test_values_json_cannot_hold_are_refused_by_name(value, message):
    with pytest.raises(NotEncodable) as refused:
        to_data(value)
    assert str(refused.value) == message
