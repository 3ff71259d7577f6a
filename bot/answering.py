"""What an answerer is given and returns, and the offline answerer (knowledge only)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from bot.knowledge import Entry
from bot.patterns import Pattern, prompt_version
from bot.search import Hit


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


class AnswererUnavailable(RuntimeError):
    """The answerer failed for good (after its own retries)."""


class Answerer(Protocol):
    def answer(self, request: AnswerRequest) -> ModelAnswer: ...


class OfflineAnswerer:
    """Answers from the knowledge base alone: the best entry when it clearly covers the question."""

    def answer(self, request: AnswerRequest) -> ModelAnswer:
        best = request.hits[0] if request.hits else None
        version = prompt_version(request.pattern.number)
        if best is None or not best.answers:
            return ModelAnswer(
                text="申し訳ありません。このご質問にお答えできる情報が、まだナレッジにありません。"
                     "担当スタッフに確認して、改めてご連絡します。",
                confidence=round(best.confidence if best else 0.0, 2), knowledge_ids=(), needs_human=True,
                urgency="normal", source="offline", model="offline", prompt_version=version)
        # The coverage model's calibrated probability that this entry answers the question.
        confidence = round(best.confidence, 2)
        text = f"{best.entry.body}\n\n（参考ナレッジ：{best.entry.question}）"
        return ModelAnswer(text=text, confidence=confidence, knowledge_ids=(best.entry.id,), needs_human=False,
                           urgency="normal", source="offline", model="offline", prompt_version=version)
