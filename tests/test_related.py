"""Related questions after an answer: what members went on to ask, then the nearest entries, as LINE quick
replies and Slack buttons; pressing one asks it. Signed webhooks on the fake LINE and fake Slack servers."""
from __future__ import annotations

import datetime as dt
import itertools

from freezegun import freeze_time

from adapters import slack_blocks as blocks
from adapters.line_messages import LABEL_LIMIT
from adapters.local import render
from bot.models import Answer, Question
from bot.related import RelatedQuestions, asked_next, offers_related
from conftest import Chat
from slack_harness import button
from test_line import (ALICE, BOB, PUSH, REPLY, app, client, deliver, line_api, line_server,  # noqa: F401
                       line_settings, quick_items, runtime, texts, webhook)
from test_slack import DM, TRAINEE, fake_slack, slack, slack_settings  # noqa: F401

COOLING = "クーリング・オフはいつまでできますか？"
TAX = "死亡保険金の相続税の非課税枠はいくらですか？"
HOURS = "塾の質問窓口の受付時間は？"
CRISIS = "もう死にたいです。消えてしまいたい"
_ids = itertools.count(1)


def say_on_line(client, runtime, line_api, user: str, text: str):
    """A signed text message from `user`; returns the reply (or push) the fake LINE server received for it."""
    before = len(_sends(line_api))
    deliver(client, runtime, webhook("text", text=text, user=user, webhookEventId=f"01RELATED{next(_ids):017d}"))
    sends = _sends(line_api)
    assert len(sends) == before + 1
    return sends[-1]


def _sends(line_api) -> list:
    return [c for c in line_api.calls if c.path in (REPLY, PUSH)]


def asked_actions(call) -> list[dict]:
    return [a for a in quick_items(call) if a["type"] == "message"]


def test_line_answer_offers_what_members_asked_next_then_the_nearest_and_a_tap_answers_it(client, runtime, line_api):
    say_on_line(client, runtime, line_api, ALICE, COOLING)
    say_on_line(client, runtime, line_api, ALICE, TAX)  # Alice went on to ask about the tax-free allowance

    reply = say_on_line(client, runtime, line_api, BOB, COOLING)
    assert "8日以内" in texts(reply)[0]
    asked = asked_actions(reply)
    assert [a["text"] for a in asked] == [TAX, HOURS]  # what a member asked next first, then the nearest
    assert all(len(a["label"]) <= LABEL_LIMIT for a in asked) and asked[0]["label"].endswith("…")
    labels = [a["label"] for a in quick_items(reply)]
    assert labels[:2] == ["👍 Good", "👎 Bad"] and labels[-1] == "🔄 相談メニューを変える"

    tapped = say_on_line(client, runtime, line_api, BOB, asked[0]["text"])  # a tap sends the text as Bob's message
    assert "500万円" in texts(tapped)[0]
    assert Question.select().where(Question.text == TAX).count() == 2


def test_no_related_questions_after_a_crisis_reply(client, runtime, line_api):
    say_on_line(client, runtime, line_api, ALICE, COOLING)
    reply = say_on_line(client, runtime, line_api, BOB, CRISIS)
    assert Question.get(Question.text == CRISIS).escalations.get().reason == "crisis"
    assert asked_actions(reply) == []
    assert not any("クーリング" in a.get("text", "") for a in quick_items(reply))


def test_slack_answer_has_related_buttons_and_pressing_one_answers_it_in_the_same_dm(slack):
    slack.dm(COOLING, user="U0FIRST")
    slack.dm(TAX, user="U0FIRST")
    slack.dm(COOLING)
    answer = slack.last_answer()
    related = [button(answer, f"{blocks.ASK_RELATED}_{i}") for i in range(2)]
    assert [b["value"] for b in related] == [TAX, HOURS]
    assert blocks.RELATED_HEADING in str(answer["blocks"])

    slack.press(TRAINEE, related[0]["action_id"], related[0]["value"], channel=DM, message_ts=answer["ts"])
    asked = Question.select().where(Question.text == TAX).order_by(Question.id.desc()).first()
    assert asked.user.external_id == TRAINEE and asked.conversation == DM  # asked as that member, in that DM
    assert "500万円" in slack.last_answer()["text"]
    assert Answer.get(Answer.question == asked).knowledge_ids == ["t1-0001"]


