"""`workbench governance ...`: JSON out, lead changes audited, bad input one line and a non-zero exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.people import PASSWORD

WORKBENCH = Path(sys.executable).with_name("workbench")


def run_cli(services, *args: str, stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "WORKBENCH_LLM_PROVIDER": "fake", "HF_HUB_OFFLINE": "1",
                   "WORKBENCH_DATABASE_URL": services.settings.resolved_database_url, **(env or {})}
    return subprocess.run(
        [str(WORKBENCH), "--library", str(services.settings.library_dir), "--data-dir", str(services.settings.data_dir), *args],
        input=stdin, capture_output=True, text=True, timeout=300, env=environment,
    )


def test_a_lead_registers_routes_and_limits_from_the_cli(services, tmp_path):
    steps = [
        ("governance", "endpoint", "add", "vendor", "--kind", "external", "--max-classification", "public",
         "--url", "https://llm.example.com/v1", "--model", "big-model", "--key-ref", "env:VENDOR_KEY"),
        ("governance", "route", "set", "critiques", "vendor"),
        ("governance", "route", "set", "gap_explanations", "off"),
        ("governance", "team", "add", "sales", "ana"),
        ("governance", "budget", "set", "--team", "sales", "--tokens-per-month", "50000", "--concurrent", "2"),
    ]
    for args in steps:
        done = run_cli(services, *args)
        assert done.returncode == 0, (args, done.stderr)
    listed = json.loads(run_cli(services, "governance", "endpoint", "list", "--json").stdout)
    vendor = next(row for row in listed if row["name"] == "vendor")
    assert (vendor["usable"], vendor["uses"], vendor["key_ref"]) == (False, ["critiques"], "env:VENDOR_KEY")
    assert "VENDOR_KEY is not set" in vendor["problem"]
    usable = json.loads(run_cli(services, "governance", "endpoint", "list", "--json", env={"VENDOR_KEY": "k-123"}).stdout)
    assert next(row for row in usable if row["name"] == "vendor")["usable"] is True
    routes = json.loads(run_cli(services, "governance", "route", "list", "--json").stdout)
    assert routes == {"drafting": "default", "regeneration": "default", "critiques": "vendor", "gap_explanations": "off"}
    budgets = json.loads(run_cli(services, "governance", "budget", "list", "--json").stdout)
    assert budgets == [{"subject_kind": "team", "subject": "sales", "tokens_per_day": None, "tokens_per_month": 50000, "concurrent": 2}]
    actions = [row["action"] for row in services.audit_trail.rows()]
    assert {"endpoint_registered", "route_set", "team_member_added", "budget_set"} <= set(actions)


def test_a_person_accepts_the_policy_and_a_superseded_version_is_refused(services, tmp_path):
    policy = tmp_path / "policy.md"
    policy.write_text("# AI at work\n\nPeople review every draft.\n", encoding="utf-8")
    assert run_cli(services, "governance", "policy", "publish", str(policy), "--as", "lena", "--password-stdin",
                   stdin=PASSWORD + "\n").returncode == 0
    shown = json.loads(run_cli(services, "governance", "policy", "show", "--json").stdout)
    assert (shown["version"], shown["published_by"]) == (1, "lena")
    policy.write_text("# AI at work\n\nVersion two.\n", encoding="utf-8")
    assert run_cli(services, "governance", "policy", "publish", str(policy)).returncode == 0
    stale = run_cli(services, "governance", "policy", "accept", "--as", "ana", "--version", "1", "--password-stdin", stdin=PASSWORD + "\n")
    assert stale.returncode == 1
    assert stale.stderr.strip().splitlines() == [
        "error: version 1 of the AI-use policy is no longer current: version 2 was published; read it and accept that version"]
    done = run_cli(services, "governance", "policy", "accept", "--as", "ana", "--password-stdin", stdin=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    assert "ana accepted version 2" in done.stdout and "Version two." in done.stderr


def test_bad_input_is_one_line_and_a_non_zero_exit(services):
    cases = [
        (("governance", "endpoint", "add", "vendor", "--kind", "external", "--max-classification", "secret",
          "--url", "https://x.example/v1", "--model", "m"), "allowed level 'secret' is not a classification level"),
        (("governance", "budget", "set", "--user", "ana", "--tokens-per-day", "0"), "tokens per day of 0 would refuse every call"),
        (("governance", "route", "set", "drafting", "nowhere"), "no endpoint named 'nowhere'"),
        (("governance", "route", "set", "summaries", "off"), "use 'summaries' is not one of drafting, regeneration, critiques, gap_explanations"),
        (("governance", "budget", "set", "--user", "nobody", "--concurrent", "1"), "no user named 'nobody'"),
    ]
    for args, expected in cases:
        done = run_cli(services, *args)
        assert done.returncode == 1, args
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0], (args, done.stderr)


def test_usage_is_written_as_csv(services, brief, tmp_path):
    from tests.support.replies import queue_draft

    queue_draft(services, brief)
    services.drafting.create_draft("ana", brief)
    target = tmp_path / "usage.csv"
    done = run_cli(services, "governance", "usage", "--csv", str(target))
    assert done.returncode == 0, done.stderr
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("user,use,endpoint,calls") and lines[1].startswith("ana,drafting,default,2,0,")
    rows = json.loads(run_cli(services, "governance", "usage", "--json").stdout)
    assert [(r["user"], r["use"], r["calls"]) for r in rows] == [("ana", "drafting", 2)]


def test_llm_check_probes_a_named_endpoint_whatever_the_routes_and_never_an_unusable_one(services):
    """`llm check` is a diagnostic: routes do not apply, only the probe prompt is sent, an unusable endpoint gets nothing."""
    from review.actors import SHELL
    from tests.e2e.scripted_llm import ScriptedLLM

    with ScriptedLLM() as server:
        services.governance.register_endpoint(SHELL, "vendor", kind="external", max_classification="public",
                                              base_url=server.base_url, model="vendor-model", key_ref="env:VENDOR_KEY")
        for use in ("drafting", "regeneration", "critiques", "gap_explanations"):
            services.governance.set_route(SHELL, use, "off")
        unusable = run_cli(services, "llm", "check", "--endpoint", "vendor")
        assert unusable.returncode == 1
        assert unusable.stderr.strip().splitlines() == [
            "error: endpoint 'vendor' cannot be used: its key reference does not resolve (environment variable VENDOR_KEY "
            "is not set); nothing was sent"]
        unknown = run_cli(services, "llm", "check", "--endpoint", "nowhere")
        assert unknown.returncode == 1 and "no endpoint named 'nowhere'" in unknown.stderr
        assert server.requests == []

        probed = run_cli(services, "llm", "check", "--endpoint", "vendor", "--json", env={"VENDOR_KEY": "k-123"})
        assert probed.returncode == 0, probed.stderr
        report = json.loads(probed.stdout)
        assert (report["endpoint"], report["routes_applied"], report["model"]) == ("vendor", False, "vendor-model")
        assert report["reply"]["topic"] == "active listening"
        assert server.schema_names() == ["LLMCheckReply"]
        assert server.requests[0]["headers"]["authorization"] == "Bearer k-123"
        text = run_cli(services, "llm", "check", "--endpoint", "vendor", env={"VENDOR_KEY": "k-123"})
        assert "endpoint:   vendor (external; a diagnostic: routes are not applied, only the probe prompt is sent)" in text.stdout
    logged = services.generation_log.recent(2)
    assert [(row["use"], row["endpoint"], row["actor"]) for row in logged] == [("llm_check", "vendor", None)] * 2
