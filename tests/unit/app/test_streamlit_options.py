"""`workbench serve` passes every Streamlit setting as a flag, so the current directory cannot change them."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from workbench.app.streamlit_options import STREAMLIT_OPTIONS
from workbench.cli.app_cmds import streamlit_command

PROJECT_ROOT = Path(__file__).resolve().parents[3]
HOSTILE = """[client]
toolbarMode = "developer"
showErrorDetails = "full"

[theme]
base = "dark"
primaryColor = "#ff0000"

[server]
enableXsrfProtection = false
"""


def _flat(config: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in config.items():
        if isinstance(value, dict):
            flat |= _flat(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = str(value).lower() if isinstance(value, bool) else str(value)
    return flat


def test_the_project_config_file_says_what_the_flags_say():
    in_file = _flat(tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")))
    for name in ("server.address", "server.port"):  # given by `serve --host/--port`
        in_file.pop(name)
    assert in_file == STREAMLIT_OPTIONS


def test_the_flags_win_over_a_config_file_in_the_directory_the_server_starts_from(tmp_path):
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "config.toml").write_text(HOSTILE, encoding="utf-8")
    (tmp_path / ".streamlit" / "secrets.toml").write_text('[auth]\nredirect_uri = "x"\n', encoding="utf-8")
    secrets = tmp_path / "conf" / "secrets.toml"
    command = streamlit_command("127.0.0.1", 8765, secrets)
    flags = command[command.index("run") + 2:]
    shown = subprocess.run([sys.executable, "-m", "streamlit", "config", "show", *flags], cwd=tmp_path,
                           capture_output=True, text=True, timeout=120, check=True).stdout
    for line in ('toolbarMode = "minimal"', 'showErrorDetails = "none"', 'base = "light"', 'primaryColor = "#1f5f8b"',
                 "enableXsrfProtection = true", "port = 8765"):
        assert f"\n{line}\n" in shown, line
    # Only the named secrets file, not the one in the current directory.
    assert f'\nfiles = [\n    "{secrets.resolve()}",\n]\n' in shown
