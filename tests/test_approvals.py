"""Makino approves Pattern 4 drafts from Slack: signed requests to POST /slack/events, a fake Web API, and
what the next member gets (offline, and what a fake Messages API is shown)."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest

from adapters import slack_approvals as approvals
from app import build_runtime
from bot.knowledge import parse_entry
from bot.models import KnowledgeEntry
from conftest import Chat
from slack_harness import button, form_body, text_of
from test_claude import MESSAGES, message
from test_slack import MAKINO, STAFF, TRAINEE, Slack, fake_slack, slack, slack_settings  # noqa: F401

DRAFT = "断られるのは、あなたが否定されたのではなく、今はその時ではないというだけです。"
ASKED = "断られ続けて落ち込んでいます"
MAKINO_DM = "D0MAKINO"


def digest(slack: Slack) -> list[dict]:
    """Makino's DM after the digest: the header, then one message per draft."""
    assert slack.runtime.slack.approvals.post_digest() == 1
    return slack.fake.sent("chat.postMessage", MAKINO)


def press_on_draft(slack: Slack, user: str, action_id: str, post: dict, ts: str = "1800000099.000100") -> None:
    slack.press(user, action_id, button(post, action_id)["value"], channel=MAKINO_DM, message_ts=ts)


def member_asks(slack: Slack, text: str = ASKED) -> str:
    slack.command(TRAINEE, "4")
    slack.dm(text)
    return text_of(slack.last_answer())


def front_matter(knowledge_dir) -> str:
    return (knowledge_dir / "t4-motivation.md").read_text(encoding="utf-8")


def test_the_digest_has_one_message_per_draft_with_three_buttons(slack):
    header, draft = digest(slack)
    assert "1 件" in header["text"] and "承認されるまで" in header["text"]
    assert "t4-0001" in text_of(draft) and DRAFT in text_of(draft)
    assert all(button(draft, a) for a in (approvals.APPROVE, approvals.APPROVE_EDIT, approvals.REJECT))


def test_makino_approves_and_the_next_member_gets_exactly_his_words(slack, knowledge_dir):
    assert DRAFT not in member_asks(slack)  # a draft is never given as his words
    _, draft = digest(slack)
    press_on_draft(slack, MAKINO, approvals.APPROVE, draft)
    updated = slack.fake.sent("chat.update", MAKINO_DM)[-1]
    assert updated["ts"] == "1800000099.000100" and "承認しました" in updated["text"]
    assert "approved_by: makino" in front_matter(knowledge_dir)
    entry = parse_entry(front_matter(knowledge_dir))
    assert entry.approved_by == "makino" and entry.approved_on and entry.body == DRAFT
    assert KnowledgeEntry.get_by_id("t4-0001").approved_on == entry.approved_on
    answer = member_asks(slack)
    assert DRAFT in answer and "牧野先生" in answer
    assert slack.runtime.core.approvals.pending() == []


def test_a_staff_member_cannot_approve_and_nothing_changes(slack, knowledge_dir):
    before = front_matter(knowledge_dir)
    _, draft = digest(slack)
    press_on_draft(slack, STAFF, approvals.APPROVE, draft)
    press_on_draft(slack, STAFF, approvals.REJECT, draft)
    press_on_draft(slack, STAFF, approvals.APPROVE_EDIT, draft)
    assert slack.ephemerals(STAFF) == ["Pattern 4 の言葉を承認・却下できるのは牧野さんだけです。"] * 3
    assert slack.fake.sent("views.open") == []  # the edit form opens for Makino alone
    assert front_matter(knowledge_dir) == before and KnowledgeEntry.get_by_id("t4-0001").approved_by is None
    assert DRAFT not in member_asks(slack)


