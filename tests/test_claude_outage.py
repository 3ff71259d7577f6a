"""When Claude fails, the knowledge still serves: a refused key (401) or an overload (529) falls back
to the offline answer where it is confident; operators hear once; /healthz says degraded until Claude
answers again. Also: the model's own safety reading escalates, in every Pattern."""
from __future__ import annotations

from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from adapters.web import create_app
from bot.answering import AnswererRejected, AnswererStatus, AnswererUnavailable
from bot.models import Escalation
from app import build_runtime
from bot.safety import crisis_message
from conftest import Chat
from fakes import DROP
from test_claude import MESSAGES, OVERLOADED, UNCOVERED, message

COVERED = "死亡保険金の非課税枠は？"
REJECTED = (401, {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}})


@pytest.fixture
def claude_runtime(settings, desk, fake_anthropic):
    rt = build_runtime(replace(settings, anthropic_api_key="expired-key", claude_max_retries=1,
                               claude_timeout_seconds=2.0, claude_degraded_after_seconds=0.0), desk=desk)
    yield rt
    rt.database.close()


@pytest.mark.parametrize("failure, words", [(REJECTED, "拒否"), (OVERLOADED, "回答を得られません")])
def test_claude_failure_answers_from_knowledge_alerts_once_and_degrades_until_it_answers(
        claude_runtime, fake_anthropic, desk, failure, words):
    http = TestClient(create_app(claude_runtime))
    assert http.get("/healthz").json()["status"] == "ok"
    fake_anthropic.route("POST", MESSAGES, failure)
    chat = Chat(claude_runtime)
    for _ in range(2):
        reply = chat.say(COVERED, pattern=1)
        assert reply.kind == "answer" and reply.source == "offline" and "500万円" in reply.text
        assert not reply.escalated
    uncovered = chat.say(UNCOVERED, pattern=1)
    assert Escalation.get_by_id(uncovered.escalation_id).reason == "api_error"
    assert len([a for a in desk.alerts if words in a]) == 1 and len(desk.alerts) == 1
    health = http.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "degraded" and words in health.json()["reason"]

    fake_anthropic.route("POST", MESSAGES, (200, message()))
    assert chat.say(COVERED, pattern=1).source == "ai"
    health = http.get("/healthz").json()
    assert health["status"] == "ok" and "reason" not in health


def test_operators_hear_of_each_kind_of_failure_at_most_once_an_hour():
    alerts: list[str] = []
    now = [0.0]
    status = AnswererStatus(alert=alerts.append, clock=lambda: now[0], degrade_after=0.0)
    status.failed(AnswererRejected("401"))
    status.failed(AnswererRejected("401"))
    status.failed(AnswererUnavailable("529"))
    assert len(alerts) == 2
    now[0] = 3599.0
    status.failed(AnswererRejected("401"))
    assert len(alerts) == 2
    now[0] = 3600.0
    status.failed(AnswererRejected("401"))
    assert len(alerts) == 3 and status.degraded_reason
    status.answered()
    assert status.degraded_reason is None


def test_a_failure_degrades_only_once_it_has_lasted_a_minute_and_a_success_heals_it():
    alerts: list[str] = []
    now = [0.0]
    status = AnswererStatus(alert=alerts.append, clock=lambda: now[0], degrade_after=60.0)
    status.failed(AnswererUnavailable("connection refused"))
    now[0] = 59.0
    status.failed(AnswererUnavailable("connection refused"))
    assert status.degraded_reason is None and alerts == []  # a blip is not an outage
    now[0] = 60.0
    assert "回答を得られません" in status.degraded_reason  # seen by /healthz with no new question
    status.failed(AnswererUnavailable("connection refused"))
    assert len(alerts) == 1 and "connection refused" in alerts[0]
    status.answered()
    now[0] = 200.0
    status.failed(AnswererUnavailable("529"))
    assert status.degraded_reason is None  # the clock starts again after a success
    status.failed(AnswererRejected("401"))
    assert "拒否" in status.degraded_reason  # a refused key cannot heal by itself: at once


def test_a_lost_connection_degrades_health_and_a_success_makes_it_ok(claude_runtime, fake_anthropic, desk):
    http = TestClient(create_app(claude_runtime))
    fake_anthropic.route("POST", MESSAGES, DROP)  # the connection closes with no answer, every attempt
    reply = Chat(claude_runtime).say(UNCOVERED, pattern=1)
    assert Escalation.get_by_id(reply.escalation_id).reason == "api_error"
    assert len(fake_anthropic.calls_to(MESSAGES)) == 2  # retried once, then given up
    health = http.get("/healthz").json()
    assert health["status"] == "degraded" and "接続できない" in health["reason"]
    assert len(desk.alerts) == 1
    fake_anthropic.route("POST", MESSAGES, (200, message()))
    assert Chat(claude_runtime).say(COVERED, pattern=1).source == "ai"
    assert http.get("/healthz").json()["status"] == "ok"


@pytest.mark.parametrize("pattern", [1, 2, 3])
def test_a_crisis_the_model_sees_gets_the_crisis_reply_in_every_pattern(claude_runtime, fake_anthropic, pattern):
    fake_anthropic.route("POST", MESSAGES, (200, message(answer="大変でしたね。", crisis=True, ids=())))
    reply = Chat(claude_runtime).say("最近なにもかも手につかなくて、家族に申し訳ない気持ちでいっぱいです", pattern=pattern)
    assert reply.text == crisis_message()
    escalation = Escalation.get_by_id(reply.escalation_id)
    assert (escalation.reason, escalation.urgency) == ("crisis", "high")


@pytest.mark.parametrize("flag, reason", [("compliance", "compliance"), ("wants_human", "human_request")])
def test_the_models_compliance_and_person_flags_escalate(claude_runtime, fake_anthropic, flag, reason):
    fake_anthropic.route("POST", MESSAGES, (200, message(**{flag: True})))
    reply = Chat(claude_runtime).say(COVERED, pattern=1)
    assert reply.escalation_reason == reason and Escalation.get_by_id(reply.escalation_id).reason == reason
