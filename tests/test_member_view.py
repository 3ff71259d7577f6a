"""What members see: answers rendered per channel, the crisis reply on a phone, replies that fit the moment,
and LINE events as the SDK's own fixtures send them (signed webhooks, the real SDK against a fake LINE)."""
from __future__ import annotations

import copy
import datetime as dt
import json
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from freezegun import freeze_time

from adapters.line_messages import to_line_messages
from adapters.line_postback import PostbackCodec
from adapters.local import render
from adapters.slack_blocks import reply_message
from adapters.web import create_app
from app import build_runtime
from bot.answering import AnswerRequest, OfflineAnswerer
from bot.helplines import LINES
from bot.knowledge import load_dir
from bot.messages import Reply
from bot.models import Escalation, Job, Question
from bot.office_hours import OfficeHours
from bot.patterns import PATTERNS
from bot.render import is_plain, mrkdwn, plain
from bot.safety import crisis_message, crisis_more, gentle_line, is_crisis_reply, someone_in_danger_message
from bot.safety.replies import STAFF_TOLD
from bot.states import Waiting
from bot.texts import notices, welcome
from bot.texts.holding import holding, staff_answer_intro
from conftest import Chat
from fakes import line_signature
from test_line import PUSH, REPLY, line_api, line_server  # noqa: F401 (the fake Messaging API and its fixtures)

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data" / "line"
JST = ZoneInfo("Asia/Tokyo")
SECRET, TOKEN = "test-line-channel-secret", "test-line-access-token"
ALICE = "U4af4980629000000000000000000aaaa"
BOB = "U4af4980629000000000000000000bbbb"
MARKDOWN_ANSWER = """\
---
id: t1-render
question: 法人契約の定期保険の損金算入割合の区分は？
tags: [損金算入, 最高解約返戻率]
source: test
---
## 区分の考え方
**最高解約返戻率**によって区分されます。

| 最高解約返戻率 | 資産計上 |
|---|---|
| 50%以下 | 全額損金 |
| 50%超70%以下 | 40%を資産計上 |

- 詳しくは[国税庁](https://www.nta.go.jp/)をご覧ください
- 最終的には税理士にご確認ください
"""


# ---- rendering ----------------------------------------------------------------------------------

def test_plain_drops_markers_and_keeps_structure_and_links():
    text = plain(MARKDOWN_ANSWER.split("---\n", 2)[2])
    assert "【区分の考え方】" in text and "最高解約返戻率によって" in text
    assert "・50%以下：全額損金" in text and "|" not in text and "**" not in text
    assert "・詳しくは国税庁（https://www.nta.go.jp/）をご覧ください" in text and is_plain(text)


def test_mrkdwn_bolds_for_slack_and_escapes_its_control_characters():
    text = mrkdwn("**大切** な点 <注意> & [国税庁](https://www.nta.go.jp/)\n- 一つ目")
    assert "*大切*" in text and "**" not in text and "&lt;注意&gt; &amp;" in text
    assert "<https://www.nta.go.jp/|国税庁>" in text and "• 一つ目" in text


def test_is_plain_finds_each_marker():
    assert not is_plain("**太字**") and not is_plain("## 見出し") and not is_plain("| a | b |\n|---|---|")
    assert is_plain("・箇条書き\n【見出し】\n50%超：40%")


def _offline_answers() -> list[tuple[str, str]]:
    entries, _ = load_dir(ROOT / "knowledge")
    answers = []
    for entry in entries:
        hit = type("Hit", (), {"entry": entry, "answers": True, "confidence": 0.9, "asked_as": 1.0, "passage": None})()
        request = AnswerRequest(pattern=PATTERNS[entry.pattern or 1], question=entry.question, hits=[hit], scope=[],
                                history=[], deadline=time.time() + 10)
        answers.append((entry.id, OfflineAnswerer().answer(request).text))
    return answers


