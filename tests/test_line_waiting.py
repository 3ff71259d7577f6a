"""A LINE member waiting for Claude: the answer's deadline comes from the reply window, the loading animation
is renewed while they wait, and a month's quota spent (429) is not retried and alerts the operators once."""
from __future__ import annotations

import time
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from linebot.v3.webhooks import Event

from adapters import line_messages as lm
from adapters.web import create_app
from app import build_runtime
from test_claude import MESSAGES, message
from bot.models import Job
from test_line import (LOADING, PUSH, REPLY, deliver, line_api, line_server, line_settings, post,  # noqa: F401
                       webhook)

QUOTA_SPENT = (429, {"message": "You have reached your monthly limit."})
TOO_FAST = (429, {"message": "The API rate limit has been exceeded. Try again later."})


def event(age: float) -> Event:
    return Event.from_dict(webhook("text", age=age)["events"][0])


def test_the_answer_deadline_leaves_room_to_send_within_the_reply_window():
    now = time.time()
    fresh = lm.to_incoming(event(age=0.0), now=now)
    assert fresh.deadline == pytest.approx(now + lm.REPLY_WINDOW_SECONDS - lm.SEND_SECONDS, abs=0.01)
    late = lm.to_incoming(event(age=lm.REPLY_WINDOW_SECONDS - 3), now=now)
    assert late.deadline is None  # the reply window is (nearly) gone: pushed, on the core's own budget


@pytest.fixture
def slow_claude_runtime(line_settings, desk, fake_anthropic):  # noqa: F811
    def slow(_call):
        time.sleep(1.2)
        return 200, message()
    fake_anthropic.route("POST", MESSAGES, slow)
    rt = build_runtime(replace(line_settings, anthropic_api_key="k"), desk=desk)
    yield rt
    rt.stop()
    rt.database.close()


def test_the_loading_animation_is_renewed_while_claude_thinks(slow_claude_runtime, line_api):  # noqa: F811
    app = create_app(slow_claude_runtime)
    app.state.line.loading_every = 0.3
    deliver(TestClient(app), slow_claude_runtime, webhook("text"))
    assert len(line_api.calls_to(LOADING)) >= 3  # shown at once, then renewed until the answer was ready
    [reply] = line_api.calls_to(REPLY)
    assert line_api.calls_to(PUSH) == [] and reply.json["messages"]
    count = len(line_api.calls_to(LOADING))
    time.sleep(0.5)
    assert len(line_api.calls_to(LOADING)) == count  # and no longer once it was sent


def test_the_loading_animation_is_renewed_while_the_message_waits_in_the_queue(slow_claude_runtime,
                                                                              line_api):  # noqa: F811
    app = create_app(slow_claude_runtime)
    app.state.line.signs.renew_every = 0.3  # LINE's animation lasts 60 s: renewed after 50 s in service
    app.state.line.loading_every = 0.3
    assert post(TestClient(app), webhook("text")).status_code == 200
    time.sleep(1.2)  # no worker has taken the job yet
    queued = line_api.calls_to(LOADING)
    assert len(queued) >= 3 and {c.json["loadingSeconds"] for c in queued} == {60}  # shown, then renewed
    assert Job.get().status == "pending" and line_api.calls_to(REPLY) == []
    slow_claude_runtime.queue.run_pending()  # a worker answers, slowly: the job renews the animation itself
    [reply] = line_api.calls_to(REPLY)
    assert reply.json["messages"] and len(line_api.calls_to(LOADING)) > len(queued)
    count = len(line_api.calls_to(LOADING))
    time.sleep(0.8)
    assert len(line_api.calls_to(LOADING)) == count  # nothing once the answer was sent
    assert app.state.line.signs._queued == {}


def test_a_stopping_server_stops_renewing_the_animation(slow_claude_runtime, line_api):  # noqa: F811
    app = create_app(slow_claude_runtime)
    app.state.line.signs.renew_every = 0.3
    assert post(TestClient(app), webhook("text")).status_code == 200
    time.sleep(0.5)
    assert line_api.calls_to(LOADING)  # the message waits: the animation is shown and renewed
    slow_claude_runtime.stop(drain=0)  # what `serve` does as it stops, before the database closes
    time.sleep(0.2)  # a renewal already on its way may land
    count = len(line_api.calls_to(LOADING))
    time.sleep(0.8)
    assert len(line_api.calls_to(LOADING)) == count and Job.get().status == "pending"
    assert post(TestClient(app), webhook("text", webhookEventId="01H810YECXQQZ37VAXPF6H9AFT")).status_code == 200  # stored all the same
    assert len(line_api.calls_to(LOADING)) == count


@pytest.fixture
def line_runtime(line_settings, desk):  # noqa: F811
    rt = build_runtime(line_settings, desk=desk)
    yield rt
    rt.stop()
    rt.database.close()


@pytest.mark.parametrize("refusal, attempts, alerted", [(QUOTA_SPENT, 1, True), (TOO_FAST, 3, False)])
def test_a_spent_quota_is_not_retried_and_alerts_once(line_runtime, line_api, desk, refusal, attempts,
                                                      alerted):  # noqa: F811
    line_api.route("POST", PUSH, refusal)
    app = create_app(line_runtime)
    app.state.line.client.retry_delays = (0.01, 0.01)
    http = TestClient(app)
    for n in range(2):  # too old for a reply: pushed
        deliver(http, line_runtime, webhook("text", age=120, webhookEventId=f"01HQUOTA{n}", replyToken=f"t{n}"))
    assert len(line_api.calls_to(PUSH)) == 2 * attempts
    quota_alerts = [a for a in desk.alerts if "上限に達しました" in a]
    assert len(quota_alerts) == (1 if alerted else 0)
