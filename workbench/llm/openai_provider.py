"""The `openai` provider: any OpenAI-compatible endpoint through langchain-openai's ChatOpenAI."""

from __future__ import annotations

from urllib.parse import urlparse

from workbench.errors import ConfigurationError, LLMRefused, LLMTruncated, LLMUnavailable
from workbench.llm.langchain_backend import LangChainBackend, ModeRejected
from workbench.llm.redaction import redact
from workbench.settings import Settings

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
# Local servers (vLLM, Ollama, llama.cpp) accept any key; the SDK insists on one.
PLACEHOLDER_KEY = "not-needed"
# Hosts that understand max_completion_tokens; others get the long-standing max_tokens.
MODERN_HOSTS = ("api.openai.com", ".openai.azure.com")
# Words in an error body that show the structured-output request itself was refused.
MODE_MARKERS = ("response_format", "json_schema", "tool_choice")


def build_openai_backend(settings: Settings) -> LangChainBackend:
    """A backend for the endpoint in settings (base URL, model, key, timeout, retries)."""
    from langchain_openai import ChatOpenAI

    secret = settings.api_key()
    key = secret.get_secret_value() if secret is not None else None
    if key is None and not settings.llm_base_url:
        raise ConfigurationError(
            "the openai provider needs an API key: set OPENAI_API_KEY or WORKBENCH_LLM_API_KEY "
            "(or WORKBENCH_LLM_BASE_URL for a local server that needs none)"
        )
    model = settings.llm_model or DEFAULT_OPENAI_MODEL
    endpoint = settings.llm_base_url or "https://api.openai.com/v1"
    host = urlparse(endpoint).hostname or ""
    modern = any(host == suffix or host.endswith(suffix) for suffix in MODERN_HOSTS)
    chat_model = ChatOpenAI(
        model=model,
        base_url=settings.llm_base_url,
        api_key=key or PLACEHOLDER_KEY,
        timeout=settings.llm_timeout_seconds,
        # The SDK retries 408/409/429/5xx and connection errors with exponential backoff and jitter.
        max_retries=settings.llm_max_retries,
        temperature=settings.llm_temperature,
        stream_usage=True,
    )
    return LangChainBackend(
        chat_model,
        provider="openai",
        model_id=model,
        structured_mode=settings.llm_structured_mode,
        is_demo_model=False,
        endpoint=endpoint,
        api_key=key,
        token_limit_param="max_tokens" if modern else "max_tokens_extra_body",
        error_translator=lambda error: translate_openai_error(error, endpoint, model, [key] if key else []),
    )


def translate_openai_error(error: Exception, endpoint: str, model: str, secrets: list[str]) -> Exception | None:
    """A named error for an SDK failure (None when it is not an SDK failure); never shows the key."""
    import openai

    where = _safe_endpoint(endpoint)
    # langchain-openai raises these itself when a response_format reply ends early.
    if isinstance(error, openai.LengthFinishReasonError):
        return LLMTruncated("the reply stopped at the token limit; raise max_tokens or shorten the request")
    if isinstance(error, openai.ContentFilterFinishReasonError):
        return LLMRefused("the endpoint's content filter withheld the reply")
    if isinstance(error, openai.APITimeoutError):
        return LLMUnavailable(f"the LLM endpoint {where} did not answer in time; raise WORKBENCH_LLM_TIMEOUT_SECONDS")
    if isinstance(error, openai.APIConnectionError):
        return LLMUnavailable(f"cannot reach the LLM endpoint {where}; check WORKBENCH_LLM_BASE_URL and that the server runs")
    if isinstance(error, (openai.AuthenticationError, openai.PermissionDeniedError)):
        return LLMUnavailable(
            f"the LLM endpoint {where} rejected the API key (HTTP {error.status_code}); "
            "check OPENAI_API_KEY, WORKBENCH_LLM_API_KEY or .streamlit/secrets.toml"
        )
    if isinstance(error, openai.NotFoundError):
        return LLMUnavailable(f"the LLM endpoint {where} does not know model '{model}' (HTTP 404); check WORKBENCH_LLM_MODEL")
    if isinstance(error, openai.RateLimitError):
        return LLMUnavailable(f"the LLM endpoint {where} is rate-limiting requests (HTTP 429) even after retries; try again later")
    if isinstance(error, (openai.BadRequestError, openai.UnprocessableEntityError)):
        detail = redact(_error_detail(error), secrets)
        if getattr(error, "code", None) == "content_filter" or "content_filter" in detail:
            return LLMRefused("the endpoint's content filter rejected the request")
        return ModeRejected(f"HTTP {error.status_code}: {detail[:300]}")
    if isinstance(error, openai.APIStatusError):
        detail = redact(_error_detail(error), secrets)
        if any(marker in detail for marker in MODE_MARKERS):
            # llama-cpp-python's server answers an unsupported response_format with HTTP 500.
            return ModeRejected(f"HTTP {error.status_code}: {detail[:300]}")
        return LLMUnavailable(
            f"the LLM endpoint {where} failed with HTTP {error.status_code} even after retries: "
            f"{redact(_error_detail(error), secrets)[:200]}"
        )
    if isinstance(error, openai.OpenAIError):
        return LLMUnavailable(f"the LLM endpoint {where} failed: {redact(str(error), secrets)[:200]}")
    return None


def _error_detail(error: Exception) -> str:
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        message = body.get("message") or body.get("detail") or body
        return str(message)
    return str(getattr(error, "message", "") or error)


def _safe_endpoint(endpoint: str) -> str:
    """The endpoint without any credentials embedded in the URL."""
    parsed = urlparse(endpoint)
    if parsed.username or parsed.password:
        netloc = parsed.hostname or ""
        if parsed.port:
            netloc += f":{parsed.port}"
        parsed = parsed._replace(netloc=netloc)
    return parsed.geturl()
