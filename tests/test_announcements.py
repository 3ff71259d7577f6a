"""Proactive announcements: a theme rises in a cohort, the weekly job posts a draft to the operators (fake
Slack), a staff press sends it by LINE multicast (fake LINE) to exactly the cohort's members who did not stop
announcements, the month's quota checked first."""
from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import replace

import pytest
from freezegun import freeze_time

from adapters import slack_announcements as desk
from adapters.announce_slack import STOP
from adapters.slack import RESUME_ANNOUNCEMENTS
from app import build_runtime
from bot import users
from bot.models import Announcement, AnnouncementOptOut, utcnow
from reports.metrics import line_pushes
from reports.periods import monthly
from conftest import Chat
from fakes import FakeServer, line_signature
from slack_harness import button, form_body, text_of
from test_line import PUSH, REPLY, webhook
from test_slack import OPS, STAFF, OTHER, Slack, fake_slack, slack_settings  # noqa: F401

QUOTA, CONSUMPTION, MULTICAST = "/v2/bot/message/quota", "/v2/bot/message/quota/consumption", "/v2/bot/message/multicast"
TOKYO = dt.timezone(dt.timedelta(hours=9))
MEMBERS, STOPPED_MEMBER, DOCTOR = ["Ua1", "Ub2"], "Uc3", "Ud4"
MONDAY_10 = dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.timezone.utc)  # Monday 10:00 in Tokyo
COOLING = ["クーリング・オフはいつまでできますか？", "クーリングオフの期限を教えてください", "クーリング・オフは何日以内ですか？",
           "クーリング・オフの期間は何日ですか？", "クーリングオフはいつまで使えますか？"]


@pytest.fixture
def line_api():
    fake = FakeServer().start()
    fake.route("GET", QUOTA, (200, {"type": "limited", "value": 1000}))
    fake.route("GET", CONSUMPTION, (200, {"totalUsage": 10}))
    fake.route("POST", MULTICAST, (200, {}))
    yield fake
    fake.stop()


@pytest.fixture
def both(slack_settings, fake_slack, line_api):
    settings = replace(slack_settings, line_channel_secret="s", line_channel_access_token="t",
                       line_api_base_url=line_api.url)
    runtime = build_runtime(settings)
    yield Slack(runtime, fake_slack)
    runtime.stop()
    runtime.database.close()


def rising_week(runtime) -> None:
    """Academy members on LINE ask about cooling-off: once three weeks ago, five times last week."""
    chats = {m: Chat(runtime, user=m, channel="line", cohort="academy_member") for m in [*MEMBERS, STOPPED_MEMBER]}
    Chat(runtime, user=DOCTOR, channel="line", cohort="doctor_trainee").say("開業医の事業承継で最初に確認すべきことは？", 2)
    with freeze_time("2026-11-10 01:00:00"):
        chats["Ua1"].say(COOLING[0], pattern=1)
    for day, text in enumerate(COOLING):
        with freeze_time(dt.datetime(2026, 12, 1, 1) + dt.timedelta(hours=day)):
            chats[[*MEMBERS, STOPPED_MEMBER][day % 3]].say(text, pattern=1, conversation=f"c{day}")
    assert chats[STOPPED_MEMBER].say("お知らせ停止").text.startswith("お知らせの配信を停止しました")


def draft_post(both: Slack) -> dict:
    assert both.runtime.slack.announcements.weekly(now=MONDAY_10) == 1
    assert both.runtime.slack.announcements.weekly(now=MONDAY_10) == 0  # once a week
    posts = [m for m in both.fake.sent("chat.postMessage", OPS) if "お知らせの下書き" in m.get("text", "")]
    assert len(posts) == 1
    return posts[0]


def test_a_rising_theme_is_drafted_and_sent_to_the_cohort_only_after_a_staff_press(both, line_api):
    rising_week(both.runtime)
    post = draft_post(both)
    shown = text_of(post)
    assert "LINE 2人" in shown and "残り送信数 990通" in shown and "t1-0002" in shown and "お知らせ停止" in shown
    assert all(button(post, a) for a in (desk.SEND, desk.SEND_EDITED, desk.SKIP))
    assert line_api.calls_to(MULTICAST) == []  # nothing is sent before a press

    value = button(post, desk.SEND)["value"]
    both.press(OTHER, desk.SEND, value, message_ts=post.get("ts", "1.1"))  # not staff: refused
    assert line_api.calls_to(MULTICAST) == [] and "スタッフだけ" in both.ephemerals(OTHER)[-1]
    both.press(STAFF, desk.SEND, value)
    multicasts = line_api.calls_to(MULTICAST)
    assert len(multicasts) == 1 and multicasts[0].json["to"] == MEMBERS  # not the one who stopped, no doctor
    assert "クーリング" in multicasts[0].json["messages"][0]["text"]
    assert uuid.UUID(multicasts[0].headers["x-line-retry-key"])
    paths = [c.path for c in line_api.calls]
    assert paths.index(CONSUMPTION) < paths.index(MULTICAST)  # the quota is read before sending
    sent = Announcement.get()
    assert (sent.status, sent.decided_by, sent.recipients, sent.cohort) == ("sent", STAFF, 2, "academy_member")
    assert "2人に送りました" in both.fake.sent("chat.update", OPS)[-1]["text"]

    both.press(STAFF, desk.SEND, value)  # a second press sends nothing more
    assert len(line_api.calls_to(MULTICAST)) == 1 and "対応済み" in both.ephemerals(STAFF)[-1]