def _fixed_replies() -> list[str]:
    hours = OfficeHours()
    times = [dt.datetime(2026, 12, d, h, tzinfo=JST) for d, h in ((7, 11), (7, 23), (10, 9), (12, 3), (13, 20))]
    texts = [someone_in_danger_message(), gentle_line(), welcome.welcome("山田"), welcome.welcome(again=True),
             welcome.GROUP_INVITE, welcome.STICKER, welcome.nudge("😢"), welcome.nudge("👍"), *vars(notices).values()]
    for when in times:
        texts += [crisis_message(said, when) for said in ("死にたい", "今から屋上から飛び降ります", "")]
        texts += [crisis_more(when), welcome.greeting_reply("hello", "お疲れ様です", when, PATTERNS[1].invitation)]
        texts += [holding(why, when=when, hours=hours, said="疲れました", feelings=f) for why in Waiting
                  for f in (True, False)]
    return [t for t in texts if isinstance(t, str)]


def test_no_line_message_of_any_reply_or_knowledge_answer_shows_markdown():
    codec = PostbackCodec("s")
    replies = [Reply(text) for _, text in _offline_answers()] + [Reply(t) for t in _fixed_replies()]
    replies.append(Reply(crisis_message("死にたい"), more=(crisis_more(),)))
    shown = [m.text for reply in replies for m in to_line_messages(reply, codec)]
    assert len(shown) > 150 and [t for t in shown if not is_plain(t)] == []
    # the knowledge does have Markdown: the test would catch it
    assert any(not is_plain(text) for _, text in _offline_answers())


# ---- the crisis reply on a phone ---------------------------------------------------------------

def test_the_crisis_reply_answers_what_was_said_and_gives_the_free_lines_open_now():
    night = dt.datetime(2026, 12, 8, 3, 0, tzinfo=JST)  # a Tuesday, 3 a.m.: #いのちSOS opens at 6 on Tuesdays
    text = crisis_message("もう疲れました。消えたいです", night)
    assert text.startswith("消えてしまいたいと思うほど") and "このままここに書いてください" in text
    assert "0120-279-338" in text and "0120-061-338" not in text and "0120-783-556" not in text
    assert text.rstrip().endswith(STAFF_TOLD) and "共有しました" not in text and len(text) < 300
    evening = dt.datetime(2026, 12, 8, 17, 0, tzinfo=JST)
    first, more = crisis_message("死にたい", evening), crisis_more(evening)
    assert "0120-061-338" in first and "0120-279-338" in first and "0120-783-556" not in first
    assert all(line.number in first + more for line in LINES) and "119" in more


def test_immediate_danger_asks_to_step_away_and_call_119_first():
    text = crisis_message("今、会社のビルの屋上にいます。これから飛び降ります")
    assert text.index("離れてください") < text.index("119") < text.index("0120-279-338")
    assert "切らずに" in text and is_crisis_reply(text)
    assert "離れてください" not in crisis_message("もう生きていたくない")


def test_someone_else_in_danger_keeps_its_practical_steps():
    text = someone_in_danger_message()
    assert "119" in text and "胸骨圧迫" in text and "AED" in text and is_crisis_reply(text)


# ---- replies that fit the moment ------------------------------------------------------------

def test_holding_messages_differ_by_why_and_say_when_staff_reply_outside_hours():
    hours = OfficeHours()
    friday_night = dt.datetime(2026, 12, 11, 22, 0, tzinfo=JST)
    tuesday_noon = dt.datetime(2026, 12, 8, 12, 0, tzinfo=JST)
    feelings = holding(Waiting.QUESTION, when=tuesday_noon, hours=hours, said="最近疲れてしまって", feelings=True)
    assert "ご質問" not in feelings and "お疲れさま" in feelings and "ここに書いて" in feelings
    assert "法令" in holding(Waiting.COMPLIANCE, when=tuesday_noon, hours=hours)
    assert "おつなぎします" in holding(Waiting.PERSON, when=tuesday_noon, hours=hours)
    assert "少しお時間" in holding(Waiting.QUESTION, when=tuesday_noon, hours=hours)
    late = holding(Waiting.QUESTION, when=friday_night, hours=hours)
    assert "平日10時〜18時" in late and "12月14日（月）の10時以降" in late
    assert "明日の10時以降" in holding(Waiting.PERSON, when=dt.datetime(2026, 12, 8, 19, tzinfo=JST), hours=hours)
    assert "今日の10時以降" in holding(Waiting.PERSON, when=dt.datetime(2026, 12, 8, 7, tzinfo=JST), hours=hours)


