"""The server's periodic work: reports at 09:00 Japan time, the daily backup from 04:00, escalation
reminders, the budget check.

`schedule` ticks the jobs; the 09:00 Asia/Tokyo rule is computed here from UTC, not from the
machine's time zone. Each report runs at most once per period, across restarts and processes:
a ScheduledRun row claims the period before the report is made. A failing job alerts the operators
and the thread carries on.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from pathlib import Path
from typing import Callable

import peewee as pw
import schedule

from bot import dbops
from bot.models import ScheduledRun
from bot.runtime import Runtime
from reports.cli import DEFAULT_OUT, ReportDesk, produce, report_desk
from reports.periods import Period, daily, jst_now, monthly, weekly

log = logging.getLogger(__name__)
REPORT_HOUR = 9  # 09:00 Asia/Tokyo
BACKUP_HOUR = 4  # the quietest hour
REMINDER_MINUTES = 10
JOB_LABELS = {"reports": "定期レポート", "reminders": "エスカレーションのリマインド", "budget": "予算チェック",
              "backup": "毎日のバックアップ"}


def due_reports(now: dt.datetime) -> list[tuple[str, Period]]:
    """The reports due at `now` (aware): from 09:00 JST, yesterday's daily, on Mondays last week's,
    on the 1st last month's."""
    local = jst_now(now)
    if local.hour < REPORT_HOUR:
        return []
    yesterday = local.date() - dt.timedelta(days=1)
    due = [("daily", daily(yesterday))]
    if local.weekday() == 0:
        due.append(("weekly", weekly(yesterday)))
    if local.day == 1:
        due.append(("monthly", monthly(yesterday)))
    return due


class ReportScheduler:
    """The jobs and the thread that runs them."""

    def __init__(self, runtime: Runtime, *, out: Path = DEFAULT_OUT,
                 desk_factory: Callable[[], ReportDesk] | None = None) -> None:
        self.runtime = runtime
        self.out = out
        settings = runtime.settings
        self._desk_factory = desk_factory or (lambda: report_desk(settings))
        self._post = desk_factory is not None or settings.slack_enabled
        self.jobs = schedule.Scheduler()
        self.jobs.every(1).minutes.do(self._safely, "reports", self.run_due_reports)
        self.jobs.every(REMINDER_MINUTES).minutes.do(self._safely, "reminders", self.remind)
        self.jobs.every(1).hours.do(self._safely, "budget", self.runtime.core.budget.check)
        if settings.backup_daily:
            self.jobs.every(5).minutes.do(self._safely, "backup", self.daily_backup)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_due_reports(self, now: dt.datetime | None = None) -> list[str]:
        """Make each due report not made yet; return the keys of those made (failures alert)."""
        made = []
        now = now or dt.datetime.now(dt.timezone.utc)
        for kind, period in due_reports(now):
            if not _claim(f"report_{kind}", period.key):
                continue
            try:
                self._report(kind, period, now)
                made.append(period.key)
            except Exception as exc:  # one failing report must not stop the others or the thread
                log.exception("scheduled report %s failed", period.key)
                ScheduledRun.update(ok=False).where(ScheduledRun.name == f"report_{kind}",
                                                    ScheduledRun.period == period.key).execute()
                self._alert(f"定期レポート（{period.key}）の作成に失敗しました: {exc}\n"
                            f"手動で作成するには: python main.py report {kind} --date {period.start}")
        return made

    def daily_backup(self, now: dt.datetime | None = None) -> Path | None:
        """From 04:00 JST, once a day: back the database up and keep the newest BACKUP_KEEP copies."""
        local = jst_now(now or dt.datetime.now(dt.timezone.utc))
        if local.hour < BACKUP_HOUR or not _claim("backup", local.date().isoformat()):
            return None
        settings = self.runtime.settings
        try:
            result = dbops.backup(settings.database_url,
                                  dbops.default_backup_path(settings.database_url, settings.backup_dir, now))
        except Exception:
            ScheduledRun.update(ok=False).where(ScheduledRun.name == "backup",
                                                ScheduledRun.period == local.date().isoformat()).execute()
            raise
        removed = dbops.prune(settings.backup_dir, settings.backup_keep)
        log.info("daily backup %s written, %d old ones removed", result.path, len(removed))
        return result.path

    def remind(self) -> int:
        minutes = self.runtime.settings.escalation_reminder_minutes
        return self.runtime.core.escalations.remind_due(dt.timedelta(minutes=minutes))

    def start(self, poll_seconds: float = 20.0) -> "ReportScheduler":
        self._thread = threading.Thread(target=self._loop, args=(poll_seconds,), name="report-scheduler",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)

    def tick(self) -> None:
        """Run the jobs that are due, with a database connection of this thread."""
        with self.runtime.database.connection_context():
            self.jobs.run_pending()

    def _loop(self, poll_seconds: float) -> None:
        while not self._stop.wait(poll_seconds):
            try:
                self.tick()
            except Exception:  # e.g. the database is away for a moment: try again next tick
                log.exception("scheduler tick failed")

    def _report(self, kind: str, period: Period, now: dt.datetime) -> None:
        report, files = produce(self.runtime.settings, kind, period, self.out, now)
        log.info("scheduled report written: %s", report.path)
        if self._post:
            self._desk_factory().post_report(report.summary, files)

    def _safely(self, name: str, job: Callable[[], object]) -> None:
        try:
            job()
        except Exception as exc:
            log.exception("scheduled job %s failed", name)
            self._alert(f"定期処理「{JOB_LABELS.get(name, name)}」が失敗しました: {exc}")

    def _alert(self, text: str) -> None:
        try:
            self.runtime.core.escalations.desk.alert(text)
        except Exception:  # the desk itself is down: the log is all that is left
            log.exception("could not alert the operators: %s", text)


def start_scheduler(runtime: Runtime) -> ReportScheduler:
    """Start the scheduler thread of the server (reports are posted when Slack is configured)."""
    return ReportScheduler(runtime).start()


def _claim(name: str, period: str) -> bool:
    """Record the run before doing it: True for the one process that gets the row."""
    if ScheduledRun.select().where(ScheduledRun.name == name, ScheduledRun.period == period).exists():
        return False  # the usual case, every minute after 09:00: no failed insert needed
    try:
        ScheduledRun.create(name=name, period=period)
        return True
    except pw.IntegrityError:
        return False
