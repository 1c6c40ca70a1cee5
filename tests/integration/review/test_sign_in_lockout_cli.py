"""`workbench users lockouts` and `workbench users unlock`: the shell sees and lifts sign-in lockouts."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from review.errors import AuthenticationFailed, SignInThrottled
from workbench.bootstrap import bootstrap
from workbench.cli import app
from workbench.settings import Settings
from tests.support.people import FAST_HASHER, PASSWORD, add_people


@pytest.fixture
def stack(tmp_path, monkeypatch):
    settings = Settings(library_dir=tmp_path / "library", data_dir=tmp_path / "data", llm_provider="fake")
    settings.library_dir.mkdir()
    monkeypatch.setenv("WORKBENCH_LLM_PROVIDER", "fake")
    services = bootstrap(settings, password_hasher=FAST_HASHER)
    add_people(services.accounts, {"lee": ["lead"], "sam": ["accuracy_reviewer"]}, PASSWORD)
    yield settings, services
    services.database.dispose()


def _cli(settings, *args):
    return CliRunner().invoke(app, ["--library", str(settings.library_dir), "--data-dir", str(settings.data_dir), *args])


def test_the_shell_lists_and_lifts_a_lockout(stack):
    settings, services = stack
    assert _cli(settings, "users", "lockouts").stdout.strip() == "no lockouts"
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            services.accounts.authenticate("sam", "wrong password", "198.51.100.4")
    with pytest.raises(SignInThrottled, match="try again in 30 seconds"):
        services.accounts.authenticate("sam", PASSWORD)
    listed = _cli(settings, "users", "lockouts")
    assert listed.exit_code == 0
    assert listed.stdout.startswith("account sam: 5 failed sign-ins since ")
    lifted = _cli(settings, "users", "unlock", "sam")
    assert (lifted.exit_code, lifted.stdout.strip()) == (0, "lifted the lockout of account sam")
    assert services.accounts.authenticate("sam", PASSWORD).name == "sam"
    again = _cli(settings, "users", "unlock", "sam")
    assert again.exit_code == 1
    assert again.stderr.strip() == ("error: account sam has no recorded failed sign-ins; "
                                    "`workbench users lockouts` lists lockouts")
    rows = [row for row in services.audit_trail.rows() if row["action"] == "login_unlocked"]
    assert [(row["actor"].startswith("shell:"), row["details"]["subject"]) for row in rows] == [(True, "sam")]
