"""A scripted OpenAI-compatible chat endpoint on 127.0.0.1 for the browser test.

It answers POST /v1/chat/completions the way the workbench asks (streamed, structured output with
`response_format` of type `json_schema`) with canned, schema-valid content: the module and the
assessment of tests/support/replies.py and one advisory critique note. The citations and objective
ids it uses are read from the enums of the schema it was sent, so the reply cites exactly the
passages the drafting service retrieved.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.replies import assessment_reply, module_reply, section_reply

# Hostile model output: the studio and the review queue must show it as inert text.
HOSTILE_TAIL = ' <img src="y" onerror="window.__xss=\'draft\'"> ![p](http://example.invalid/d.png)'
CRITIQUE_NOTE = "Scripted critique: add a worked example from a team outside the UK."
TEXT_REPLY = "Scripted explanation: the library teaches the basics and misses practice."


def _enum_under(schema: Any, key: str) -> list[str]:
    """The first enum found under a property named `key` anywhere in a JSON schema."""
    if isinstance(schema, dict):
        for name, value in schema.items():
            if name == key and isinstance(value, dict):
                found = value.get("enum") or (value.get("items") or {}).get("enum")
                if found:
                    return list(found)
            found = _enum_under(value, key)
            if found:
                return found
    elif isinstance(schema, list):
        for value in schema:
            found = _enum_under(value, key)
            if found:
                return found
    return []


def _max_items(schema: dict[str, Any]) -> int:
    return int(schema.get("properties", {}).get("items", {}).get("maxItems", 50))


def canned_reply(name: str, schema: dict[str, Any]) -> dict[str, Any] | None:
    """The canned content for one structured request, by schema name (None when there is none)."""
    chunk_ids = _enum_under(schema, "citations")
    if name == "ModuleReply":
        reply = module_reply(chunk_ids)
        reply["sections"][1]["body"] += HOSTILE_TAIL
        return reply
    if name == "AssessmentReply":
        reply = assessment_reply(chunk_ids)
        objectives = _enum_under(schema, "objective")
        for index, item in enumerate(reply["items"]):
            if objectives:
                item["objective"] = objectives[min(index, len(objectives) - 1)]
        reply["items"] = reply["items"][: _max_items(schema)]
        return reply
    if name == "SectionReply":
        return section_reply(chunk_ids)
    if name == "LLMCheckReply":  # `workbench llm check`'s probe
        return {"topic": "active listening", "tip": "Summarise what you heard before you answer."}
    if name == "CritiqueReply":
        return {"findings": [{"location": "module", "message": CRITIQUE_NOTE, "severity": "info"}]}
    return None


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up leaves a broken pipe behind; nothing to report.
        pass


class ScriptedLLM:
    """The endpoint: records every request (path, JSON body, headers) and answers from `canned_reply`.

    `delay` is the pause in seconds before each streamed chunk (0: stream at once); it is read per
    request, so a test may change it on a running endpoint. `abandoned` lists the schema names of the
    streams whose client hung up before the last chunk.
    """

    def __init__(self, delay: float = 0.0) -> None:
        self.requests: list[dict[str, Any]] = []
        self.delay = delay
        self.abandoned: list[str] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server naming
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length) or b"{}")
                endpoint.requests.append({"path": self.path, "json": payload, "headers": {k.lower(): v for k, v in self.headers.items()}})
                structured = (payload.get("response_format") or {}).get("json_schema") or {}
                if not structured and not payload.get("tools") and self.path.endswith("/chat/completions"):
                    self._answer(payload, TEXT_REPLY)  # a free-text request (a gap explanation)
                    return
                reply = canned_reply(structured.get("name", ""), structured.get("schema") or {})
                if not self.path.endswith("/chat/completions") or reply is None:
                    self._json(400, {"error": {"message": f"no scripted reply for {self.path} {structured.get('name')}"}})
                    return
                try:
                    self._answer(payload, json.dumps(reply))
                except (BrokenPipeError, ConnectionResetError):
                    # The client closed the stream early (a cancelled generation).
                    endpoint.abandoned.append(structured.get("name", ""))

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _answer(self, payload: dict[str, Any], content: str) -> None:
                model = payload.get("model", "scripted")
                if not payload.get("stream"):
                    self._json(200, {
                        "id": "scripted", "object": "chat.completion", "created": 0, "model": model,
                        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
                        "usage": {"prompt_tokens": 100, "completion_tokens": len(content) // 4, "total_tokens": 100 + len(content) // 4},
                    })
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                pieces = [content[start:start + 40] for start in range(0, len(content), 40)]
                for index, piece in enumerate(pieces):
                    if endpoint.delay:
                        time.sleep(endpoint.delay)
                    last = index == len(pieces) - 1
                    chunk = {
                        "id": "scripted", "object": "chat.completion.chunk", "created": 0, "model": model,
                        "choices": [{"index": 0, "delta": {"role": "assistant", "content": piece}, "finish_reason": "stop" if last else None}],
                    }
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    if endpoint.delay:
                        self.wfile.flush()  # each chunk reaches the client before the next pause
                if (payload.get("stream_options") or {}).get("include_usage"):
                    usage = {"prompt_tokens": 100, "completion_tokens": len(pieces), "total_tokens": 100 + len(pieces)}
                    chunk = {"id": "scripted", "object": "chat.completion.chunk", "created": 0, "model": model, "choices": [], "usage": usage}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """The /v1 base URL for WORKBENCH_LLM_BASE_URL."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def schema_names(self) -> list[str]:
        """The structured-output schema names asked for so far, in order."""
        return [((r["json"].get("response_format") or {}).get("json_schema") or {}).get("name", "") for r in self.requests]

    def __enter__(self) -> "ScriptedLLM":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
