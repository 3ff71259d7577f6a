"""Real server processes (`python main.py serve`) and a fake LINE with LINE's one-time semantics (fault tests).

The fake LINE accepts a reply token once (then 400 "Invalid reply token", as LINE does) and a push retry
key once (then 409), and counts per user the messages a member would actually see.
"""
from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from fakes import Call, FakeServer, line_signature

ROOT = Path(__file__).resolve().parent.parent
SECRET, TOKEN = "fault-line-secret", "fault-line-token"


class FakeLine(FakeServer):
    """The Messaging API calls the bot makes; `delay` seconds before each reply/push answer."""

    def __init__(self, delay: float = 0.0) -> None:
        super().__init__()
        self.delay = delay
        self.seen: Counter = Counter()  # user -> answers shown (the busy note is counted apart, in `notes`)
        self.notes: Counter = Counter()
        self._tokens: set[str] = set()
        self._keys: set[str] = set()
        self._seen_lock = threading.Lock()
        self.route("POST", "/v2/bot/message/reply", self._reply)
        self.route("POST", "/v2/bot/message/push", self._push)
        self.route("POST", "/v2/bot/chat/loading/start", (202, {}))

    def _reply(self, call: Call) -> tuple[int, object]:
        token = call.json["replyToken"]
        with self._seen_lock:
            if token in self._tokens:
                return 400, {"message": "Invalid reply token"}
            self._tokens.add(token)
            (self.notes if _is_note(call) else self.seen)[user_of_token(token)] += 1
        time.sleep(self.delay)
        return 200, {"sentMessages": [{"id": "1", "quoteToken": "q"}]}

    def _push(self, call: Call) -> tuple[int, object]:
        key = call.headers.get("x-line-retry-key", "")
        with self._seen_lock:
            if key and key in self._keys:
                return 409, {"message": "The retry key is already accepted"}
            self._keys.add(key)
            self.seen[call.json["to"]] += 1
        time.sleep(self.delay)
        return 200, {"sentMessages": [{"id": "1", "quoteToken": "q"}]}


def _is_note(call: Call) -> bool:
    from adapters.line_signs import BUSY_NOTE
    return [m.get("text") for m in call.json["messages"]] == [BUSY_NOTE]


def user(i: int) -> str:
    return f"Ufault{i:027d}"


def user_of_token(token: str) -> str:
    return token.removeprefix("tok-")


def line_event_body(i: int, text: str) -> bytes:
    event = {"type": "message", "mode": "active", "timestamp": int(time.time() * 1000),
             "webhookEventId": f"01FAULT{i:019d}", "deliveryContext": {"isRedelivery": False},
             "source": {"type": "user", "userId": user(i)}, "replyToken": f"tok-{user(i)}",
             "message": {"type": "text", "id": str(700000 + i), "quoteToken": f"q{i}", "text": text}}
    return json.dumps({"destination": "Ubot", "events": [event]}, ensure_ascii=False).encode()


def line_headers(body: bytes) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-Line-Signature": line_signature(body, SECRET)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """`python main.py serve` on a free port, its output in a log file."""

    def __init__(self, env: dict[str, str], log_dir: Path, name: str) -> None:
        self.port = free_port()
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "serve", "--host", "127.0.0.1",
                                      "--port", str(self.port)], cwd=log_dir, env=env, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float = 60.0) -> "ServerProcess":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text(errors='replace')[-2000:]}")
            if self.get("/healthz")[0] == 200:
                return self
            time.sleep(0.1)
        raise RuntimeError("server did not start")

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read()
        except OSError:
            return 0, b""

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        """The status, or 0 when the server is not there (a killed process)."""
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException):
            return 0

    def kill(self) -> None:
        """SIGKILL to the web process and its worker process: no clean-up, leases left behind, as a
        crash of the machine or the container leaves them."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def server_env(tmp_path: Path, database_url: str, line_url: str, **extra: str) -> dict[str, str]:
    plan = tmp_path / "rollout.toml"
    plan.write_text('timezone = "Asia/Tokyo"\n[[stage]]\nstart = 2020-01-01\ncohorts = ["*"]\n'
                    'patterns = [1, 2, 3, 4]\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ANTHROPIC", "LINE_", "SLACK_", "DATABASE_URL", "JOB_", "RATE_LIMIT"))}
    env.update(DATABASE_URL=database_url, KNOWLEDGE_DIR=str(ROOT / "tests/data/knowledge"), ROLLOUT_FILE=str(plan),
               LINE_CHANNEL_SECRET=SECRET, LINE_CHANNEL_ACCESS_TOKEN=TOKEN, LINE_API_BASE_URL=line_url,
               RATE_LIMIT_PER_MINUTE="0", RATE_LIMIT_PER_DAY="0", JOB_LEASE_SECONDS="3", LOG_LEVEL="WARNING",
               **extra)
    return env


def wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()
