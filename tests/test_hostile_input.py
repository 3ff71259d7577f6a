"""Hostile and broken input: verify, then parse; conversions are total; no request costs a 5xx or a traceback."""
from __future__ import annotations

import json
import logging
import time
from collections import Counter
from dataclasses import replace
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from adapters import line_messages as lm
from adapters import slack_desk
from adapters.line_postback import PostbackCodec
from adapters.slack_blocks import ACTION_PREFIX, BAD_REASON_VIEW
from adapters.slack_convert import (IGNORE, QUESTION, Unreadable, envelope_problem, read_bad_reason, read_event,
                                    reply_target, route_event, to_action, to_incoming)
from adapters.web import create_app
from bot.models import Job, Question
from app import build_runtime
from fakes import FakeServer, line_signature
from hostile import LINE_EVENT, SLACK_ACTION, SLACK_EVENT, SLACK_VIEW, line_requests, slack_headers, slack_requests
from slack_harness import SIGNING_SECRET, FakeSlack

LINE_SECRET = "test-line-channel-secret"
SENT = (200, {"sentMessages": [{"id": "1", "quoteToken": "q"}]})

# Any JSON value, small: what a mutated field may become.
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                 max_size=3),
                    max_leaves=8)


def mutated(base: dict) -> st.SearchStrategy:
    """`base` with fields replaced by any JSON, removed, or its nested objects mutated the same way."""
    def one(value):
        if isinstance(value, dict):
            return st.fixed_dictionaries({}, optional={k: st.one_of(one(v), JSON) for k, v in value.items()})
        if isinstance(value, list):
            return st.one_of(st.lists(st.one_of(*(one(v) for v in value)) if value else JSON, max_size=2), JSON)
        return st.one_of(st.just(value), JSON)
    return one(base)


# ---- the pure conversions never raise ---------------------------------------------------------------

@hsettings(max_examples=250, deadline=None)
@given(mutated(SLACK_EVENT))
def test_slack_event_conversion_is_total(body):
    envelope_problem(body, command="/bansou", action_prefix=ACTION_PREFIX, view_ids=(BAD_REASON_VIEW,))
    event = read_event(body.get("event"))
    if isinstance(event, Unreadable):
        return
    assert all(isinstance(v, (str, dict, bool)) for v in event.values())
    route = route_event(event, operator_channel="C0OPS")
    if route == QUESTION:
        message = to_incoming(event)
        assert message.user_id and isinstance(message.text, str)
        assert reply_target(event)[0]


@hsettings(max_examples=250, deadline=None)
@given(st.one_of(mutated(SLACK_ACTION), mutated(SLACK_VIEW)))
def test_slack_action_and_modal_conversion_is_total(body):
    problem = envelope_problem(body, command="/bansou", action_prefix=ACTION_PREFIX, view_ids=(BAD_REASON_VIEW,))
    action, bad = to_action(body), read_bad_reason(body)
    if problem is None and body.get("type") == "block_actions":
        assert not isinstance(action, Unreadable) and action.user_id and action.action_id
    if problem is None and body.get("type") == "view_submission":
        assert not isinstance(bad, Unreadable) and bad.user_id


@hsettings(max_examples=250, deadline=None)
@given(mutated(LINE_EVENT))
def test_line_event_conversion_is_total(raw):
    codec = PostbackCodec(LINE_SECRET)
    lm.wanted(raw)
    lm.dedupe_key(raw)
    event = lm.read_event(raw)
    lm.reply_deadline(event)
    if not isinstance(event, lm.UnreadableEvent):
        lm.user_of(event)
        if type(event).__name__ == "MessageEvent":
            lm.to_incoming(event)
        if type(event).__name__ == "PostbackEvent" and event.postback:
            codec.decode(event.postback.data or "")


@hsettings(max_examples=250, deadline=None)
@given(st.text(max_size=80))
def test_postback_decoding_of_any_text_is_total(data):
    assert PostbackCodec(LINE_SECRET).decode(data) is None or data.startswith("v=")


# ---- the endpoints ------------------------------------------------------------------------------------

@pytest.fixture
def fakes():
    slack, line = FakeSlack().start(), FakeServer().start()
    for path in ("/v2/bot/message/reply", "/v2/bot/message/push"):
        line.route("POST", path, SENT)
    line.route("POST", "/v2/bot/chat/loading/start", (202, {}))
    yield slack, line
    slack.stop()
    line.stop()


@pytest.fixture
def both(settings, fakes, monkeypatch):
    """The app with LINE and Slack on, against fakes; (runtime, TestClient)."""
    monkeypatch.setattr(slack_desk, "RETRY_BACKOFF_SECONDS", 0.01)
    slack, line = fakes
    runtime = build_runtime(replace(settings, slack_bot_token="xoxb-test", slack_signing_secret=SIGNING_SECRET,
                                    slack_api_base_url=slack.api_url, slack_operator_channel="C0OPS",
                                    line_channel_secret=LINE_SECRET, line_channel_access_token="t",
                                    line_api_base_url=line.url))
    app = create_app(runtime)
    app.state.line.client.retry_delays = (0.01,)
    yield runtime, TestClient(app)
    runtime.stop()
    runtime.database.close()


