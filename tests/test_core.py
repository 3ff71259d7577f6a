"""The core through the chat harness: answers, escalation decisions, feedback, bad input."""
from __future__ import annotations

import pytest

from bot.models import Answer, Escalation, Feedback, Question


def test_covered_question_is_answered_offline_with_feedback_buttons(chat):
    reply = chat.say("死亡保険金の非課税枠は？", pattern=1)
    assert reply.kind == "answer"
    assert "500万円" in reply.text
    assert reply.knowledge_ids == ("t1-0001",)
    assert reply.source == "offline" and reply.confidence >= 0.6
    assert [b.action for b in reply.buttons] == ["feedback_good", "feedback_bad"]
    question = Question.get_by_id(reply.question_id)
    assert question.covered and question.status == "answered"


def test_uncovered_question_is_escalated_and_counted_as_new(chat, desk):
    reply = chat.say("次回の勉強会はいつ開催されますか？", pattern=1)  # the academy's, but no entry says it
    assert reply.kind == "escalated" and reply.escalated and not reply.out_of_scope
    assert "担当スタッフ" in reply.text
    escalation = Escalation.get_by_id(reply.escalation_id)
    assert escalation.reason == "no_knowledge"
    question = Question.get_by_id(reply.question_id)
    assert not question.covered and question.scope == "in_domain"
    assert desk.posted[-1].id == escalation.id and desk.posted[-1].question.startswith("次回")


@pytest.mark.parametrize("text", ["おすすめのラーメン屋を教えて", "明日の天気は？", "今日の日経平均は？"])
def test_a_question_outside_the_domain_gets_a_polite_reply_not_an_entry_or_an_escalation(chat, desk, text):
    reply = chat.say(text, pattern=1)
    assert reply.out_of_scope and not reply.escalated and reply.knowledge_ids == ()
    assert "範囲外" in reply.text and "生命保険営業" in reply.text  # says what the bot helps with
    assert Question.get_by_id(reply.question_id).scope == "off_domain"
    assert desk.posted == [] and Escalation.select().count() == 0


@pytest.mark.parametrize("text, pattern", [("従業員の健康診断の費用は経費になりますか？", 3),
                                           ("看護師さんの働けないときの備えはどう提案する？", 2)])
def test_a_work_question_without_the_word_insurance_is_not_brushed_off(chat, text, pattern):
    reply = chat.say(text, pattern=pattern)
    assert not reply.out_of_scope and reply.escalated
    assert Question.get_by_id(reply.question_id).scope == "in_domain"


@pytest.mark.parametrize("text, pattern", [("最近なにもかも手につかなくて、家族に申し訳ない気持ちでいっぱいです", 1),
                                           ("契約が取れない日が続いて、朝起きるのがつらいです", 4)])
def test_a_person_telling_how_they_feel_to_any_persona_is_never_brushed_off(chat, text, pattern):
    reply = chat.say(text, pattern=pattern)
    assert not reply.out_of_scope and "範囲外" not in reply.text
    assert Question.get_by_id(reply.question_id).scope == "in_domain"


@pytest.mark.parametrize("text", ["最近ハマってるドラマって何かある？", "週末においしいパン屋さんに行きたいんだけど、どこがいい？"])
def test_chit_chat_asked_of_the_support_persona_gets_the_polite_reply_not_the_staff(chat, desk, text):
    # Issue 21: films, food and the weather asked of Pattern 4 went to staff; the encoder reads them as far
    # from everything the knowledge says, and their nouns as words it never uses.
    reply = chat.say(text, pattern=4)
    assert reply.out_of_scope and not reply.escalated and desk.posted == []


@pytest.mark.parametrize("text, words", [("こんにちは！", "ご質問ください"), ("ありがとうございました。助かりました！", "どういたしまして"),
                                         ("おはようございます〜 本日もどうぞよろしくお願いします", "ご質問ください"),
                                         ("承知しました！", "ご質問ください"), ("いつもありがとうございます、本当に助かってます", "どういたしまして")])
def test_greetings_and_thanks_get_a_friendly_reply_that_invites_a_question(chat, desk, text, words):
    reply = chat.say(text, pattern=1)
    assert reply.out_of_scope and not reply.escalated and words in reply.text
    assert Question.get_by_id(reply.question_id).scope == "greeting" and desk.posted == []


def test_an_insurance_question_on_another_line_finds_no_wrong_entry(chat):
    reply = chat.say("医療保険とがん保険の違いは？", pattern=1)
    assert not reply.out_of_scope
    assert reply.escalated or "t1-0001" not in reply.knowledge_ids  # never the inheritance-tax entry


