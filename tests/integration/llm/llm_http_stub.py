"""A scripted OpenAI-compatible HTTP server on 127.0.0.1, for faults a real server will not produce on cue
(HTTP errors with their headers, slowness, a connection closed mid-answer) and for replaying recorded replies."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Scripted:
    """One scripted answer: an HTTP error, a streamed chat completion, or a connection dropped on purpose."""

    status: int = 200
    body: Any = None  # JSON body for errors
    content: str | None = None  # streamed as SSE chunks when status is 200
    finish_reason: str | None = "stop"
    headers: dict[str, str] = field(default_factory=dict)
    delay_seconds: float = 0.0  # wait before answering (to trip the client's timeout)
    chunks: list[dict[str, Any]] | None = None  # recorded SSE chunks, replayed as they are
    close_after_chunks: int | None = None  # close the connection after this many chunks; 0: before answering


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (timeout, cancel) leaves a broken pipe behind; that is expected here.
        pass


class StubServer:
    """Answers POST /v1/chat/completions from a script and records every request."""

    def __init__(self) -> None:
        self.script: list[Scripted] = []
        self.requests: list[dict[str, Any]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            # HTTP/1.1 with a chunked event stream, as uvicorn serves llama.cpp's and vLLM's streams:
            # a connection closed mid-stream is then an incomplete body, not a normal end.
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server naming
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length) or b"{}")
                stub.requests.append({
                    "path": self.path, "json": payload, "headers": {key.lower(): value for key, value in self.headers.items()},
                    "at": time.monotonic(),
                })
                answer = stub.script.pop(0) if stub.script else Scripted(status=500, body={"error": {"message": "no script"}})
                if answer.delay_seconds:
                    time.sleep(answer.delay_seconds)
                if answer.close_after_chunks == 0:
                    self._drop()
                    return
                if answer.status != 200:
                    data = json.dumps(answer.body or {}).encode()
                    self.send_response(answer.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for key, value in answer.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for number, chunk in enumerate(answer.chunks or self._content_chunks(answer, payload)):
                    if answer.close_after_chunks is not None and number >= answer.close_after_chunks:
                        time.sleep(0.2)  # let the client read what was sent, as it would from a live stream
                        self._drop()
                        return
                    self._send_chunk(f"data: {json.dumps(chunk)}\n\n".encode())
                self._send_chunk(b"data: [DONE]\n\n")
                self._send_chunk(b"")

            def _send_chunk(self, data: bytes) -> None:
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

            def _drop(self) -> None:
                """Close the connection mid-answer, as the kernel does for a server process that dies."""
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.connection.close()
                self.close_connection = True

            @staticmethod
            def _content_chunks(answer: Scripted, payload: dict[str, Any]) -> list[dict[str, Any]]:
                words = (answer.content or "").split(" ")
                chunks = []
                for index, word in enumerate(words):
                    piece = word if index == 0 else " " + word
                    last = index == len(words) - 1
                    chunk = {
                        "id": "stub",
                        "object": "chat.completion.chunk",
                        "created": 0,
                        "model": payload.get("model", "stub"),
                        "choices": [
                            {"index": 0, "delta": {"role": "assistant", "content": piece}, "finish_reason": answer.finish_reason if last else None}
                        ],
                    }
                    chunks.append(chunk)
                return chunks

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """The /v1 base URL to give the openai provider."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> "StubServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