def test_office_hours_setting_is_parsed_and_refused_with_its_name():
    from bot.config import ConfigError, load_settings
    assert load_settings({"OFFICE_HOURS": "mon-sat 9-17"}, env_file=None).office_hours == OfficeHours(
        frozenset(range(6)), 9, 17)
    with pytest.raises(ConfigError, match="OFFICE_HOURS"):
        load_settings({"OFFICE_HOURS": "weekdays"}, env_file=None)


def test_a_staff_answer_names_the_day_and_never_quotes_feelings_back():
    today = dt.date(2026, 12, 8)
    assert staff_answer_intro(asked=today, today=today, question="告知義務は？", feelings=False).startswith(
        "今日いただいたご質問「告知義務は？」")
    assert staff_answer_intro(asked=dt.date(2026, 12, 7), today=today, question="q", feelings=False).startswith("昨日")
    assert staff_answer_intro(asked=dt.date(2026, 12, 1), today=today, question="q", feelings=False).startswith(
        "12月1日に")
    said = "もう全部やめたい、つらい"
    assert said not in staff_answer_intro(asked=today, today=today, question=said, feelings=True)


def test_feelings_sent_to_staff_get_warm_words_not_your_question(runtime):
    with freeze_time(dt.datetime(2026, 12, 8, 3, 0)):  # 12:00 in Japan, a Tuesday
        reply = Chat(runtime).say("最近、何をしても空回りで気持ちが沈んでいます", pattern=4)
    assert reply.escalated and "ご質問" not in reply.text and "沈みますよね。話してくださって" in reply.text


def test_a_delivered_staff_answer_says_today_and_does_not_quote_a_pattern4_message(runtime):
    reply = Chat(runtime).say("最近、何をしても空回りで気持ちが沈んでいます", pattern=4)
    delivered = []
    runtime.core.escalations.outbox.deliverers["local"] = type(
        "D", (), {"deliver": lambda self, r, rep: delivered.append(rep) or "post"})()
    runtime.core.escalations.resolve(reply.escalation_id, "話してくれてありがとう。", answered_by="U1", source="staff")
    assert delivered[0].text.startswith("今日いただいたメッセージに") and "空回り" not in delivered[0].text


@pytest.mark.parametrize("said, at_utc, expected", [
    ("お疲れ様です", dt.datetime(2026, 12, 8, 14), "お疲れさまです。"),  # 23:00 in Japan
    ("Hello", dt.datetime(2026, 12, 8, 11), "こんばんは。"),  # 20:00
    ("hey", dt.datetime(2026, 12, 8, 23), "おはようございます。"),  # 8:00 next day
    ("Hi there!", dt.datetime(2026, 12, 8, 4), "こんにちは。"),  # 13:00
])
def test_greetings_follow_the_hour_and_the_members_words_and_are_not_escalated(runtime, said, at_utc, expected):
    with freeze_time(at_utc):
        reply = Chat(runtime).say(said, pattern=1)
    assert reply.text.startswith(expected) and not reply.escalated and reply.out_of_scope
    assert "AI アシスタントです" not in reply.text


def test_english_thanks_is_thanks_and_emoji_get_a_friendly_nudge(runtime):
    chat = Chat(runtime)
    assert chat.say("Thanks a lot!", pattern=1).text == welcome.THANKS
    assert chat.say("😢", pattern=1).text == welcome.SAD and chat.say("👍👍", pattern=1).text == welcome.EMOJI
    assert Escalation.select().count() == 0


def test_the_not_open_message_says_when_the_members_own_patterns_open(settings, desk, tmp_path):
    plan = tmp_path / "staged.toml"
    plan.write_text('timezone = "Asia/Tokyo"\n[[stage]]\nstart = 2026-12-01\ncohorts = ["academy_member"]\n'
                    'patterns = [1]\n[[stage]]\nstart = 2026-12-07\ncohorts = ["doctor_trainee"]\npatterns = [2]\n',
                    encoding="utf-8")
    rt = build_runtime(replace(settings, rollout_file=plan), desk=desk)
    try:
        with freeze_time(dt.datetime(2026, 12, 3, 3)):
            reply = Chat(rt, cohort="doctor_trainee").say("開業医の承継で最初に確認することは？", pattern=1)
        assert reply.kind == "notice" and "Pattern 2「ドクター」は、12月7日から" in reply.text
    finally:
        rt.stop()
        rt.database.close()


