"""Escalations in the core: resolve, deliver, learn, similar entries, undo, reminders."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from freezegun import freeze_time

from adapters.local import chat as terminal_chat
from app import build_runtime
from bot.escalation import LogDesk
from bot.messages import Recipient
from bot.models import Answer, Delivery, Escalation, KnowledgeEntry
from fakes import RecordingDelivery


@pytest.fixture
def delivery() -> RecordingDelivery:
    return RecordingDelivery()


@pytest.fixture
def runtime(settings, desk, delivery):
    rt = build_runtime(settings, desk=desk, deliverers={"local": delivery})
    yield rt
    rt.stop()
    rt.database.close()


def test_a_staff_answer_is_delivered_learned_and_answers_next_time(runtime, chat, delivery):
    escalated = chat.say("保険証券を紛失したときの再発行手続きは？", pattern=1)
    assert escalated.escalated
    result = runtime.core.escalations.resolve(escalated.escalation_id, "保険会社のコールセンターで再発行を依頼できます。",
                                              answered_by="staff1", source="staff")
    recipient, reply = delivery.sent[0]
    assert recipient == Recipient("local", "u1", "c1")
    assert "保険証券を紛失" in reply.text and "コールセンター" in reply.text
    assert [b.action for b in reply.buttons] == ["feedback_good", "feedback_bad"]
    escalation = Escalation.get_by_id(escalated.escalation_id)
    assert (escalation.status, escalation.answered_by, escalation.knowledge_id) == ("answered", "staff1", result.knowledge_id)
    entry = KnowledgeEntry.get_by_id(result.knowledge_id)
    assert entry.origin == "escalation" and entry.source == f"escalation #{escalation.id}" and entry.pattern == 1
    assert Delivery.get(Delivery.answer == result.answer_id).method == "push"
    again = chat.say("保険証券をなくした場合の再発行の手続きを教えて", pattern=1)
    assert again.kind == "answer" and again.knowledge_ids == (result.knowledge_id,)
    assert "コールセンター" in again.text


def test_an_existing_similar_entry_is_named_instead_of_a_duplicate(runtime, chat):
    reply = chat.say("スタッフと話したい。死亡保険金の相続税の非課税枠はいくらですか？", pattern=1)
    result = runtime.core.escalations.resolve(reply.escalation_id, "500万円×法定相続人の数です。",
                                              answered_by="staff1", source="staff")
    assert result.knowledge_id is None and result.similar_id == "t1-0001"
    assert not KnowledgeEntry.select().where(KnowledgeEntry.origin == "escalation").exists()


def test_undo_takes_the_learned_entry_out_of_search(runtime, chat):
    reply = chat.say("保険証券を紛失したときの再発行手続きは？", pattern=1)
    result = runtime.core.escalations.resolve(reply.escalation_id, "再発行できます。", answered_by="s", source="staff")
    assert runtime.core.escalations.undo_knowledge(reply.escalation_id) == result.knowledge_id
    assert all(h.entry.id != result.knowledge_id for h in runtime.knowledge.search("保険証券を紛失", 1))
    assert runtime.core.escalations.undo_knowledge(reply.escalation_id) is None


def test_an_undeliverable_answer_is_recorded_and_alerted(runtime, chat, desk, delivery):
    delivery.fail = True
    reply = chat.say("保険証券を紛失したときの再発行手続きは？", pattern=1)
    result = runtime.core.escalations.resolve(reply.escalation_id, "再発行できます。", answered_by="s", source="staff")
    assert not result.delivered and not Answer.get_by_id(result.answer_id).delivered
    assert Delivery.get(Delivery.answer == result.answer_id).ok is False
    assert any("お届けできません" in a for a in desk.alerts)


def test_open_escalations_are_reminded_once_per_interval(runtime, chat, desk):
    with freeze_time("2026-12-01 00:00:00") as clock:
        chat.say("保険証券を紛失したときの再発行手続きは？", pattern=1)
        assert runtime.core.escalations.remind_due(dt.timedelta(minutes=120)) == 0
        clock.tick(dt.timedelta(minutes=121))
        assert runtime.core.escalations.remind_due(dt.timedelta(minutes=120)) == 1
        assert runtime.core.escalations.remind_due(dt.timedelta(minutes=120)) == 0
        clock.tick(dt.timedelta(minutes=121))
        assert runtime.core.escalations.remind_due(dt.timedelta(minutes=120)) == 1


def test_a_test_escalation_is_never_reminded_nor_posted_later(runtime, desk):
    """`ask`/`chat` escalations are not sent to the operators; the reminder must not post them hours later."""
    from bot.messages import IncomingMessage
    with freeze_time("2026-12-01 00:00:00") as clock:
        practice = runtime.core.handle(IncomingMessage(channel="local", user_id="u9", text="人と話したい",
                                                       conversation_id="c9", pattern=1, test=True))
        assert practice.escalated
        posted = len(desk.posted)
        clock.tick(dt.timedelta(minutes=121))
        assert runtime.core.escalations.remind_due(dt.timedelta(minutes=120)) == 0
        assert len(desk.posted) == posted and desk.alerts == []


def test_export_writes_learned_entries_that_validate(runtime, chat, tmp_path):
    from bot.knowledge import load_dir
    reply = chat.say("保険証券を紛失したときの再発行手続きは？", pattern=1)
    runtime.core.escalations.resolve(reply.escalation_id, "再発行できます。", answered_by="s", source="staff")
    written = runtime.knowledge.export(tmp_path / "export")
    entries, errors = load_dir(tmp_path / "export")
    assert len(written) == 1 and errors == [] and entries[0].body == "再発行できます。"


def test_terminal_chat_switches_patterns_rates_and_shows_escalations(runtime):
    lines = iter(["/pattern 2", "開業医の事業承継で最初に確認すべきことは？", "/good", "次回の勉強会はいつですか？", "/quit"])
    out = io.StringIO()
    terminal_chat(runtime.core, user="taro", pattern=None, cohort="staff", read=lambda _prompt: next(lines), out=out)
    text = out.getvalue()
    assert "ドクター" in text and "出資持分" in text
    assert "ご評価ありがとうございます" in text and "本番ならスタッフに回る質問です" in text and "オペレーターのチャンネルには送っていません" in text


def test_the_log_desk_keeps_only_the_latest_posts_and_alerts():
    """Without Slack the server logs escalations; it must not hold every one of them in memory for good."""
    desk = LogDesk()
    for n in range(LogDesk.KEPT + 50):
        desk.alert(f"alert {n}")
    assert len(desk.alerts) == LogDesk.KEPT
    assert desk.alerts[0] == "alert 50" and desk.alerts[-1] == f"alert {LogDesk.KEPT + 49}"
