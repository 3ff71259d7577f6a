"""What an answerer is given and returns, and the offline answerer (knowledge only)."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Protocol

from bot import coverage
from bot.knowledge import Entry
from bot.patterns import Pattern, prompt_version
from bot.safety import Screening
from bot.search import Hit, facts
from bot.search.sentences import passages
from bot.states import Source, Urgency
from bot.texts import notices

HISTORY_TURNS = 3  # earlier turns of a conversation the answerer sees
# (e5-small: a rewording 0.97-0.99, another ask of the same topic, 提出期限 against とは, 0.96)
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
    deadline: float | None = None  # epoch seconds by which the answer (every attempt, any wait) must be in
    asked_before: str = ""  # the themes this member asked before (bot/member_themes.py), "" for none
    sent_at: float | None = None  # epoch seconds the member sent it: the model's slots go to the oldest first


@dataclass(frozen=True)
class Usage:
    """Tokens and money one answer cost."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    cost_usd: float = 0.0

    def __add__(self, other: Usage) -> Usage:
        return Usage(*(getattr(self, f) + getattr(other, f) for f in
                       ("input_tokens", "output_tokens", "cache_write_tokens", "cache_read_tokens", "cost_usd")))


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


class AnswererRefused(RuntimeError):
    """The model declined this question (stop_reason "refusal"): a person looks; Claude itself is working.
    The tokens used up to the refusal are billed: `usage` and `model` say so."""

    def __init__(self, message: str, *, model: str = "", usage: Usage = Usage()) -> None:
        super().__init__(message)
        self.model = model
        self.usage = usage


class AnswererStatus:
    """Whether Claude is answering. A refused key degrades at once; any other failure (no connection,
    overload, timeout) once it has lasted `degrade_after` seconds with no success between. Operators hear
    when it degrades, at most once an hour per kind; the next success makes it healthy again."""

    ALERT_INTERVAL_SECONDS = 3600.0

    def __init__(self, *, alert: Callable[[str], None], clock: Callable[[], float] = time.monotonic,
                 degrade_after: float = 60.0) -> None:
        self._alert = alert
        self._clock = clock
        self._degrade_after = degrade_after
        self._lock = threading.Lock()
        self._last_alert: dict[str, float] = {}
        self._failing_since: float | None = None
        self._failure: tuple[str, str] | None = None  # kind, the reason shown

    @property
    def degraded_reason(self) -> str | None:
        """Why /healthz says degraded; None while Claude answers (or has failed for less than a minute)."""
        with self._lock:
            return self._degraded(self._clock())

    def failed(self, exc: AnswererUnavailable) -> None:
        """Claude failed for good: remember since when; say so (once an hour) when it counts as degraded."""
        rejected = isinstance(exc, AnswererRejected)
        kind = "rejected" if rejected else "unavailable"
        reason = ("Claude API キーが拒否されました（認証エラー）。キーを確認してください。" if rejected else
                  "Claude API から回答を得られません（接続できない・過負荷・タイムアウトなど）。")
        with self._lock:
            now = self._clock()
            if self._failing_since is None:
                self._failing_since = now
            self._failure = (kind, reason)
            degraded = self._degraded(now) is not None
            last = self._last_alert.get(kind)
            due = degraded and (last is None or now - last >= self.ALERT_INTERVAL_SECONDS)
            if due:
                self._last_alert[kind] = now
        if due:
            self._alert(f"{reason}ナレッジで答えられる質問はオフライン回答で対応し、それ以外はエスカレーションします。"
                        f"（{str(exc)[:200]}）")

    def answered(self) -> None:
        """Claude answered: healthy again."""
        with self._lock:
            self._failing_since = None
            self._failure = None

    def _degraded(self, now: float) -> str | None:
        if self._failure is None or self._failing_since is None:
            return None
        kind, reason = self._failure
        if kind == "rejected" or now - self._failing_since >= self._degrade_after:
            return reason
        return None


class Answerer(Protocol):
    def answer(self, request: AnswerRequest) -> ModelAnswer: ...


class OfflineAnswerer:
    """Answers from the knowledge base alone: the best entry when it clearly covers the question."""

    def answer(self, request: AnswerRequest) -> ModelAnswer:
        best = request.hits[0] if request.hits else None
        version = prompt_version(request.pattern.number)
        # A rule beside the model: an entry whose answer, as it would be quoted, lacks the kind of fact asked
        # (a date where it gives an amount) is not the answer, however close its topic (bot/search/facts.py).
        # The quoted span, not the closest passage alone: the amount is often the sentence after the one that
        # names the topic. Not when it is asked as the entry itself is (its question, a phrasing staff taught).
        lacks_fact = (best is not None and best.asked_as < coverage.ASKED_AS
                      and facts.missing(request.question, _quoted(best)))
        if best is None or not best.answers or lacks_fact:
            return ModelAnswer(
                text=notices.NO_KNOWLEDGE,
                confidence=round(best.confidence if best else 0.0, 2), knowledge_ids=(), needs_human=True,
                urgency=Urgency.NORMAL, source=Source.OFFLINE, model="offline", prompt_version=version)
        # The coverage model's calibrated probability that this entry answers the question.
        confidence = round(best.confidence, 2)
        text = f"{_voice(best.entry)}{_quoted(best)}\n\n（参考ナレッジ：{best.entry.question}）"
        return ModelAnswer(text=text, confidence=confidence, knowledge_ids=(best.entry.id,), needs_human=False,
                           urgency=Urgency.NORMAL, source=Source.OFFLINE, model="offline", prompt_version=version)


def _voice(entry: Entry) -> str:
    # Pattern 4 is the academy's AI: Makino's words are quoted as his, and only once he approved them.
    if entry.makinos_words:
        return "牧野先生がご自身の言葉として確認された考え方をお届けします（AI がお送りしています）。\n\n"
    return ""


def _quoted(hit: Hit) -> str:
    """The entry's body; of a long one, the passage closest to the question and the one after it (what it
    leads to), so a member on LINE reads the answer and not a page."""
    body = hit.entry.body.strip()
    parts = passages(body)
    if len(body) <= LONG_ENTRY or hit.passage not in parts:
        return body
    at = parts.index(hit.passage)
    return "".join(parts[at:at + 2])