def test_ask_does_not_invite_feedback_it_cannot_take_but_chat_does(runtime):
    reply = Chat(runtime).say("クーリング・オフはいつまで？", pattern=1)
    assert reply.answer_id and "/good" not in render(reply) and "/good" in render(reply, feedback=True)


def test_a_slack_reply_is_mrkdwn_with_the_crisis_lines_set_apart():
    message = reply_message(Reply("**大切**なこと", more=("ほかの相談先です。",)))
    sections = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]
    assert "*大切*" in sections[0] and "**" not in json.dumps(message, ensure_ascii=False)
    assert {"type": "divider"} in message["blocks"] and sections[1] == "ほかの相談先です。"


# ---- LINE through the signed webhook -----------------------------------------------------------

@pytest.fixture
def line_runtime(settings, desk, line_api, knowledge_dir):
    (knowledge_dir / "t1-render.md").write_text(MARKDOWN_ANSWER, encoding="utf-8")
    rt = build_runtime(replace(settings, line_channel_secret=SECRET, line_channel_access_token=TOKEN,
                               line_api_base_url=line_api.url), desk=desk)
    yield rt
    rt.stop()
    rt.database.close()


@pytest.fixture
def client(line_runtime) -> TestClient:
    return TestClient(create_app(line_runtime))


def event(name: str, **changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))["events"][0])
    raw["timestamp"] = int(time.time() * 1000)
    raw.update(changes)
    return raw


def deliver(client: TestClient, runtime, *events: dict[str, Any]) -> None:
    raw = json.dumps({"destination": "Ubot", "events": list(events)}, ensure_ascii=False).encode()
    response = client.post("/line/webhook", content=raw, headers={
        "Content-Type": "application/json", "X-Line-Signature": line_signature(raw, SECRET)})
    assert response.status_code == 200
    runtime.queue.run_pending()


def shown(line_api) -> list[list[str]]:
    return [[m["text"] for m in c.json["messages"]] for c in line_api.calls_to(REPLY) + line_api.calls_to(PUSH)]


def text_event(text: str, n: int, **changes: Any) -> dict[str, Any]:
    raw = event("text", webhookEventId=f"01H810YECXQQZ37VAXPF6H{n:04d}", replyToken=f"token{n}", **changes)
    raw["message"] = dict(raw["message"], text=text, id=str(1000 + n))
    return raw


def test_a_markdown_answer_reaches_line_as_plain_text(client, line_runtime, line_api):
    deliver(client, line_runtime, text_event("法人契約の定期保険の損金算入割合の区分は？", 1))
    [messages] = shown(line_api)
    assert "・50%以下：全額損金" in messages[0] and all(is_plain(m) for m in messages)


def test_a_crisis_on_line_is_a_short_first_message_then_the_other_lines(client, line_runtime, line_api):
    deliver(client, line_runtime, text_event("もう疲れた。死にたい", 2))
    [messages] = shown(line_api)
    assert len(messages) == 2 and is_crisis_reply(messages[0]) and len(messages[0]) < 300
    assert messages[1].startswith("ほかの相談先です") and "0570-064-556" in messages[1]


def test_a_text_without_quote_token_is_answered_not_refused(client, line_runtime, line_api):
    raw = text_event("クーリング・オフはいつまで？", 3)
    del raw["message"]["quoteToken"]  # as in the SDK's own fixtures
    deliver(client, line_runtime, raw)
    [messages] = shown(line_api)
    assert "8日以内" in messages[0] and messages[0] != notices.TEXT_ONLY


def test_a_follow_without_detail_is_welcomed_and_a_refollow_welcomed_back(client, line_runtime, line_api):
    line_api.route("GET", f"/v2/bot/profile/{ALICE}", (200, {"displayName": "佐藤", "userId": ALICE}))
    raw = event("follow", webhookEventId="01H810YECXQQZ37VAXPF6HF001")
    raw["source"]["userId"] = ALICE
    del raw["follow"]
    deliver(client, line_runtime, raw)
    unfollow = event("unfollow", webhookEventId="01H810YECXQQZ37VAXPF6HF002")
    unfollow["source"]["userId"] = ALICE
    again = dict(copy.deepcopy(raw), webhookEventId="01H810YECXQQZ37VAXPF6HF003", replyToken="again")
    deliver(client, line_runtime, unfollow)
    deliver(client, line_runtime, again)
    first, back = shown(line_api)
    assert first[0].startswith("佐藤さん、友だち追加ありがとうございます") and back[0].startswith("佐藤さん、おかえりなさい")


