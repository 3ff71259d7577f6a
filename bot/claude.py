"""The Claude answerer: one Messages call per question with a structured (JSON schema) answer."""
from __future__ import annotations

import json
import logging
import time
from typing import Any

import anthropic

from bot.answering import HISTORY_TURNS, AnswerRequest, AnswererRejected, AnswererUnavailable, ModelAnswer, Usage
from bot.knowledge import Entry
from bot.patterns import prompt_version, system_prompt
from bot.safety import Screening
from bot.states import Source, Urgency

log = logging.getLogger(__name__)

MAX_OUTPUT_TOKENS = 1024
SCOPE_CHAR_BUDGET = 60_000  # the cached knowledge prefix; more than this arrives as search hits only

ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "answer": {"type": "string", "description": "ユーザーへの回答本文"},
        "confidence": {"type": "number", "description": "0〜1 の確信度"},
        "knowledge_ids": {"type": "array", "items": {"type": "string"}, "description": "使ったナレッジの id"},
        "needs_human": {"type": "boolean", "description": "スタッフの確認が必要か"},
        "urgency": {"type": "string", "enum": ["low", "normal", "high"]},
        "crisis": {"type": "boolean", "description": "質問者本人に死にたい・自分を傷つけたい等の危機の兆候があるか"},
        "compliance": {"type": "boolean", "description": "お客様を欺く・保険業法に触れる意図がある依頼か"},
        "wants_human": {"type": "boolean", "description": "質問者がスタッフ・牧野氏など人との対応を求めているか"},
    },
    "required": ["answer", "confidence", "knowledge_ids", "needs_human", "urgency", "crisis", "compliance",
                 "wants_human"],
    "additionalProperties": False,
}

# USD per million tokens: input, output, cache write (5 min), cache read. Prompts under 100k tokens.
PRICES_USD_PER_MTOK: dict[str, tuple[float, float, float, float]] = {
    "claude-haiku-5-5": (0.10, 0.50, 0.125, 0.01),
    "claude-sonnet-5-5": (2.00, 10.00, 2.50, 0.10),
    "claude-haiku-4-5": (1.00, 5.00, 1.25, 0.10),
    "claude-sonnet-4-6": (3.00, 15.00, 3.75, 0.30),
}
FALLBACK_PRICE = PRICES_USD_PER_MTOK["claude-sonnet-5-5"]  # unknown model: assume the dearer tier


def cost_usd(model: str, usage: Usage) -> float:
    """What `usage` costs on `model`, from the price table."""
    price_in, price_out, price_write, price_read = PRICES_USD_PER_MTOK.get(model, FALLBACK_PRICE)
    total = (usage.input_tokens * price_in + usage.output_tokens * price_out
             + usage.cache_write_tokens * price_write + usage.cache_read_tokens * price_read)
    return round(total / 1_000_000, 8)


class ClaudeAnswerer:
    """Answers with Claude; the SDK retries overloads and timeouts, then we give up cleanly."""

    def __init__(self, *, api_key: str, models: dict[int, str] | Any, timeout: float = 30.0,
                 max_retries: int = 2) -> None:
        self._client = anthropic.Anthropic(api_key=api_key, timeout=timeout, max_retries=max_retries)
        self._model_for = models

    def answer(self, request: AnswerRequest) -> ModelAnswer:
        number = request.pattern.number
        model = self._model_for(number)
        started = time.monotonic()
        try:
            response = self._client.messages.create(
                model=model,
                max_tokens=MAX_OUTPUT_TOKENS,
                system=build_system(number, request.scope),
                messages=build_messages(request),
                output_config={"format": {"type": "json_schema", "schema": ANSWER_SCHEMA}},
            )
        except (anthropic.AuthenticationError, anthropic.PermissionDeniedError) as exc:
            log.error("Claude refused the API key: %s", exc)
            raise AnswererRejected(str(exc)) from exc
        except anthropic.APIError as exc:
            log.warning("Claude failed for good: %s", exc)
            raise AnswererUnavailable(str(exc)) from exc
        latency_ms = int((time.monotonic() - started) * 1000)
        data = _parse(response)
        usage = _usage(model, response.usage)
        known = {h.entry.id for h in request.hits} | {e.id for e in request.scope}
        return ModelAnswer(
            text=str(data["answer"]).strip(),
            confidence=min(1.0, max(0.0, float(data["confidence"]))),
            knowledge_ids=tuple(i for i in data["knowledge_ids"] if i in known),
            needs_human=bool(data["needs_human"]),
            urgency=data["urgency"] if data["urgency"] in tuple(Urgency) else Urgency.NORMAL,
            source=Source.AI, model=model, prompt_version=prompt_version(number), usage=usage,
            latency_ms=latency_ms, safety=Screening(crisis=bool(data["crisis"]), compliance=bool(data["compliance"]),
                                                    wants_human=bool(data["wants_human"])))


def build_system(number: int, scope: list[Entry]) -> list[dict[str, Any]]:
    """Persona, then the Pattern's knowledge: a stable prefix, cached as one block."""
    return [
        {"type": "text", "text": system_prompt(number)},
        {"type": "text", "text": "# ナレッジ一覧\n\n" + _knowledge_text(scope, SCOPE_CHAR_BUDGET),
         "cache_control": {"type": "ephemeral"}},
    ]


def build_messages(request: AnswerRequest) -> list[dict[str, Any]]:
    """Recent turns of the conversation, then the question with the best-matching knowledge."""
    messages: list[dict[str, Any]] = []
    for turn in request.history[-HISTORY_TURNS:]:
        messages.append({"role": "user", "content": turn.question})
        messages.append({"role": "assistant", "content": turn.answer})
    related = _knowledge_text([h.entry for h in request.hits], SCOPE_CHAR_BUDGET) or "（該当するナレッジはありません）"
    messages.append({"role": "user", "content": f"# 関連ナレッジ（検索結果）\n\n{related}\n\n# ご質問\n\n{request.question}"})
    return messages


def _knowledge_text(entries: list[Entry], budget: int) -> str:
    parts: list[str] = []
    used = 0
    for entry in entries:
        block = f"[{entry.id}]{voice_label(entry)} Q: {entry.question}\nA: {entry.body}"
        if used + len(block) > budget:
            break
        parts.append(block)
        used += len(block)
    return "\n\n".join(parts)


def voice_label(entry: Entry) -> str:
    """How the model is told whose words an entry is: only Makino's approved entries are his."""
    if entry.makinos_words:
        return f"（牧野の言葉・本人承認済み {entry.approved_on or ''}）".replace(" ）", "）")
    return "（塾の資料）" if entry.pattern == 4 else ""


def _parse(response: Any) -> dict[str, Any]:
    text = "".join(block.text for block in response.content if getattr(block, "type", "") == "text")
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or not all(k in data for k in ANSWER_SCHEMA["required"]):
            raise ValueError("missing fields")
        float(data["confidence"])
        return data
    except (ValueError, TypeError) as exc:
        raise AnswererUnavailable(f"Claude returned an answer that is not the schema: {text[:200]!r}") from exc


def _usage(model: str, raw: Any) -> Usage:
    usage = Usage(
        input_tokens=raw.input_tokens or 0,
        output_tokens=raw.output_tokens or 0,
        cache_write_tokens=getattr(raw, "cache_creation_input_tokens", None) or 0,
        cache_read_tokens=getattr(raw, "cache_read_input_tokens", None) or 0,
    )
    return Usage(**{**usage.__dict__, "cost_usd": cost_usd(model, usage)})
