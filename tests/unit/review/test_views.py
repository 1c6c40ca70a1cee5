"""A draft's view given its content as stored JSON reads exactly like one given the parsed content."""

from __future__ import annotations

import copy
import dataclasses
import json
import pickle
from datetime import datetime, timezone

import pytest

from review.policy import DraftState
from review.views import DraftView, StoredJson

WHEN = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
CONTENT = {"module": {"title": "Giving feedback", "sections": [{"id": "s1", "body": "Name the behaviour, not the person."}]}}


def _view(content) -> DraftView:
    return DraftView(
        id=7, title="Giving feedback", state=DraftState.IN_REVIEW, revision=2, content=content, markdown="# Giving feedback\n",
        content_hash="c" * 64, findings=[], skill_ids=["feedback"], author="alice", generated_by=None, sign_offs=[],
        missing_dimensions=[], approved=False, comments=[], editors=["alice"], created_at=WHEN, updated_at=WHEN,
    )


def test_stored_content_reads_as_the_parsed_content_everywhere():
    """Reading, equality, to_dict, repr, replace, copies and pickling all see the parsed dict."""
    lazy, eager = _view(StoredJson(json.dumps(CONTENT))), _view(CONTENT)
    assert lazy.content == CONTENT and isinstance(lazy.content, dict)
    assert lazy.content is lazy.content  # parsed once, then kept
    assert lazy == eager
    assert lazy.to_dict() == eager.to_dict() and lazy.to_dict()["content"] == CONTENT
    assert repr(_view(StoredJson(json.dumps(CONTENT)))) == repr(eager)
    assert dataclasses.replace(_view(StoredJson(json.dumps(CONTENT))), title="Other").content == CONTENT
    assert copy.deepcopy(_view(StoredJson(json.dumps(CONTENT)))).content == CONTENT
    assert pickle.loads(pickle.dumps(_view(StoredJson(json.dumps(CONTENT))))).content == CONTENT


def test_the_view_stays_frozen_and_content_stays_required():
    view = _view(StoredJson(json.dumps(CONTENT)))
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.content = {}  # type: ignore[misc]
    fields = {field.name: field for field in dataclasses.fields(DraftView)}
    assert fields["content"].default is dataclasses.MISSING
    with pytest.raises(TypeError, match="content"):
        DraftView(**{name: getattr(view, name) for name in fields if name not in ("content", "extra")} | {"extra": {}})