def latin1(headers: dict[str, str]) -> dict[str, bytes]:
    """Header values as bytes on the wire (httpx sends str values as ASCII only)."""
    return {k: v.encode("latin-1") for k, v in headers.items()}


def _no_job_failed(runtime) -> None:
    runtime.queue.run_pending(limit=1000)
    statuses = Counter(j.status for j in Job.select(Job.status))
    assert set(statuses) <= {"done"}, statuses


@hsettings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutated(SLACK_EVENT), st.integers(0, 10**9))
def test_signed_mutated_slack_events_never_cost_a_5xx_or_a_job_that_cannot_run(both, body, n):
    runtime, http = both
    if isinstance(body, dict):
        body["event_id"] = f"EvProp{n}"
    raw = json.dumps(body).encode()
    response = http.post("/slack/events", content=raw, headers=slack_headers(raw, SIGNING_SECRET))
    assert response.status_code < 500, response.text
    _no_job_failed(runtime)


@hsettings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(mutated(SLACK_ACTION), mutated(SLACK_VIEW)))
def test_signed_mutated_slack_actions_never_cost_a_5xx_or_a_job_that_cannot_run(both, body):
    runtime, http = both
    raw = urlencode({"payload": json.dumps(body)}).encode()
    headers = slack_headers(raw, SIGNING_SECRET, content_type="application/x-www-form-urlencoded")
    assert http.post("/slack/events", content=raw, headers=headers).status_code < 500
    _no_job_failed(runtime)


@hsettings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutated(LINE_EVENT), st.integers(0, 10**9))
def test_signed_mutated_line_events_never_cost_a_5xx_or_a_job_that_cannot_run(both, event, n):
    runtime, http = both
    if isinstance(event, dict):
        event["webhookEventId"] = f"01PROP{n}"
        event["timestamp"] = int(time.time() * 1000)
    raw = json.dumps({"destination": "U0", "events": [event]}).encode()
    response = http.post("/line/webhook", content=raw, headers={"X-Line-Signature": line_signature(raw, LINE_SECRET)})
    assert response.status_code < 500, response.text
    _no_job_failed(runtime)


def test_a_thousand_hostile_requests_per_endpoint(both, caplog):
    """Signed-malformed and unsigned mixed: no 5xx, no traceback, every unsigned one refused, healthy after."""
    runtime, http = both
    caplog.set_level(logging.INFO)
    for path, requests in (("/line/webhook", line_requests(1000, LINE_SECRET)),
                           ("/slack/events", slack_requests(1000, SIGNING_SECRET))):
        counts: Counter = Counter()
        for body, headers, signed in requests:
            status = http.post(path, content=body, headers=latin1(headers)).status_code
            counts[("signed" if signed else "unsigned", status)] += 1
        print(path, dict(counts))
        assert not [k for k in counts if k[1] >= 500], counts
        assert {s for kind, s in counts if kind == "unsigned"} <= {400, 401, 413}, counts
        assert {s for kind, s in counts if kind == "signed"} <= {200, 400}, counts
        assert sum(n for (kind, _), n in counts.items() if kind == "signed") > 600
    _no_job_failed(runtime)
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert not tracebacks, [r.getMessage() for r in tracebacks[:3]]
    health = http.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"


def test_too_large_is_413_before_reading_and_odd_timestamps_are_401(both):
    _, http = both
    big = b"{" + b" " * (2 * 1024 * 1024) + b"}"
    assert http.post("/line/webhook", content=big, headers={"X-Line-Signature": line_signature(big, LINE_SECRET)}
                     ).status_code == 413
    assert http.post("/slack/events", content=big, headers=slack_headers(big, SIGNING_SECRET)).status_code == 413
    body = json.dumps(SLACK_EVENT).encode()
    for stamp in ("abc", "", "1e9", "\u00b2", " 1"):
        headers = latin1(slack_headers(body, SIGNING_SECRET, stamp=stamp))
        assert http.post("/slack/events", content=body, headers=headers).status_code == 401
    assert Job.select().count() == 0 and Question.select().count() == 0


def test_a_question_survives_the_checks_and_is_answered(both, fakes):
    """The guards must not refuse the real thing: a signed DM is still answered."""
    runtime, http = both
    raw = json.dumps(SLACK_EVENT).encode()
    assert http.post("/slack/events", content=raw, headers=slack_headers(raw, SIGNING_SECRET)).status_code == 200
    runtime.queue.run_pending()
    assert Question.select().count() == 1 and route_event(SLACK_EVENT["event"], operator_channel=None) != IGNORE
    assert fakes[0].sent("chat.update", "D0HOSTILE") or len(fakes[0].sent("chat.postMessage", "D0HOSTILE")) >= 2