def test_follow_ups_come_only_under_a_real_answer_from_knowledge(runtime):
    chat = Chat(runtime, user="u9", channel="line")
    answered = chat.say(COOLING, 1)  # a real answer
    assert answered.related and f"  ・{answered.related[0]}" in render(answered)  # the terminal lists them too
    for text in ("こんにちは", CRISIS, "断られ続けて落ち込んでいます"):  # greeting, crisis, no approved Pattern 4 entry
        reply = chat.say(text, 4 if text.startswith("断") else 1)
        assert not offers_related(reply) and reply.related == ()


def test_an_unapproved_pattern_4_draft_is_never_offered(runtime, knowledge_dir):
    approved = knowledge_dir / "t4-approved.md"
    approved.write_text("---\nid: t4-0002\npattern: 4\nquestion: 契約が取れた日のお祝いの言葉をください\n"
                        "tags: [お祝い]\nsource: test\napproved_by: makino\n---\nおめでとうございます。\n", encoding="utf-8")
    runtime.knowledge.sync()
    # A member once went on from the approved entry to the draft (before it was set back to a draft).
    first = Chat(runtime, user="u8", channel="line")
    earlier = first.say("契約が取れた日のお祝いの言葉をください", 4)
    later = first.say("落ち込んだ気持ちの切り替え方を知りたいです", 4)
    Answer.update(knowledge_ids=["t4-0001"], source="ai").where(Answer.question == later.question_id).execute()
    Question.update(status="answered").where(Question.id == later.question_id).execute()
    assert earlier.knowledge_ids == ("t4-0002",)

    assert asked_next(["t4-0002"], before=10**9) == ["t4-0001"]  # what the member went on to: the draft

    reply = Chat(runtime, user="u7", channel="line").say("契約が取れた日のお祝いの言葉をください", 4)
    assert reply.knowledge_ids == ("t4-0002",) and offers_related(reply)
    offered = RelatedQuestions(knowledge=runtime.knowledge).follow_ups("契約が取れた日のお祝いの言葉をください", reply)
    assert "断られ続けて落ち込んでいます" not in offered and reply.related == offered


def test_only_the_next_question_within_half_an_hour_counts(runtime):
    start = dt.datetime(2026, 12, 1, 1, 0)
    for user, gap in (("late", 31), ("soon", 10)):
        chat = Chat(runtime, user=user, channel="line")
        with freeze_time(start):
            chat.say(COOLING, 1)
        with freeze_time(start + dt.timedelta(minutes=gap)):
            chat.say(TAX, 1)
    assert asked_next(["t1-0002"], before=10**9) == ["t1-0001"]
    soon = Question.select().where(Question.text == TAX).order_by(Question.id.desc()).get()
    Question.update(created_at=start + dt.timedelta(minutes=40)).where(Question.id == soon.id).execute()
    assert asked_next(["t1-0002"], before=10**9) == []  # asked later than half an hour: no longer a follow-up


def test_what_a_member_asked_after_a_question_in_the_same_theme_counts_too(runtime):
    first = Chat(runtime, user="w1", channel="line")
    unanswered = first.say("クーリングオフの書面はどこに送ればいいですか", 1)  # the same theme, not answered from the entry
    assert unanswered.escalated
    first.say(TAX, 1)
    assert asked_next(["t1-0002"], before=10**9) == []  # not by the entry: it went to staff

    reply = Chat(runtime, user="w2", channel="line").say(COOLING, 1)
    assert unanswered.question_id in runtime.core.related.alike(reply.question_id)
    assert reply.related[0] == TAX  # by the theme
    assert runtime.core.related.alike(Question.get(Question.text == TAX).id) == []  # other themes are not alike
