"""Benchmark POST /slack/events: ack time of signed events sent 20 at a time, each answered exactly once.

    .venv/bin/python bench/bench_slack.py [--events 200] [--concurrency 20] [--timeout 120]

The app runs under uvicorn on 127.0.0.1 with its job workers, on a temporary SQLite database, with
the offline answerer (no ANTHROPIC_API_KEY) and Slack pointed at a fake Web API. Each event is a DM
in its own channel, so "answered once" means that channel got exactly one placeholder
(chat.postMessage) and one answer in it (chat.update). Afterwards a tenth of the events is sent again
as Slack's retries (X-Slack-Retry-Num, the same event_id): they must change nothing. Events are sent
from a separate process; a warm-up burst (its own channels, not counted) is answered first, so that
one-off start-up work is not timed. Exit code 0 when every event was answered exactly once and the
ack p99 met the target.
"""
from __future__ import annotations

import logging
import sys
import time
from collections import Counter

from webhooks import TARGET_P99_MS, UNCOVERED, parse_args, report_acks, run_bench, send_all, verdict, wait_for_jobs

from adapters.slack_trainee import QUESTION_JOB
from slack_harness import SIGNING_SECRET, FakeSlack, event_body, signed_headers

OPERATORS = "C0BENCHOPS"


def main() -> int:
    args = parse_args(__doc__, warmup=20)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    fake = FakeSlack().start()
    return run_bench("slack", fake, lambda runtime, port, pool: _run(args, runtime, fake, port, pool),
                     slack_bot_token="xoxb-bench", slack_signing_secret=SIGNING_SECRET,
                     slack_api_base_url=fake.api_url, slack_operator_channel=OPERATORS,
                     slack_staff_user_ids=("U0STAFF",))


def _run(args, runtime, fake: FakeSlack, port: int, pool) -> int:
    questions = [e.question for e in runtime.knowledge.scope(1)] + UNCOVERED
    warm = [_signed(_event(i, questions[0], "WARM"), f"EvWarm{i:06d}") for i in range(args.warmup)]
    pool.submit(send_all, port, "/slack/events", warm, args.concurrency).result()
    wait_for_jobs(runtime, QUESTION_JOB, args.warmup, args.timeout)
    bodies = [(_event(i, questions[i % len(questions)]), f"EvBench{i:06d}") for i in range(args.events)]
    started = time.perf_counter()
    results = pool.submit(send_all, port, "/slack/events", [_signed(*b) for b in bodies], args.concurrency).result()
    statuses, p99 = report_acks(results, args.concurrency, time.perf_counter() - started)
    retries = [_signed(*b, retry=1) for b in bodies[::10]]
    retried = Counter(s for s, _ in pool.submit(send_all, port, "/slack/events", retries, args.concurrency).result())
    done = wait_for_jobs(runtime, QUESTION_JOB, args.warmup + args.events, args.timeout)
    answered = time.perf_counter() - started
    time.sleep(1.0)  # a late duplicate would show up here
    posts, updates = _per_channel(fake, "chat.postMessage"), _per_channel(fake, "chat.update")
    channels = [_channel(i) for i in range(args.events)]
    once = sum(posts[c] == 1 and updates[c] == 1 for c in channels)
    missing = sum(updates[c] == 0 for c in channels)
    extra = sum(posts[c] > 1 or updates[c] > 1 for c in channels)
    escalations = posts[OPERATORS]
    print(f"redelivered {len(retries)} events (X-Slack-Retry-Num: 1): HTTP {dict(retried)}")
    print(f"answered: {once}/{args.events} exactly once (one placeholder, one update), {missing} not answered, "
          f"{extra} more than once ({'all jobs done' if done else 'timed out waiting'}; "
          f"{answered:.2f} s from first send to last answer; {escalations} escalation posts)")
    ok = (once == args.events and p99 < TARGET_P99_MS and statuses == Counter({200: args.events})
          and retried == Counter({200: len(retries)}))
    print(verdict(ok, events=args.events, once=once, missing=missing, extra=extra, p99=p99))
    return 0 if ok else 1


def _channel(i: int, prefix: str = "BENCH") -> str:
    return f"D0{prefix}{i:06d}"


def _event(i: int, text: str, prefix: str = "BENCH") -> dict:
    ts = f"{1700000000 + i}.000100"
    return {"type": "message", "channel": _channel(i, prefix), "channel_type": "im", "user": f"U0{prefix}{i:06d}",
            "text": text, "ts": ts, "event_ts": ts}


def _signed(event: dict, event_id: str, retry: int = 0) -> tuple[bytes, dict[str, str]]:
    body = event_body(event, event_id)
    headers = signed_headers(body)
    if retry:
        headers.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"})
    return body.encode(), headers


def _per_channel(fake: FakeSlack, method: str) -> Counter:
    return Counter(body["channel"] for body in fake.sent(method))


if __name__ == "__main__":
    sys.exit(main())
