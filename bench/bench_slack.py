"""Benchmark POST /slack/events: ack time of signed events sent 20 at a time, each answered exactly once.

    .venv/bin/python bench/bench_slack.py [--events 200] [--concurrency 20] [--timeout 120]

The app runs under uvicorn on 127.0.0.1 with its job worker, on a temporary SQLite database, with
the offline answerer (no ANTHROPIC_API_KEY) and Slack pointed at a fake Web API. Each event is a DM
in its own channel, so "answered once" means that channel got exactly one placeholder
(chat.postMessage) and one answer in it (chat.update). Afterwards a tenth of the events is sent again
as Slack's retries (X-Slack-Retry-Num, the same event_id): they must change nothing.
The events are sent from a separate process (as Slack's servers would be), so the senders do not
compete with the server for this process's GIL and the times are the server's. Before measuring, a
warm-up burst (its own channels, not counted) is answered, so that one-off start-up work (the report
scheduler's imports, first connections) is not timed.
Exit code 0 when every event was answered exactly once and the ack p99 met the target.
"""
from __future__ import annotations

import argparse
import http.client
import multiprocessing
import json
import logging
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import uvicorn  # noqa: E402

from adapters.web import create_app  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.models import Job  # noqa: E402
from bot.runtime import Runtime, build_runtime  # noqa: E402
from slack_harness import SIGNING_SECRET, FakeSlack, event_body, signed_headers  # noqa: E402

TARGET_P99_MS = 100.0
OPEN_PLAN = 'timezone = "Asia/Tokyo"\n[[stage]]\nstart = 2020-01-01\ncohorts = ["*"]\npatterns = [1, 2, 3, 4]\n'
UNCOVERED = ["来週の東京の天気はどうなりますか？", "おすすめのランチのお店はありますか？"]


def main() -> int:
    args = _parse()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    fake = FakeSlack().start()
    with tempfile.TemporaryDirectory(prefix="bench-slack-") as tmp, \
            ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as sender:
        runtime = build_runtime(_settings(Path(tmp), fake.api_url))
        server, thread = _serve(runtime)
        try:
            return _run(args, runtime, fake, server.config.port, sender)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            runtime.database.close()
            fake.stop()


def _run(args: argparse.Namespace, runtime: Runtime, fake: FakeSlack, port: int, sender: ProcessPoolExecutor) -> int:
    questions = [e.question for e in runtime.knowledge.scope(1)] + UNCOVERED
    warm = [event_body(_event(i, questions[0], "WARM"), f"EvWarm{i:06d}") for i in range(args.warmup)]
    sender.submit(_send_all, port, warm, args.concurrency).result()
    _wait_answered(runtime, args.warmup, args.timeout)
    bodies = [event_body(_event(i, questions[i % len(questions)]), f"EvBench{i:06d}") for i in range(args.events)]
    started = time.perf_counter()
    results = sender.submit(_send_all, port, bodies, args.concurrency).result()
    acked = time.perf_counter() - started
    statuses = Counter(status for status, _ in results)
    acks = sorted(ms for _, ms in results)
    print(f"sent {args.events} signed events, {args.concurrency} at a time, in {acked:.2f} s: HTTP {dict(statuses)}")
    print(f"ack time: p50 {_pct(acks, 50):.1f} ms, p99 {_pct(acks, 99):.1f} ms, max {acks[-1]:.1f} ms, "
          f"mean {statistics.fmean(acks):.1f} ms (target p99 < {TARGET_P99_MS:.0f} ms)")

    retries = bodies[:: 10]
    retried = Counter(s for s, _ in sender.submit(_send_all, port, retries, args.concurrency, 1).result())
    done = _wait_answered(runtime, args.warmup + args.events, args.timeout)
    answered = time.perf_counter() - started
    time.sleep(1.0)  # a late duplicate would show up here
    posts, updates = _per_channel(fake, "chat.postMessage"), _per_channel(fake, "chat.update")
    channels = [_channel(i) for i in range(args.events)]
    once = sum(posts[c] == 1 and updates[c] == 1 for c in channels)
    missing = sum(updates[c] == 0 for c in channels)
    extra = sum(posts[c] > 1 or updates[c] > 1 for c in channels)
    escalations = sum(1 for c in fake.sent("chat.postMessage") if c["channel"] == "C0BENCHOPS")
    print(f"redelivered {len(retries)} events (X-Slack-Retry-Num: 1): HTTP {dict(retried)}")
    print(f"answered: {once}/{args.events} exactly once (one placeholder, one update), {missing} not answered, "
          f"{extra} more than once ({'all jobs done' if done else 'timed out waiting'}; "
          f"{answered:.2f} s from first send to last answer; {escalations} escalation posts)")
    ok = (once == args.events and _pct(acks, 99) < TARGET_P99_MS and statuses == Counter({200: args.events})
          and retried == Counter({200: len(retries)}))
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


def _settings(tmp: Path, api_url: str):
    plan = tmp / "rollout.toml"
    plan.write_text(OPEN_PLAN, encoding="utf-8")
    return replace(load_settings({}, env_file=None), database_url=f"sqlite:///{tmp}/bench.db",
                   knowledge_dir=ROOT / "knowledge", rollout_file=plan, slack_bot_token="xoxb-bench",
                   slack_signing_secret=SIGNING_SECRET, slack_api_base_url=api_url,
                   slack_operator_channel="C0BENCHOPS", slack_staff_user_ids=("U0STAFF",),
                   rate_limit_per_minute=1000, rate_limit_per_day=100000)


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


def _channel(i: int, prefix: str = "BENCH") -> str:
    return f"D0{prefix}{i:06d}"


def _event(i: int, text: str, prefix: str = "BENCH") -> dict:
    ts = f"{1700000000 + i}.000100"
    return {"type": "message", "channel": _channel(i, prefix), "channel_type": "im", "user": f"U0{prefix}{i:06d}",
            "text": text, "ts": ts, "event_ts": ts}


_local = threading.local()


def _send_all(port: int, bodies: list[str], concurrency: int, retry: int = 0) -> list[tuple[int, float]]:
    """In the sender process: post every body, `concurrency` at a time; (status, ms) of each."""
    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(lambda body: _post(port, body, retry), bodies))


def _post(port: int, body: str, retry: int = 0) -> tuple[int, float]:
    # One keep-alive connection per sender thread.
    if getattr(_local, "conn", None) is None:
        _local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = signed_headers(body)
    if retry:
        headers.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"})
    start = time.perf_counter()
    try:
        _local.conn.request("POST", "/slack/events", body=body.encode(), headers=headers)
        response = _local.conn.getresponse()
        response.read()
    except (OSError, http.client.HTTPException):
        _local.conn = None
        return 0, (time.perf_counter() - start) * 1000
    return response.status, (time.perf_counter() - start) * 1000


def _wait_answered(runtime: Runtime, events: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with runtime.database.connection_context():
            open_jobs = Job.select().where(Job.status.in_(("pending", "running"))).count()
            finished = Job.select().where(Job.kind == "slack.question", Job.status.in_(("done", "failed"))).count()
        if finished >= events and open_jobs == 0:
            return True
        time.sleep(0.2)
    return False


def _per_channel(fake: FakeSlack, method: str) -> Counter:
    return Counter(body["channel"] for body in fake.sent(method))


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
    parser.add_argument("--warmup", type=int, default=20, help="events answered before measuring")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for all answers")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main())
