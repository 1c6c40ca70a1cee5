"""The `openai` provider: any OpenAI-compatible endpoint through langchain-openai's ChatOpenAI.

SDK failures are translated into named errors that say what really happened: an endpoint that
refuses connections, a server that closed the connection mid-request (it crashed), a rejected
schema or request (with the endpoint's own message), a timeout, rate limiting with Retry-After.
"""

from __future__ import annotations

from urllib.parse import urlparse

from workbench.errors import (
    ConfigurationError,
    LLMRefused,
    LLMRequestRejected,
    LLMTruncated,
    LLMUnavailable,
)
from workbench.llm.langchain_backend import LangChainBackend, ModeRejected, server_closed_connection
from workbench.llm.redaction import endpoint_text
from workbench.llm.retry import Retryable, RetryPolicy, parse_retry_after
from workbench.settings import Settings

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
# Local servers (vLLM, Ollama, llama.cpp) accept any key; the SDK insists on one.
PLACEHOLDER_KEY = "not-needed"
# Hosts that understand max_completion_tokens; others get the long-standing max_tokens.
MODERN_HOSTS = ("api.openai.com", ".openai.azure.com")
# Words in an error body that show the structured-output request itself was refused.
MODE_MARKERS = ("response_format", "json_schema", "schema", "tool_choice", "tools", "function", "grammar")
MODE_PARAMS = ("response_format", "tools", "tool_choice")
CONTEXT_MARKERS = ("context_length_exceeded", "context length", "context window", "prompt is too long", "too many tokens")
RETRIED_STATUSES = (408, 409, 429)
# Exceptions (by class name: httpx, httpx2, httpcore and http.client each define their own) that
# mean the server accepted the connection and then closed it without finishing its answer.
CLOSED_BY_SERVER = ("RemoteProtocolError", "ReadError", "RemoteDisconnected", "IncompleteRead", "ConnectionResetError", "BrokenPipeError")
REFUSED = ("ConnectError", "ConnectionRefusedError")


def build_openai_backend(settings: Settings) -> LangChainBackend:
    """A backend for the endpoint in settings (base URL, model, key, timeout, retries, schema form)."""
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
        # The backend retries (workbench.llm.retry): the SDK's own retries would hide a crash.
        max_retries=0,
        temperature=settings.llm_temperature,
        seed=settings.llm_seed,
        stream_usage=True,
    )
    return LangChainBackend(
        chat_model,
        provider="openai",
        model_id=model,
        structured_mode=settings.llm_structured_mode,
        schema_form=settings.llm_schema,
        is_demo_model=False,
        endpoint=_safe_endpoint(endpoint),
        api_key=key,
        token_limit_param="max_tokens" if modern else "max_tokens_extra_body",
        error_translator=lambda error: translate_openai_error(error, endpoint, model, [key] if key else []),
        retry_policy=RetryPolicy(max_retries=settings.llm_max_retries),
    )


def translate_openai_error(error: Exception, endpoint: str, model: str, secrets: list[str]) -> Exception | None:
    """A named error (or a Retryable / ModeRejected wrapping one) for an SDK failure; None if not an SDK failure."""
    import openai

    where = _safe_endpoint(endpoint)
    # langchain-openai raises these itself when a response_format reply ends early.
    if isinstance(error, openai.LengthFinishReasonError):
        return LLMTruncated("the reply stopped at the token limit; raise max_tokens or shorten the request")
    if isinstance(error, openai.ContentFilterFinishReasonError):
        return LLMRefused("the endpoint's content filter withheld the reply")
    if isinstance(error, openai.APITimeoutError):
        return Retryable(LLMUnavailable(f"the LLM endpoint {where} did not answer in time; raise WORKBENCH_LLM_TIMEOUT_SECONDS"))
    if isinstance(error, openai.APIConnectionError) or _exception_named(error, CLOSED_BY_SERVER + REFUSED):
        return _connection_failure(error, where)
    if isinstance(error, (openai.AuthenticationError, openai.PermissionDeniedError)):
        return LLMUnavailable(
            f"the LLM endpoint {where} rejected the API key (HTTP {error.status_code}); "
            "check OPENAI_API_KEY, WORKBENCH_LLM_API_KEY or the Streamlit secrets file (WORKBENCH_STREAMLIT_SECRETS_FILE)"
        )
    if isinstance(error, openai.NotFoundError):
        return LLMUnavailable(f"the LLM endpoint {where} does not know model '{model}' (HTTP 404); check WORKBENCH_LLM_MODEL")
    if isinstance(error, openai.APIStatusError):
        return _status_failure(error, where, endpoint_text(_error_detail(error), secrets))
    if isinstance(error, openai.OpenAIError):
        return LLMUnavailable(f"the LLM endpoint {where} failed: {endpoint_text(str(error), secrets, 200)}")
    return None


def _connection_failure(error: Exception, where: str) -> Exception:
    """Refused (nothing listens), or closed by the server after it accepted the request (a crash)."""
    if _exception_named(error, CLOSED_BY_SERVER):
        return Retryable(server_closed_connection(where), closed_by_server=True)
    return Retryable(
        LLMUnavailable(f"cannot reach the LLM endpoint {where} (connection refused or no such host); "
                       "check WORKBENCH_LLM_BASE_URL and that the server runs")
    )


def _status_failure(error, where: str, detail: str) -> Exception:
    status = error.status_code
    code = str(getattr(error, "code", "") or "")
    param = str(getattr(error, "param", "") or "")
    lowered = detail.lower()
    if status in (400, 422):
        if code == "content_filter" or "content_filter" in lowered:
            return LLMRefused("the endpoint's content filter rejected the request")
        if code == "context_length_exceeded" or any(marker in lowered for marker in CONTEXT_MARKERS):
            return LLMRequestRejected(
                f"the request does not fit the model's context (HTTP {status}: {detail}); "
                "shorten the request, or give the server a larger context"
            )
        if param in MODE_PARAMS or any(marker in lowered for marker in MODE_MARKERS):
            return ModeRejected(f"HTTP {status}: {detail}")
        return LLMRequestRejected(f"the LLM endpoint {where} rejected the request (HTTP {status}): {detail}")
    if status >= 500 and any(marker in lowered for marker in MODE_MARKERS[:2]):
        # llama-cpp-python's server answers an unsupported response_format with HTTP 500.
        return ModeRejected(f"HTTP {status}: {detail}")
    retry_after = parse_retry_after(dict(error.response.headers)) if getattr(error, "response", None) is not None else None
    waited = f"; it asked to wait {retry_after:g} s (Retry-After)" if retry_after is not None else ""
    if status == 429:
        return Retryable(
            LLMUnavailable(f"the LLM endpoint {where} is rate-limiting requests (HTTP 429){waited}; try again later"),
            retry_after=retry_after,
        )
    unavailable = LLMUnavailable(f"the LLM endpoint {where} failed with HTTP {status}{waited}: {detail}")
    if status >= 500 or status in RETRIED_STATUSES:
        return Retryable(unavailable, retry_after=retry_after)
    return unavailable


def _exception_named(error: BaseException, names: tuple[str, ...]) -> bool:
    """Whether the error or anything in its cause/context chain is one of the named exception classes."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if type(current).__name__ in names:
            return True
        current = current.__cause__ or current.__context__
    return False


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
