"""What an answerer is given and returns, and the offline answerer (knowledge only)."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Protocol

from bot.knowledge import Entry
from bot.patterns import Pattern, prompt_version
from bot.safety import Screening
from bot.search import Hit, facts
from bot.search.sentences import passages
from bot.states import Source, Urgency

HISTORY_TURNS = 3  # earlier turns of a conversation the answerer sees
ASKED_AS = 0.95  # the cosine from which a question is the entry's own question or phrasing, reworded at most
LONG_ENTRY = 400  # characters: of a longer body the offline answer quotes the passages that answer


@dataclass(frozen=True)
class Turn:
    """An earlier exchange in the same conversation."""

    question: str
    answer: str


@dataclass(frozen=True)
class AnswerRequest:
    """Everything an answerer needs for one question."""

    pattern: Pattern
    question: str
    hits: list[Hit]
    scope: list[Entry] = field(default_factory=list)  # the Pattern's whole knowledge, for the cached prefix
    history: list[Turn] = field(default_factory=list)


@dataclass(frozen=True)
class Usage:
    """Tokens and money one answer cost."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    cost_usd: float = 0.0


@dataclass(frozen=True)
class ModelAnswer:
    """A structured answer, from Claude or from the offline answerer."""

    text: str
    confidence: float
    knowledge_ids: tuple[str, ...]
    needs_human: bool
    urgency: str  # low | normal | high
    source: str  # ai | offline
    model: str = ""
    prompt_version: str = ""
    usage: Usage = Usage()
    latency_ms: int = 0
    safety: Screening = Screening()  # the model's own reading: crisis, compliance, wants a person


class AnswererUnavailable(RuntimeError):
    """The answerer failed for good (after its own retries)."""


class AnswererRejected(AnswererUnavailable):
    """The answerer refused our credentials (401/403): nothing works until someone fixes the key."""


class AnswererStatus:
    """Whether Claude is answering; failures alert the operators at most once an hour per kind."""

    ALERT_INTERVAL_SECONDS = 3600.0

    def __init__(self, *, alert: Callable[[str], None], clock: Callable[[], float] = time.monotonic) -> None:
        self._alert = alert
        self._clock = clock
        self._lock = threading.Lock()
        self._last_alert: dict[str, float] = {}
        self.degraded_reason: str | None = None

    def failed(self, exc: AnswererUnavailable) -> None:
        """Claude failed for good: say why on /healthz and tell the operators (once an hour)."""
        rejected = isinstance(exc, AnswererRejected)
        kind = "rejected" if rejected else "unavailable"
        reason = ("Claude API キーが拒否されました（認証エラー）。キーを確認してください。" if rejected else
                  "Claude API から回答を得られません（過負荷・タイムアウトなど）。")
        with self._lock:
            self.degraded_reason = reason
            last = self._last_alert.get(kind)
            due = last is None or self._clock() - last >= self.ALERT_INTERVAL_SECONDS
            if due:
                self._last_alert[kind] = self._clock()
        if due:
            self._alert(f"{reason}ナレッジで答えられる質問はオフライン回答で対応し、それ以外はエスカレーションします。"
                        f"（{str(exc)[:200]}）")

    def answered(self) -> None:
        """Claude answered: healthy again."""
        self.degraded_reason = None


class Answerer(Protocol):
    def answer(self, request: AnswerRequest) -> ModelAnswer: ...


class OfflineAnswerer:
    """Answers from the knowledge base alone: the best entry when it clearly covers the question."""

    def answer(self, request: AnswerRequest) -> ModelAnswer:
        best = request.hits[0] if request.hits else None
        version = prompt_version(request.pattern.number)
        # A rule beside the model: an entry whose closest passage lacks the kind of fact asked (a date where
        # it gives an amount) is not the answer, however close its topic (bot/search/facts.py).
        # Not when it is asked as the entry itself is (its question, a phrasing staff taught): staff said it answers.
        lacks_fact = best is not None and best.asked_as < ASKED_AS and facts.missing(request.question, best.passage)
        if best is None or not best.answers or lacks_fact:
            return ModelAnswer(
                text="申し訳ありません。このご質問にお答えできる情報が、まだナレッジにありません。"
                     "担当スタッフに確認して、改めてご連絡します。",
                confidence=round(best.confidence if best else 0.0, 2), knowledge_ids=(), needs_human=True,
                urgency=Urgency.NORMAL, source=Source.OFFLINE, model="offline", prompt_version=version)
        # The coverage model's calibrated probability that this entry answers the question.
        confidence = round(best.confidence, 2)
        text = f"{_quoted(best)}\n\n（参考ナレッジ：{best.entry.question}）"
        return ModelAnswer(text=text, confidence=confidence, knowledge_ids=(best.entry.id,), needs_human=False,
                           urgency=Urgency.NORMAL, source=Source.OFFLINE, model="offline", prompt_version=version)


def _quoted(hit: Hit) -> str:
    """The entry's body; of a long one, the passage closest to the question and the one after it (what it
    leads to), so a member on LINE reads the answer and not a page."""
    body = hit.entry.body.strip()
    parts = passages(body)
    if len(body) <= LONG_ENTRY or hit.passage not in parts:
        return body
    at = parts.index(hit.passage)
    return "".join(parts[at:at + 2])
