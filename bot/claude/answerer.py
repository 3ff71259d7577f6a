"""The Claude answerer: one Messages call per question, every attempt inside the answer's deadline."""
from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any, Callable

import anthropic

from bot.answering import AnswerRequest, AnswererRejected, AnswererUnavailable, ModelAnswer
from bot.claude.reading import read_final, usage_of
from bot.claude.request import request_params

log = logging.getLogger(__name__)

RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0)  # before the 2nd, 3rd, ... attempt (cut short by the deadline)
RETRYABLE_STATUS = (408, 409, 429)  # and every 5xx (529 is "overloaded")
MIN_ATTEMPT_SECONDS = 0.2  # less time than this left: do not start another attempt
MAX_TOKENS_CEILING = 64_000


class ClaudeAnswerer:
    """Answers with Claude. Transient failures are retried while the deadline allows; a refusal goes to a
    person; an answer cut off at max_tokens is asked once more with twice the room."""

    def __init__(self, *, api_key: str, models: Callable[[int], str], effort: str = "low", max_tokens: int = 8000,
                 timeout: float = 30.0, max_retries: int = 2, sleep: Callable[[float], None] = time.sleep) -> None:
        self._client = anthropic.Anthropic(api_key=api_key, timeout=timeout, max_retries=0)  # we retry: deadline
        self._model_for = models
        self.effort = effort
        self.max_tokens = max_tokens
        self._timeout = timeout
        self._max_retries = max_retries
        self._sleep = sleep

    def answer(self, request: AnswerRequest) -> ModelAnswer:
        model = self._model_for(request.pattern.number)
        deadline = request.deadline or time.time() + self._timeout * (self._max_retries + 1)
        started = time.monotonic()
        room = self.max_tokens
        response = self._create(request_params(request, model=model, effort=self.effort, max_tokens=room), deadline)
        cut_off = None
        if response.stop_reason == "max_tokens":
            cut_off = usage_of(model, response.usage)  # billed too: the budget must see it
            room = min(room * 2, MAX_TOKENS_CEILING)
            log.warning("answer cut off at max_tokens=%d (thinking + answer); asking once more with %d",
                        self.max_tokens, room)
            response = self._create(request_params(request, model=model, effort=self.effort, max_tokens=room),
                                    deadline)
        if response.stop_reason == "refusal":
            log.warning("Claude declined the question (%s)", getattr(response, "stop_details", None))
        answer = read_final(response, request, model=model, latency_ms=int((time.monotonic() - started) * 1000))
        return replace(answer, usage=answer.usage + cut_off) if cut_off else answer

    def _create(self, params: dict[str, Any], deadline: float) -> Any:
        """One answer's attempts: transient failures retried with backoff, none started past the deadline."""
        last: Exception | None = None
        for attempt in range(self._max_retries + 1):
            remaining = deadline - time.time()
            if remaining < MIN_ATTEMPT_SECONDS:
                break
            try:
                return self._client.messages.create(**params, timeout=min(self._timeout, remaining))
            except (anthropic.AuthenticationError, anthropic.PermissionDeniedError) as exc:
                log.error("Claude refused the API key: %s", exc)
                raise AnswererRejected(str(exc)) from exc
            except anthropic.APIStatusError as exc:
                if exc.status_code not in RETRYABLE_STATUS and exc.status_code < 500:
                    raise AnswererUnavailable(str(exc)) from exc
                last = exc
            except anthropic.APIConnectionError as exc:  # no route, refused, reset, timed out
                last = exc
            delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)]
            if attempt == self._max_retries or time.time() + delay + MIN_ATTEMPT_SECONDS >= deadline:
                break
            log.info("Claude attempt %d failed (%s); again in %.1f s", attempt + 1, last, delay)
            self._sleep(delay)
        why = f"{type(last).__name__}: {last}" if last else "the answer's deadline passed"
        log.warning("Claude failed for good: %s", why)
        raise AnswererUnavailable(why)
