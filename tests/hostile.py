"""Hostile and broken webhook requests, as an attacker or a buggy sender would make them (tests and bench).

Each request is (body, headers, signed): `signed` says whether it carries a valid signature, so the
answer must be 200 (or 400), and never 401; an unsigned, forged or stale one must be 401 (or 400/413).
"""
from __future__ import annotations

import copy
import json
import random
import time
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from fakes import line_signature

Request = tuple[bytes, dict[str, str], bool]

LINE_EVENT = {"type": "message", "mode": "active", "timestamp": 0, "webhookEventId": "01H0000000000000000000000",
              "deliveryContext": {"isRedelivery": False}, "source": {"type": "user", "userId": "U" + "a" * 32},
              "replyToken": "r" * 32, "message": {"type": "text", "id": "1", "quoteToken": "q", "text": "保険とは？"}}
SLACK_EVENT = {"token": "legacy", "team_id": "T0TEAM", "api_app_id": "A0APP", "type": "event_callback",
               "event_id": "Ev0001", "event_time": 0,
               "event": {"type": "message", "channel": "D0HOSTILE", "channel_type": "im", "user": "U0HOSTILE",
                         "text": "保険とは？", "ts": "1.1", "event_ts": "1.1"},
               "authorizations": [{"team_id": "T0TEAM", "user_id": "U0BOT", "is_bot": True}]}
SLACK_ACTION = {"type": "block_actions", "user": {"id": "U0HOSTILE"}, "team": {"id": "T0TEAM"}, "api_app_id": "A0APP",
                "trigger_id": "t.1", "channel": {"id": "D0HOSTILE"},
                "container": {"type": "message", "message_ts": "1.1", "channel_id": "D0HOSTILE"},
                "message": {"ts": "1.1", "text": ""},
                "actions": [{"action_id": "bansou_feedback_good", "value": "1", "type": "button", "action_ts": "1.2"}]}
SLACK_VIEW = {"type": "view_submission", "user": {"id": "U0HOSTILE"}, "team": {"id": "T0TEAM"}, "api_app_id": "A0APP",
              "view": {"id": "V1", "type": "modal", "callback_id": "bansou_bad_reason",
                       "private_metadata": '{"answer_id": "1", "channel": "D0HOSTILE"}',
                       "state": {"values": {"reason": {"reason_input": {"value": "違う"}}}}}}
ODD_VALUES: list[Any] = [None, True, 0, -1, 1e308, "", "x" * 300, "\u0000", "🙂", [], {}, [1, [2]], {"a": {"b": 1}},
                         "1e9", "abc"]


def slack_headers(body: bytes, secret: str, *, stamp: str | None = None, content_type: str = "application/json"
                  ) -> dict[str, str]:
    stamp = stamp if stamp is not None else str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body.decode("utf-8", "replace"))
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature or "", "Content-Type": content_type}


def mutate(value: Any, rng: random.Random, rate: float = 0.25) -> Any:
    """A copy with some fields replaced by odd values, deleted, or nested one level deeper."""
    value = copy.deepcopy(value)
    if isinstance(value, dict):
        for key in list(value):
            roll = rng.random()
            if roll < rate / 3:
                del value[key]
            elif roll < rate:
                value[key] = rng.choice(ODD_VALUES)
            elif isinstance(value[key], (dict, list)):
                value[key] = mutate(value[key], rng, rate)
    elif isinstance(value, list):
        value = [mutate(v, rng, rate) for v in value]
    return value


def nested(levels: int) -> bytes:
    return b'{"events": ' + b"[" * levels + b"]" * levels + b"}"


def broken_bodies(rng: random.Random) -> list[bytes]:
    """Bodies no parser should trust: bad UTF-8, bad JSON, deep nesting, form garbage."""
    return [b"\xff\xfe\xfa", b'{"events": [', b"{" + b"x" * 50, nested(100_000), nested(50), b"payload=%7B%7B",
            b"payload=" + bytes(rng.randrange(256) for _ in range(20)), b"null", b"[]", b'"text"', b"",
            b"payload=%5B%5D", b'{"type": "event_callback", "event": "x"}', b'{"type": 7}']


def line_requests(count: int, secret: str, seed: int = 12) -> list[Request]:
    """About 3 in 4 signed (mutated events, broken bodies), the rest unsigned, forged or mangled."""
    rng = random.Random(seed)
    requests: list[Request] = []
    for n in range(count):
        roll = rng.random()
        if roll < 0.45:
            event = mutate(LINE_EVENT, rng)
            if isinstance(event, dict):
                event["webhookEventId"] = f"01HOSTILE{n:016d}"
                event["timestamp"] = int(time.time() * 1000)
            body = json.dumps({"destination": "Ubot", "events": [event]}).encode()
        elif roll < 0.75:
            body = rng.choice(broken_bodies(rng))
        else:
            body = json.dumps({"events": [LINE_EVENT]}).encode()
            headers = rng.choice([{}, {"X-Line-Signature": ""}, {"X-Line-Signature": "bm90IGl0"},
                                  {"X-Line-Signature": line_signature(body, "forged")},
                                  {"X-Line-Signature": "é\u00ff"}])
            requests.append((body, {"Content-Type": "application/json", **headers}, False))
            continue
        requests.append((body, {"Content-Type": "application/json", "X-Line-Signature": line_signature(body, secret)},
                         True))
    return requests


def slack_requests(count: int, secret: str, seed: int = 12) -> list[Request]:
    """Signed mutated events, actions, modals and broken bodies; unsigned, forged, stale, odd timestamps."""
    rng = random.Random(seed)
    requests: list[Request] = []
    for n in range(count):
        roll = rng.random()
        if roll < 0.25:
            body_obj = mutate(SLACK_EVENT, rng)
            if isinstance(body_obj, dict):
                body_obj["event_id"] = f"EvHOSTILE{n:06d}"
            requests.append(_slack_signed(json.dumps(body_obj).encode(), secret, "application/json"))
        elif roll < 0.5:
            body_obj = mutate(rng.choice([SLACK_ACTION, SLACK_VIEW]), rng)
            body = urlencode({"payload": json.dumps(body_obj)}).encode()
            requests.append(_slack_signed(body, secret, "application/x-www-form-urlencoded"))
        elif roll < 0.75:
            body = rng.choice(broken_bodies(rng))
            if _utf8(body):
                requests.append(_slack_signed(body, secret, rng.choice(["application/json",
                                                                        "application/x-www-form-urlencoded"])))
            else:  # cannot be signed as Slack signs (UTF-8 text): it counts as unsigned
                requests.append((body, slack_headers(b"", secret), False))
        else:
            body = json.dumps(SLACK_EVENT).encode()
            headers = rng.choice([
                {"Content-Type": "application/json"},
                slack_headers(body, "forged"),
                slack_headers(body, secret, stamp=str(int(time.time()) - 600)),
                slack_headers(body, secret, stamp="abc"), slack_headers(body, secret, stamp=""),
                slack_headers(body, secret, stamp="1e9"), slack_headers(body, secret, stamp="\u00b2\u00b3"),
                {**slack_headers(body, secret), "X-Slack-Signature": "v0=é"},
            ])
            requests.append((body, headers, False))
    return requests


def _slack_signed(body: bytes, secret: str, content_type: str) -> Request:
    return body, slack_headers(body, secret, content_type=content_type), True


def _utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
