"""A signed-request driver for POST /slack/events and a fake Slack Web API (tests and the benchmark)."""
from __future__ import annotations

import itertools
import json
import threading
import time
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from fakes import Call, FakeServer

SIGNING_SECRET = "test-signing-secret"
BOT_USER = "U0BOT"


def signed_headers(body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None,
                   content_type: str = "application/json") -> dict[str, str]:
    """Headers Slack sends: X-Slack-Request-Timestamp and the v0 HMAC signature of the body."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature, "Content-Type": content_type}


def event_body(event: dict[str, Any], event_id: str) -> str:
    return json.dumps({"token": "legacy", "team_id": "T0TEAM", "api_app_id": "A0APP", "type": "event_callback",
                       "event_id": event_id, "event_time": int(time.time()), "event": event,
                       "authorizations": [{"team_id": "T0TEAM", "user_id": BOT_USER, "is_bot": True}]},
                      ensure_ascii=False)


def form_body(fields: dict[str, str]) -> str:
    return urlencode(fields)


class FakeSlack(FakeServer):
    """The Slack Web API methods the bot calls; chat.postMessage hands out increasing ts values."""

    def __init__(self) -> None:
        super().__init__()
        # Poll for shutdown often: the default half second would dominate every test's teardown.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)
        self.posted: list[tuple[str, str]] = []  # (channel, ts) of each chat.postMessage answered
        self._ts = itertools.count(1)
        self._ts_lock = threading.Lock()
        ok = (200, {"ok": True})
        self.route("POST", "/api/auth.test", (200, {"ok": True, "user_id": BOT_USER, "bot_id": "B0BOT",
                                                    "team_id": "T0TEAM", "user": "bansou"}))
        self.route("POST", "/api/chat.postMessage", self._posted)
        self.route("POST", "/api/chat.update", lambda c: (200, {"ok": True, "ts": c.json["ts"],
                                                                 "channel": c.json["channel"]}))
        self.route("POST", "/api/chat.postEphemeral", (200, {"ok": True, "message_ts": "9.9"}))
        for method in ("views.open", "views.publish", "assistant.threads.setStatus"):
            self.route("POST", f"/api/{method}", ok)
        self.route("GET", "/api/users.info", lambda c: (200, {"ok": True, "user": {
            "id": c.query.get("user", ["?"])[0], "real_name": "山田 太郎", "profile": {"display_name": "山田"}}}))
        self.route("POST", "/api/users.info", lambda c: (200, {"ok": True, "user": {"real_name": "山田 太郎"}}))
        self.route("POST", "/response", ok)

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    def next_ts(self) -> str:
        with self._ts_lock:
            return f"1800000{next(self._ts):03d}.000100"

    def _posted(self, call: Call) -> tuple[int, Any]:
        ts = self.next_ts()
        with self._ts_lock:
            self.posted.append((call.json["channel"], ts))
        return 200, {"ok": True, "ts": ts, "channel": call.json["channel"]}

    # ---- what the bot sent --------------------------------------------------------------------

    def sent(self, method: str, channel: str | None = None) -> list[dict[str, Any]]:
        """JSON bodies of successful-looking calls to `method`, optionally to one channel."""
        bodies = [c.json for c in self.calls_to(f"/api/{method}")]
        return [b for b in bodies if channel is None or b.get("channel") == channel]

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Every post and update to a channel, in order."""
        with self._lock:
            calls = [c for c in self.calls if c.path in ("/api/chat.postMessage", "/api/chat.update")]
        return [c.json for c in calls if c.json.get("channel") == channel]


def text_of(message: dict[str, Any]) -> str:
    """Everything a person would read in a message (text and blocks)."""
    return json.dumps(message, ensure_ascii=False)


def button(message: dict[str, Any], action_id: str) -> dict[str, Any] | None:
    for block in message.get("blocks") or []:
        elements = block.get("elements", []) if block.get("type") == "actions" else [block.get("accessory") or {}]
        for element in elements:
            if element.get("action_id") == action_id:
                return element
    return None
