"""The durable job queue: work is stored before it is acknowledged, then run with retries."""
from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from dataclasses import dataclass
from typing import Any, Callable

import peewee as pw

from bot.models import Job, utcnow

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]
FailureHandler = Callable[[dict[str, Any], str], None]
BACKOFF_SECONDS = (2, 10, 60, 300)


@dataclass(frozen=True)
class _Kind:
    run: Handler
    on_failure: FailureHandler | None


class JobQueue:
    """Jobs by kind; a kind's handler runs each job until it succeeds or runs out of attempts."""

    def __init__(self, *, max_attempts: int = 4, backoff: tuple[float, ...] = BACKOFF_SECONDS) -> None:
        self.max_attempts = max_attempts
        self.backoff = backoff
        self._kinds: dict[str, _Kind] = {}
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def register(self, kind: str, run: Handler, on_failure: FailureHandler | None = None) -> None:
        """`run` does the work (raise to retry); `on_failure` hears of a job that failed for good."""
        self._kinds[kind] = _Kind(run, on_failure)

    def enqueue(self, kind: str, payload: dict[str, Any], dedupe_key: str | None = None) -> bool:
        """Store a job; False when a job with this dedupe key exists already (a redelivery)."""
        if kind not in self._kinds:
            raise KeyError(f"no handler for job kind {kind!r}")
        try:
            Job.create(kind=kind, payload=payload, dedupe_key=dedupe_key or f"{kind}:{uuid.uuid4().hex}")
        except pw.IntegrityError:
            log.info("duplicate job %s ignored", dedupe_key)
            return False
        self._wake.set()
        return True

    def run_pending(self, limit: int = 100) -> int:
        """Run the jobs that are due now, in order; return how many ran."""
        ran = 0
        while ran < limit and (job := self._claim()) is not None:
            self._run(job)
            ran += 1
        return ran

    def recover(self) -> int:
        """Jobs left 'running' by a crashed process go back to the queue."""
        return Job.update(status="pending").where(Job.status == "running").execute()

    def start(self, *, workers: int, poll_seconds: float = 1.0) -> None:
        """Work the queue in background threads until `stop`; several, so one slow answer holds up no other."""
        self.recover()
        for n in range(max(1, workers)):
            thread = threading.Thread(target=self._loop, args=(poll_seconds,), name=f"job-worker-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=10)

    def _loop(self, poll_seconds: float) -> None:
        db = Job._meta.database
        while not self._stop.is_set():
            try:
                with db.connection_context():
                    self.run_pending()
            except Exception:  # the worker must outlive a database hiccup
                log.exception("job worker iteration failed")
            self._wake.wait(poll_seconds)
            self._wake.clear()

    def _claim(self) -> Job | None:
        # Read the candidates fully before updating: an open SELECT cursor holds SQLite's read lock.
        due = list(Job.select().where(Job.status == "pending", Job.run_after <= utcnow())
                   .order_by(Job.run_after, Job.id).limit(5))
        for job in due:
            # The conditional update is the lock: only one worker wins a job.
            won = Job.update(status="running", attempts=Job.attempts + 1, updated_at=utcnow()).where(
                Job.id == job.id, Job.status == "pending").execute()
            if won:
                return Job.get_by_id(job.id)
        return None

    def _run(self, job: Job) -> None:
        kind = self._kinds.get(job.kind)
        try:
            if kind is None:
                raise KeyError(f"no handler for job kind {job.kind!r}")
            kind.run(job.payload)
        except Exception as exc:
            self._failed(job, kind, exc)
            return
        Job.update(status="done", updated_at=utcnow()).where(Job.id == job.id).execute()

    def _failed(self, job: Job, kind: _Kind | None, exc: Exception) -> None:
        error = f"{type(exc).__name__}: {exc}"
        if job.attempts < self.max_attempts and kind is not None:
            delay = self.backoff[min(job.attempts - 1, len(self.backoff) - 1)]
            log.warning("job %s (%s) attempt %d failed, retry in %ss: %s", job.id, job.kind, job.attempts, delay, error)
            Job.update(status="pending", last_error=error, updated_at=utcnow(),
                       run_after=utcnow() + dt.timedelta(seconds=delay)).where(Job.id == job.id).execute()
            return
        log.error("job %s (%s) failed for good: %s", job.id, job.kind, error)
        Job.update(status="failed", last_error=error, updated_at=utcnow()).where(Job.id == job.id).execute()
        if kind and kind.on_failure:
            try:
                kind.on_failure(job.payload, error)
            except Exception:
                log.exception("failure handler of job %s failed", job.id)
