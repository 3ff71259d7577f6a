"""A Slack mention thread shows that the bot is working with assistant.threads.setStatus, where the app may."""
from __future__ import annotations

from test_slack import DOCTORS, TRAINEE, fake_slack, slack, slack_settings  # noqa: F401

SET_STATUS = "/api/assistant.threads.setStatus"


def mention(slack, text: str) -> str:  # noqa: F811
    ts = slack.ts()
    slack.event({"type": "app_mention", "channel": DOCTORS, "user": TRAINEE, "text": f"<@U0BOT> {text}", "ts": ts,
                 "event_ts": ts})
    slack.work()
    return ts


def test_a_mention_thread_shows_the_thinking_status(slack):  # noqa: F811
    ts = mention(slack, "開業医の事業承継で最初に確認すべきことは？")
    [status] = slack.fake.calls_to(SET_STATUS)
    assert status.json["channel_id"] == DOCTORS and status.json["thread_ts"] == ts
    assert status.json["status"] and "出資持分" in str(slack.fake.sent("chat.update", DOCTORS)[-1])


def test_an_app_without_the_scope_is_asked_once_and_still_answers(slack):  # noqa: F811
    slack.fake.route("POST", SET_STATUS, (200, {"ok": False, "error": "missing_scope", "needed": "assistant:write"}))
    mention(slack, "開業医の事業承継で最初に確認すべきことは？")
    mention(slack, "医療法人の出資持分とは？")
    assert len(slack.fake.calls_to(SET_STATUS)) == 1
    assert len(slack.fake.sent("chat.update", DOCTORS)) >= 2  # both answered in place
