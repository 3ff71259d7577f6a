"""Signs of life while the queue is long: the loading animation as soon as a message is stored, the busy note
once per member through the reply token (the answer then pushed), the backlog in /healthz and on the
dashboard, and the operators alerted once."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

import peewee as pw
import pytest
from fastapi.testclient import TestClient

from adapters.line_signs import BUSY_NOTE
from adapters.web import create_app
from app import build_runtime
from bot.backlog import BacklogAlarm
from bot.models import Job, db
from test_line import (ALICE, BOB, LOADING, PUSH, REPLY, line_api, line_server, line_settings, post,  # noqa: F401
                       texts, webhook)


@pytest.fixture
def line_runtime(line_settings, desk):  # noqa: F811
    rt = build_runtime(replace(line_settings, dashboard_token="t"), desk=desk)
    yield rt
    rt.stop()
    rt.database.close()


def _backed_up(minutes: float) -> None:
    """A question stored `minutes` ago still waits: the queue is that far behind."""
    for job in Job.select():
        Job.update(created_at=job.created_at - dt.timedelta(minutes=minutes)).where(Job.id == job.id).execute()


def _signs(app) -> None:
    app.state.line.signs.flush()


def test_the_loading_animation_starts_when_the_message_is_stored(line_runtime, line_api):  # noqa: F811
    app = create_app(line_runtime)
    assert post(TestClient(app), webhook("text")).status_code == 200
    _signs(app)
    [loading] = line_api.calls_to(LOADING)  # before any worker took the job
    assert loading.json == {"chatId": ALICE, "loadingSeconds": 60}
    assert Job.get().status == "pending" and line_api.calls_to(REPLY) == []


def test_a_long_queue_sends_the_busy_note_once_per_member_and_the_answer_follows(line_runtime,
                                                                               line_api):  # noqa: F811
    app = create_app(line_runtime)
    http = TestClient(app)
    assert post(http, webhook("text", webhookEventId="01EARLIER", user=BOB, replyToken="tb0")).status_code == 200
    _backed_up(minutes=5)
    assert line_runtime.backlog.refresh().expected_wait_seconds >= 300  # what the webhook reads, now
    for n, user in enumerate([ALICE, ALICE, BOB]):
        assert post(http, webhook("text", webhookEventId=f"01BUSY{n}", user=user, replyToken=f"tok{n}")).status_code == 200
    _signs(app)
    notes = [c for c in line_api.calls_to(REPLY) if texts(c) == [BUSY_NOTE]]
    assert sorted(c.json["replyToken"] for c in notes) == ["tok0", "tok2"]  # Alice once, Bob once
    assert len(line_api.calls_to(LOADING)) == 4  # every stored message, noted or not
    line_runtime.queue.run_pending()
    pushed = {c.json["to"] for c in line_api.calls_to(PUSH)}
    assert {ALICE, BOB} <= pushed  # the noted messages' answers came as pushes: their tokens were spent
    assert not [c for c in line_api.calls_to(REPLY) if c.json["replyToken"] == "tok0" and texts(c) != [BUSY_NOTE]]


def test_no_note_when_the_queue_is_short(line_runtime, line_api):  # noqa: F811
    app = create_app(line_runtime)
    post(TestClient(app), webhook("text"))
    _signs(app)
    assert [c for c in line_api.calls_to(REPLY) if texts(c) == [BUSY_NOTE]] == []


def test_health_and_dashboard_show_the_backlog_and_operators_hear_once(line_runtime, line_api, desk):  # noqa: F811
    app = create_app(line_runtime)
    http = TestClient(app)
    for n in range(3):
        post(http, webhook("text", webhookEventId=f"01WAIT{n}", replyToken=f"w{n}"))
    _backed_up(minutes=4)
    health = http.get("/healthz").json()
    assert health["pending_jobs"] == 3 and 235 <= health["oldest_wait_seconds"] <= 300
    http.post("/dashboard/login", data={"token": "t"}, follow_redirects=False)  # the login cookie
    page = http.get("/dashboard").text
    assert "回答の順番待ち" in page and "待ち <b>3件</b>" in page
    alarm = BacklogAlarm(alert=desk.alert, concurrency=8, threshold=180)
    alarm.check()
    alarm.check()
    assert len([a for a in desk.alerts if "順番待ち" in a]) == 1
    line_runtime.queue.run_pending()
    alarm.check()  # drained: the next long wait will be told again
    post(http, webhook("text", webhookEventId="01WAIT9", replyToken="w9"))
    _backed_up(minutes=4)
    alarm.check()
    assert len([a for a in desk.alerts if "順番待ち" in a]) == 2


def test_the_renewal_reads_which_jobs_still_wait_however_many(line_runtime, line_api):  # noqa: F811
    app = create_app(line_runtime)
    http = TestClient(app)
    for n in range(2):
        post(http, webhook("text", webhookEventId=f"01KEEP{n}", replyToken=f"k{n}"))
    keys = [job.dedupe_key for job in Job.select()]
    asked = [f"unknown-{n}" for n in range(1500)] + keys  # past SQLite's bound-parameter limit
    assert line_runtime.backlog.waiting(asked) == set(keys)
    line_runtime.queue.run_pending()
    assert line_runtime.backlog.waiting(asked) == set()


def test_the_backlog_reader_ends_when_its_runtime_stops_or_its_database_is_replaced(line_runtime):
    gauge = line_runtime.backlog
    gauge.expected_wait()
    reader = gauge._thread
    db.initialize(pw.SqliteDatabase(":memory:"))  # another runtime took the models over
    try:
        reader.join(timeout=5)
        assert not reader.is_alive()
    finally:
        db.initialize(line_runtime.database)
    gauge.expected_wait()
    reader = gauge._thread
    assert reader.is_alive()
    line_runtime.stop()
    reader.join(timeout=5)
    assert not reader.is_alive()
    gauge.expected_wait()  # a webhook after the stop reads the last figure and starts no reader
    assert gauge._thread is reader
