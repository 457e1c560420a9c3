"""The LLM seam: one call that returns a validated pydantic model, and its OpenAI-compatible implementation.

``OpenAILLM`` talks to OpenAI or any server with the same HTTP API (Ollama, vLLM, LM Studio, ...). It asks
for structured output with a JSON schema and validates the answer itself with the same pydantic model,
because many compatible servers honour only ``{"type": "json_object"}`` or nothing at all; a server that
rejects ``json_schema`` with 400/422 is asked again with ``json_object`` (and from then on). No
``temperature`` or ``max_tokens`` is sent: reasoning models and some servers reject them. Every failure
becomes an ``LLMError`` whose message never contains the API key.

``FakeLLM`` is the in-memory double used by the tests of other components.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from core.config import Settings
from core.errors import ConfigError, LLMError
from core.models import LLMUsage
from core.redaction import redact_url

if TYPE_CHECKING:
    import openai

ModelT = TypeVar("ModelT", bound=BaseModel)

#: Used when ``OPENAI_BASE_URL`` is unset, so that the client never falls back to its own environment lookup.
DEFAULT_BASE_URL = "https://api.openai.com/v1"
#: Characters of a bad answer or an error body quoted in an error message.
QUOTE_CHARS = 200

_FENCE = re.compile(r"```[ \t]*(?:json|JSON)?[ \t]*\r?\n(.*?)\r?\n?[ \t]*```", re.DOTALL)
_KEY_LIKE = re.compile(r"\b(sk-[A-Za-z0-9*_\-]{3})[A-Za-z0-9*_\-]+")


class LLMClient(Protocol):
    """Anything that turns a system and a user message into an instance of ``schema``."""

    def complete_json(self, system: str, user: str, schema: type[ModelT]) -> tuple[ModelT, LLMUsage]:
        """The answer validated as ``schema`` and the tokens it cost; raises ``LLMError`` on any failure."""
        ...


def strip_fence(text: str) -> str:
    """The JSON inside a Markdown code fence (```json ... ```) when the answer has one, else the stripped text."""
    match = _FENCE.search(text)
    return match.group(1).strip() if match else text.strip()


def parse_answer(text: str | None, schema: type[ModelT]) -> ModelT:
    """Validate an answer as ``schema``; raises ``LLMError`` for an empty answer, bad JSON or a schema mismatch."""
    if text is None or not text.strip():
        raise LLMError("LLM returned an empty answer")
    body = strip_fence(text)
    try:
        json.loads(body)
    except json.JSONDecodeError as exc:
        raise LLMError(f"LLM answer is not valid JSON ({exc.msg} at char {exc.pos}): {_quote(body)}") from exc
    try:
        return schema.model_validate_json(body)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in err['loc']) or '<root>'}: {err['msg']}" for err in exc.errors()[:3]
        )
        more = f" (+{exc.error_count() - 3} more)" if exc.error_count() > 3 else ""
        raise LLMError(f"LLM answer does not match the {schema.__name__} schema: {problems}{more}") from exc


def response_format_for(schema: type[BaseModel]) -> dict[str, Any]:
    """The chat completions ``response_format`` asking for JSON that follows ``schema`` (non-strict)."""
    return {
        "type": "json_schema",
        "json_schema": {"name": schema.__name__[:64], "schema": schema.model_json_schema()},
    }


def _quote(text: str) -> str:
    flat = " ".join(text.split())
    return repr(flat[:QUOTE_CHARS] + ("…" if len(flat) > QUOTE_CHARS else ""))


@cache
def _sdk() -> ModuleType:
    """The ``openai`` package, imported on first use: importing it takes about a second, which every command
    would pay (a simulation, ``faults``, ``incidents``) although only an LLM run needs it."""
    import openai

    return openai


class OpenAILLM:
    """``LLMClient`` over the official ``openai`` client; base URL, timeout and retries come from ``Settings``."""

    def __init__(self, settings: Settings) -> None:
        if not settings.llm_enabled or settings.openai_api_key is None:
            raise ConfigError(
                "OPENAI_API_KEY is not set; set it to enable LLM refinement "
                "(any non-empty value for a local server without authentication)"
            )
        self.model = settings.openai_model
        self.base_url = settings.openai_base_url or DEFAULT_BASE_URL
        self._shown_url = redact_url(self.base_url)
        self.timeout_seconds = settings.llm_timeout_seconds
        self._key = settings.openai_api_key  # kept as SecretStr: its repr is masked
        self._client: openai.OpenAI = _sdk().OpenAI(
            api_key=self._key.get_secret_value(),
            base_url=self.base_url,
            timeout=settings.llm_timeout_seconds,
            max_retries=min(settings.llm_max_retries, 2),
        )
        # Once a server refuses json_schema, later calls ask for json_object straight away.
        self._json_schema_supported = True
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"OpenAILLM(model={self.model!r}, base_url={self._shown_url!r})"

    def complete_json(self, system: str, user: str, schema: type[ModelT]) -> tuple[ModelT, LLMUsage]:
        """Ask ``model`` for JSON following ``schema``; raises ``LLMError`` (timeout, HTTP status, bad answer)."""
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        with self._lock:
            use_schema = self._json_schema_supported
        if use_schema:
            try:
                completion = self._create(messages, response_format_for(schema))
            except (_sdk().BadRequestError, _sdk().UnprocessableEntityError):
                # Many compatible servers reject json_schema with 400/422; fall back to plain JSON mode once.
                completion = self._create(messages, {"type": "json_object"})
                with self._lock:
                    self._json_schema_supported = False
        else:
            completion = self._create(messages, {"type": "json_object"})
        return self._parse(completion, schema)

    def _create(self, messages: list[dict[str, str]], response_format: dict[str, Any]) -> Any:
        """One chat completion; ``openai`` errors become ``LLMError`` except the 400/422 the caller retries."""
        openai = _sdk()
        try:
            # the messages and response format are plain dicts of the documented shapes; openai types them as
            # TypedDict unions that a dict built from a pydantic schema cannot name
            return self._client.chat.completions.create(  # type: ignore[call-overload]
                model=self.model, messages=messages, response_format=response_format
            )
        except openai.APITimeoutError as exc:
            raise LLMError(
                f"LLM timeout after {self.timeout_seconds:g} s calling {self.model} at {self._shown_url}"
            ) from exc
        except openai.APIConnectionError as exc:
            raise LLMError(
                f"LLM connection error calling {self.model} at {self._shown_url}: {self._redact(str(exc))}"
            ) from exc
        except openai.APIStatusError as exc:
            if exc.status_code in (400, 422) and response_format.get("type") == "json_schema":
                raise
            raise LLMError(
                f"LLM HTTP {exc.status_code} from {self.model} at {self._shown_url}: {self._redact(_error_detail(exc))}"
            ) from exc
        except openai.OpenAIError as exc:
            raise LLMError(f"LLM call failed: {type(exc).__name__}: {self._redact(str(exc))}") from exc

    def _parse(self, completion: Any, schema: type[ModelT]) -> tuple[ModelT, LLMUsage]:
        choices = getattr(completion, "choices", None) or []
        if not choices:
            raise LLMError(f"LLM answer from {self.model} has no choices")
        message = choices[0].message
        if getattr(message, "refusal", None):
            raise LLMError(f"LLM refused to answer: {self._redact(_quote(message.refusal))}")
        if choices[0].finish_reason == "length":
            raise LLMError(f"LLM answer from {self.model} was cut off by the token limit; it cannot be complete JSON")
        try:
            parsed = parse_answer(message.content, schema)
        except LLMError as exc:
            raise LLMError(self._redact(str(exc))) from exc.__cause__
        usage = getattr(completion, "usage", None)
        return parsed, LLMUsage(
            model=getattr(completion, "model", None) or self.model,
            used=True,
            prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
            completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
        )

    def _redact(self, text: str) -> str:
        """``text`` without the API key (whole or its first characters) or anything shaped like an OpenAI key."""
        secret = self._key.get_secret_value()
        if secret:
            text = text.replace(secret, "***")
            if len(secret) >= 12:
                text = text.replace(secret[:8], "***")
        return _KEY_LIKE.sub(r"\1***", text)


def _error_detail(exc: openai.APIStatusError) -> str:
    """The server's error message (OpenAI's ``{"error": {"message": ...}}`` shape) or the start of its body."""
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, dict) else inner
        if message:
            return _quote(str(message))
    return _quote(str(exc.message))


Answer = BaseModel | str | dict[str, Any] | Exception | Callable[[str, str, type[BaseModel]], Any]


class FakeLLM:
    """In-memory ``LLMClient`` for tests: answers from a script, records every call.

    Each answer is a model instance, a JSON string (parsed with the same rules as a real answer), a dict,
    an exception to raise, or a callable ``(system, user, schema) -> any of those``. Answers are consumed in
    order; the last one repeats. ``answers_by_schema`` takes precedence for the schemas it names.
    """

    def __init__(
        self,
        answers: Iterable[Answer] = (),
        *,
        answers_by_schema: dict[type[BaseModel], Answer] | None = None,
        model: str = "fake-model",
        prompt_tokens: int = 100,
        completion_tokens: int = 20,
    ) -> None:
        self.model = model
        self._answers = list(answers)
        self._by_schema = dict(answers_by_schema or {})
        self._tokens = (prompt_tokens, completion_tokens)
        self._lock = threading.Lock()
        self.calls: list[tuple[str, str, type[BaseModel]]] = []

    def complete_json(self, system: str, user: str, schema: type[ModelT]) -> tuple[ModelT, LLMUsage]:
        """The next scripted answer for ``schema``; raises it when it is an exception."""
        with self._lock:
            self.calls.append((system, user, schema))
            if schema in self._by_schema:
                answer = self._by_schema[schema]
            elif self._answers:
                answer = self._answers.pop(0) if len(self._answers) > 1 else self._answers[0]
            else:
                raise LLMError(f"FakeLLM has no answer scripted for {schema.__name__}")
        if callable(answer) and not isinstance(answer, BaseModel | Exception):
            answer = answer(system, user, schema)
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, dict):
            answer = json.dumps(answer)
        parsed = parse_answer(answer, schema) if isinstance(answer, str) else schema.model_validate(answer.model_dump())
        prompt_tokens, completion_tokens = self._tokens
        return parsed, LLMUsage(
            model=self.model, used=True, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
        )
