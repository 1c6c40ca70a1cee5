"""The audit hash covers every field and the previous row."""

from __future__ import annotations

from review.audit import GENESIS_HASH, HASHED_FIELDS, row_hash


def _row(**changes):
    row = {"seq": 1, "at": "2026-11-27T08:00:00.000000+00:00", "actor": "sam", "action": "sign_off", "draft_id": 3,
           "revision": 2, "content_hash": "ab" * 32, "dimension": "accuracy", "comment": None, "details": "{}",
           "prev_hash": GENESIS_HASH}
    row.update(changes)
    return row


def test_changing_any_field_changes_the_hash():
    original = row_hash(_row())
    for field in HASHED_FIELDS:
        value = _row()[field]
        changed = value + 1 if isinstance(value, int) else "x" if value is None else value + "x"
        assert row_hash(_row(**{field: changed})) != original, field


def test_hash_is_stable_and_unicode_safe():
    assert row_hash(_row(comment="مرحبا 👋")) == row_hash(_row(comment="مرحبا 👋"))