def test_makino_edits_and_the_next_member_gets_the_edited_text(slack, knowledge_dir):
    edited = "断られても、それはあなたの価値とは関係ありません。今日の一件を丁寧に振り返りましょう。"
    _, draft = digest(slack)
    press_on_draft(slack, MAKINO, approvals.APPROVE_EDIT, draft)
    modal = slack.fake.sent("views.open")[-1]["view"]
    field = modal["blocks"][-1]["element"]
    assert modal["callback_id"] == approvals.EDIT_VIEW and field["initial_value"] == DRAFT
    view = {**modal, "id": "V0EDIT", "state": {"values": {approvals.EDIT_BLOCK: {approvals.EDIT_INPUT: {
        "type": "plain_text_input", "value": edited}}}}}
    payload = {"type": "view_submission", "user": {"id": MAKINO}, "team": {"id": "T0TEAM"}, "api_app_id": "A0APP",
               "view": view}
    response = slack.post(form_body({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")
    assert response.status_code == 200
    slack.work()
    entry = parse_entry(front_matter(knowledge_dir))
    assert entry.body == edited and entry.approved_by == "makino"
    assert "直した文章で承認しました" in slack.fake.sent("chat.update", MAKINO_DM)[-1]["text"]
    answer = member_asks(slack)
    assert edited in answer and DRAFT not in answer


def test_makino_rejects_and_the_draft_is_never_used_even_after_a_sync(slack, knowledge_dir):
    _, draft = digest(slack)
    press_on_draft(slack, MAKINO, approvals.REJECT, draft)
    assert "rejected_by: makino" in front_matter(knowledge_dir)
    assert not KnowledgeEntry.get_by_id("t4-0001").active and slack.runtime.core.approvals.pending() == []
    slack.runtime.knowledge.sync()
    assert not KnowledgeEntry.get_by_id("t4-0001").active
    assert DRAFT not in member_asks(slack)


def test_a_forged_approval_gets_401_and_changes_nothing(slack, knowledge_dir):
    before = front_matter(knowledge_dir)
    _, draft = digest(slack)
    payload = {"type": "block_actions", "user": {"id": MAKINO}, "actions": [
        {"action_id": approvals.APPROVE, "value": "t4-0001", "action_ts": "1.1"}]}
    body = form_body({"payload": json.dumps(payload)})
    response = slack.http.post("/slack/events", content=body.encode(), headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": "1",
        "X-Slack-Signature": "v0=forged"})
    assert response.status_code == 401
    slack.work()
    assert front_matter(knowledge_dir) == before


# ---- with Claude: the model is shown only approved entries as his ------------------------------------

@pytest.fixture
def claude_runtime(settings, desk, fake_anthropic):
    rt = build_runtime(replace(settings, anthropic_api_key="test-key", slack_makino_user_id=MAKINO), desk=desk)
    yield rt
    rt.database.close()


def test_claude_sees_a_draft_nowhere_and_an_approved_entry_as_his(claude_runtime, fake_anthropic):
    from bot.approvals import ApprovalDecision
    from bot.states import ApprovalCommand
    fake_anthropic.route("POST", MESSAGES, (200, message("お話しくださってありがとうございます。", ids=())))
    Chat(claude_runtime).say(ASKED, pattern=4)
    shown = json.dumps(fake_anthropic.calls_to(MESSAGES)[-1].json, ensure_ascii=False)
    assert DRAFT not in shown and "t4-0001" not in shown
    assert "牧野の言葉" in shown and "AI" in shown  # the persona's rules say whose words may be his
    claude_runtime.core.receive(ApprovalDecision(ApprovalCommand.APPROVE, MAKINO, "t4-0001"))
    Chat(claude_runtime, user="u2").say(ASKED, pattern=4)
    shown = fake_anthropic.calls_to(MESSAGES)[-1].json
    prefix = shown["system"][-1]["text"]
    assert "[t4-0001]（牧野の言葉・本人承認済み" in prefix and DRAFT in prefix


# ---- what staff answers may become ------------------------------------------------------------------

def staff_answers(slack: Slack, answer: str) -> tuple[dict, str]:
    """Staff reply in the latest escalation's thread and confirm it: the offer they saw, and the thread."""
    from bot.models import Escalation
    from adapters import slack_blocks as blocks
    thread = Escalation.select().order_by(Escalation.id.desc()).get().operator_thread
    slack.reply_in_thread(thread, STAFF, answer)
    offer = slack.thread(thread)[-1]
    slack.press(STAFF, blocks.CONFIRM_REPLY, button(offer, blocks.CONFIRM_REPLY)["value"], thread_ts=thread)
    return offer, thread


def learned_rows() -> list[KnowledgeEntry]:
    return list(KnowledgeEntry.select().where(KnowledgeEntry.origin == "escalation"))


def test_a_crisis_answered_by_staff_creates_no_knowledge_and_staff_are_told_before(slack):
    slack.dm("もう死にたいです")
    offer, thread = staff_answers(slack, "お話ししてくれてありがとうございます。担当の者からお電話します。")
    assert "ナレッジに保存しません" in offer["text"]
    assert "お電話します" in text_of(slack.last_answer())  # delivered
    assert learned_rows() == [] and "保存していません" in text_of(slack.thread(thread))


def test_a_pattern_4_staff_answer_is_a_draft_for_makino_until_he_approves(slack):
    question = "お客様との約束の時間に遅れてしまい、自分が情けないです"
    answer = "遅れた事実より、その後の誠実なお詫びと連絡が信頼をつくります。次の約束は少し早めに動きましょう。"
    member_asks(slack, question)
    offer, thread = staff_answers(slack, answer)
    assert "牧野さんの承認待ちの下書き" in offer["text"]
    [row] = learned_rows()
    assert row.pattern == 4 and row.approved_by is None and "承認待ち" in text_of(slack.thread(thread))
    assert sorted(e.id for e in slack.runtime.core.approvals.pending()) == [row.id, "t4-0001"]
    assert answer not in member_asks(slack, question)  # not his words yet, so never given
    posts = [m for m in (digest_all(slack)) if button(m, approvals.APPROVE)]
    press_on_draft(slack, MAKINO, approvals.APPROVE, next(m for m in posts if row.id in text_of(m)))
    assert KnowledgeEntry.get_by_id(row.id).approved_by == "makino"
    assert answer in member_asks(slack, question)


def test_a_learned_question_is_written_in_general_terms_and_shown_first(slack):
    from bot.models import Escalation
    slack.dm("田中さんの奥様が糖尿病なのですが、勉強会はいつ開催されますか？")
    offer, _ = staff_answers(slack, "次回の勉強会は12月10日です。塾のサイトの予定表もご覧ください。")
    stored = KnowledgeEntry.get_by_id(Escalation.get().knowledge_id)
    assert "田中" not in stored.question and "糖尿病" not in stored.question
    assert "ある方" in stored.question and "病気" in stored.question and "勉強会" in stored.question
    assert stored.question in offer["text"].replace("&amp;", "&")  # staff saw it before confirming


def digest_all(slack: Slack) -> list[dict]:
    slack.runtime.slack.approvals.post_digest()
    return slack.fake.sent("chat.postMessage", MAKINO)


# ---- doctor, the week before Pattern 4 opens -------------------------------------------------------

def test_doctor_warns_from_seven_days_before_pattern_4_opens_while_drafts_await(runtime, settings, tmp_path):
    from freezegun import freeze_time
    from bot.doctor import Status, check_approvals
    plan = tmp_path / "p4.toml"
    plan.write_text('timezone = "Asia/Tokyo"\n[[stage]]\nstart = 2026-12-14\ncohorts = ["*"]\npatterns = [4]\n',
                    encoding="utf-8")
    staged = replace(settings, rollout_file=plan)
    with freeze_time("2026-12-06 14:59:00"):  # 23:59 on 6 December in Tokyo: eight days before
        early = check_approvals(staged, None, True)
    with freeze_time("2026-12-06 15:00:00"):  # 00:00 on 7 December in Tokyo: seven days before
        due = check_approvals(staged, None, True)
    assert early.status == Status.OK and "承認待ちが 1件" in early.text
    assert due.status == Status.WARN and "12/14 に公開" in due.text and "knowledge approvals" in due.fix
    (runtime.settings.knowledge_dir / "t4-motivation.md").write_text(
        (runtime.settings.knowledge_dir / "t4-motivation.md").read_text(encoding="utf-8").replace(
            "source: test", "source: test\napproved_by: makino"), encoding="utf-8")
    with freeze_time("2026-12-10 03:00:00"):
        ready = check_approvals(staged, None, True)
    assert ready.status == Status.OK and "承認待ちはありません" in ready.text


def test_the_persona_prompt_is_honest_about_being_an_ai():
    from bot.patterns import system_prompt
    prompt = system_prompt(4)
    for rule in ("牧野本人ではありません", "診断はしません", "薬や治療", "スタッフが読み", "本人承認済み"):
        assert rule in prompt, rule
    assert "一人称「私は」で語ります" not in prompt and "牧野として" not in prompt


def test_with_claude_pattern_4_supports_in_its_own_voice_before_anything_is_approved(claude_runtime, fake_anthropic):
    support = "お話しくださってありがとうございます。塾の AI として、一緒に今日できる小さな一歩を考えます。"
    fake_anthropic.route("POST", MESSAGES, (200, message(support, confidence=0.8, ids=())))
    reply = Chat(claude_runtime).say("最近仕事がうまくいかなくて落ち込んでいます", pattern=4)
    assert reply.kind == "answer" and reply.text.startswith(support) and reply.knowledge_ids == ()
    fake_anthropic.route("POST", MESSAGES, (200, message("わかりません。", confidence=0.3, ids=(), needs_human=True)))
    unsure = Chat(claude_runtime, user="u3").say("来月の勉強会の場所はどこですか", pattern=4)
    assert unsure.escalation_reason == "no_knowledge"  # the rest goes to staff


def test_a_pattern_4_entry_a_staff_member_once_approved_is_still_a_draft(runtime):
    # Before this rule, a confirmed Pattern 4 answer was learned with the confirming staff member's id.
    from bot.knowledge import Entry
    legacy = Entry(id="p4-esc0009", pattern=4, question="断られ続けて落ち込んでいます", body="スタッフの言葉です。",
                   source="escalation #9", approved_by="U0STAFF")
    runtime.knowledge.learn(legacy)
    assert "p4-esc0009" in [e.id for e in runtime.core.approvals.pending()]
    assert "スタッフの言葉" not in Chat(runtime).say("断られ続けて落ち込んでいます", pattern=4).text


def test_the_digest_goes_once_a_morning_from_nine_in_tokyo(slack):
    import datetime as dt
    desk = slack.runtime.slack.approvals
    utc = dt.timezone.utc
    assert desk.daily_digest(dt.datetime(2026, 12, 7, 23, 59, tzinfo=utc)) == 0  # 08:59 on 8 December in Tokyo
    assert desk.daily_digest(dt.datetime(2026, 12, 8, 0, 0, tzinfo=utc)) == 1
    assert desk.daily_digest(dt.datetime(2026, 12, 8, 3, 0, tzinfo=utc)) == 0  # once that day
    assert len(slack.fake.sent("chat.postMessage", MAKINO)) == 2  # the header and the one draft


def test_a_learned_draft_staff_took_back_cannot_be_approved(slack):
    from adapters import slack_blocks as blocks
    member_asks(slack, "お客様との約束の時間に遅れてしまい、自分が情けないです")
    _, thread = staff_answers(slack, "まずは誠実にお詫びしましょう。")
    [row] = learned_rows()
    undo = next(button(m, blocks.UNDO_KNOWLEDGE) for m in slack.thread(thread) if button(m, blocks.UNDO_KNOWLEDGE))
    slack.press(STAFF, blocks.UNDO_KNOWLEDGE, undo["value"], thread_ts=thread)
    slack.press(MAKINO, approvals.APPROVE, row.id, channel=MAKINO_DM)
    assert "見つかりません" in slack.ephemerals(MAKINO)[-1]
    assert not KnowledgeEntry.get_by_id(row.id).active and KnowledgeEntry.get_by_id(row.id).approved_by is None


def test_the_escalation_post_says_what_answering_will_store(slack):
    slack.dm("もう死にたいです")
    assert "ナレッジに保存しません" in text_of(slack.escalation_post())
    member_asks(slack, "お客様との約束の時間に遅れてしまい、自分が情けないです")
    assert "牧野さんの承認待ちの下書き" in text_of(slack.escalation_post())
