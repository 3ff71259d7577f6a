"""Fake platform servers on 127.0.0.1 (port 0): they record every call and answer as told."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit


@dataclass
class Call:
    """One request the fake received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    query: dict[str, list[str]] = field(default_factory=dict)

    @property
    def json(self) -> Any:
        return json.loads(self.body or b"null")

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


def line_signature(body: bytes, secret: str) -> str:
    """The X-Line-Signature LINE sends with `body`: base64 of its HMAC-SHA256 under the channel secret."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


Response = tuple  # (status, JSON body (dict/list) or raw bytes[, extra headers])
DROP: Response = (0, None)  # close the connection without an answer (a network failure, as the client sees it)
Route = Callable[[Call], Response]


class FakeServer:
    """A small HTTP server. `route(method, path, fn)` answers; unrouted paths get 404 (loud)."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.routes: dict[tuple[str, str], Route] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, method: str, path: str, fn: Route | Response) -> None:
        """Answer `method path` with `fn(call)`, or with a fixed (status, body)."""
        self.routes[(method.upper(), path)] = fn if callable(fn) else (lambda _call, r=fn: r)

    def sequence(self, method: str, path: str, *responses: Response) -> None:
        """Answer with each response in turn, then keep repeating the last one."""
        remaining = list(responses)

        def next_response(_call: Call) -> Response:
            return remaining.pop(0) if len(remaining) > 1 else remaining[0]
        self.route(method, path, next_response)

    def calls_to(self, path: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.path == path]

    def start(self) -> "FakeServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                call = Call(self.command, parts.path, {k.lower(): v for k, v in self.headers.items()},
                            self.rfile.read(length) if length else b"", parse_qs(parts.query))
                with fake._lock:
                    fake.calls.append(call)
                route = fake.routes.get((self.command, parts.path))
                answer = route(call) if route else (404, {"error": f"fake: no route {self.command} {parts.path}"})
                status, body, extra = (*answer, {})[:3]
                if (status, body) == DROP:
                    self.close_connection = True
                    return
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        return Handler


def working_platforms(*, channel: str, staff: str, endpoint: str, pushed: int = 0) -> FakeServer:
    """Fake Slack and LINE as a connected, healthy installation answers doctor's checks (started; stop it)."""
    platforms = FakeServer().start()
    platforms.route("POST", "/api/auth.test", (200, {"ok": True, "team": "牧野生保塾", "user": "bansou"}))
    platforms.route("POST", "/api/conversations.info", (200, {"ok": True, "channel": {"id": channel}}))
    platforms.route("POST", "/api/users.info", (200, {"ok": True, "user": {"id": staff}}))
    platforms.route("GET", "/v2/bot/info", (200, {"userId": "Ub", "basicId": "@bansou", "displayName": "牧野生保塾",
                                                   "chatMode": "bot", "markAsReadMode": "auto"}))
    platforms.route("GET", "/v2/bot/channel/webhook/endpoint", (200, {"endpoint": endpoint, "active": True}))
    platforms.route("GET", "/v2/bot/message/quota", (200, {"type": "limited", "value": 200}))
    platforms.route("GET", "/v2/bot/message/quota/consumption", (200, {"totalUsage": pushed}))
    return platforms


class RecordingDelivery:
    """Stands in for a channel's later delivery of a staff answer (the composition root builds the real ones)."""

    def __init__(self, fail: bool = False) -> None:
        self.sent: list[tuple[Any, Any]] = []  # (Recipient, Reply)
        self.fail = fail

    def deliver(self, recipient: Any, reply: Any) -> str:
        if self.fail:
            raise ConnectionError("platform down")
        self.sent.append((recipient, reply))
        return "push"
