"""Socket Mode: the real slack-sdk client against a fake Socket Mode WebSocket on 127.0.0.1."""
from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import replace

import pytest
from aiohttp import WSMsgType, web

from app import build_runtime
from slack_harness import SIGNING_SECRET, FakeSlack, event_body, text_of

DM, TRAINEE = "D0SOCKET", "U0SOCKET"


class FakeSocketMode:
    """What Slack's Socket Mode endpoint does: says hello, sends envelopes, records the acks."""

    def __init__(self) -> None:
        self.acks: list[dict] = []
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._clients: list[web.WebSocketResponse] = []

    def start(self) -> "FakeSocketMode":
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self.loop).result(10)
        return self

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link"

    def send(self, envelope: dict) -> None:
        """Send an envelope to every connected client."""
        async def push() -> None:
            for ws in self._clients:
                await ws.send_str(json.dumps(envelope, ensure_ascii=False))
        asyncio.run_coroutine_threadsafe(push(), self.loop).result(10)

    def wait_connected(self, timeout: float = 10) -> bool:
        deadline = time.monotonic() + timeout
        while not self._clients and time.monotonic() < deadline:
            time.sleep(0.02)
        return bool(self._clients)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_get("/link", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(json.dumps({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0APP"}}))
        self._clients.append(ws)
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                self.acks.append(json.loads(message.data))
        self._clients.remove(ws)
        return ws


@pytest.fixture
def socket_mode():
    server = FakeSocketMode().start()
    yield server
    server.stop()


def test_an_event_over_socket_mode_is_acked_queued_once_and_answered(settings, socket_mode):
    fake = FakeSlack().start()
    fake.route("POST", "/api/apps.connections.open", (200, {"ok": True, "url": socket_mode.url}))
    runtime = build_runtime(replace(settings, slack_bot_token="xoxb-test", slack_signing_secret=SIGNING_SECRET,
                                    slack_app_token="xapp-test", slack_api_base_url=fake.api_url))
    adapter = runtime.slack
    try:
        adapter.start_socket_mode()
        assert socket_mode.wait_connected()
        assert "xapp-test" in fake.calls_to("/api/apps.connections.open")[0].headers["authorization"]
        event = {"type": "message", "channel": DM, "channel_type": "im", "user": TRAINEE,
                 "text": "死亡保険金の非課税枠は？", "ts": "1700000001.000100", "event_ts": "1700000001.000100"}
        envelope = {"envelope_id": "env-1", "type": "events_api", "accepts_response_payload": False,
                    "retry_attempt": 0, "payload": json.loads(event_body(event, "EvSocket1"))}
        socket_mode.send(envelope)
        socket_mode.send({**envelope, "envelope_id": "env-2", "retry_attempt": 1})  # Slack's retry
        deadline = time.monotonic() + 10
        while len(socket_mode.acks) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert {a["envelope_id"] for a in socket_mode.acks} == {"env-1", "env-2"}
        assert runtime.queue.run_pending() == 1  # the retry was deduplicated by event_id
        answers = fake.sent("chat.update", DM)
        assert len(answers) == 1 and "500万円" in text_of(answers[0])
    finally:
        adapter.stop()
        runtime.database.close()
        fake.stop()
