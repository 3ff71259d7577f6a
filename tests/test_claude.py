"""Claude through the real anthropic SDK against a fake Messages API on 127.0.0.1."""
from __future__ import annotations

import json
import time
from dataclasses import replace

import pytest

from bot.claude import ANSWER_SCHEMA, cost_usd
from bot.answering import Usage
from bot.models import Answer, Escalation, Question
from bot.safety import has_help_line, is_crisis_reply
from app import build_runtime
from conftest import Chat

MESSAGES = "/v1/messages"


def message(answer: str = "非課税枠は 500万円×法定相続人の数です。", confidence: float = 0.9,
            ids=("t1-0001",), needs_human: bool = False, urgency: str = "normal", usage=None,
            crisis: bool = False, compliance: bool = False, wants_human: bool = False) -> dict:
    body = {"answer": answer, "confidence": confidence, "knowledge_ids": list(ids), "needs_human": needs_human,
            "urgency": urgency, "crisis": crisis, "compliance": compliance, "wants_human": wants_human}
    return {"id": "msg_test", "type": "message", "role": "assistant", "model": "claude-haiku-5-5",
            "content": [{"type": "text", "text": json.dumps(body, ensure_ascii=False)}],
            "stop_reason": "end_turn", "stop_sequence": None,
            "usage": usage or {"input_tokens": 120, "output_tokens": 60, "cache_creation_input_tokens": 2000,
                               "cache_read_input_tokens": 0}}


UNCOVERED = "次回の勉強会はいつ開催されますか？"  # no knowledge entry answers it
OVERLOADED = (529, {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})


@pytest.fixture
def claude_runtime(settings, desk, fake_anthropic):
    rt = build_runtime(replace(settings, anthropic_api_key="test-key", claude_max_retries=2,
                               claude_timeout_seconds=2.0), desk=desk)
    yield rt
    rt.database.close()


def test_structured_answer_is_requested_with_schema_cache_and_knowledge(claude_runtime, fake_anthropic):
    fake_anthropic.route("POST", MESSAGES, (200, message()))
    reply = Chat(claude_runtime).say("死亡保険金の非課税枠は？", pattern=1)
    assert reply.kind == "answer" and reply.source == "ai" and reply.confidence == 0.9
    assert reply.knowledge_ids == ("t1-0001",)
    sent = fake_anthropic.calls_to(MESSAGES)[0]
    body = sent.json
    assert "test-key" in sent.headers.get("x-api-key", "") + sent.headers.get("authorization", "")
    assert body["model"] == "claude-haiku-5-5"
    assert body["output_config"]["format"] == {"type": "json_schema", "schema": ANSWER_SCHEMA}
    assert "temperature" not in body and "tool_choice" not in body
    assert body["system"][-1]["cache_control"] == {"type": "ephemeral"}
    assert "[t1-0001]" in body["system"][-1]["text"]  # the Pattern's knowledge is in the cached prefix
    assert "[t2-0001]" not in body["system"][-1]["text"]  # ...and only that Pattern's
    assert "死亡保険金の非課税枠は？" in body["messages"][-1]["content"]
    stored = Answer.get_by_id(reply.answer_id)
    assert (stored.input_tokens, stored.output_tokens, stored.cache_write_tokens) == (120, 60, 2000)
    assert stored.cost_usd == pytest.approx(cost_usd("claude-haiku-5-5", Usage(120, 60, 2000, 0)))
    assert stored.prompt_version.startswith("p1-") and stored.model == "claude-haiku-5-5"


def test_the_second_question_reads_the_prefix_from_cache(claude_runtime, fake_anthropic):
    fake_anthropic.route("POST", MESSAGES, (200, message()))
    chat = Chat(claude_runtime)
    chat.say("死亡保険金の非課税枠は？", pattern=1)
    chat.say("保険金の相続税の非課税はいくら？", pattern=1)
    first, second = (c.json for c in fake_anthropic.calls_to(MESSAGES))
    assert first["system"] == second["system"]  # byte-identical prefix: the cache can hit


def test_overloaded_then_success_is_retried(claude_runtime, fake_anthropic):
    fake_anthropic.sequence("POST", MESSAGES, OVERLOADED, (200, message()))
    reply = Chat(claude_runtime).say("死亡保険金の非課税枠は？", pattern=1)
    assert reply.kind == "answer"
    assert len(fake_anthropic.calls_to(MESSAGES)) == 2


def test_permanent_failure_apologises_and_escalates_api_error(claude_runtime, fake_anthropic, desk):
    fake_anthropic.route("POST", MESSAGES, OVERLOADED)
    reply = Chat(claude_runtime).say(UNCOVERED, pattern=1)  # covered questions fall back to knowledge
    assert reply.kind == "escalated" and "申し訳" in reply.text
    assert Escalation.get_by_id(reply.escalation_id).reason == "api_error"
    assert len(fake_anthropic.calls_to(MESSAGES)) == 3  # first try + 2 retries
    assert Question.get_by_id(reply.question_id).text == UNCOVERED


def test_timeout_is_bounded_and_escalated(settings, desk, fake_anthropic):
    def slow(_call):
        time.sleep(1.5)
        return 200, message()
    fake_anthropic.route("POST", MESSAGES, slow)
    rt = build_runtime(replace(settings, anthropic_api_key="k", claude_max_retries=0, claude_timeout_seconds=0.3),
                       desk=desk)
    rt.core.screener.load()  # start-up work (the worker's), not the answer's time
    started = time.monotonic()
    reply = Chat(rt).say(UNCOVERED, pattern=1)
    assert time.monotonic() - started < 1.4
    assert Escalation.get_by_id(reply.escalation_id).reason == "api_error"


def test_low_confidence_goes_to_staff_with_the_draft(claude_runtime, fake_anthropic, desk):
    fake_anthropic.route("POST", MESSAGES, (200, message(answer="たぶん 8日です", confidence=0.3, ids=("t1-0002",))))
    reply = Chat(claude_runtime).say("クーリング・オフはいつまで？", pattern=1)
    assert reply.escalated and "たぶん" not in reply.text
    assert Escalation.get_by_id(reply.escalation_id).reason == "low_confidence"
    assert desk.posted[-1].draft == "たぶん 8日です" and desk.posted[-1].confidence == 0.3


def test_model_flags_crisis_on_pattern_4(claude_runtime, fake_anthropic):
    fake_anthropic.route("POST", MESSAGES, (200, message(answer="…", urgency="high", needs_human=True, ids=())))
    reply = Chat(claude_runtime).say("最近ずっと眠れなくて、何もかも嫌になりました", pattern=4)
    assert is_crisis_reply(reply.text) and has_help_line(reply.text) and "いのちの電話" in reply.more[0]
    assert Escalation.get_by_id(reply.escalation_id).urgency == "high"


def test_unknown_knowledge_ids_from_the_model_are_dropped(claude_runtime, fake_anthropic):
    fake_anthropic.route("POST", MESSAGES, (200, message(ids=("t1-0001", "invented-9"))))
    reply = Chat(claude_runtime).say("死亡保険金の非課税枠は？", pattern=1)
    assert reply.knowledge_ids == ("t1-0001",)


def test_a_reply_that_is_not_the_schema_is_an_api_error(claude_runtime, fake_anthropic):
    broken = message()
    broken["content"][0]["text"] = "すみません、JSON ではありません"
    fake_anthropic.route("POST", MESSAGES, (200, broken))
    reply = Chat(claude_runtime).say(UNCOVERED, pattern=1)
    assert Escalation.get_by_id(reply.escalation_id).reason == "api_error"
