"""Benchmark POST /line/webhook: ack time of signed events sent 20 at a time, each answered exactly once.

    .venv/bin/python bench/bench_line.py [--events 200] [--concurrency 20] [--timeout 120]

The app runs under uvicorn on 127.0.0.1 with its job workers, on a temporary SQLite database, with
the offline answerer (no ANTHROPIC_API_KEY) and LINE pointed at a fake Messaging API. Each event
comes from its own user, so "answered once" means exactly one reply or push reached that user.
Events are sent from a separate process. Exit code 0 when every event was answered exactly once
and the ack p99 met the target.
"""
from __future__ import annotations

import json
import logging
import sys
import time
from collections import Counter

from webhooks import TARGET_P99_MS, UNCOVERED, parse_args, report_acks, run_bench, send_all, verdict, wait_for_jobs

from adapters.line import EVENT_JOB
from bot.models import Delivery
from fakes import FakeServer, line_signature

SECRET, TOKEN = "bench-line-secret", "bench-line-token"
SENT = (200, {"sentMessages": [{"id": "1", "quoteToken": "q"}]})


def main() -> int:
    args = parse_args(__doc__)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    fake = FakeServer().start()
    fake.route("POST", "/v2/bot/message/reply", SENT)
    fake.route("POST", "/v2/bot/message/push", SENT)
    fake.route("POST", "/v2/bot/chat/loading/start", (202, {}))
    return run_bench("line", fake, lambda runtime, port, pool: _run(args, runtime, fake, port, pool),
                     line_channel_secret=SECRET, line_channel_access_token=TOKEN, line_api_base_url=fake.url)


def _run(args, runtime, fake: FakeServer, port: int, pool) -> int:
    questions = [e.question for e in runtime.knowledge.scope(1)] + UNCOVERED
    requests = [_signed(_body(i, questions[i % len(questions)])) for i in range(args.events)]
    started = time.perf_counter()
    results = pool.submit(send_all, port, "/line/webhook", requests, args.concurrency).result()
    statuses, p99 = report_acks(results, args.concurrency, time.perf_counter() - started)
    done = wait_for_jobs(runtime, EVENT_JOB, args.events, args.timeout)
    answered = time.perf_counter() - started
    time.sleep(1.0)  # a late duplicate would show up here
    per_user = _messages_per_user(fake)
    users = [_user(i) for i in range(args.events)]
    once = sum(per_user.get(u, 0) == 1 for u in users)
    missing = sum(per_user.get(u, 0) == 0 for u in users)
    twice = sum(per_user.get(u, 0) > 1 for u in users)
    replies, pushes = len(fake.calls_to("/v2/bot/message/reply")), len(fake.calls_to("/v2/bot/message/push"))
    recorded = Counter(d.method for d in Delivery.select(Delivery.method).where(Delivery.ok == True))  # noqa: E712
    print(f"answered: {once}/{args.events} exactly once, {missing} not answered, {twice} more than once "
          f"({'all jobs done' if done else 'timed out waiting'}; {answered:.2f} s from first send to last answer)")
    print(f"sends: {replies} replies, {pushes} pushes (recorded deliveries: {dict(recorded)}); "
          f"loading animations: {len(fake.calls_to('/v2/bot/chat/loading/start'))}")
    ok = once == args.events and p99 < TARGET_P99_MS and statuses == Counter({200: args.events})
    print(verdict(ok, events=args.events, once=once, missing=missing, extra=twice, p99=p99))
    return 0 if ok else 1


def _user(i: int) -> str:
    return f"Ubench{i:028d}"


def _body(i: int, text: str) -> bytes:
    event = {"type": "message", "mode": "active", "timestamp": int(time.time() * 1000),
             "webhookEventId": f"01BENCH{i:019d}", "deliveryContext": {"isRedelivery": False},
             "source": {"type": "user", "userId": _user(i)}, "replyToken": f"token{i:027d}",
             "message": {"type": "text", "id": str(500000 + i), "quoteToken": f"q{i}", "text": text}}
    return json.dumps({"destination": "Ubot", "events": [event]}, ensure_ascii=False).encode()


def _signed(body: bytes) -> tuple[bytes, dict[str, str]]:
    return body, {"Content-Type": "application/json", "X-Line-Signature": line_signature(body, SECRET)}


def _messages_per_user(fake: FakeServer) -> Counter:
    counts: Counter = Counter()
    for call in fake.calls_to("/v2/bot/message/reply"):
        counts[_user(int(call.json["replyToken"].removeprefix("token")))] += 1
    for call in fake.calls_to("/v2/bot/message/push"):
        counts[call.json["to"]] += 1
    return counts


if __name__ == "__main__":
    sys.exit(main())
