"""The embedded model in a worker process the caller starts and supervises.

The web process stays small (llama.cpp and the GGUF live in the worker, not in every Streamlit
server), and a crash inside generation ends only the worker: the request in flight gets a named
error and the next request starts a new worker. Requests run one at a time, in arrival order;
callers waiting for their turn can ask for their place in the line and can cancel.

Parent and worker speak JSON lines over a socket pair (stdout stays free for anything llama.cpp
prints): `complete` and `cancel` go down, `token`, `done` and `error` come back.
"""

from __future__ import annotations

import atexit
import itertools
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

from workbench.errors import GenerationCancelled, LLMError, LLMUnavailable
from workbench.llm.client import WaitCallback
from workbench.llm.errors import LLMCallFailed
from workbench.llm.parsing import RawReply
from workbench.llm.prompts import Message

logger = logging.getLogger(__name__)

# The worker may raise only these named errors across the boundary; anything else is a failed call.
_ERRORS: dict[str, type[LLMError]] = {
    "GenerationCancelled": GenerationCancelled,
    "LLMUnavailable": LLMUnavailable,
    "LLMCallFailed": LLMCallFailed,
}
_POLL_SECONDS = 0.1


@dataclass(frozen=True)
class WorkerModel:
    """What the worker loads: the GGUF and how to run it (plain data, sent to the worker)."""

    path: str
    model_id: str
    n_ctx: int
    n_threads: int | None
    is_demo_model: bool
    constraint: str


class _Schema:
    """The part of a SchemaSpec the embedded backend reads (the JSON schema), rebuilt in the worker."""

    def __init__(self, json_schema: dict[str, Any]) -> None:
        self.json_schema = json_schema


class _Line:
    """First-come, first-served turns at the worker, with each waiter's place in the line."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._tickets = itertools.count()
        self._waiting: list[int] = []

    def ahead_of(self, ticket: int) -> int:
        """How many requests are ahead of `ticket` (0: its turn)."""
        with self._changed:
            return self._waiting.index(ticket)

    def queued(self) -> int:
        """Requests waiting or running now."""
        with self._changed:
            return len(self._waiting)

    def wait_turn(self, cancel: threading.Event | None, on_wait: WaitCallback | None) -> int:
        """Join the line and return the ticket once it is at the front (cancellable while waiting)."""
        with self._changed:
            ticket = next(self._tickets)
            self._waiting.append(ticket)
        told = None
        while True:
            with self._changed:
                place = self._waiting.index(ticket)
                if place and cancel is not None and cancel.is_set():
                    self._waiting.remove(ticket)
                    self._changed.notify_all()
                    raise GenerationCancelled("generation cancelled while waiting for the model", raw_output="")
                if place and place == told:
                    self._changed.wait(_POLL_SECONDS)
                    continue
            # The listener runs outside the lock: it may be slow (a page update) without holding up the line.
            if on_wait is not None and place != told:
                on_wait(place)
            told = place
            if place == 0:
                return ticket

    def leave(self, ticket: int) -> None:
        """Give the turn to the next request."""
        with self._changed:
            self._waiting.remove(ticket)
            self._changed.notify_all()


class _Process:
    """One running worker: the child process and the parent's end of its socket."""

    def __init__(self, model: WorkerModel, python: str) -> None:
        parent_end, child_end = socket.socketpair()
        self.popen = subprocess.Popen(
            [python, "-m", "workbench.llm.worker", str(child_end.fileno()), json.dumps(asdict(model))],
            pass_fds=(child_end.fileno(),),
            stdin=subprocess.DEVNULL,
        )
        child_end.close()
        self.socket = parent_end
        self._buffer = b""

    def alive(self) -> bool:
        """Whether the child is still running."""
        return self.popen.poll() is None

    def send(self, message: dict[str, Any]) -> None:
        """One JSON line to the worker."""
        self.socket.sendall(json.dumps(message).encode("utf-8") + b"\n")

    def receive(self, timeout: float) -> dict[str, Any] | None:
        """The next message, None if none arrived within `timeout` (EOFError when the worker is gone)."""
        while b"\n" not in self._buffer:
            # A timeout on the socket itself, not select(): a busy process has descriptors above
            # select()'s limit of 1024, and this one may be among them.
            self.socket.settimeout(timeout)
            try:
                data = self.socket.recv(65536)
            except TimeoutError:
                return None
            finally:
                self.socket.settimeout(None)
            if not data:
                raise EOFError
            self._buffer += data
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def stop(self) -> None:
        """End the worker (closing the socket is enough; kill it if it does not go)."""
        try:
            self.socket.close()
        except OSError:
            pass
        try:
            self.popen.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()