def test_in_a_group_the_bot_invites_one_to_one_on_join_and_mention_only(client, line_runtime, line_api):
    group = {"type": "group", "groupId": "Ca56f94637c000000000000000000gggg", "userId": ALICE}
    join = {"type": "join", "timestamp": int(time.time() * 1000),
            "source": {"type": "group", "groupId": group["groupId"]},
            "replyToken": "join", "mode": "active", "webhookEventId": "01H810YECXQQZ37VAXPF6HJ001",
            "deliveryContext": {"isRedelivery": False}}
    mention = text_event("@牧野生保塾 教えて", 4, source=group)
    mention["message"]["mention"] = {"mentionees": [{"index": 0, "length": 6, "type": "user", "isSelf": True}]}
    chatter = text_event("今日の飲み会どうする？", 5, source=group)
    deliver(client, line_runtime, join, mention, chatter)
    assert shown(line_api) == [[welcome.GROUP_INVITE], [welcome.GROUP_INVITE]]
    assert Question.select().count() == 0


def test_a_members_messages_in_one_batch_are_answered_in_order(client, line_runtime, line_api):
    deliver(client, line_runtime, text_event("クーリング・オフはいつまで？", 6), text_event("😢", 7),
            text_event("死亡保険金の非課税枠は？", 8, source={"type": "user", "userId": BOB}))
    tokens = [c.json["replyToken"] for c in line_api.calls_to(REPLY)]
    assert tokens.index("token6") < tokens.index("token7")
    # one job per member: its events run one after another, whatever the number of workers
    jobs = {tuple(e["event"]["replyToken"] for e in job.payload["events"]) for job in Job.select()}
    assert jobs == {("token6", "token7"), ("token8",)}


def test_the_same_text_twice_within_minutes_is_one_escalation(client, line_runtime, line_api):
    deliver(client, line_runtime, text_event("担当者と話したいです", 9))
    deliver(client, line_runtime, text_event("担当者と話したいです", 10))
    assert len(shown(line_api)) == 2 and Escalation.select().count() == 1


def test_the_line_preview_shows_the_crisis_reply_and_a_long_answer_at_phone_width(tmp_path):
    sys.path.insert(0, str(ROOT / "tools"))
    from line_preview import CRISIS_SAID, write_preview
    page = write_preview(tmp_path / "preview.html", hour=23).read_text(encoding="utf-8")
    assert "width: 390px" in page and "0120-279-338" in page and "ほかの相談先です" in page
    assert page.count("class='bot'") >= 3 and "**" not in page and "|---" not in page
    assert CRISIS_SAID in page and "Good" in page


def test_the_line_preview_says_in_japanese_where_it_wrote_and_how_to_open_it(tmp_path):
    out = tmp_path / "preview.html"
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "line_preview.py"), str(out)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"LINE での見え方のプレビューを書き出しました: {out}" in result.stdout
    assert out.as_uri() in result.stdout and "ブラウザ" in result.stdout and "コピー" in result.stdout


# ---- Slack through the signed endpoint ---------------------------------------------------------

from test_slack import DM, Slack, fake_slack, slack_settings  # noqa: E402,F401  (the Slack harness and its fixtures)


def test_a_markdown_answer_reaches_slack_as_mrkdwn(slack_settings, fake_slack, knowledge_dir):
    (knowledge_dir / "t1-render.md").write_text(MARKDOWN_ANSWER, encoding="utf-8")
    runtime = build_runtime(slack_settings)
    try:
        Slack(runtime, fake_slack).dm("法人契約の定期保険の損金算入割合の区分は？")
        answer = fake_slack.messages(DM)[-1]
        shown = " ".join(b["text"]["text"] for b in answer["blocks"] if b["type"] == "section")
        assert "*最高解約返戻率*" in shown and "• 50%以下：全額損金" in shown and "<https://www.nta.go.jp/|国税庁>" in shown
        assert "**" not in json.dumps(answer, ensure_ascii=False) and "|---" not in shown
    finally:
        runtime.stop()
        runtime.database.close()
