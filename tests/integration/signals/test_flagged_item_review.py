"""A flagged item goes back to review: a new revision of the module's draft, its statistics attached as a finding, sign-offs again."""

from __future__ import annotations

import pytest

from tests.support.signals import MODULE_ID, answered, signals_on, write_json_lines
from workbench.errors import SignalsInputInvalid
from workbench.signals.item_review import ItemReview


@pytest.fixture
def flagged(database, tmp_path):
    """Signals with q1 answered right by 29 of 30 people (too easy) and q2 by half of them (no flag)."""
    signals = signals_on(database)
    statements = [answered("q1", f"p{n}", n > 0, response="a" if n > 0 else "c") for n in range(30)]
    statements += [answered("q2", f"p{n}", n % 2 == 1, response="b" if n % 2 == 1 else "d") for n in range(30)]
    signals.import_file(write_json_lines(tmp_path / "answers.jsonl", statements), "xapi", "lena")
    return signals


def test_a_flagged_item_reopens_the_approved_draft_with_its_statistics_as_a_finding(team, flagged):
    approved = team.approved()
    review = ItemReview(flagged.item_analysis, {MODULE_ID: approved.id}.get, team.lifecycle, team.queries)
    reopened = review.reopen("alice", MODULE_ID, "q1")

    assert (reopened.revision, reopened.state.value) == (approved.revision + 1, "drafting")
    assert reopened.content == approved.content and reopened.markdown == approved.markdown
    assert reopened.sign_offs == [] and not reopened.approved  # the three sign-offs apply again
    finding = next(f for f in reopened.findings if f["check"] == "item_analysis")
    assert finding["location"] == "item:q1" and finding["severity"] == "warning"
    assert finding["message"] == ("learners' results: too easy: 97 % of 30 answers correct (above 90 %) "
                                  "(p 0.97, corrected point-biserial 0.19, 30 answers)")
    assert finding["statistics"]["difficulty"] == round(29 / 30, 4) and finding["statistics"]["attempts"] == 30
    submitted = team.lifecycle.submit("alice", reopened.id, reopened.revision)
    assert {d.value for d in submitted.missing_dimensions} == {"accuracy", "cultural", "ethics"}


def test_an_item_without_a_flag_or_a_module_not_from_a_draft_is_refused_by_name(team, flagged):
    approved = team.approved()
    review = ItemReview(flagged.item_analysis, {MODULE_ID: approved.id}.get, team.lifecycle, team.queries)
    with pytest.raises(SignalsInputInvalid, match=r"^item 'q2' of 'giving-useful-feedback' has no flag to review"):
        review.reopen("alice", MODULE_ID, "q2")
    with pytest.raises(SignalsInputInvalid, match=r"^module 'hand-written' was not published from a draft"):
        review.reopen("alice", "hand-written", "q1")
    assert team.queries.get_draft(approved.id).revision == approved.revision  # nothing changed


@pytest.mark.slow
def test_signals_reopen_from_the_cli_opens_the_revision_of_a_published_module(team, database, tmp_path, monkeypatch, embedder):
    import json

    from typer.testing import CliRunner

    from tests.support.people import PASSWORD
    from tests.support.signals import KEY
    from workbench.bootstrap import bootstrap
    from workbench.cli import app
    from workbench.exports.cmi5 import course_activity_id
    from workbench.settings import Settings

    library, data = tmp_path / "library", tmp_path / "data"
    library.mkdir()
    url = database.url.render_as_string(hide_password=False)
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", url)
    monkeypatch.setenv("WORKBENCH_SIGNALS_PSEUDONYM_KEY", KEY.get_secret_value())
    approved = team.approved()
    services = bootstrap(Settings(library_dir=library, data_dir=data, llm_provider="fake", database_url=url), embedder=embedder)
    published = services.publisher.publish("lena", approved.id, approved.revision)
    item = approved.content["assessment"]["items"][0]["id"]
    course = course_activity_id(published.module_id)
    path = write_json_lines(tmp_path / "answers.jsonl", [answered(item, f"p{n}", n > 0, course=course) for n in range(30)])

    def run(*args, password=None):
        return CliRunner().invoke(app, ["--library", str(library), "--data-dir", str(data), *args],
                                  input=password + "\n" if password else None)

    assert run("signals", "import", str(path), "--kind", "xapi").exit_code == 0
    refused = run("signals", "reopen", published.module_id, "no-such-item", "--as", "alice", "--password-stdin", password=PASSWORD)
    assert refused.exit_code != 0 and refused.stderr.startswith(f"error: item 'no-such-item' of '{published.module_id}' has no flag")
    result = run("signals", "reopen", published.module_id, item, "--as", "alice", "--password-stdin", "--json", password=PASSWORD)
    assert result.exit_code == 0, result.output
    opened = json.loads(result.stdout)
    assert (opened["draft_id"], opened["revision"], opened["state"]) == (approved.id, approved.revision + 1, "drafting")
    assert opened["finding"]["location"] == f"item:{item}" and "too easy: 97 % of 30 answers" in opened["finding"]["message"]