class WorkerBackend:
    """A ChatBackend whose generations run in a supervised worker process (the embedded model)."""

    provider = "embedded"

    def __init__(self, resolve_model: Callable[[], WorkerModel], *, model_id: str, is_demo_model: bool,
                 constraint: str, python: str = sys.executable) -> None:
        self._resolve_model = resolve_model
        self._model: WorkerModel | None = None
        self.model_id = model_id
        self.is_demo_model = is_demo_model
        self.constraint = constraint
        self._python = python
        self._line = _Line()
        self._process: _Process | None = None
        self._requests = itertools.count(1)
        atexit.register(self.close)

    def secrets(self) -> list[str]:
        """No keys are involved in local generation."""
        return []

    def structured_mode(self) -> str:
        """How structured replies are constrained (the worker's embedded backend decides the same way)."""
        return self.constraint

    def queued(self) -> int:
        """Generations waiting or running now."""
        return self._line.queued()

    def worker_pid(self) -> int | None:
        """The running worker's process id (None before the first request or after a crash)."""
        process = self._process
        return process.popen.pid if process is not None and process.alive() else None

    def complete(self, messages: list[Message], *, schema: Any, max_tokens: int, temperature: float,
                 on_token: Callable[[str], None] | None, cancel: threading.Event | None,
                 on_wait: WaitCallback | None = None) -> RawReply:
        """One generation in the worker, streamed back token by token; waits its turn first."""
        ticket = self._line.wait_turn(cancel, on_wait)
        try:
            return self._run(messages, schema, max_tokens, temperature, on_token, cancel)
        finally:
            self._line.leave(ticket)

    def close(self) -> None:
        """Stop the worker (at exit, and by tests)."""
        process, self._process = self._process, None
        if process is not None:
            process.stop()

    def _worker(self) -> _Process:
        """The running worker, started (again) if there is none."""
        if self._process is not None and not self._process.alive():
            self._process.stop()
            self._process = None
        if self._process is None:
            if self._model is None:
                self._model = self._resolve_model()
            self._process = _Process(self._model, self._python)
        return self._process

    def _run(self, messages, schema, max_tokens, temperature, on_token, cancel) -> RawReply:
        """Send one request and relay what comes back until its end."""
        process = self._worker()
        request = next(self._requests)
        pieces: list[str] = []
        try:
            process.send({
                "op": "complete",
                "id": request,
                "messages": [{"role": message.role, "content": message.content} for message in messages],
                "schema": schema.json_schema if schema is not None else None,
                "max_tokens": max_tokens,
                "temperature": temperature,
            })
            cancelled = False
            while True:
                if cancel is not None and cancel.is_set() and not cancelled:
                    # From here on nothing more reaches the caller: what it saw is what was generated.
                    process.send({"op": "cancel", "id": request})
                    cancelled = True
                message = process.receive(_POLL_SECONDS)
                if message is None:
                    if not process.alive():
                        raise EOFError
                    continue
                if message.get("id") != request:
                    continue  # a late line of a request that was given up on
                if message["op"] == "token":
                    if not cancelled:
                        pieces.append(message["text"])
                        if on_token is not None:
                            on_token(message["text"])
                    continue
                if cancelled:
                    raise GenerationCancelled("generation cancelled", raw_output="".join(pieces))
                if message["op"] == "done":
                    return RawReply(**message["reply"])
                error = _ERRORS.get(message.get("error", ""), LLMCallFailed)
                raise error(message["message"], raw_output=message.get("raw_output"))
        except (EOFError, OSError, ValueError):  # the worker died, or was stopped (its socket closed) meanwhile
            # A worker still running after its channel failed is of no more use: stop it, never wait on it alone.
            process.stop()
            code = process.popen.returncode
            self._process = None
            raise LLMUnavailable(_stopped_message(code), raw_output="".join(pieces)) from None


