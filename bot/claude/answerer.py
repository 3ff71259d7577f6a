"""The Claude answerer: one Messages call per question, every attempt inside the answer's deadline."""
from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any, Callable

import anthropic

from bot.answering import AnswerRequest, AnswererRejected, AnswererUnavailable, ModelAnswer
from bot.claude.pool import ClaudePool, NoSlot
from bot.claude.reading import read_final, usage_of
from bot.claude.request import request_params

log = logging.getLogger(__name__)

RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0)  # before the 2nd, 3rd, ... attempt (cut short by the deadline)
RETRYABLE_STATUS = (408, 409)  # and every 5xx (529 is "overloaded"); a 429 slows the pool instead
DEFAULT_RETRY_AFTER = 1.0  # a 429 without a retry-after header
MIN_ATTEMPT_SECONDS = 0.2  # less time than this left: do not start another attempt
MAX_TOKENS_CEILING = 64_000


class ClaudeAnswerer:
    """Answers with Claude. Transient failures are retried while the deadline allows; a 429 pauses the shared
    pool and the answer waits its turn again; a refusal goes to a person; an answer cut off at max_tokens is
    asked once more with twice the room."""

    def __init__(self, *, api_key: str, models: Callable[[int], str], effort: str = "low", max_tokens: int = 8000,
                 timeout: float = 30.0, max_retries: int = 2, pool: ClaudePool | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._client = anthropic.Anthropic(api_key=api_key, timeout=timeout, max_retries=0)  # we retry: deadline
        self.pool = pool or ClaudePool(limit=3)
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
        response = self._create(request_params(request, model=model, effort=self.effort, max_tokens=room), deadline,
                                request.sent_at)
        cut_off = None
        if response.stop_reason == "max_tokens":
            cut_off = usage_of(model, response.usage)  # billed too: the budget must see it
            room = min(room * 2, MAX_TOKENS_CEILING)
            log.warning("answer cut off at max_tokens=%d (thinking + answer); asking once more with %d",
                        self.max_tokens, room)
            response = self._create(request_params(request, model=model, effort=self.effort, max_tokens=room),
                                    deadline, request.sent_at)
        if response.stop_reason == "refusal":
            log.warning("Claude declined the question (%s)", getattr(response, "stop_details", None))
        answer = read_final(response, request, model=model, latency_ms=int((time.monotonic() - started) * 1000))
        return replace(answer, usage=answer.usage + cut_off) if cut_off else answer

    def _create(self, params: dict[str, Any], deadline: float, sent_at: float | None = None) -> Any:
        """One answer's attempts, each in a slot of the pool: transient failures retried with backoff, 429s
        waited out by the pool (they spend no retry), none started past the deadline."""
        last: Exception | None = None
        failures = 0
        while deadline - time.time() >= MIN_ATTEMPT_SECONDS:
            try:
                with self.pool.slot(deadline - MIN_ATTEMPT_SECONDS, sent_at):  # with time left to use it
                    return self._client.messages.create(**params, timeout=min(self._timeout, deadline - time.time()))
            except NoSlot as exc:
                raise AnswererUnavailable(str(exc)) from exc
            except anthropic.RateLimitError as exc:
                self.pool.throttled(retry_after(exc))
                last = exc
                continue
            except (anthropic.AuthenticationError, anthropic.PermissionDeniedError) as exc:
                log.error("Claude refused the API key: %s", exc)
                raise AnswererRejected(str(exc)) from exc
            except anthropic.APIStatusError as exc:
                if exc.status_code not in RETRYABLE_STATUS and exc.status_code < 500:
                    raise AnswererUnavailable(str(exc)) from exc
                last = exc
            except anthropic.APIConnectionError as exc:  # no route, refused, reset, timed out
                last = exc
            delay = RETRY_DELAYS[min(failures, len(RETRY_DELAYS) - 1)]
            failures += 1
            if failures > self._max_retries or time.time() + delay + MIN_ATTEMPT_SECONDS >= deadline:
                break
            log.info("Claude attempt %d failed (%s); again in %.1f s", failures, last, delay)
            self._sleep(delay)
        why = f"{type(last).__name__}: {last}" if last else "回答の締め切り時間を過ぎました"
        # "Claude failed" stays: the operators' documents grep for it; the rest is said in their words.
        log.warning("Claude failed for good（再試行しても Claude から回答を得られませんでした）: %s", why)
        raise AnswererUnavailable(why)


def retry_after(exc: anthropic.APIStatusError) -> float:
    """Seconds Anthropic asks us to wait (retry-after-ms, then retry-after), else a second."""
    headers = exc.response.headers
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        try:
            return max(0.0, float(headers.get(name, "")) / scale)
        except ValueError:
            continue
    return DEFAULT_RETRY_AFTER
