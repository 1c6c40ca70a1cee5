"""A loopback HTTP server that answers an LRS's statement GETs from a script, for the faults a real LRS will not make on demand."""

from __future__ import annotations

import http.server
import json
import threading
import time


class ScriptedLrs:
    """A loopback server that answers GETs from a script: (status, body) pairs or ("sleep", seconds)."""

    def __init__(self, script: list):
        self.script = list(script)
        self.requests: list[str] = []
        scripted = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the base class' dispatch name
                scripted.requests.append(self.path)
                step = scripted.script.pop(0) if scripted.script else (500, "script exhausted")
                if step[0] == "sleep":
                    time.sleep(step[1])
                    step = (200, {"statements": []})
                status, body = step
                data = (json.dumps(body) if not isinstance(body, str) else body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting, as it should

            def log_message(self, format, *args):  # noqa: A002
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}/xAPI/"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info):
        self.server.shutdown()
        self.server.server_close()