def _stopped_message(code: int | None) -> str:
    """What to tell people when the worker died mid-generation; an illegal instruction names its usual cause."""
    message = f"the generation worker stopped (exit code {code}) in the middle of a generation; the next request starts a new one"
    if code == -signal.SIGILL:
        # Seen with llama-cpp-python built for the build machine's CPU (AMX) on a virtual machine that forbids it.
        message += (". It died of an illegal instruction: llama-cpp-python was built for instructions this CPU does not "
                    "allow; reinstall it as `make install` does (LLAMA_CMAKE_ARGS in the Makefile)")
    return message


def _serve(fd: int, model_json: str) -> int:
    """The worker's main loop: load the model on first use, answer requests one at a time."""
    from workbench.llm.embedded import EmbeddedBackend

    model = WorkerModel(**json.loads(model_json))
    backend = EmbeddedBackend(
        Path(model.path), model_id=model.model_id, n_ctx=model.n_ctx, n_threads=model.n_threads,
        is_demo_model=model.is_demo_model, constraint=model.constraint,
    )
    channel = socket.socket(fileno=fd)
    reader = channel.makefile("r", encoding="utf-8", newline="\n")
    writer = channel.makefile("w", encoding="utf-8", newline="\n")
    sending = threading.Lock()
    requests: list[dict[str, Any]] = []
    arrived = threading.Condition()
    cancels: dict[int, threading.Event] = {}

    def send(message: dict[str, Any]) -> None:
        with sending:
            try:
                writer.write(json.dumps(message) + "\n")
                writer.flush()
            except (BrokenPipeError, ConnectionResetError):
                os._exit(0)  # the parent is gone: nobody is left to answer

    def listen() -> None:
        # Reads while the main thread generates, so a cancel reaches the generation between tokens.
        for line in reader:
            message = json.loads(line)
            with arrived:
                if message["op"] == "cancel":
                    cancels.setdefault(message["id"], threading.Event()).set()
                else:
                    cancels.setdefault(message["id"], threading.Event())
                    requests.append(message)
                arrived.notify_all()
        with arrived:
            requests.append({"op": "stop"})
            arrived.notify_all()

    threading.Thread(target=listen, name="worker-listen", daemon=True).start()
    while True:
        with arrived:
            while not requests:
                arrived.wait()
            request = requests.pop(0)
        if request["op"] == "stop":
            return 0
        ident = request["id"]
        try:
            reply = backend.complete(
                [Message(role=item["role"], content=item["content"]) for item in request["messages"]],
                schema=_Schema(request["schema"]) if request["schema"] is not None else None,
                max_tokens=request["max_tokens"],
                temperature=request["temperature"],
                on_token=lambda text: send({"op": "token", "id": ident, "text": text}),
                cancel=cancels[ident],
            )
        except LLMError as error:
            # The nearest kind the parent knows (ModelFileInvalid travels as LLMUnavailable).
            name = next((kind.__name__ for kind in type(error).__mro__ if kind.__name__ in _ERRORS), "LLMCallFailed")
            send({"op": "error", "id": ident, "error": name, "message": str(error), "raw_output": error.raw_output})
        except Exception as error:  # noqa: BLE001 - reported to the caller as a failed call, the worker lives on
            send({"op": "error", "id": ident, "error": "LLMCallFailed",
                  "message": f"the model call failed: {type(error).__name__}: {error}", "raw_output": None})
        else:
            send({"op": "done", "id": ident, "reply": asdict(reply)})
        finally:
            cancels.pop(ident, None)


if __name__ == "__main__":
    sys.exit(_serve(int(sys.argv[1]), sys.argv[2]))
