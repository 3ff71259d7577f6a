"""Claude as it runs in production: effort and room in the request, every stop_reason, one deadline per answer,
and prices that err on the dear side. The real anthropic SDK against the fake Messages API."""
from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest

from app import build_runtime
from bot.answering import Usage
from bot.claude.prices import DEAREST, PRICES, cost_usd
from bot.config import ConfigError, load_settings
from bot.states import Waiting
from bot.texts.holding import OPENINGS
from bot.models import Answer, Escalation
from conftest import Chat
from test_claude import MESSAGES, UNCOVERED, message

COVERED = "死亡保険金の非課税枠は？"


def stopped(reason: str, text: str = "") -> dict:
    body = message()
    body["stop_reason"] = reason
    if reason != "end_turn":
        body["content"] = [{"type": "text", "text": text}] if text else []
    if reason == "refusal":
        body["stop_details"] = {"type": "refusal", "category": None, "explanation": None}
    return body


@pytest.fixture
def claude_runtime(settings, desk, fake_anthropic):
    rt = build_runtime(replace(settings, anthropic_api_key="k", claude_max_retries=1, claude_timeout_seconds=2.0,
                               claude_degraded_after_seconds=0.0), desk=desk)
    yield rt
    rt.database.close()


def test_effort_and_max_tokens_are_in_the_request(settings, desk, fake_anthropic):
    fake_anthropic.route("POST", MESSAGES, (200, message()))
    rt = build_runtime(replace(settings, anthropic_api_key="k", claude_effort="medium", claude_max_tokens=12000),
                       desk=desk)
    Chat(rt).say(COVERED, pattern=1)
    body = fake_anthropic.calls_to(MESSAGES)[0].json
    assert body["output_config"]["effort"] == "medium" and body["max_tokens"] == 12000
    assert body["output_config"]["format"]["type"] == "json_schema"


def test_the_defaults_leave_room_for_thinking_and_a_bad_effort_stops_start_up():
    defaults = load_settings({}, env_file=None)
    assert defaults.claude_effort == "low" and defaults.claude_max_tokens >= 8000
    with pytest.raises(ConfigError, match="CLAUDE_EFFORT"):
        load_settings({"CLAUDE_EFFORT": "extreme"}, env_file=None)


def test_a_refusal_goes_to_staff_with_a_neutral_holding_message_and_no_alert(claude_runtime, fake_anthropic, desk):
    fake_anthropic.route("POST", MESSAGES, (200, stopped("refusal", "Hello..")))
    reply = Chat(claude_runtime).say(COVERED, pattern=1)
    assert reply.kind == "escalated" and reply.text.startswith(OPENINGS[Waiting.QUESTION]) and "エラー" not in reply.text
    assert Escalation.get_by_id(reply.escalation_id).reason == "needs_human"
    assert len(fake_anthropic.calls_to(MESSAGES)) == 1  # not retried: the same question is declined again
    assert desk.alerts == [] and claude_runtime.core.status.degraded_reason is None
    billed = Answer.get(Answer.question == reply.question_id)
    assert billed.cost_usd > 0 and billed.model == "claude-haiku-5-5" and billed.source == "system"


def test_an_answer_cut_off_at_max_tokens_is_asked_once_more_with_twice_the_room(claude_runtime, fake_anthropic):
    fake_anthropic.sequence("POST", MESSAGES, (200, stopped("max_tokens", '{"answer": "非課税')), (200, message()))
    reply = Chat(claude_runtime).say(COVERED, pattern=1)
    assert reply.kind == "answer" and reply.source == "ai"
    first, second = (c.json["max_tokens"] for c in fake_anthropic.calls_to(MESSAGES))
    assert second == 2 * first
    stored = Answer.get_by_id(reply.answer_id)
    assert stored.input_tokens == 240 and stored.output_tokens == 120  # the cut-off call is billed too


def test_cut_off_twice_is_the_error_path(claude_runtime, fake_anthropic):
    fake_anthropic.route("POST", MESSAGES, (200, stopped("max_tokens", '{"answer": "')))
    reply = Chat(claude_runtime).say(UNCOVERED, pattern=1)
    assert Escalation.get_by_id(reply.escalation_id).reason == "api_error"
    assert len(fake_anthropic.calls_to(MESSAGES)) == 2


def _slow(seconds: float):
    def answer(_call):
        time.sleep(seconds)
        return 200, message()
    return answer


@pytest.mark.parametrize("question, source", [(COVERED, "offline"), (UNCOVERED, "system")])
def test_a_slow_api_is_answered_within_the_deadline(settings, desk, fake_anthropic, question, source):
    fake_anthropic.route("POST", MESSAGES, _slow(3.0))
    rt = build_runtime(replace(settings, anthropic_api_key="k", claude_timeout_seconds=30.0, claude_max_retries=2,
                               claude_deadline_seconds=1.0), desk=desk)
    rt.core.screener.load()  # start-up work (the worker's), not the answer's time
    rt.knowledge.search("保険", 1)  # the index too
    started = time.monotonic()
    reply = Chat(rt).say(question, pattern=1)
    assert time.monotonic() - started < 1.8
    assert reply.source == source and reply.text  # the offline answer where confident, else the holding message
    assert (reply.escalation_reason == "api_error") == (source == "system")


def test_the_wait_for_a_slot_is_inside_the_deadline(settings, desk, fake_anthropic):
    fake_anthropic.route("POST", MESSAGES, _slow(3.0))
    rt = build_runtime(replace(settings, anthropic_api_key="k", claude_timeout_seconds=30.0, claude_concurrency=1,
                               claude_deadline_seconds=1.0, rate_limit_per_minute=0), desk=desk)
    rt.core.screener.load()  # start-up work (the worker does it before its first job), not the answers' time
    took: list[float] = []

    def ask(user: str) -> None:
        started = time.monotonic()
        Chat(rt, user=user).say(UNCOVERED, pattern=1)
        took.append(time.monotonic() - started)
    threads = [threading.Thread(target=ask, args=(f"u{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(took) == 2 and max(took) < 1.8
    assert len(fake_anthropic.calls_to(MESSAGES)) == 1  # the second never got a slot in time


def test_an_unknown_model_is_costed_at_the_dearest_rates_and_logged_once(caplog):
    usage = Usage(input_tokens=1000, output_tokens=500)
    expected = (1000 * DEAREST.input + 500 * DEAREST.output) / 1e6
    assert cost_usd("claude-unheard-of-9", usage) == pytest.approx(expected)
    assert cost_usd("claude-unheard-of-9", usage) >= max(cost_usd(m, usage) for m in PRICES)
    cost_usd("claude-unheard-of-9", usage)
    assert sum("claude-unheard-of-9" in r.message for r in caplog.records) == 1


def test_a_prompt_over_100k_tokens_bills_at_the_long_rate():
    short = cost_usd("claude-haiku-5-5", Usage(input_tokens=100_000, output_tokens=1000))
    long = cost_usd("claude-haiku-5-5", Usage(input_tokens=100_001, output_tokens=1000))
    assert short == pytest.approx((100_000 * 0.10 + 1000 * 0.50) / 1e6)
    assert long == pytest.approx((100_001 * 0.50 + 1000 * 2.50) / 1e6)
    cached = cost_usd("claude-haiku-5-5", Usage(input_tokens=2000, cache_read_tokens=150_000, output_tokens=10))
    assert cached == pytest.approx((2000 * 0.50 + 150_000 * 0.05 + 10 * 2.50) / 1e6)  # cache reads count too
