"""A Messages response read into the bot's structured answer (the live call and a batch's results alike)."""
from __future__ import annotations

import json
from typing import Any

from bot.answering import AnswerRequest, AnswererRefused, AnswererUnavailable, ModelAnswer, Usage
from bot.claude.prices import cost_usd
from bot.claude.request import ANSWER_SCHEMA
from bot.patterns import prompt_version
from bot.safety import Screening
from bot.states import Source, Urgency


def read_final(response: Any, request: AnswerRequest, *, model: str, latency_ms: int = 0,
               discount: float = 1.0) -> ModelAnswer:
    """The answer of a response that ended as it should; a refusal raises AnswererRefused, any other stop
    (max_tokens, a context window exceeded, ...) AnswererUnavailable."""
    if response.stop_reason == "refusal":
        details = getattr(response, "stop_details", None)
        raise AnswererRefused(f"refusal: {getattr(details, 'category', None) or ''} "
                              f"{getattr(details, 'explanation', None) or ''}".strip(), model=model,
                              usage=usage_of(model, response.usage, discount))
    if response.stop_reason not in ("end_turn", "stop_sequence"):
        raise AnswererUnavailable(f"Claude stopped with {response.stop_reason}")
    return read_answer(response, request, model=model, latency_ms=latency_ms, discount=discount)


def read_answer(response: Any, request: AnswerRequest, *, model: str, latency_ms: int = 0,
                discount: float = 1.0) -> ModelAnswer:
    """The answer in `response`; ids of knowledge the request did not hold are dropped. Raises
    AnswererUnavailable when the text is not the schema. `discount`: 0.5 for a batch."""
    data = _parse(response)
    usage = usage_of(model, response.usage, discount)
    known = {h.entry.id for h in request.hits} | {e.id for e in request.scope}
    return ModelAnswer(
        text=str(data["answer"]).strip(),
        confidence=min(1.0, max(0.0, float(data["confidence"]))),
        knowledge_ids=tuple(i for i in data["knowledge_ids"] if i in known),
        needs_human=bool(data["needs_human"]),
        urgency=data["urgency"] if data["urgency"] in tuple(Urgency) else Urgency.NORMAL,
        source=Source.AI, model=model, prompt_version=prompt_version(request.pattern.number), usage=usage,
        latency_ms=latency_ms, safety=Screening(crisis=bool(data["crisis"]), compliance=bool(data["compliance"]),
                                                wants_human=bool(data["wants_human"])))


def usage_of(model: str, raw: Any, discount: float = 1.0) -> Usage:
    """The response's tokens and what they cost."""
    usage = Usage(
        input_tokens=raw.input_tokens or 0,
        output_tokens=raw.output_tokens or 0,
        cache_write_tokens=getattr(raw, "cache_creation_input_tokens", None) or 0,
        cache_read_tokens=getattr(raw, "cache_read_input_tokens", None) or 0,
    )
    return Usage(**{**usage.__dict__, "cost_usd": round(cost_usd(model, usage) * discount, 8)})


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
