"""How long the queue makes members wait: the backlog, the oldest waiting job's age, the expected wait of a
new message, and the operators' alarm when the wait passes a threshold."""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterable

import peewee as pw

from bot.models import Answer, Job, db, utcnow
from bot.states import JobStatus

log = logging.getLogger(__name__)

CACHE_SECONDS = 1.0  # a burst of webhooks reads the backlog once a second, not once a request
IDLE_SECONDS = 10.0
RECENT_ANSWERS = 50  # answers whose latency tells how long one takes now
DEFAULT_ANSWER_SECONDS = 3.0  # before any answer was timed
ALERT_SECONDS = 180.0  # the oldest waiting job this old: the operators hear it, once until the queue recovers


@dataclass(frozen=True)
class Backlog:
    """Jobs waiting and running, the oldest waiting one's age, and how long a message arriving now waits."""

    pending: int
    running: int
    oldest_wait_seconds: float
    expected_wait_seconds: float

    def as_dict(self) -> dict[str, float | int]:
        return {"pending": self.pending, "running": self.running,
                "oldest_wait_seconds": round(self.oldest_wait_seconds, 1),
                "expected_wait_seconds": round(self.expected_wait_seconds, 1)}


def measure(*, concurrency: int, now: dt.datetime | None = None) -> Backlog:
    """Read the queue. The expected wait is the larger of the oldest job's wait (the queue is first in,
    first out) and the work ahead: waiting jobs times an answer's recent latency over the model's slots."""
    now = now or utcnow()
    counts = dict(Job.select(Job.status, pw.fn.COUNT(Job.id)).where(
        Job.status.in_((JobStatus.PENDING, JobStatus.RUNNING))).group_by(Job.status).tuples())
    pending, running = counts.get(JobStatus.PENDING, 0), counts.get(JobStatus.RUNNING, 0)
    oldest = Job.select(pw.fn.MIN(Job.created_at)).where(Job.status == JobStatus.PENDING).scalar() if pending else None
    oldest_wait = max(0.0, (now - _naive(oldest)).total_seconds()) if oldest else 0.0
    ahead = pending * _answer_seconds() / max(1, concurrency)
    return Backlog(pending, running, oldest_wait, max(oldest_wait, ahead))


class BacklogGauge:
    """The backlog as last read by a thread of its own (every CACHE_SECONDS while webhooks ask for it; it
    ends after IDLE_SECONDS without a question), so a webhook deciding whether to tell the wait never waits
    for the database."""

    def __init__(self, *, database: pw.Database, concurrency: int, every: float = CACHE_SECONDS) -> None:
        self.database = database
        self.concurrency = concurrency
        self.every = every
        self._last = Backlog(0, 0, 0.0, 0.0)
        self._asked = 0.0
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._stopped = threading.Event()

    def expected_wait(self) -> float:
        """Seconds a message stored now is expected to wait (0 until the first read)."""
        with self._lock:
            self._asked = time.monotonic()
            if not self._stopped.is_set() and (self._thread is None or not self._thread.is_alive()):
                self._thread = threading.Thread(target=self._read, name="backlog-gauge", daemon=True)
                self._thread.start()
        return self._last.expected_wait_seconds

    def refresh(self) -> Backlog:
        with self.database.connection_context():
            self._last = measure(concurrency=self.concurrency)
        return self._last

    def waiting(self, keys: Iterable[str]) -> set[str]:
        """Which of these jobs (by dedupe key) still wait in the queue, not yet taken by a worker."""
        keys, found = list(keys), set()
        with self.database.connection_context():
            for start in range(0, len(keys), 900):  # SQLite's limit on bound parameters
                found.update(key for (key,) in Job.select(Job.dedupe_key).where(
                    Job.dedupe_key.in_(keys[start:start + 900]), Job.status == JobStatus.PENDING).tuples())
        return found

    def stop(self) -> None:
        """End the reader (the runtime is stopping); the last reading stays."""
        self._stopped.set()

    def _read(self) -> None:
        # The models read through one global proxy: once it points at another database (this runtime was
        # replaced, as between tests), this reader has nothing left to read.
        while (not self._stopped.is_set() and db.obj is self.database
               and time.monotonic() - self._asked < IDLE_SECONDS):
            try:
                self.refresh()
            except Exception as exc:  # edge: a background reader; the last reading stands until the next works
                log.warning("backlog reading failed: %s: %s", type(exc).__name__, exc)
            self._stopped.wait(self.every)


class BacklogAlarm:
    """Tells the operators once when the oldest waiting job passes `threshold` seconds; again only after the
    queue has come back under half of it."""

    def __init__(self, *, alert: Callable[[str], None], concurrency: int, threshold: float = ALERT_SECONDS) -> None:
        self.alert = alert
        self.concurrency = concurrency
        self.threshold = threshold
        self._raised = False

    def check(self) -> Backlog:
        backlog = measure(concurrency=self.concurrency)
        if not self._raised and backlog.oldest_wait_seconds >= self.threshold:
            self._raised = True
            log.warning("queue backlog: %d waiting, oldest %.0f s", backlog.pending, backlog.oldest_wait_seconds)
            self.alert(f"回答の順番待ちが長くなっています: 待ち {backlog.pending:,}件、いちばん古い質問は "
                       f"{backlog.oldest_wait_seconds / 60:.0f}分待っています。Claude の同時実行数（CLAUDE_CONCURRENCY）"
                       "と /healthz を確認してください。")
        elif self._raised and backlog.oldest_wait_seconds < self.threshold / 2:
            self._raised = False
            log.info("queue backlog back to normal: oldest %.0f s", backlog.oldest_wait_seconds)
        return backlog


def _answer_seconds() -> float:
    recent = Answer.select(Answer.latency_ms).where(Answer.latency_ms > 0).order_by(Answer.id.desc()).limit(
        RECENT_ANSWERS)
    latencies = [ms for (ms,) in recent.tuples()]
    return sum(latencies) / len(latencies) / 1000 if latencies else DEFAULT_ANSWER_SECONDS


def _naive(value: dt.datetime | str) -> dt.datetime:
    """SQLite returns MIN() of a datetime column as text."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=None)
