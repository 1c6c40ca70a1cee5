"""Building the configured LLM client from settings."""

from __future__ import annotations

from pathlib import Path

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
    """The llama.cpp backend: the packaged Gemma 3 270M, or a GGUF named by WORKBENCH_LLM_MODEL."""
    from workbench.llm.embedded import EmbeddedBackend
    from workbench.llm.models import EMBEDDED_MODEL_ID, prepare_embedded_model

    if settings.llm_model:
        path = Path(settings.llm_model).expanduser()
        if path.suffix.lower() != ".gguf":
            raise ConfigurationError(
                "with the embedded provider, WORKBENCH_LLM_MODEL must be the path of a .gguf file "
                f"(got '{settings.llm_model}')"
            )
        return EmbeddedBackend(
            path,
            model_id=path.stem,
            n_ctx=settings.llm_context_tokens,
            n_threads=settings.llm_threads,
            is_demo_model=False,
            constraint=settings.llm_constraint,
        )
    # Preparing (assemble + sha256) happens on first use, not when the services are built.
    return EmbeddedBackend(
        lambda: prepare_embedded_model(settings).path,
        model_id=EMBEDDED_MODEL_ID,
        n_ctx=settings.llm_context_tokens,
        n_threads=settings.llm_threads,
        is_demo_model=True,
        constraint=settings.llm_constraint,
    )
