"""The Slack adapter's pure conversions and block builders, with JSON fixtures (no HTTP)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from adapters import slack_blocks as blocks
from adapters.slack import COMMAND, EVENTS_PATH
from adapters.slack_convert import (conversation_of, parse_conversation, plain_text, reply_target, route_event,
                                    to_action, to_incoming)
from bot.escalation import EscalationView
from bot.messages import Button, Reply

DATA = Path(__file__).parent / "data" / "slack"
ROOT = Path(__file__).parent.parent
EVENTS = json.loads((DATA / "events.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(EVENTS))
def test_each_event_is_routed_or_ignored(name):
    case = EVENTS[name]
    assert route_event(case["event"], operator_channel="C0OPS") == case["expect"]


def test_a_mention_becomes_a_question_in_its_thread_of_a_bound_channel():
    event = EVENTS["mention"]["event"]
    message = to_incoming(event, display_name="山田", channel_patterns={"C0DOCTOR": 2})
    assert message.text == "開業医の事業承継で最初に確認すべきことは？"  # the bot's mention is not the question
    assert message.pattern == 2 and message.channel == "slack" and message.user_id == "U0TRAINEE"
    assert reply_target(event) == ("C0DOCTOR", "1700000100.000100")
    assert message.conversation_id == "C0DOCTOR:1700000100.000100"


def test_dm_conversations_are_the_dm_or_its_thread():
    assert conversation_of(EVENTS["dm"]["event"]) == "D0TRAINEE"
    assert reply_target(EVENTS["dm"]["event"]) == ("D0TRAINEE", None)
    assert conversation_of(EVENTS["dm_in_thread"]["event"]) == "D0TRAINEE:1700000000.000100"
    assert parse_conversation("C1:170.1") == ("C1", "170.1") and parse_conversation("D1") == ("D1", None)


def test_plain_text_decodes_slack_escaping():
    raw = "<@U0BOT> A &amp; B &lt;重要&gt; 詳しくは <https://example.com/a|資料> と <https://example.com/b>"
    assert plain_text(raw) == "A & B <重要> 詳しくは 資料 (https://example.com/a) と https://example.com/b"


def test_block_actions_payload_to_action():
    body = json.loads((DATA / "block_actions.json").read_text(encoding="utf-8"))
    action = to_action(body)
    assert (action.action_id, action.value, action.user_id) == ("bansou_feedback_bad", "12", "U0TRAINEE")
    assert (action.channel, action.message_ts, action.thread_ts) == ("C0DOCTOR", "1700000101.000200",
                                                                     "1700000100.000100")
    assert action.trigger_id == "123.456.abc" and not action.in_home


def test_answer_blocks_carry_good_and_bad_and_escape_text():
    reply = Reply("A < B & C", buttons=(Button("👍 Good", "feedback_good", "7"), Button("👎 Bad", "feedback_bad", "7")))
    message = blocks.reply_message(reply)
    assert message["blocks"][0]["text"]["text"] == "A &lt; B &amp; C"
    ids = [(e["action_id"], e["value"]) for e in message["blocks"][-1]["elements"]]
    assert ids == [(blocks.FEEDBACK_GOOD, "7"), (blocks.FEEDBACK_BAD, "7")]


def test_long_answers_are_split_into_sections():
    message = blocks.reply_message(Reply("あ" * 7000))
    assert len(message["blocks"]) == 3 and all(len(b["text"]["text"]) <= 3000 for b in message["blocks"])


def test_escalation_post_shows_everything_and_buttons_only_while_open():
    view = EscalationView(id=5, question="質問です", user_name="山田", user_channel="line", cohort="academy_member",
                          pattern=1, reason="low_confidence", urgency="high", draft="下書き", confidence=0.42,
                          knowledge_ids=("t1-0001",), thread="1.1", user_id="Uline")
    message = blocks.escalation_message(view, mention_ids=("U0ONCALL",))
    text = json.dumps(message, ensure_ascii=False)
    for part in ("<@U0ONCALL>", "質問です", "山田", "LINE", "academy_member", "確信度が低い", "0.42", "t1-0001", "下書き"):
        assert part in text
    actions = [e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert actions == [blocks.SEND_AI_DRAFT, blocks.ASK_MAKINO, blocks.LABEL_SAFETY]
    answered = blocks.escalation_message(EscalationView(**{**view.__dict__, "status": "answered"}))
    left = [e["action_id"] for b in answered["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert left == [blocks.LABEL_SAFETY] and "回答済み" in json.dumps(answered, ensure_ascii=False)  # a label any time


def test_manifest_declares_exactly_what_the_adapter_uses():
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    settings = manifest["settings"]
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == [COMMAND]
    assert settings["event_subscriptions"]["request_url"].endswith(EVENTS_PATH)
    assert settings["interactivity"]["request_url"].endswith(EVENTS_PATH)
    assert sorted(settings["event_subscriptions"]["bot_events"]) == sorted(
        ["app_mention", "app_home_opened", "message.im", "message.channels", "message.groups"])
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(
        ["app_mentions:read", "channels:history", "groups:history", "im:history", "chat:write", "commands",
         "users:read", "files:write", "channels:read", "groups:read"])  # the last two: doctor's conversations.info
