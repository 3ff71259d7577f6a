"""The ack path's one writer: jobs from concurrent webhooks are stored together, one transaction a batch.

SQLite has one writer. Twenty deliveries at once, each with its own insert and commit, queue behind each
other (and its busy handler sleeps in growing steps); gathered into one transaction they cost about one.
"""
from __future__ import annotations

import contextlib
import logging
import queue
import threading
from concurrent.futures import Future
from typing import Any

import peewee as pw

from bot.jobs import JobQueue

log = logging.getLogger(__name__)

NewJob = tuple[str, dict[str, Any], "str | None"]  # kind, payload, dedupe key
MAX_BATCH = 200


class Intake:
    """Stores jobs for the webhooks from one thread; `submit` returns a future of which were new."""

    def __init__(self, *, jobs: JobQueue, database: pw.Database) -> None:
        self.jobs = jobs
        self.database = database
        self._inbox: queue.SimpleQueue[tuple[list[NewJob], Future]] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._work, name="intake", daemon=True)
        self._started = threading.Lock()

    def submit(self, jobs: list[NewJob]) -> Future:
        """Queue `jobs` for the next batch; the future gives, per job, whether it was stored (False: a duplicate)."""
        with self._started:
            if not self._thread.is_alive():
                self._thread.start()
        future: Future = Future()
        self._inbox.put((jobs, future))
        return future

    def _work(self) -> None:
        while True:
            batch = [self._inbox.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._inbox.get_nowait())
                except queue.Empty:
                    break
            self._store(batch)

    def _store(self, batch: list[tuple[list[NewJob], Future]]) -> None:
        # A caller that gave up (the client hung up) cancelled its future; its jobs are stored all the same.
        waiting = [future.set_running_or_notify_cancel() for _, future in batch]
        try:
            fresh = self.jobs.enqueue_many([job for jobs, _ in batch for job in jobs])
        except Exception as exc:  # edge: the webhook ack's writer; each caller answers non-2xx, the platform redelivers
            log.error("could not store %d webhook job(s): %s", sum(len(j) for j, _ in batch), exc)
            with contextlib.suppress(Exception):  # a broken connection stays broken in this thread
                self.database.close()
            for (_, future), wanted in zip(batch, waiting):
                if wanted:
                    future.set_exception(exc)
            return
        start = 0
        for (jobs, future), wanted in zip(batch, waiting):
            if wanted:
                future.set_result(fresh[start:start + len(jobs)])
            start += len(jobs)
