"""The Messages request an answer sends: persona and knowledge (cached), the conversation, the schema, the effort."""
from __future__ import annotations

from typing import Any

from bot.answering import HISTORY_TURNS, AnswerRequest
from bot.knowledge import Entry
from bot.patterns import system_prompt

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
        "wants_human": {"type": "boolean", "description": "質問者がスタッフ・牧野さんなど人との対応を求めているか"},
    },
    "required": ["answer", "confidence", "knowledge_ids", "needs_human", "urgency", "crisis", "compliance",
                 "wants_human"],
    "additionalProperties": False,
}


def request_params(request: AnswerRequest, *, model: str, effort: str, max_tokens: int) -> dict[str, Any]:
    """The keyword arguments of `messages.create` for one answer (a batch request's `params` too)."""
    number = request.pattern.number
    return {"model": model, "max_tokens": max_tokens, "system": build_system(number, request.scope),
            "messages": build_messages(request),
            # Effort sets how much the model thinks; thinking tokens count towards max_tokens.
            "output_config": {"effort": effort, "format": {"type": "json_schema", "schema": ANSWER_SCHEMA}}}


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
    before = (f"この方が以前に質問したテーマ: {request.asked_before}（関係があれば「前回の〇〇とも関係しますが」と"
              "触れてください）\n\n" if request.asked_before else "")
    messages.append({"role": "user",
                     "content": f"# 関連ナレッジ（検索結果）\n\n{related}\n\n{before}# ご質問\n\n{request.question}"})
    return messages


def voice_label(entry: Entry) -> str:
    """How the model is told whose words an entry is: only Makino's approved entries are his."""
    if entry.makinos_words:
        return f"（牧野の言葉・本人承認済み {entry.approved_on or ''}）".replace(" ）", "）")
    return "（塾の資料）" if entry.pattern == 4 else ""


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
