"""Benchmark POST /line/webhook: ack time of signed events sent 20 at a time, each answered exactly once.

    .venv/bin/python bench/bench_line.py [--events 200] [--concurrency 20] [--timeout 120]

The app runs under uvicorn on 127.0.0.1 with its job worker, on a temporary SQLite database, with
the offline answerer (no ANTHROPIC_API_KEY) and LINE pointed at a fake Messaging API. Each event
comes from its own user, so "answered once" means exactly one reply or push reached that user.
Exit code 0 when every event was answered exactly once and the ack p99 met the target.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import logging
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import uvicorn  # noqa: E402

from adapters.web import create_app  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.models import Delivery, Job  # noqa: E402
from bot.runtime import Runtime, build_runtime  # noqa: E402
from fakes import FakeServer  # noqa: E402

SECRET, TOKEN = "bench-line-secret", "bench-line-token"
TARGET_P99_MS = 100.0
OPEN_PLAN = 'timezone = "Asia/Tokyo"\n[[stage]]\nstart = 2020-01-01\ncohorts = ["*"]\npatterns = [1, 2, 3, 4]\n'
SENT = (200, {"sentMessages": [{"id": "1", "quoteToken": "q"}]})
UNCOVERED = ["来週の東京の天気はどうなりますか？", "おすすめのランチのお店はありますか？"]


def main() -> int:
    args = _parse()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    fake = _fake_line()
    with tempfile.TemporaryDirectory(prefix="bench-line-") as tmp:
        runtime = build_runtime(_settings(Path(tmp), fake.url))
        server, thread = _serve(runtime)
        try:
            return _run(args, runtime, fake, server.config.port)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            runtime.database.close()
            fake.stop()


def _run(args: argparse.Namespace, runtime: Runtime, fake: FakeServer, port: int) -> int:
    questions = [e.question for e in runtime.knowledge.scope(1)] + UNCOVERED
    bodies = [_body(i, questions[i % len(questions)]) for i in range(args.events)]
    started = time.perf_counter()
    with ThreadPoolExecutor(args.concurrency) as pool:
        results = list(pool.map(lambda body: _post(port, body), bodies))
    acked = time.perf_counter() - started
    statuses = Counter(status for status, _ in results)
    acks = sorted(ms for _, ms in results)
    print(f"sent {args.events} signed events, {args.concurrency} at a time, in {acked:.2f} s: HTTP {dict(statuses)}")
    print(f"ack time: p50 {_pct(acks, 50):.1f} ms, p99 {_pct(acks, 99):.1f} ms, max {acks[-1]:.1f} ms, "
          f"mean {statistics.fmean(acks):.1f} ms (target p99 < {TARGET_P99_MS:.0f} ms)")

    done = _wait_answered(runtime, fake, args.events, args.timeout)
    answered = time.perf_counter() - started
    time.sleep(1.0)  # a late duplicate would show up here
    per_user = _messages_per_user(fake)
    users = [f"Ubench{i:028d}" for i in range(args.events)]
    once = sum(per_user.get(u, 0) == 1 for u in users)
    missing = sum(per_user.get(u, 0) == 0 for u in users)
    twice = sum(per_user.get(u, 0) > 1 for u in users)
    replies, pushes = len(fake.calls_to("/v2/bot/message/reply")), len(fake.calls_to("/v2/bot/message/push"))
    recorded = Counter(d.method for d in Delivery.select(Delivery.method).where(Delivery.ok == True))  # noqa: E712
    print(f"answered: {once}/{args.events} exactly once, {missing} not answered, {twice} more than once "
          f"({'all jobs done' if done else 'timed out waiting'}; {answered:.2f} s from first send to last answer)")
    print(f"sends: {replies} replies, {pushes} pushes (recorded deliveries: {dict(recorded)}); "
          f"loading animations: {len(fake.calls_to('/v2/bot/chat/loading/start'))}")
    ok = once == args.events and _pct(acks, 99) < TARGET_P99_MS and statuses == Counter({200: args.events})
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


def _settings(tmp: Path, line_url: str):
    plan = tmp / "rollout.toml"
    plan.write_text(OPEN_PLAN, encoding="utf-8")
    return replace(load_settings({}, env_file=None), database_url=f"sqlite:///{tmp}/bench.db",
                   knowledge_dir=ROOT / "knowledge", rollout_file=plan, line_channel_secret=SECRET,
                   line_channel_access_token=TOKEN, line_api_base_url=line_url)


def _fake_line() -> FakeServer:
    fake = FakeServer().start()
    fake.route("POST", "/v2/bot/message/reply", SENT)
    fake.route("POST", "/v2/bot/message/push", SENT)
    fake.route("POST", "/v2/bot/chat/loading/start", (202, {}))
    return fake


def _serve(runtime: Runtime) -> tuple[uvicorn.Server, threading.Thread]:
    config = uvicorn.Config(create_app(runtime, background=True), host="127.0.0.1", port=_free_port(),
                            log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    return server, thread


def _body(i: int, text: str) -> bytes:
    event = {"type": "message", "mode": "active", "timestamp": int(time.time() * 1000),
             "webhookEventId": f"01BENCH{i:019d}", "deliveryContext": {"isRedelivery": False},
             "source": {"type": "user", "userId": f"Ubench{i:028d}"}, "replyToken": f"token{i:027d}",
             "message": {"type": "text", "id": str(500000 + i), "quoteToken": f"q{i}", "text": text}}
    return json.dumps({"destination": "Ubot", "events": [event]}, ensure_ascii=False).encode()


_local = threading.local()


def _post(port: int, body: bytes) -> tuple[int, float]:
    # One keep-alive connection per sender thread, as LINE's delivery servers would hold.
    if getattr(_local, "conn", None) is None:
        _local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    headers = {"Content-Type": "application/json", "X-Line-Signature": signature}
    start = time.perf_counter()
    try:
        _local.conn.request("POST", "/line/webhook", body=body, headers=headers)
        response = _local.conn.getresponse()
        response.read()
    except (OSError, http.client.HTTPException):
        _local.conn = None
        return 0, (time.perf_counter() - start) * 1000
    return response.status, (time.perf_counter() - start) * 1000


def _wait_answered(runtime: Runtime, fake: FakeServer, events: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with runtime.database.connection_context():
            finished = Job.select().where(Job.status.in_(("done", "failed"))).count()
        if finished >= events:
            return True
        time.sleep(0.2)
    return False


def _messages_per_user(fake: FakeServer) -> Counter:
    counts: Counter = Counter()
    for call in fake.calls_to("/v2/bot/message/reply"):
        token = call.json["replyToken"]
        counts[f"Ubench{int(token.removeprefix('token')):028d}"] += 1
    for call in fake.calls_to("/v2/bot/message/push"):
        counts[call.json["to"]] += 1
    return counts


def _pct(values: list[float], percentile: float) -> float:
    index = min(len(values) - 1, max(0, round(percentile / 100 * len(values) + 0.5) - 1))
    return values[index]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for all answers")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main())
