"""The embedded model in a supervised worker process: streaming, cancelling, a crash, the line of waiting requests."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from workbench.errors import GenerationCancelled, LLMUnavailable
from workbench.llm.check import LLMCheckReply
from workbench.llm.client import LLMClient
from workbench.llm.errors import LLMCallFailed
from workbench.llm.factory import build_llm
from workbench.llm.generation_log import InMemoryGenerationLog
from workbench.llm.worker import WorkerBackend, WorkerModel
from workbench.settings import Settings

pytestmark = pytest.mark.slow
PROJECT_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def worker_client(embedded_gguf: Path):
    """One client whose embedded model runs in a worker process (started on the first request)."""
    settings = Settings(data_dir=embedded_gguf.parent.parent, llm_context_tokens=2048, llm_max_retries=0, llm_worker="process")
    client = build_llm(settings, generation_log=InMemoryGenerationLog())
    assert isinstance(client.backend, WorkerBackend)
    yield client
    client.backend.close()


def _worker_model(path: Path, n_ctx: int = 2048) -> WorkerModel:
    return WorkerModel(path=str(path), model_id=path.stem, n_ctx=n_ctx, n_threads=None, is_demo_model=True, constraint="llguidance")


def test_a_structured_reply_streams_back_from_the_worker_process(worker_client: LLMClient, prompts) -> None:
    tokens: list[str] = []
    result = worker_client.structured(prompts.get("llm_check"), {"topic": "active listening"}, LLMCheckReply, on_token=tokens.append)
    assert LLMCheckReply.model_validate_json(result.raw_text) == result.value
    assert len(tokens) > 3 and "".join(tokens) == result.raw_text
    assert result.parameters["structured_mode"] == "llguidance"
    assert result.prompt_tokens > 20 and result.completion_tokens > 3
    pid = worker_client.backend.worker_pid()
    assert pid is not None and pid != os.getpid()
    assert worker_client.generation_log.records[-1]["outcome"] == "ok"


def test_the_calling_process_never_loads_llama_cpp(embedded_gguf: Path, tmp_path: Path) -> None:
    """What keeps a web server small: the model and llama.cpp live in the worker only."""
    script = (
        "import json, sys\n"
        "from workbench.llm.factory import build_llm\n"
        "from workbench.llm.check import LLMCheckReply\n"
        "from workbench.llm.prompts import PromptRegistry\n"
        "from workbench.settings import Settings\n"
        f"settings = Settings(data_dir={str(embedded_gguf.parent.parent)!r}, llm_context_tokens=2048, llm_max_retries=0)\n"
        "client = build_llm(settings)\n"
        f"prompt = PromptRegistry.load_dir({str(PROJECT_ROOT / 'prompts')!r}).get('llm_check')\n"
        "result = client.structured(prompt, {'topic': 'feedback'}, LLMCheckReply)\n"
        "print(json.dumps({'llama_cpp': 'llama_cpp' in sys.modules, 'ok': bool(result.raw_text)}))\n"
        "client.backend.close()\n"
    )
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(PROJECT_ROOT)}
    environment.pop("WORKBENCH_LLM_WORKER", None)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600, env=environment, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"llama_cpp": False, "ok": True}


def test_cancelling_stops_the_generation_and_the_worker_lives_on(worker_client: LLMClient, prompts) -> None:
    pid_before = worker_client.backend.worker_pid()
    cancel = threading.Event()
    seen: list[str] = []

    def on_token(token: str) -> None:
        seen.append(token)
        if len(seen) == 2:
            cancel.set()

    with pytest.raises(GenerationCancelled) as raised:
        worker_client.structured(prompts.get("llm_check"), {"topic": "coaching"}, LLMCheckReply, on_token=on_token, cancel=cancel)
    assert len(seen) == 2 and raised.value.raw_output == "".join(seen)
    result = worker_client.structured(prompts.get("llm_check"), {"topic": "delegation"}, LLMCheckReply)
    assert result.value.topic
    assert worker_client.backend.worker_pid() == pid_before or pid_before is None


CRASHES = {
    signal.SIGKILL: "the generation worker stopped (exit code -9) in the middle of a generation; the next request starts a new one",
    # What a llama.cpp build for instructions the CPU forbids (AMX on some virtual machines) dies of.
    signal.SIGILL: ("the generation worker stopped (exit code -4) in the middle of a generation; the next request starts a new one. "
                    "It died of an illegal instruction: llama-cpp-python was built for instructions this CPU does not allow; "
                    "reinstall it as `make install` does (LLAMA_CMAKE_ARGS in the Makefile)"),
}


@pytest.mark.parametrize("crash", list(CRASHES), ids=lambda crash: crash.name)
def test_a_crash_in_the_worker_is_a_named_error_and_the_next_request_starts_a_new_worker(embedded_gguf: Path, prompts, crash) -> None:
    backend = WorkerBackend(lambda: _worker_model(embedded_gguf), model_id=embedded_gguf.stem, is_demo_model=True, constraint="llguidance")
    client = LLMClient(backend, max_retries=0, default_max_tokens=400)
    try:
        crashed: list[int] = []

        def kill_on_first_token(_: str) -> None:
            if not crashed:
                crashed.append(backend.worker_pid())
                os.kill(crashed[0], crash)

        with pytest.raises(LLMUnavailable) as raised:
            client.text(prompts.get("llm_check"), {"topic": "negotiation"}, on_token=kill_on_first_token)
        assert str(raised.value).endswith(CRASHES[crash])
        assert backend.worker_pid() is None
        result = client.structured(prompts.get("llm_check"), {"topic": "negotiation"}, LLMCheckReply)
        assert result.value.topic and backend.worker_pid() not in (None, crashed[0])
    finally:
        backend.close()


def test_errors_raised_in_the_worker_keep_their_kind_and_message(embedded_gguf: Path, prompts) -> None:
    small = WorkerBackend(lambda: _worker_model(embedded_gguf, n_ctx=64), model_id="small", is_demo_model=True, constraint="llguidance")
    missing = WorkerBackend(lambda: _worker_model(embedded_gguf.with_name("absent.gguf")), model_id="absent",
                            is_demo_model=True, constraint="llguidance")
    try:
        with pytest.raises(LLMCallFailed, match=r"the prompt has \d+ tokens, more than the model's context of 64; "
                                                  r"shorten it or raise WORKBENCH_LLM_CONTEXT_TOKENS"):
            LLMClient(small, max_retries=0).structured(prompts.get("llm_check"), {"topic": "x"}, LLMCheckReply)
        with pytest.raises(LLMUnavailable, match=r"absent\.gguf does not exist; run `workbench models prepare`"):
            LLMClient(missing, max_retries=0).structured(prompts.get("llm_check"), {"topic": "x"}, LLMCheckReply)
    finally:
        small.close()
        missing.close()


def test_waiting_requests_hear_their_place_in_line_and_can_cancel_while_waiting(worker_client: LLMClient, prompts) -> None:
    backend = worker_client.backend
    first_started = threading.Event()
    release = threading.Event()
    outcomes: dict[str, object] = {}

    def first() -> None:
        def on_token(_: str) -> None:
            first_started.set()
            release.wait(120)  # holds its turn until the waiters have been seen

        outcomes["first"] = worker_client.structured(prompts.get("llm_check"), {"topic": "mentoring"}, LLMCheckReply, on_token=on_token)

    places: dict[str, list[int]] = {"second": [], "third": []}
    cancel_third = threading.Event()

    def waiter(name: str, cancel: threading.Event | None) -> None:
        try:
            outcomes[name] = worker_client.structured(prompts.get("llm_check"), {"topic": "pairing"}, LLMCheckReply,
                                                       cancel=cancel, on_wait=places[name].append)
        except GenerationCancelled as error:
            outcomes[name] = error

    threads = [threading.Thread(target=first)]
    threads[0].start()
    try:
        _observe_the_line(backend, threads, first_started, places, outcomes, cancel_third, waiter)
    finally:
        release.set()
        for thread in threads:
            thread.join(300)
    assert places["second"] == [1, 0] and places["third"] == [2]
    assert isinstance(outcomes["first"].value, LLMCheckReply) and isinstance(outcomes["second"].value, LLMCheckReply)
    assert backend.queued() == 0


def _observe_the_line(backend, threads, first_started, places, outcomes, cancel_third, waiter) -> None:
    """While the first request holds its turn: two more join, the third cancels while waiting."""
    assert first_started.wait(300)
    threads.append(threading.Thread(target=waiter, args=("second", None)))
    threads[1].start()
    _wait_for(lambda: places["second"] == [1])
    threads.append(threading.Thread(target=waiter, args=("third", cancel_third)))
    threads[2].start()
    _wait_for(lambda: places["third"] == [2])
    assert backend.queued() == 3
    cancel_third.set()
    _wait_for(lambda: "third" in outcomes)
    assert str(outcomes["third"]) == "llm_check.v1: generation cancelled while waiting for the model"


def _wait_for(condition, seconds: float = 60.0) -> None:
    deadline = threading.Event()
    for _ in range(int(seconds * 20)):
        if condition():
            return
        deadline.wait(0.05)
    raise AssertionError("condition not met in time")


def test_the_worker_answers_a_process_holding_more_than_1024_descriptors(embedded_gguf: Path, prompts, tmp_path: Path) -> None:
    """A long-running server or test run has many files and sockets open; select() cannot watch those above 1024."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1200:
        if hard != resource.RLIM_INFINITY and hard < 1200:
            pytest.skip(f"the descriptor limit here is {hard}, too low to hold more than 1024")
        resource.setrlimit(resource.RLIMIT_NOFILE, (1200, hard))
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1030)]
    backend = WorkerBackend(lambda: _worker_model(embedded_gguf), model_id=embedded_gguf.stem, is_demo_model=True, constraint="llguidance")
    try:
        result = LLMClient(backend, max_retries=0).structured(prompts.get("llm_check"), {"topic": "listening"}, LLMCheckReply)
        assert result.value.topic
        assert backend._process is not None and backend._process.socket.fileno() > 1024
    finally:
        backend.close()
        for descriptor in held:
            os.close(descriptor)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