def test_request_for_a_person_escalates(chat):
    reply = chat.say("スタッフと話したいです。クーリング・オフについて", pattern=1)
    assert reply.escalated
    assert Escalation.get_by_id(reply.escalation_id).reason == "human_request"


def test_compliance_risk_escalates_even_when_knowledge_matches(chat):
    reply = chat.say("持病を隠して契約してもバレないですか？", pattern=1)
    assert reply.escalated
    assert Escalation.get_by_id(reply.escalation_id).reason == "compliance"
    assert "法令" in reply.text


def test_crisis_gets_helplines_and_urgent_escalation(chat, desk):
    reply = chat.say("もう限界です。消えたいと思ってしまう", pattern=4)
    assert "よりそいホットライン" in reply.text and "0570-783-556" in reply.more[0]  # free lines first, the rest next
    escalation = Escalation.get_by_id(reply.escalation_id)
    assert (escalation.reason, escalation.urgency) == ("crisis", "high")
    assert desk.posted[-1].urgency == "high"
    assert not Answer.select().where(Answer.question == reply.question_id).exists()  # no role-play answer


def test_bad_feedback_escalates_once_and_last_click_wins(chat):
    chat.say("クーリング・オフはいつまで？", pattern=1)
    assert chat.rate(good=True).kind == "notice"
    bad = chat.rate(good=False, reason="期間の例外が知りたい")
    assert bad.kind == "escalated"
    chat.rate(good=False)
    answer_id = chat.replies[0].answer_id
    feedback = Feedback.get(Feedback.answer == answer_id)
    assert feedback.rating == "bad"
    assert Feedback.select().count() == 1
    assert Escalation.select().where(Escalation.reason == "bad_feedback").count() == 1


def test_feedback_on_someone_elses_answer_changes_nothing(runtime, chat):
    reply = chat.say("クーリング・オフはいつまで？", pattern=1)
    forged = runtime.core.feedback(channel="local", user_id="intruder", answer_id=reply.answer_id, good=False)
    assert "使えなく" in forged.text
    forged_id = runtime.core.feedback(channel="local", user_id="u1", answer_id="abc", good=False)
    assert forged_id.kind == "notice"
    assert Feedback.select().count() == 0 and Escalation.select().count() == 0


def test_bad_input_is_refused_clearly_and_stores_nothing(chat):
    for text in ("", "   \n ", "😀🎉👍", "あ" * 20_000):
        reply = chat.say(text, pattern=1)
        assert reply.kind == "invalid", text[:10]
        assert reply.text
    assert "2,000文字" in chat.replies[-1].text
    assert Question.select().count() == 0


def test_follow_up_in_a_thread_carries_the_earlier_turns(runtime, chat):
    chat.say("クーリング・オフはいつまで？", pattern=1, conversation="thread-9")
    second = chat.say("例外はありますか？", pattern=1, conversation="thread-9")
    question = Question.get_by_id(second.question_id)
    history = runtime.core._history(question)
    assert [t.question for t in history] == ["クーリング・オフはいつまで？"]


def test_an_unexpected_error_apologises_escalates_and_alerts(runtime, chat, desk, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("index exploded")
    monkeypatch.setattr(runtime.knowledge, "search", broken)
    reply = chat.say("死亡保険金の非課税枠は？", pattern=1)
    assert reply.kind == "error" and "申し訳" in reply.text
    assert Escalation.get_by_id(reply.escalation_id).reason == "error"
    assert any("index exploded" in a for a in desk.alerts)
    assert Question.get_by_id(reply.question_id).text == "死亡保険金の非課税枠は？"


def test_pattern_switch_is_remembered(runtime, chat):
    switched = runtime.core.switch_pattern(channel="local", user_id="u1", pattern=2)
    assert "ドクター" in switched.text
    reply = chat.say("開業医の事業承継で最初に確認すべきことは？")
    assert reply.pattern == 2 and reply.knowledge_ids == ("t2-0001",)
    unknown = runtime.core.switch_pattern(channel="local", user_id="u1", pattern=9)
    assert "ありません" in unknown.text


def test_an_unknown_pattern_is_bad_input_not_an_error(chat):
    reply = chat.say("死亡保険金の非課税枠は？", pattern=7)
    assert reply.kind == "invalid" and "Pattern 7" in reply.text
    assert [b.value for b in reply.buttons] == ["1", "2", "3", "4"]
    assert Question.select().count() == 0 and Escalation.select().count() == 0
