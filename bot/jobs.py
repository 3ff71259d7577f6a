"""The durable job queue: work is stored before it is acknowledged, then run with retries.

Several processes may share one database (a PaaS runs the web process more than once, and a restart
overlaps the old process): a claim is a lease (owner, until when) renewed while the job runs, and only
an expired lease is taken back. Jobs run in lanes (one worker pool per platform), so one platform that
hangs holds up only its own lane. A job that fails for good goes to its kind's failure handler; if that
fails too, the job is a dead letter that `./bansou jobs retry` replays.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable

import peewee as pw

from bot.models import Job, utcnow
from bot.states import JobStatus

__all__ = ["JobKind", "JobQueue", "JobStatus", "dead_letters", "drop_payloads", "replay"]

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]
FailureHandler = Callable[[dict[str, Any], str], None]
BACKOFF_SECONDS = (2, 10, 60, 300)
LEASE_SECONDS = 60.0
DEFAULT_LANE = "default"
IDLE_POLL_SECONDS = 2.0


@dataclass(frozen=True)
class JobKind:
    """A kind of job an adapter works: its handler, its failure handler, its lane."""

    kind: str
    run: Handler
    on_failure: FailureHandler | None = None
    lane: str = DEFAULT_LANE


@dataclass(frozen=True)
class _Kind:
    run: Handler
    on_failure: FailureHandler | None
    lane: str


class JobQueue:
    """Jobs by kind; a kind's handler runs each job until it succeeds or runs out of attempts."""

    def __init__(self, *, max_attempts: int = 4, backoff: tuple[float, ...] = BACKOFF_SECONDS,
                 lease_seconds: float = LEASE_SECONDS) -> None:
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.lease_seconds = lease_seconds
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._kinds: dict[str, _Kind] = {}
        self._wake: dict[str, threading.Event] = {}
        self._stop = threading.Event()
        self._stop_renewing = threading.Event()  # set after the workers: a draining job keeps its lease
        self._threads: list[threading.Thread] = []
        self._renewer: threading.Thread | None = None
        self._running: set[int] = set()  # job ids whose lease this process renews
        self._running_lock = threading.Lock()

    def register(self, kind: str, run: Handler, on_failure: FailureHandler | None = None, *,
                 lane: str = DEFAULT_LANE) -> None:
        """`run` does the work (raise to retry); `on_failure` hears of a job that failed for good."""
        self._kinds[kind] = _Kind(run, on_failure, lane)
        self._wake.setdefault(lane, threading.Event())

    @property
    def lanes(self) -> list[str]:
        return sorted(self._wake)

    def enqueue(self, kind: str, payload: dict[str, Any], dedupe_key: str | None = None) -> bool:
        """Store a job; False when a job with this dedupe key exists already (a redelivery)."""
        return self.enqueue_many([(kind, payload, dedupe_key)])[0]

    def enqueue_many(self, jobs: list[tuple[str, dict[str, Any], str | None]]) -> list[bool]:
        """Store (kind, payload, dedupe_key) jobs in one transaction; per job, False for a duplicate."""
        for kind, _, _ in jobs:
            if kind not in self._kinds:
                raise KeyError(f"no handler for job kind {kind!r}")
        rows, fresh = [], []
        keys = [key or f"{kind}:{uuid.uuid4().hex}" for kind, _, key in jobs]
        db = _database()
        # On SQLite, take the write lock first: a read transaction upgraded to a write fails at once
        # (SQLITE_BUSY, no busy wait) when another connection wrote meanwhile.
        with (db.atomic("IMMEDIATE") if isinstance(db, pw.SqliteDatabase) else db.atomic()):
            known = {k for (k,) in Job.select(Job.dedupe_key).where(Job.dedupe_key.in_(keys)).tuples()}
            for (kind, payload, _), key in zip(jobs, keys):
                new = key not in known
                fresh.append(new)
                known.add(key)
                if new:
                    rows.append({"kind": kind, "lane": self._kinds[kind].lane, "payload": payload, "dedupe_key": key})
            if rows:  # another process may have stored one meanwhile: its row wins, silently
                Job.insert_many(rows).on_conflict_ignore().execute()
        for lane in {self._kinds[kind].lane for kind, _, _ in jobs}:
            self._wake[lane].set()
        return fresh

    def run_pending(self, limit: int = 100, lane: str | None = None) -> int:
        """Run the jobs that are due now (of one lane, or all), in order; return how many ran."""
        ran = 0
        while ran < limit and (job := self._claim(lane)) is not None:
            self._run(job)
            ran += 1
        return ran

    def recover(self) -> int:
        """Jobs whose lease ran out (their process died) go back to the queue; live leases are left alone."""
        expired = (Job.status == JobStatus.RUNNING) & ((Job.lease_until < utcnow()) | Job.lease_until.is_null())
        count = Job.update(status=JobStatus.PENDING, owner=None, lease_until=None).where(expired).execute()
        if count:
            log.warning("%d job(s) with an expired lease taken back", count)
        return count

    def backlog(self) -> dict[str, dict[str, int]]:
        """Pending and running jobs per lane, and dead letters (for /healthz and doctor)."""
        rows = (Job.select(Job.lane, Job.status, pw.fn.COUNT(Job.id).alias("n"))
                .where(Job.status.in_((JobStatus.PENDING, JobStatus.RUNNING, JobStatus.DEAD)))
                .group_by(Job.lane, Job.status).tuples())
        result = {lane: {"pending": 0, "running": 0, "dead": 0} for lane in self.lanes}
        for lane, status, n in rows:
            result.setdefault(lane or DEFAULT_LANE, {"pending": 0, "running": 0, "dead": 0})[status] = n
        return result

    def start(self, *, workers: int, poll_seconds: float = 1.0) -> None:
        """Work each lane in its own background threads until `stop`; a lease renewer keeps claims alive."""
        self._stop.clear()
        self._stop_renewing.clear()
        with Job._meta.database.connection_context():
            self.recover()
        # The first worker of a lane polls; the others look less often and are woken by a sibling's claim.
        targets = [(self._loop, (lane, poll_seconds if n == 0 else max(poll_seconds, IDLE_POLL_SECONDS)),
                    f"job-{lane}-{n}") for lane in self.lanes for n in range(max(1, workers))]
        for target, args, name in targets:
            thread = threading.Thread(target=target, args=args, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        self._renewer = threading.Thread(target=self._renew_leases, name="job-leases", daemon=True)
        self._renewer.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop claiming; wait up to `timeout` in all for the jobs running now (a job cut short is taken back
        when its lease ends)."""
        self._stop.set()
        for wake in self._wake.values():
            wake.set()
        until = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(timeout=max(0.0, until - time.monotonic()))
        busy = sum(thread.is_alive() for thread in self._threads)
        if busy:
            log.warning("%d job worker(s) still busy after %.0f s; their jobs come back when the lease ends",
                        busy, timeout)
        self._threads.clear()
        self._stop_renewing.set()
        if self._renewer is not None:
            self._renewer.join(timeout=5)
            self._renewer = None

    # ---- private --------------------------------------------------------------------------------

    def _loop(self, lane: str, poll_seconds: float) -> None:
        db = Job._meta.database
        wake = self._wake[lane]
        while not self._stop.is_set():
            try:
                with db.connection_context():
                    while not self._stop.is_set() and (job := self._claim(lane)) is not None:
                        wake.set()  # there may be more: an idle sibling looks now
                        self._run(job)
            except Exception:  # edge: the job worker must outlive a database hiccup
                log.exception("job worker iteration (lane %s) failed", lane)
            wake.wait(poll_seconds)
            wake.clear()

    def _renew_leases(self) -> None:
        db = Job._meta.database
        while not self._stop_renewing.wait(self.lease_seconds / 3):
            try:
                with db.connection_context():
                    with self._running_lock:
                        running = list(self._running)
                    if running:
                        Job.update(lease_until=self._lease_end()).where(
                            Job.id.in_(running), Job.owner == self.owner).execute()
                    self.recover()  # another process may have died meanwhile
            except Exception:  # edge: the job worker; a missed renewal only shortens the lease
                log.exception("job lease renewal failed")

    def _lease_end(self) -> dt.datetime:
        return utcnow() + dt.timedelta(seconds=self.lease_seconds)

    def _claim(self, lane: str | None) -> Job | None:
        due = (Job.status == JobStatus.PENDING) & (Job.run_after <= utcnow())
        if lane is not None:
            due &= Job.lane == lane
        claim = dict(status=JobStatus.RUNNING, attempts=Job.attempts + 1, owner=self.owner,
                     lease_until=self._lease_end(), updated_at=utcnow())
        db = _database()
        if isinstance(db, pw.PostgresqlDatabase):
            # One statement: lock the oldest due row other claimers are not holding, and take it.
            pick = Job.select(Job.id).where(due).order_by(Job.run_after, Job.id).limit(1).for_update(skip_locked=True)
            with db.atomic():
                row = Job.update(**claim).where(Job.id == pick).returning(Job.id).execute()
                ids = [r.id for r in row]
            return self._track(Job.get_by_id(ids[0])) if ids else None
        # SQLite has one writer: the conditional update is the lock. Read the candidates fully first:
        # an open SELECT cursor holds SQLite's read lock.
        for job in list(Job.select(Job.id).where(due).order_by(Job.run_after, Job.id).limit(5)):
            if Job.update(**claim).where(Job.id == job.id, Job.status == JobStatus.PENDING).execute():
                return self._track(Job.get_by_id(job.id))
        return None

    def _track(self, job: Job) -> Job:
        with self._running_lock:
            self._running.add(job.id)
        return job

    def _run(self, job: Job) -> None:
        kind = self._kinds.get(job.kind)
        try:
            if kind is None:
                raise KeyError(f"no handler for job kind {job.kind!r}")
            kind.run(job.payload)
        except Exception as exc:  # edge: the job worker; whatever the handler raised, retried or failed, never lost
            self._failed(job, kind, exc)
        else:
            Job.update(status=JobStatus.DONE, owner=None, lease_until=None, updated_at=utcnow()).where(
                Job.id == job.id).execute()
        finally:
            with self._running_lock:
                self._running.discard(job.id)

    def _failed(self, job: Job, kind: _Kind | None, exc: Exception) -> None:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if job.attempts < self.max_attempts and kind is not None:
            delay = self.backoff[min(job.attempts - 1, len(self.backoff) - 1)]
            log.warning("job %s (%s) attempt %d failed, retry in %ss: %s", job.id, job.kind, job.attempts, delay, error)
            Job.update(status=JobStatus.PENDING, last_error=error, updated_at=utcnow(), owner=None, lease_until=None,
                       run_after=utcnow() + dt.timedelta(seconds=delay)).where(Job.id == job.id).execute()
            return
        log.error("ジョブ %s（%s）は再試行しても失敗しました: %s", job.id, job.kind, error)
        status = JobStatus.DEAD
        if kind and kind.on_failure:
            try:
                kind.on_failure(job.payload, error)
                status = JobStatus.FAILED
            except Exception as handler_exc:  # edge: the job worker; the error path failed, keep a dead letter
                log.error("failure handler of job %s (%s) failed, kept as a dead letter: %s: %s",
                          job.id, job.kind, type(handler_exc).__name__, handler_exc)
                error = f"{error}\nfailure handler: {type(handler_exc).__name__}: {handler_exc}"[:4000]
        Job.update(status=status, last_error=error, owner=None, lease_until=None, updated_at=utcnow()).where(
            Job.id == job.id).execute()


def _database() -> pw.Database:
    """The database behind the models' proxy (its type decides how to lock)."""
    database = Job._meta.database
    return database.obj if isinstance(database, pw.DatabaseProxy) else database


def dead_letters() -> list[Job]:
    """Jobs an operator should look at: failed for good with no working failure handler."""
    return list(Job.select().where(Job.status == JobStatus.DEAD).order_by(Job.id))


def replay(job_ids: list[int] | None) -> int:
    """Put dead letters (the given ids, or all of them) back in the queue with fresh attempts."""
    query = Job.update(status=JobStatus.PENDING, attempts=0, run_after=utcnow(), owner=None, lease_until=None,
                       updated_at=utcnow()).where(Job.status == JobStatus.DEAD)
    if job_ids is not None:
        query = query.where(Job.id.in_(job_ids))
    return query.execute()


def drop_payloads(*, older_than_days: int) -> int:
    """Finished jobs (done, or failed and handled) last touched before `older_than_days` lose their raw
    payload; the row and its dedupe key stay, so a late redelivery is still a duplicate. Dead letters,
    which `jobs retry` replays, keep theirs. Returns how many were emptied."""
    if older_than_days <= 0:
        return 0
    cutoff = utcnow() - dt.timedelta(days=older_than_days)
    count = Job.update(payload={}).where(Job.status.in_((JobStatus.DONE, JobStatus.FAILED)),
                                         Job.updated_at < cutoff, Job.payload != {}).execute()
    if count:
        log.info("raw payloads of %d finished job(s) older than %d days dropped", count, older_than_days)
    return count

