"""The scheduled reports: from 09:00 local time (rollout.toml's timezone), yesterday's daily, on Mondays
last week's, on the 1st last month's, each at most once per period. The core's scheduler (`bot.scheduler`)
runs them.

The 09:00 rule is computed here from UTC and the plan's zone, not from the machine's time zone.
"""
from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from bot.config import Settings
from bot.scheduler import claim, mark_failed
from reports.periods import Period, daily, local_now, monthly, weekly

if TYPE_CHECKING:
    from reports.cli import ReportDesk
    from reports.document import Report

log = logging.getLogger(__name__)
REPORT_HOUR = 9  # 09:00 local time


def due_reports(now: dt.datetime, *, tz: dt.tzinfo) -> list[tuple[str, Period]]:
    """The reports due at `now` (aware): from 09:00 in `tz`, yesterday's daily, on Mondays last week's,
    on the 1st last month's."""
    local = local_now(now, tz=tz)
    if local.hour < REPORT_HOUR:
        return []
    yesterday = local.date() - dt.timedelta(days=1)
    due = [("daily", daily(yesterday, tz=tz))]
    if local.weekday() == 0:
        due.append(("weekly", weekly(yesterday, tz=tz)))
    if local.day == 1:
        due.append(("monthly", monthly(yesterday, tz=tz)))
    return due


def produce(settings: Settings, kind: str, period: Period, out: Path,
            now: dt.datetime | None = None) -> tuple["Report", list[Path]]:
    """Build and write a report: `reports.cli.produce`, imported when a report is due (its charts library
    takes seconds to import and a large heap every process would otherwise carry)."""
    from reports import cli
    return cli.produce(settings, kind, period, out, now)


class ScheduledReports:
    """Makes the due reports, writes them under `out` (var/reports), posts them through `desk` if any."""

    def __init__(self, *, settings: Settings, tz: dt.tzinfo, alert: Callable[[str], None], out: Path | None = None,
                 desk: "Callable[[], ReportDesk] | None" = None) -> None:
        self.settings = settings
        self.tz = tz
        self.out = out
        self._alert = alert
        self._desk = desk

    def run_due_reports(self, now: dt.datetime | None = None) -> list[str]:
        """Make each due report not made yet; return the keys of those made (failures alert)."""
        made = []
        now = now or dt.datetime.now(dt.timezone.utc)
        for kind, period in due_reports(now, tz=self.tz):
            if not claim(f"report_{kind}", period.key):
                continue
            try:
                self._report(kind, period, now)
                made.append(period.key)
            except Exception as exc:  # edge: a scheduled job; one failing report must not stop the others
                log.exception("scheduled report %s failed", period.key)
                mark_failed(f"report_{kind}", period.key)
                self._alert(f"定期レポート（{period.key}）の作成に失敗しました: {exc}\n"
                            f"手動で作成するには: ./bansou report {kind} --date {period.start}")
        return made

    def _report(self, kind: str, period: Period, now: dt.datetime) -> None:
        from reports.cli import DEFAULT_OUT
        report, files = produce(self.settings, kind, period, self.out or DEFAULT_OUT, now)
        log.info("scheduled report written: %s", report.path)
        if self._desk is not None:
            self._desk().post_report(report.summary, files)
