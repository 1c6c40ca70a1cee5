"""Building the configured LLM client from settings."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from workbench.errors import ConfigurationError
from workbench.llm.client import LLMClient
from workbench.llm.generation_log import GenerationLogSink
from workbench.settings import Settings

EMBEDDED_MAX_TOKENS = 512  # the small model is only a stand-in; long replies just loop


def build_llm(settings: Settings, generation_log: GenerationLogSink | None = None) -> LLMClient:
    """The LLM client for `settings.llm_provider` (embedded, openai or fake)."""
    provider = settings.llm_provider
    if provider == "fake":
        from workbench.llm.fake import FakeChatModel

        return LLMClient.for_chat_model(
            FakeChatModel(),
            provider="fake",
            model_id=settings.llm_model or "fake",
            generation_log=generation_log,
            structured_mode="json_schema" if settings.llm_structured_mode == "auto" else settings.llm_structured_mode,
            max_retries=settings.llm_max_retries,
            temperature=settings.llm_temperature,
        )
    if provider == "openai":
        from workbench.llm.openai_provider import build_openai_backend

        return LLMClient(
            build_openai_backend(settings),
            generation_log=generation_log,
            max_retries=settings.llm_max_retries,
            temperature=settings.llm_temperature,
        )
    if provider == "embedded":
        return LLMClient(
            build_embedded_backend(settings),
            generation_log=generation_log,
            max_retries=settings.llm_max_retries,
            temperature=settings.llm_temperature,
            default_max_tokens=EMBEDDED_MAX_TOKENS,
        )
    raise ConfigurationError(f"unknown LLM provider '{provider}'; use embedded, openai or fake")


def build_embedded_backend(settings: Settings):
    """The llama.cpp backend: the packaged Gemma 3 270M, or a GGUF named by WORKBENCH_LLM_MODEL.

    With WORKBENCH_LLM_WORKER=process (the default) it runs in a supervised worker process.
    """
    from workbench.llm.models import EMBEDDED_MODEL_ID, prepare_embedded_model

    if settings.llm_model:
        path = Path(settings.llm_model).expanduser()
        if path.suffix.lower() != ".gguf":
            raise ConfigurationError(
                "with the embedded provider, WORKBENCH_LLM_MODEL must be the path of a .gguf file "
                f"(got '{settings.llm_model}')"
            )
        model_id, is_demo_model = path.stem, False
        locate: Callable[[], Path] = lambda: path  # noqa: E731 - the path is already known
    else:
        # Preparing (assemble + sha256) happens on first use, not when the services are built.
        model_id, is_demo_model = EMBEDDED_MODEL_ID, True
        locate = lambda: prepare_embedded_model(settings).path  # noqa: E731
    if settings.llm_worker == "process":
        from workbench.llm.worker import WorkerBackend, WorkerModel

        def resolve() -> WorkerModel:
            return WorkerModel(
                path=str(locate()), model_id=model_id, n_ctx=settings.llm_context_tokens,
                n_threads=settings.llm_threads, is_demo_model=is_demo_model, constraint=settings.llm_constraint,
            )

        return WorkerBackend(resolve, model_id=model_id, is_demo_model=is_demo_model, constraint=settings.llm_constraint)
    from workbench.llm.embedded import EmbeddedBackend

    return EmbeddedBackend(
        path if settings.llm_model else locate,
        model_id=model_id,
        n_ctx=settings.llm_context_tokens,
        n_threads=settings.llm_threads,
        is_demo_model=is_demo_model,
        constraint=settings.llm_constraint,
    )
