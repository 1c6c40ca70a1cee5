"""Every page renders for every role that may open it; the others are not in that role's menu."""

from __future__ import annotations

import pytest

from tests.app.conftest import open_app, open_page, texts
from workbench.app.access import PAGES

ROLE_USER = {"lead": "lee", "author": "ann", "accuracy_reviewer": "sam", "cultural_reviewer": "cam", "ethics_reviewer": "eve"}


@pytest.mark.parametrize("role", list(ROLE_USER))
def test_each_role_opens_exactly_its_pages_and_each_renders(people, role):
    at = open_app(ROLE_USER[role])
    for spec in PAGES:
        if role not in spec.roles:
            # Not registered with the router for this role: the page cannot be opened at all.
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page(spec.script)
            continue
        at.switch_page(spec.script).run()
        assert not at.exception, (spec.key, at.exception)
        assert [t.value for t in at.title][:1] == [spec.title], spec.key


def test_signed_out_visitors_only_get_the_sign_in_page(people):
    at = open_app()
    for spec in PAGES:
        with pytest.raises(ValueError):
            at.switch_page(spec.script)
    assert [t.value for t in at.title] == ["L&D Workbench"]


def test_the_draft_studio_names_the_model_and_flags_the_demo_model(people, app_services):
    at = open_page("ann", "draft_studio")
    assert "Model in use: fake · fake" in texts(at).replace("\\", "")
