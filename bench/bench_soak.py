"""Soak `python main.py serve` with LINE and Slack members asking at a steady rate, Claude faked at 1.5-3 s.

    .venv/bin/python bench/bench_soak.py [--minutes 2] [--rate 4] [--members 200] [--concurrency 8]
                                         [--slack-share 0.25] [--redeliver 0.02] [--drain 180]

The real server (web process and worker process) runs on a temporary SQLite database with the shipped
knowledge; LINE, Slack and the Messages API are fakes on 127.0.0.1 in this process. Messages are sent open
loop (a slow ack does not slow the sending), a share of them delivered twice as the platforms redeliver.
Printed: ack p50/p99; webhook-to-answer p50/p99/max per platform by minute of sending; replies vs pushes
and busy notes; lost and duplicated answers; each process's resident memory by minute, and at start and
after 1,000 questions answered with its anonymous and file-backed parts (the Sudachi dictionary and the
encoders' weight files are mapped files: shared and reclaimable, but resident). Exit code 0 when nothing
was lost or duplicated.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from adapters.line_signs import BUSY_NOTE  # noqa: E402
from fakes import Call, FakeServer, line_signature  # noqa: E402
from server_process import ServerProcess, server_env, wait_until  # noqa: E402
from slack_harness import SIGNING_SECRET, FakeSlack, event_body, signed_headers  # noqa: E402
from test_claude import message  # noqa: E402
from webhooks import percentile  # noqa: E402

LINE_SECRET = "fault-line-secret"  # server_env's
SENT = (200, {"sentMessages": [{"id": "1", "quoteToken": "q"}]})
QUESTIONS = ["死亡保険金の非課税枠は？", "医療法人の事業承継で最初に確認することは？", "役員退職金の準備はどうすればいい？",
             "勉強会の日程を教えてください", "紹介をもらうコツはありますか？", "逓増定期保険の税務上の扱いは？"]


@dataclass
class Sent:
    platform: str
    key: str  # LINE: the reply token; Slack: the thread ts
    at: float
    answers: list[float]


class Soak:
    """The fakes and what they saw, mapped back to the message each answer is for."""

    def __init__(self) -> None:
        self.messages: dict[str, Sent] = {}
        self.by_retry_key: dict[str, str] = {}
        self.by_placeholder: dict[str, str] = {}
        self.counts: Counter = Counter()
        self.lock = threading.Lock()
        self.line, self.slack, self.claude = FakeServer(), FakeSlack(), FakeServer()
        self.line.route("POST", "/v2/bot/message/reply", self._line_reply)
        self.line.route("POST", "/v2/bot/message/push", self._line_push)
        self.line.route("POST", "/v2/bot/chat/loading/start", (202, {}))
        self.slack.route("POST", "/api/chat.postMessage", self._slack_post)
        self.slack.route("POST", "/api/chat.update", self._slack_update)
        self.claude.route("POST", "/v1/messages", _model)

    def start(self) -> "Soak":
        for fake in (self.line, self.slack, self.claude):
            fake.start()
        return self

    def stop(self) -> None:
        for fake in (self.line, self.slack, self.claude):
            fake.stop()

    def answered(self, key: str, kind: str) -> None:
        with self.lock:
            self.counts[kind] += 1
            if key in self.messages:
                self.messages[key].answers.append(time.time())

    def _line_reply(self, call: Call):
        if [m.get("text") for m in call.json["messages"]] == [BUSY_NOTE]:
            with self.lock:
                self.counts["busy notes"] += 1
        else:
            self.answered(call.json["replyToken"], "LINE replies")
        return SENT

    def _line_push(self, call: Call):
        self.answered(self.by_retry_key.get(call.headers.get("x-line-retry-key", ""), ""), "LINE pushes")
        return SENT

    def _slack_post(self, call: Call):
        ts = self.slack.next_ts()
        with self.lock:
            self.by_placeholder[ts] = call.json.get("thread_ts") or ""
        return 200, {"ok": True, "ts": ts, "channel": call.json["channel"]}

    def _slack_update(self, call: Call):
        with self.lock:
            thread = self.by_placeholder.get(call.json["ts"], "")
        self.answered(thread, "Slack answers")
        return 200, {"ok": True, "ts": call.json["ts"], "channel": call.json["channel"]}


def _model(call: Call):
    time.sleep(random.uniform(1.5, 3.0))
    asked = call.json["messages"][-1]["content"]
    ids = re.findall(r"^\[([a-z0-9-]+)\]", asked if isinstance(asked, str) else "", flags=re.M)[:1]
    return 200, message(ids=tuple(ids), confidence=0.9 if ids else 0.3)


def _line_request(n: int, member: int, redelivery: bool = False) -> tuple[bytes, dict[str, str], str]:
    event = {"type": "message", "mode": "active", "timestamp": int(time.time() * 1000),
             "webhookEventId": f"01SOAK{n:020d}", "deliveryContext": {"isRedelivery": redelivery},
             "source": {"type": "user", "userId": f"Usoak{member:028d}"}, "replyToken": f"soak-{n}",
             "message": {"type": "text", "id": str(900000 + n), "quoteToken": f"q{n}", "text": random.choice(QUESTIONS)}}
    body = json.dumps({"destination": "Ubot", "events": [event]}, ensure_ascii=False).encode()
    return body, {"Content-Type": "application/json", "X-Line-Signature": line_signature(body, LINE_SECRET)}, \
        f"soak-{n}"


def _slack_request(n: int, member: int, retry: bool = False) -> tuple[bytes, dict[str, str], str]:
    ts = f"{int(time.time())}.{n:06d}"  # Slack's ts is the send time; unique per message here
    event = {"type": "message", "channel": f"D0SOAK{member:05d}", "channel_type": "im", "user": f"U0SOAK{member:05d}",
             "text": random.choice(QUESTIONS), "ts": ts, "event_ts": ts, "thread_ts": ts}
    body = event_body(event, f"EvSoak{n:08d}")
    headers = signed_headers(body)
    if retry:
        headers.update({"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    return body.encode(), headers, ts


def _retry_key(n: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"line:01SOAK{n:020d}"))


def _proc_mib(path: str, *names: str) -> dict[str, float] | None:
    """kB fields of a /proc file, in MiB; None once the process is gone."""
    try:
        text = Path(path).read_text()
    except OSError:
        return None
    fields = {}
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name in names:
            fields[name] = int(value.split()[0]) / 1024
    return fields


def _rss_mb(pid: int) -> float:
    return (_proc_mib(f"/proc/{pid}/status", "VmRSS") or {}).get("VmRSS", 0.0)


def _pss_mb(pid: int) -> float:
    return (_proc_mib(f"/proc/{pid}/smaps_rollup", "Pss") or {}).get("Pss", 0.0)


def _memory(pid: int) -> str:
    fields = _proc_mib(f"/proc/{pid}/status", "VmRSS", "RssAnon", "RssFile")
    if fields is None:
        return "gone"
    return f"{fields.get('VmRSS', 0):.0f} MiB (anonymous {fields.get('RssAnon', 0):.0f}, files {fields.get('RssFile', 0):.0f})"


def _together(web: int, worker: int) -> str:
    """Both processes' resident memory summed, and with the pages they share (libraries, Python's own
    files) counted once: PSS charges each process its share, which is what the machine holds."""
    return (f"web + worker {_rss_mb(web) + _rss_mb(worker):.0f} MiB resident, "
            f"{_pss_mb(web) + _pss_mb(worker):.0f} MiB with shared pages counted once (PSS)")


def _worker_pid(pid: int) -> int | None:
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes() and b"resource_tracker" not in \
                Path(f"/proc/{child}/cmdline").read_bytes():
            return int(child)
    return None


def main() -> int:
    args = _args()
    soak = Soak().start()
    with tempfile.TemporaryDirectory(prefix="bench-soak-") as tmp:
        env = server_env(Path(tmp), f"sqlite:///{tmp}/soak.db", soak.line.url, ANTHROPIC_API_KEY="bench",
                         ANTHROPIC_BASE_URL=soak.claude.url, CLAUDE_CONCURRENCY=str(args.concurrency),
                         SLACK_BOT_TOKEN="xoxb-soak", SLACK_SIGNING_SECRET=SIGNING_SECRET,
                         SLACK_API_BASE_URL=soak.slack.api_url, BACKUP_DAILY="off", LOG_DIR=f"{tmp}/log")
        env.update(KNOWLEDGE_DIR=str(ROOT / "knowledge"), JOB_LEASE_SECONDS="60")
        server = ServerProcess(env, Path(tmp), "soak").wait_ready(timeout=120)
        try:
            return _run(args, soak, server)
        finally:
            server.proc.terminate()
            server.proc.wait(timeout=60)
            soak.stop()


def _run(args: argparse.Namespace, soak: Soak, server: ServerProcess) -> int:
    web, worker = server.proc.pid, _worker_pid(server.proc.pid)
    warm = [_line_request(10 ** 9 + i, i) for i in range(3)]
    for i, (body, headers, key) in enumerate(warm):
        soak.messages[key] = Sent("warm", key, time.time(), [])
        soak.by_retry_key[_retry_key(10 ** 9 + i)] = key
        server.post("/line/webhook", body, headers)
    wait_until(lambda: all(soak.messages[k].answers for *_, k in warm), 120)
    memory: list[tuple[float, float, float]] = [(0.0, _rss_mb(web), _rss_mb(worker or 0))]
    print(f"warm-up answered; memory at start: web {_memory(web)}, worker {_memory(worker or 0)}; "
          f"{_together(web, worker or 0)}")
    thousand = []

    def after_thousand() -> None:
        answered = sum(bool(m.answers) for m in list(soak.messages.values()) if m.platform != "warm")
        if not thousand and answered >= 1000:
            thousand.append(answered)
            print(f"memory after {answered} questions answered: web {_memory(web)}, worker {_memory(worker or 0)}; "
                  f"{_together(web, worker or 0)}")
    acks: list[float] = []
    statuses: Counter = Counter()
    pool = ThreadPoolExecutor(64)
    started = time.time()

    def post(body: bytes, headers: dict[str, str], path: str) -> None:
        t0 = time.perf_counter()
        status = server.post(path, body, headers)
        with soak.lock:
            acks.append((time.perf_counter() - t0) * 1000)
            statuses[status] += 1

    n = 0
    while (elapsed := time.time() - started) < args.minutes * 60:
        slack = random.random() < args.slack_share
        member = random.randrange(args.members)
        body, headers, key = (_slack_request if slack else _line_request)(n, member)
        path = "/slack/events" if slack else "/line/webhook"
        soak.messages[key] = Sent("slack" if slack else "line", key, time.time(), [])
        if not slack:  # the adapter's push retry key for this event, so a pushed answer maps back to it
            soak.by_retry_key[_retry_key(n)] = key
        pool.submit(post, body, headers, path)
        if random.random() < args.redeliver:  # the platform did not see our ack in time: again, a bit later
            again = (_slack_request(n, member, True) if slack else _line_request(n, member, True))[:2]
            threading.Timer(random.uniform(1, 5), lambda a=again, p=path: pool.submit(post, *a, p)).start()
        n += 1
        if elapsed >= 60 * len(memory):
            memory.append((elapsed, _rss_mb(web), _rss_mb(worker or 0)))
        after_thousand()
        time.sleep(max(0.0, started + n / args.rate - time.time()))
    sent_for = time.time() - started
    memory.append((sent_for, _rss_mb(web), _rss_mb(worker or 0)))
    counted = [m for m in soak.messages.values() if m.platform != "warm"]
    wait_until(lambda: after_thousand() or all(m.answers for m in counted), args.drain)
    if not thousand:
        print(f"(fewer than 1,000 questions: {len(counted)} sent; --minutes 4.5 at 4/s sends 1,080)")
    drained = time.time() - started - sent_for
    time.sleep(2.0)  # a late duplicate would arrive here
    pool.shutdown(wait=True)
    memory.append((time.time() - started, _rss_mb(web), _rss_mb(worker or 0)))
    print(f"memory at the end: {_together(web, worker or 0)}")
    return _report(args, soak, counted, acks, statuses, memory, started, sent_for, drained, server)


def _report(args, soak: Soak, counted: list[Sent], acks: list[float], statuses: Counter, memory, started: float,
            sent_for: float, drained: float, server: ServerProcess) -> int:
    acks.sort()
    print(f"sent {len(counted)} messages over {sent_for / 60:.1f} min at {args.rate}/s from {args.members} members "
          f"({args.slack_share:.0%} Slack), CLAUDE_CONCURRENCY={args.concurrency}; HTTP {dict(statuses)}")
    print(f"ack: p50 {percentile(acks, 50):.1f} ms, p99 {percentile(acks, 99):.1f} ms, max {acks[-1]:.1f} ms")
    print("webhook-to-answer (s) by minute of sending:")
    print("  min | LINE n   p50   p99   max | Slack n   p50   p99   max")
    for minute in range(int(sent_for // 60) + 1):
        if not any(minute * 60 <= m.at - started < (minute + 1) * 60 for m in counted):
            continue
        row = [f"  {minute + 1:>3}"]
        for platform in ("line", "slack"):
            waits = sorted(m.answers[0] - m.at for m in counted if m.platform == platform and m.answers
                           and minute * 60 <= m.at - started < (minute + 1) * 60)
            row.append(f"{len(waits):>6} {percentile(waits, 50):5.1f} {percentile(waits, 99):5.1f} {waits[-1]:5.1f}"
                       if waits else f"{0:>6}     -     -     -")
        print(" |".join(row))
    for platform in ("line", "slack"):
        waits = sorted(m.answers[0] - m.at for m in counted if m.platform == platform and m.answers)
        if waits:
            print(f"{platform}: all {len(waits)}: p50 {percentile(waits, 50):.1f} s, p99 {percentile(waits, 99):.1f} s, "
                  f"max {waits[-1]:.1f} s")
    lost = sum(not m.answers for m in counted)
    twice = sum(len(m.answers) > 1 for m in counted)
    line_sent = soak.counts["LINE replies"] + soak.counts["LINE pushes"]
    print(f"sends: {dict(soak.counts)}; LINE replies {soak.counts['LINE replies'] / max(1, line_sent):.1%}")
    print(f"lost {lost}, duplicated {twice} (drained {drained:.0f} s after the last message)")
    print("resident memory (MiB) by minute: " + ", ".join(f"{t / 60:.1f} min web {w:.0f} worker {k:.0f}" for t, w, k in memory))
    health = json.loads(server.get("/healthz")[1] or b"{}")
    print(f"healthz after: pending {health.get('pending_jobs')}, oldest wait {health.get('oldest_wait_seconds')} s")
    return 0 if lost == 0 and twice == 0 else 1


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--rate", type=float, default=4.0, help="messages a second")
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8, help="CLAUDE_CONCURRENCY")
    parser.add_argument("--slack-share", type=float, default=0.25)
    parser.add_argument("--redeliver", type=float, default=0.02)
    parser.add_argument("--drain", type=float, default=180.0, help="seconds to wait for the last answers")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main())
