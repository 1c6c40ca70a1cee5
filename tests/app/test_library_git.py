"""A library kept in git, through the pages: a hand edit in the remote is pulled, re-indexed and flagged
on the Audit page; the Library page shows a module's history with untrusted text shown as text."""

from __future__ import annotations

import pytest

from tests.app.conftest import open_page, texts
from tests.support.git_remote import git, make_remote, other_person


@pytest.fixture
def remote(tmp_path, small_library):
    """A bare repository holding the small library, pushed by someone else."""
    return make_remote(tmp_path, small_library)


@pytest.fixture
def app_settings(tmp_path, remote):
    """The app's settings with the library as a clone of the remote (cloned on first use)."""
    from workbench.settings import Settings

    return Settings(library_dir=tmp_path / "clone", data_dir=tmp_path / "data", llm_provider="fake",
                    library_git_remote=str(remote))


def _publish(app_services, draft_id: int):
    for name, dimension in (("sam", "accuracy"), ("cam", "cultural"), ("eve", "ethics")):
        app_services.lifecycle.sign_off(name, draft_id, dimension, 1)
    return app_services.publisher.publish("lee", draft_id, 1)


def test_a_hand_edit_in_the_remote_is_pulled_reindexed_and_flagged_on_the_audit_page(submitted_draft, app_services, tmp_path, remote):
    published = _publish(app_services, submitted_draft)
    at = open_page("lee", "audit")
    assert "Every published module is exactly as review published it." in texts(at)

    other = other_person(tmp_path, remote)
    edited = (other.clone / published.path).read_text(encoding="utf-8") + (
        "\n## Practise first\n\nRehearse the opening sentence aloud with a colleague before the conversation.\n")
    theirs = other.commit(published.path, edited, "Add a practice tip by hand")

    report = app_services.index.build()
    assert report.library_commit == theirs
    assert app_services.index.status()["library_commit"] == theirs
    hit = app_services.index.search("rehearse the opening sentence aloud with a colleague", 1)[0]
    assert hit.path == published.path and "Rehearse the opening sentence aloud" in hit.text

    at = open_page("lee", "audit")
    assert not at.exception, at.exception
    warnings = [w.value.replace("\\", "") for w in at.warning]
    assert f"#{submitted_draft} {published.path}: changed outside review (edited since it was published)." in warnings


def test_the_library_page_shows_a_modules_git_history_as_plain_text(people, app_services, tmp_path, remote):
    app_services.index.build()  # the first use clones the remote
    other = other_person(tmp_path, remote)
    subject = "<script>alert(1)</script> **tidy** [link](javascript:alert(1))"
    edited = (other.clone / "delegating.md").read_text(encoding="utf-8") + "\nOne more line.\n"
    other.commit("delegating.md", edited, subject)
    app_services.index.build()

    at = open_page("ann", "library")
    at.selectbox(key="wb_library_module").select("delegating").run()
    assert not at.exception, at.exception
    assert "History" in [h.value for h in at.header]
    history = at.dataframe[-1].value
    assert list(history.columns) == ["commit", "author", "date", "subject"]
    assert list(history["subject"]) == [subject, "The team's library"]
    assert history["author"][0] == "Olga Other <olga@example.test>"
    assert all(len(short) >= 7 for short in history["commit"])
    assert not any("<script" in element.value for element in at.html)
    assert not any(element.allow_html for element in at.markdown)


def test_publishing_while_the_remote_is_unreachable_says_so_and_keeps_the_draft_approved(submitted_draft, app_services, tmp_path, remote):
    for name, dimension in (("sam", "accuracy"), ("cam", "cultural"), ("eve", "ethics")):
        app_services.lifecycle.sign_off(name, submitted_draft, dimension, 1)
    app_services.index.build()  # cloned while the remote is there
    remote.rename(tmp_path / "gone.git")
    at = open_page("lee", "audit")
    at.button(key=f"wb_publish_{submitted_draft}").click().run()
    at.button(key=f"wb_publish_confirm_{submitted_draft}").click().run()
    assert not at.exception, at.exception
    errors = [e.value.replace("\\", "") for e in at.error]
    assert any("the library remote" in e and "cannot be reached" in e and "nothing was published" in e for e in errors), errors
    assert app_services.review_queries.get_draft(submitted_draft).state.value == "approved"

    (tmp_path / "gone.git").rename(remote)
    at = open_page("lee", "audit")
    at.button(key=f"wb_publish_{submitted_draft}").click().run()
    at.button(key=f"wb_publish_confirm_{submitted_draft}").click().run()
    assert app_services.review_queries.get_draft(submitted_draft).state.value == "published"
    assert f"Published draft #{submitted_draft} into the library." in texts(at)


def test_a_gap_report_pulls_others_commits_first(people, app_services, tmp_path, remote):
    app_services.gaps.report()  # clones, indexes, reports
    other = other_person(tmp_path, remote)
    theirs = other.commit("coaching.md", "---\nid: coaching-basics\ntitle: Coaching basics\nskills: [fb-giving]\n---\n\n"
                          "# Coaching basics\n\nAsk open questions and let the person find the next step.\n", "Add coaching")
    app_services.gaps.report()
    assert app_services.index.status()["library_commit"] == theirs
    assert "coaching-basics" in {module.id for module in app_services.index.scan().modules}
