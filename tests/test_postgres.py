"""The core on PostgreSQL (DATABASE_URL=postgresql://…), against the throwaway test server."""
from __future__ import annotations

import time
from dataclasses import replace

from bot.models import Escalation, Feedback, KnowledgeEntry
from app import build_runtime
from conftest import Chat
from reports.themes import snapshot


def test_the_whole_core_runs_on_postgresql(settings, desk, postgres_url):
    rt = build_runtime(replace(settings, database_url=postgres_url), desk=desk)
    assert KnowledgeEntry.select().count() >= 5
    chat = Chat(rt)
    answered = chat.say("死亡保険金の非課税枠は？", pattern=1)
    assert answered.kind == "answer" and answered.knowledge_ids == ("t1-0001",)
    chat.rate(good=True)
    chat.rate(good=False)  # last click wins: the upsert works on PostgreSQL too
    assert Feedback.get(Feedback.answer == answered.answer_id).rating == "bad"
    escalated = chat.say("次回の勉強会はいつ開催されますか？", pattern=1)
    resolution = rt.core.escalations.resolve(escalated.escalation_id, "次回の勉強会は12月10日です。",
                                             answered_by="staff1", source="staff")
    assert Escalation.get_by_id(escalated.escalation_id).status == "answered"
    again = chat.say("次回の勉強会はいつ開催されますか？", pattern=1)
    assert again.kind == "answer" and again.knowledge_ids == (resolution.knowledge_id,)
    follower = Chat(rt, user="u2")  # went on from the allowance to cooling-off: offered to the next member
    follower.say("死亡保険金の非課税枠は？", pattern=1)
    follower.say("クーリング・オフはいつまでできますか？", pattern=1)
    assert Chat(rt, user="u3").say("死亡保険金の非課税枠は？", pattern=1).related[0] == "クーリング・オフはいつまでできますか？"
    assert snapshot.refresh(settings.encoder, tz=rt.core.plan.timezone) is not None and snapshot.latest().total >= 5
    started = time.monotonic()
    build_runtime(replace(settings, database_url=postgres_url), desk=desk)  # restart: migrations are idempotent
    assert time.monotonic() - started < 10
    rt.database.close()
