"""The one scheduler of periodic work (reminders, the budget check, backups, reports), on `schedule`.

The composition root hands it its jobs and starts it. A failing job alerts the operators and the
thread carries on. `claim` makes a job run at most once per period, across restarts and processes:
a ScheduledRun row claims the period before the work is done.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import peewee as pw
import schedule

from bot import dbops
from bot.config import Settings
from bot.models import ScheduledRun

log = logging.getLogger(__name__)
BACKUP_HOUR = 4  # the quietest hour


@dataclass(frozen=True)
class Periodic:
    """A job run every `minutes`; `label` names it to the operators when it fails."""

    name: str
    label: str
    minutes: int
    run: Callable[[], object]


class Scheduler:
    """The periodic jobs and the daemon thread that runs them."""

    def __init__(self, *, database: pw.Database, alert: Callable[[str], None], jobs: Sequence[Periodic]) -> None:
        self.database = database
        self._alert = best_effort(alert)
        self.jobs = schedule.Scheduler()
        for job in jobs:
            self.jobs.every(job.minutes).minutes.do(self._safely, job)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, poll_seconds: float = 20.0) -> "Scheduler":
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, args=(poll_seconds,), name="scheduler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)

    def tick(self) -> None:
        """Run the jobs that are due, with a database connection of this thread."""
        with self.database.connection_context():
            self.jobs.run_pending()

    def _loop(self, poll_seconds: float) -> None:
        while not self._stop.wait(poll_seconds):
            try:
                self.tick()
            except Exception:  # edge: the scheduler tick; e.g. the database is away for a moment, next tick retries
                log.exception("scheduler tick failed")

    def _safely(self, job: Periodic) -> None:
        try:
            job.run()
        except Exception as exc:  # edge: one failing job must not stop the others or the thread
            log.exception("定期処理 %s に失敗しました", job.name)
            self._alert(f"定期処理「{job.label}」が失敗しました: {exc}")


class DailyBackup:
    """From 04:00 local time (`tz`, the plan's), once a day: back the database up and keep the newest
    BACKUP_KEEP copies."""

    def __init__(self, *, settings: Settings, tz: dt.tzinfo) -> None:
        self.settings = settings
        self.tz = tz

    def daily_backup(self, now: dt.datetime | None = None) -> Path | None:
        local = (now or dt.datetime.now(dt.timezone.utc)).astimezone(self.tz)
        day = local.date().isoformat()
        if local.hour < BACKUP_HOUR or not claim("backup", day):
            return None
        settings = self.settings
        written = False
        try:
            result = dbops.backup(settings.database_url,
                                  dbops.default_backup_path(settings.database_url, settings.backup_dir, now,
                                                            tz=self.tz))
            written = True
        finally:
            if not written:  # the claim stays, marked failed: the next day's backup is the retry
                mark_failed("backup", day)
        removed = dbops.prune(settings.backup_dir, settings.backup_keep)
        log.info("daily backup %s written, %d old ones removed", result.path, len(removed))
        return result.path


def best_effort(alert: Callable[[str], None]) -> Callable[[str], None]:
    """`alert` that logs instead of raising: telling of a failure must not become a second one."""
    def tell(text: str) -> None:
        try:
            alert(text)
        except Exception:  # edge: the desk itself is down, in a scheduled job; the log is all that is left
            log.exception("could not alert the operators: %s", text)
    return tell


def claim(name: str, period: str) -> bool:
    """Record the run before doing it: True for the one process that gets the row."""
    if ScheduledRun.select().where(ScheduledRun.name == name, ScheduledRun.period == period).exists():
        return False  # the usual case, every minute after 09:00: no failed insert needed
    try:
        ScheduledRun.create(name=name, period=period)
        return True
    except pw.IntegrityError:
        return False


def mark_failed(name: str, period: str) -> None:
    """Mark a claimed run as failed (it is not retried automatically; an operator can run it by hand)."""
    ScheduledRun.update(ok=False).where(ScheduledRun.name == name, ScheduledRun.period == period).execute()
