"""Per-user rate limits and the monthly budget guard."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

from freezegun import freeze_time

from bot.models import Answer, Question, ScheduledRun
from app import build_runtime
from conftest import Chat


def test_per_minute_limit_answers_politely_then_frees_up(settings, desk):
    rt = build_runtime(replace(settings, rate_limit_per_minute=2, rate_limit_per_day=100), desk=desk)
    chat = Chat(rt, channel="line")
    with freeze_time("2026-12-01 01:00:00") as clock:
        assert chat.say("クーリング・オフはいつまで？", pattern=1).kind == "answer"
        assert chat.say("死亡保険金の非課税枠は？", pattern=1).kind == "answer"
        limited = chat.say("クーリング・オフの例外は？", pattern=1)
        assert limited.kind == "notice" and "1分ほど" in limited.text
        clock.tick(dt.timedelta(seconds=61))
        assert chat.say("クーリング・オフは何日以内？", pattern=1).kind == "answer"
    # Every message is recorded (safety screening comes first); the limited one is marked refused.
    assert [q.status for q in Question.select().order_by(Question.id)] == ["answered", "answered", "refused",
                                                                           "answered"]


def test_per_day_limit_resets_at_jst_midnight(settings, desk):
    rt = build_runtime(replace(settings, rate_limit_per_minute=100, rate_limit_per_day=2), desk=desk)
    chat = Chat(rt, channel="line")
    with freeze_time("2026-12-01 14:00:00") as clock:  # 23:00 JST
        chat.say("クーリング・オフはいつまで？", pattern=1)
        chat.say("死亡保険金の非課税枠は？", pattern=1)
        assert "本日のご質問の上限" in chat.say("もう一つ質問です", pattern=1).text
        clock.tick(dt.timedelta(hours=1, seconds=1))  # 00:00 JST the next day
        assert chat.say("クーリング・オフはいつまで？", pattern=1).kind == "answer"


def test_the_local_terminal_is_not_rate_limited(settings, desk):
    rt = build_runtime(replace(settings, rate_limit_per_minute=1, rate_limit_per_day=1), desk=desk)
    chat = Chat(rt, channel="local")
    assert [chat.say("クーリング・オフはいつまで？", pattern=1).kind for _ in range(3)] == ["answer"] * 3


def test_over_budget_answers_offline_and_alerts_once(settings, desk, fake_anthropic):
    rt = build_runtime(replace(settings, anthropic_api_key="k", monthly_budget_jpy=1000, usd_jpy_rate=150), desk=desk)
    chat = Chat(rt)
    with freeze_time("2026-12-10 03:00:00"):
        question = Question.create(user=rt.core.user_for(chat_message()), channel="local", pattern=1, text="old")
        Answer.create(question=question, text="x", source="ai", cost_usd=7.0)  # 1,050 yen > 1,000
        reply = chat.say("死亡保険金の非課税枠は？", pattern=1)
        chat.say("クーリング・オフはいつまで？", pattern=1)
    assert reply.source == "offline" and reply.kind == "answer"
    assert fake_anthropic.calls == []  # no more spending
    assert sum("100%" in a for a in desk.alerts) == 1 and sum("80%" in a for a in desk.alerts) == 1
    assert ScheduledRun.select().where(ScheduledRun.name == "budget_alert_100").count() == 1


def chat_message():
    from bot.messages import IncomingMessage
    return IncomingMessage(channel="local", user_id="u1", text="")