def test_nothing_is_sent_when_the_months_quota_would_not_hold_it(both, line_api):
    line_api.route("GET", CONSUMPTION, (200, {"totalUsage": 999}))
    rising_week(both.runtime)
    post = draft_post(both)
    both.press(STAFF, desk.SEND, button(post, desk.SEND)["value"])
    assert line_api.calls_to(MULTICAST) == []
    assert "残り送信数（1通）" in both.ephemerals(STAFF)[-1] and Announcement.get().status == "failed"


def test_skipping_sends_nothing(both, line_api):
    rising_week(both.runtime)
    post = draft_post(both)
    both.press(STAFF, desk.SKIP, button(post, desk.SKIP)["value"])
    assert line_api.calls_to(MULTICAST) == [] and Announcement.get().status == "skipped"
    assert "見送りました" in both.fake.sent("chat.update", OPS)[-1]["text"]


def test_staff_edit_the_wording_and_slack_members_get_a_dm_they_can_stop(both, line_api):
    rising_week(both.runtime)
    users.add("slack", "U0SLACKMEMBER", "academy_member")
    post = draft_post(both)
    assert "Slack 1人" in text_of(post)
    value = button(post, desk.SEND_EDITED)["value"]
    both.press(STAFF, desk.SEND_EDITED, value)
    modal = both.fake.sent("views.open")[-1]["view"]
    assert modal["callback_id"] == desk.EDIT_VIEW and line_api.calls_to(MULTICAST) == []  # the form, not a send
    edited = "【お知らせ】クーリング・オフは書面を受け取った日から8日以内です。"
    view = {**modal, "id": "V1", "state": {"values": {desk.EDIT_BLOCK: {desk.EDIT_INPUT: {"value": edited}}}}}
    payload = {"type": "view_submission", "user": {"id": STAFF}, "team": {"id": "T0TEAM"}, "api_app_id": "A0APP",
               "view": view}
    assert both.post(form_body({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded").status_code == 200
    both.work()
    assert line_api.calls_to(MULTICAST)[0].json["messages"][0]["text"] == edited
    dm = both.fake.sent("chat.postMessage", "U0SLACKMEMBER")[-1]
    assert dm["text"] == edited and button(dm, STOP)
    assert (Announcement.get().recipients, Announcement.get().line_recipients) == (3, 2)  # two on LINE, one in Slack
    # the LINE multicast counts against the month's quota: the reports show it beside the pushes
    assert line_pushes(monthly(utcnow().date(), tz=TOKYO)).announced == 2

    both.press("U0SLACKMEMBER", STOP, button(dm, STOP)["value"], channel="D0SLACKMEMBER")
    assert AnnouncementOptOut.select().count() == 2  # the LINE member who wrote お知らせ停止, and this one
    assert "slack" not in both.runtime.slack.announcements.announcements.audience("academy_member")
    note = both.fake.sent("chat.postEphemeral")[-1]
    assert note["user"] == "U0SLACKMEMBER" and "お知らせの配信を停止しました" in note["text"]
    both.press("U0SLACKMEMBER", RESUME_ANNOUNCEMENTS, button(note, RESUME_ANNOUNCEMENTS)["value"], channel="D0SLACKMEMBER")
    assert both.runtime.slack.announcements.announcements.audience("academy_member")["slack"] == ["U0SLACKMEMBER"]


def line_webhook(both: Slack, body: dict) -> None:
    """A webhook signed with the LINE channel secret, posted to the app, then the queue worked."""
    raw = json.dumps(body, ensure_ascii=False).encode()
    response = both.http.post("/line/webhook", content=raw,
                              headers={"Content-Type": "application/json", "X-Line-Signature": line_signature(raw, "s")})
    assert response.status_code == 200
    both.work()


def test_a_line_member_stops_announcements_with_the_postback_under_one_and_the_next_skips_them(both, line_api):
    for path in (REPLY, PUSH):
        line_api.route("POST", path, (200, {"sentMessages": []}))
    line_api.route("POST", "/v2/bot/chat/loading/start", (202, {}))
    rising_week(both.runtime)
    post = draft_post(both)
    both.press(STAFF, desk.SEND, button(post, desk.SEND)["value"])
    [sent] = line_api.calls_to(MULTICAST)
    [stop] = [i["action"] for i in sent.json["messages"][0]["quickReply"]["items"]]
    assert (stop["type"], stop["label"]) == ("postback", "お知らせを停止する")

    line_webhook(both, webhook("postback", data=stop["data"], user="Ua1"))  # Ua1 taps it
    told = line_api.calls_to(REPLY)[-1].json["messages"][0]
    assert "お知らせの配信を停止しました" in told["text"]
    assert [i["action"]["label"] for i in told["quickReply"]["items"]] == ["お知らせを再開する"]
    assert both.runtime.core.announcements.audience("academy_member")["line"] == ["Ub2"]

    again = Announcement.create(cohort="academy_member", theme="相続税", knowledge_id="t1-0001", text="【お知らせ】相続税の非課税枠")
    both.press(STAFF, desk.SEND, str(again.id))
    assert line_api.calls_to(MULTICAST)[-1].json["to"] == ["Ub2"]  # the one who tapped is skipped

    forged = webhook("postback", data=stop["data"].replace("a=s", "a=r"), user="Ua1")  # data not ours: nothing changes
    forged["events"][0]["webhookEventId"] = "01FORGEDRESUME0000000000000"
    line_webhook(both, forged)
    assert both.runtime.core.announcements.audience("academy_member")["line"] == ["Ub2"]

    resume = webhook("text", text="お知らせ再開", user="Ua1")
    line_webhook(both, resume)
    assert line_api.calls_to(REPLY)[-1].json["messages"][0]["text"] == "お知らせの配信を再開しました。"
    assert both.runtime.core.announcements.audience("academy_member")["line"] == ["Ua1", "Ub2"]
