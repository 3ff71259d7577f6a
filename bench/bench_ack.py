"""Ack time of POST /line/webhook and POST /slack/events beside a bare ASGI endpoint under the same uvicorn.

    .venv/bin/python bench/bench_ack.py [--events 100] [--concurrency 20] [--rounds 3]

One process serves, one sends (as the platforms' servers would). First a bare ASGI endpoint (it reads
the body and answers 200, nothing else) is timed, then the app with both webhooks and its job workers on
a temporary SQLite database, the offline answerer, and fake LINE and Slack APIs (the workers in their
own process, as `main.py serve` runs them). Each round sends `--events` signed events 20 at a time to
each endpoint, once the answers to the round before are sent; the figures are the median over the rounds.
The ratio is the webhook's p99 over the bare endpoint's p99 (target: within 2x). Exit code 0 when
both ratios meet the target and every event was acknowledged with 200.
"""
from __future__ import annotations

import argparse
import json
import logging
import statistics
import time

from webhooks import percentile, run_bench, send_all, uvicorn_on_a_free_port

from bot.models import Job
from fakes import FakeServer, line_signature
from slack_harness import SIGNING_SECRET, FakeSlack, event_body, signed_headers

TARGET_RATIO = 2.0
LINE_SECRET = "bench-line-secret"
QUESTION = "死亡保険金の非課税枠は？"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-workers", action="store_true", help="acks alone: the job workers do not run")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    line, slack = FakeServer().start(), FakeSlack().start()
    for path in ("/v2/bot/message/reply", "/v2/bot/message/push"):
        line.route("POST", path, (200, {"sentMessages": [{"id": "1", "quoteToken": "q"}]}))
    line.route("POST", "/v2/bot/chat/loading/start", (202, {}))
    try:
        return run_bench("ack", line, lambda runtime, port, pool: _run(args, runtime, port, pool),
                         background=not args.no_workers,
                         line_channel_secret=LINE_SECRET, line_channel_access_token="t", line_api_base_url=line.url,
                         slack_bot_token="xoxb-bench", slack_signing_secret=SIGNING_SECRET,
                         slack_api_base_url=slack.api_url)
    finally:
        slack.stop()


def _run(args, runtime, port: int, pool) -> int:
    bare: list[float] = []
    with _bare_server() as bare_port:
        for r in range(args.rounds):
            bare.append(_p(pool, bare_port, "/", [_line(r, i) for i in range(args.events)], args, 50))
            bare.append(_p(pool, bare_port, "/", [_line(r, i) for i in range(args.events)], args, 99))
    bare_p50, bare_p99 = statistics.median(bare[0::2]), statistics.median(bare[1::2])
    print(f"bare ASGI endpoint      : p50 {bare_p50:6.1f} ms  p99 {bare_p99:6.1f} ms")
    ok = True
    for name, path, make in (("POST /line/webhook", "/line/webhook", _line), ("POST /slack/events", "/slack/events",
                                                                               _slack)):
        p50s, p99s, statuses = [], [], set()
        for r in range(args.rounds):
            results = pool.submit(send_all, port, path, [make(r + 1, i) for i in range(args.events)],
                                  args.concurrency).result()
            statuses |= {s for s, _ in results}
            acks = sorted(ms for _, ms in results)
            p50s.append(percentile(acks, 50))
            p99s.append(percentile(acks, 99))
            if not args.no_workers:
                _drained(runtime)  # each round starts as the first: the workers answer only what it sent
        p50, p99 = statistics.median(p50s), statistics.median(p99s)
        ratio = p99 / bare_p99
        ok &= ratio <= TARGET_RATIO and statuses == {200}
        print(f"{name:<24}: p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  ratio to bare p99 {ratio:.2f}x "
              f"(target <= {TARGET_RATIO:.0f}x; HTTP {sorted(statuses)})")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


def _drained(runtime, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    with runtime.database.connection_context():
        while Job.select().where(Job.status.in_(("pending", "running"))).exists() and time.monotonic() < deadline:
            time.sleep(0.2)


def _p(pool, port: int, path: str, requests, args, pct: float) -> float:
    results = pool.submit(send_all, port, path, requests, args.concurrency).result()
    return percentile(sorted(ms for _, ms in results), pct)


def _line(r: int, i: int) -> tuple[bytes, dict[str, str]]:
    event = {"type": "message", "mode": "active", "timestamp": int(time.time() * 1000),
             "webhookEventId": f"01ACK{r:03d}{i:017d}", "deliveryContext": {"isRedelivery": False},
             "source": {"type": "user", "userId": f"Uack{r:03d}{i:026d}"}, "replyToken": f"tok{r}-{i}",
             "message": {"type": "text", "id": str(i), "quoteToken": "q", "text": QUESTION}}
    body = json.dumps({"destination": "Ubot", "events": [event]}, ensure_ascii=False).encode()
    return body, {"Content-Type": "application/json", "X-Line-Signature": line_signature(body, LINE_SECRET)}


def _slack(r: int, i: int) -> tuple[bytes, dict[str, str]]:
    ts = f"1700{r:03d}{i:03d}.000100"
    body = event_body({"type": "message", "channel": f"Dack{r}x{i}", "channel_type": "im", "user": "U0ACK",
                       "text": QUESTION, "ts": ts, "event_ts": ts}, f"EvAck{r:03d}{i:06d}")
    return body.encode(), signed_headers(body)


async def _bare(scope, receive, send) -> None:
    """The least an ASGI endpoint can do: read the body, answer 200 with a small JSON body."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b'{"status":"ok"}'})


def _bare_server():
    return uvicorn_on_a_free_port(_bare, lifespan="off")


if __name__ == "__main__":
    raise SystemExit(main())
