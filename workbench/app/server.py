"""The server `workbench serve` runs: Streamlit's app with the sign-in routes and gate in front.

`streamlit run workbench/app/server.py` finds `app` (an `st.App`) and serves it with uvicorn.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run workbench/app/server.py` puts workbench/app on sys.path, not the project root.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from starlette.middleware import Middleware  # noqa: E402
from streamlit.starlette import App  # noqa: E402

from workbench.app.auth_routes import routes  # noqa: E402
from workbench.app.reattach_guard import ReattachGuard  # noqa: E402
from workbench.app.sign_in_gate import SignInGate  # noqa: E402
from workbench.app.warm_up import warm_up_in_background  # noqa: E402

MAIN_SCRIPT = Path(__file__).resolve().parent / "main.py"

warm_up_in_background()
app = App(str(MAIN_SCRIPT), routes=routes(), middleware=[Middleware(ReattachGuard), Middleware(SignInGate)])
