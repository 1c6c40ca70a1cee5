"""The Streamlit settings the workbench runs with, passed as command-line flags by `workbench serve`.

Streamlit reads `.streamlit/config.toml` from the current directory only, so a server started
elsewhere would fall back to Streamlit's defaults (tracebacks shown to users, the Deploy button,
the default theme). Passing every setting explicitly makes the app the same wherever it starts.
"""

from __future__ import annotations

from pathlib import Path

# One source for these values: .streamlit/config.toml mirrors them for `streamlit run` by hand.
STREAMLIT_OPTIONS: dict[str, str] = {
    "server.headless": "true",
    "server.runOnSave": "false",
    "server.fileWatcherType": "none",
    "server.enableXsrfProtection": "true",
    "server.maxUploadSize": "20",
    "server.enableAgentApi": "false",
    # Streamlit runs a full garbage collection after every script run by default: in a process holding
    # the index client, the embedder and a gap report that is a fifth of a second of CPU per click,
    # for every person at once. Python's own collector still runs as objects pile up.
    "runner.postScriptGC": "false",
    "browser.gatherUsageStats": "false",
    "client.toolbarMode": "minimal",
    "client.showErrorDetails": "none",
    "theme.base": "light",
    "theme.primaryColor": "#1f5f8b",
    "theme.font": "sans serif",
    # Captions and other secondary text are this colour faded to 60 %: with Streamlit's default
    # (#31333F) they measure 3.9:1 on white, below WCAG's 4.5:1; #111111 makes them 4.9:1.
    "theme.textColor": "#111111",
}


def streamlit_flags(host: str, port: int, secrets_file: Path) -> list[str]:
    """Every option as `--section.name value`, then the address, the port and the secrets file."""
    options = {**STREAMLIT_OPTIONS, "server.address": host, "server.port": str(port)}
    flags: list[str] = []
    for name, value in options.items():
        flags += [f"--{name}", value]
    # Only this file: a secrets.toml in whatever directory the server started from is not read.
    flags += ["--secrets.files", str(Path(secrets_file).expanduser().resolve())]
    return flags
