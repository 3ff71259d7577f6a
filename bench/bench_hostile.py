"""1,000 hostile requests per webhook against the app under uvicorn: counts of answers, tracebacks, health.

    .venv/bin/python bench/bench_hostile.py [--requests 1000] [--concurrency 20]

The requests come from tests/hostile.py: about three in four carry a valid signature over a broken or
mutated body (bad UTF-8, bad JSON, nesting 100,000 deep, wrong types, unknown types), the rest are
unsigned, forged, stale or have a malformed timestamp or signature. Afterwards the queue is worked off
in this process, so a job that cannot run would show too. Exit code 0 when no answer was 5xx, no log
record carried a traceback, every unsigned request was refused (401/400/413), every job finished and
/healthz answered 200 "ok".
"""
from __future__ import annotations

import argparse
import http.client
import json
import logging
from collections import Counter

from webhooks import run_bench, send_all

from bot.models import Job
from fakes import FakeServer
from hostile import line_requests, slack_requests
from slack_harness import SIGNING_SECRET, FakeSlack

LINE_SECRET = "bench-line-secret"


class Tracebacks(logging.Handler):
    """Counts log records that carry a traceback (anyone's: ours, bolt's, uvicorn's)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or record.stack_info:
            self.records.append(record)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    tracebacks = Tracebacks()
    logging.getLogger().addHandler(tracebacks)
    line, slack = FakeServer().start(), FakeSlack().start()
    for path in ("/v2/bot/message/reply", "/v2/bot/message/push"):
        line.route("POST", path, (200, {"sentMessages": [{"id": "1", "quoteToken": "q"}]}))
    line.route("POST", "/v2/bot/chat/loading/start", (202, {}))
    try:
        return run_bench("hostile", line, lambda runtime, port, pool: _run(args, runtime, port, pool, tracebacks),
                         background=False, line_channel_secret=LINE_SECRET, line_channel_access_token="t",
                         line_api_base_url=line.url, slack_bot_token="xoxb-bench",
                         slack_signing_secret=SIGNING_SECRET, slack_api_base_url=slack.api_url)
    finally:
        slack.stop()


def _run(args, runtime, port: int, pool, tracebacks: Tracebacks) -> int:
    ok = True
    for path, requests in (("/line/webhook", line_requests(args.requests, LINE_SECRET)),
                           ("/slack/events", slack_requests(args.requests, SIGNING_SECRET))):
        wire = [(body, headers) for body, headers, _ in requests]  # http.client sends header text as Latin-1
        results = pool.submit(send_all, port, path, wire, args.concurrency).result()
        counts = Counter(("signed" if signed else "unsigned", status)
                         for (_, _, signed), (status, _) in zip(requests, results))
        five = sum(n for (_, status), n in counts.items() if status >= 500 or status == 0)
        unsigned_ok = all(status in (400, 401, 413) for (kind, status) in counts if kind == "unsigned")
        print(f"POST {path}: {len(requests)} requests ({sum(s for _, _, s in requests)} signed); "
              f"answers {dict(sorted(counts.items()))}; 5xx or no answer: {five}; "
              f"every unsigned one refused: {'yes' if unsigned_ok else 'NO'}")
        ok &= five == 0 and unsigned_ok
    with runtime.database.connection_context():
        ran = runtime.queue.run_pending(limit=10_000)
        statuses = Counter(status for (status,) in Job.select(Job.status).tuples())
    print(f"jobs: {ran} run afterwards, by status {dict(statuses)}")
    print(f"log records with a traceback: {len(tracebacks.records)}"
          + "".join(f"\n  {r.name}: {r.getMessage()[:120]}" for r in tracebacks.records[:5]))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/healthz")
    response = conn.getresponse()
    health = json.loads(response.read())
    print(f"/healthz afterwards: {response.status} {health.get('status')}")
    ok &= not tracebacks.records and set(statuses) <= {"done"} and response.status == 200
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
