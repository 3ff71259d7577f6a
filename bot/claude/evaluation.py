"""A golden set through the real production path with a real model (`eval FILE --model`).

Every question goes through `Core.handle` twice, each time on a throwaway database. The first pass records
the requests the core makes of its answerer (the same prompts, knowledge and history as in production; a
question the rules or the scope settle never reaches the model, as in production). They go to Anthropic as
one Message Batch (half price). The second pass hands the core each request's batch answer, so the
screening, the decision and the reply are exactly what a member would get from that model.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, TextIO

from bot.answering import AnswerRequest, AnswererRefused, AnswererUnavailable, ModelAnswer, OfflineAnswerer
from bot.claude.batch import BATCH_DISCOUNT, POLL_SECONDS, run_batch
from bot.claude.reading import read_final
from bot.claude.request import request_params
from bot.config import Settings
from bot.escalation import LogDesk
from bot.evaluation import read_lines
from bot.messages import IncomingMessage
from bot.safety import Screening, has_help_line, is_crisis_reply
from bot.safety.evaluation import EXPECTATIONS, SafetyResult, is_safety_file
from bot.states import Channel


class ModelEvalError(ValueError):
    """The file is malformed, or the evaluation could not run; the message says why."""


@dataclass(frozen=True)
class ModelResult:
    """One question as a member would have been answered with the model."""

    question: str
    pattern: int | None
    expected: list[str] | None  # a search file's ids (empty: nothing covers it); None for a safety file
    expect: str | None  # a safety file's kind
    sent: bool  # the core asked the model (the rules or the scope did not settle it first)
    escalated: bool
    escalation_reason: str | None
    source: str
    cited: list[str] = field(default_factory=list)
    confidence: float | None = None
    rules: dict[str, bool] = field(default_factory=dict)  # the code's screening (the rules and the safety model)
    model: dict[str, bool] | None = None  # the model's own reading (crisis, compliance, wants_human)
    failure: str | None = None  # why the model gave no answer (refusal, error, expired)
    cost_usd: float = 0.0
    crisis_reply: bool = False
    help_line: bool = False
    text: str = ""

    @property
    def right(self) -> bool:
        """Safety: handled as the kind expects. Search: an expected entry cited, or (nothing covers it)
        handed to staff instead of answered."""
        if self.expect is not None:
            return SafetyResult(self.question, self.expect, self.escalated, self.escalation_reason,
                                self.crisis_reply, self.help_line).right
        if self.expected:
            return bool(set(self.cited) & set(self.expected))
        return self.escalated


def read_items(path: Path) -> tuple[list[dict], bool]:
    """The file's items, and whether it is a safety file."""
    safety = is_safety_file(path)
    if safety:
        items = read_lines(path, error=ModelEvalError, valid=lambda i: i.get("expect") in EXPECTATIONS,
                           shape='{"question": str, "pattern": 1-4, "expect": kind}')
    else:
        items = read_lines(path, error=ModelEvalError, valid=lambda i: isinstance(i.get("expected", []), list),
                           shape='{"question": str, "pattern": int, "expected": [ids]}')
    return items, safety


def run_models(path: Path, settings: Settings, models: list[str], *, build: Callable[..., Any], client: Any,
               poll_seconds: float = POLL_SECONDS, out: TextIO | None = None) -> dict[str, list[ModelResult]]:
    """Each model's results on the file: one batch for all of them (custom ids m<k>-q<n>)."""
    items, _ = read_items(path)
    recorder = _Recorder()
    _through_core(items, settings, build, recorder)
    params = {f"m{k}-q{n}": request_params(req, model=model, effort=settings.claude_effort,
                                           max_tokens=settings.claude_max_tokens)
              for k, model in enumerate(models) for n, req in recorder.requests.items()}
    answers = run_batch(client, params, what=f"{len(items)} 問 × {len(models)} モデル: ", poll_seconds=poll_seconds,
                        out=out)
    found = {}
    for k, model in enumerate(models):
        replay = _Replay({n: answers.get(f"m{k}-q{n}", "missing") for n in recorder.requests}, model)
        found[model] = _through_core(items, settings, build, replay)
    return found


# ---- the two passes through the core ----------------------------------------------------------------

class _Recorder:
    """The first pass's answerer: it keeps each request and answers offline (that pass's replies are dropped)."""

    def __init__(self) -> None:
        self.current = 0
        self.requests: dict[int, AnswerRequest] = {}

    def answer(self, request: AnswerRequest) -> ModelAnswer:
        self.requests[self.current] = request
        return OfflineAnswerer().answer(request)


class _Replay:
    """The second pass's answerer: the batch's answer to the request the first pass recorded."""

    def __init__(self, answers: dict[int, Any], model: str) -> None:
        self.current = 0
        self.answers = answers
        self.model = model
        self.given: dict[int, ModelAnswer] = {}
        self.failures: dict[int, str] = {}

    def answer(self, request: AnswerRequest) -> ModelAnswer:
        answer = self.answers.get(self.current, "not sent")
        if isinstance(answer, str):
            self.failures[self.current] = answer
            raise AnswererUnavailable(answer)
        try:
            result = read_final(answer, request, model=self.model, discount=BATCH_DISCOUNT)
        except (AnswererRefused, AnswererUnavailable) as exc:
            self.failures[self.current] = str(exc)
            raise
        self.given[self.current] = result
        return result


def _through_core(items: list[dict], settings: Settings, build: Callable[..., Any],
                  answerer: _Recorder | _Replay) -> list[ModelResult]:
    with tempfile.TemporaryDirectory(prefix="bansou-model-eval-") as tmp:
        # No Slack, no budget: an evaluation must not post to the operators nor fall back for money.
        runtime = build(replace(settings, database_url=f"sqlite:///{tmp}/eval.db", slack_bot_token=None,
                                slack_signing_secret=None, monthly_budget_jpy=0), desk=LogDesk(), answerer=answerer)
        try:
            results = []
            for n, item in enumerate(items, 1):
                answerer.current = n
                reply = runtime.core.handle(IncomingMessage(channel=Channel.LOCAL, user_id=f"model-eval-{n}",
                                                            text=item["question"], pattern=item.get("pattern"),
                                                            cohort="staff"))
                results.append(_result(item, n, reply, answerer, runtime.core.screener.screen(item["question"])))
        finally:
            runtime.database.close()
    return results


def _result(item: dict, n: int, reply: Any, answerer: _Recorder | _Replay, rules: Screening) -> ModelResult:
    given = answerer.given.get(n) if isinstance(answerer, _Replay) else None
    failure = answerer.failures.get(n) if isinstance(answerer, _Replay) else None
    sent = n in answerer.requests if isinstance(answerer, _Recorder) else n in answerer.answers
    return ModelResult(
        question=item["question"], pattern=item.get("pattern"),
        expected=None if "expect" in item else list(item.get("expected") or []), expect=item.get("expect"),
        sent=sent, escalated=reply.escalated, escalation_reason=reply.escalation_reason, source=reply.source,
        cited=list(given.knowledge_ids) if given else [], confidence=given.confidence if given else None,
        rules={"crisis": rules.crisis, "compliance": rules.compliance, "wants_human": rules.wants_human},
        model={"crisis": given.safety.crisis, "compliance": given.safety.compliance,
               "wants_human": given.safety.wants_human} if given else None,
        failure=failure, cost_usd=given.usage.cost_usd if given else 0.0,
        crisis_reply=is_crisis_reply(reply.text), help_line=has_help_line(reply.text), text=reply.text)
