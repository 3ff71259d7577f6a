"""`python main.py report daily|weekly|monthly [--date D] [--out DIR] [--post]`."""
from __future__ import annotations

import datetime as dt
import logging
import sys
from pathlib import Path
from typing import Protocol

from bot.config import ConfigError, Settings
from bot.runtime import Runtime
from reports.daily import build_daily
from reports.document import Report
from reports.monthly import build_monthly
from reports.periods import Period, parse_date, period_for
from reports.weekly import build_weekly

log = logging.getLogger(__name__)
DEFAULT_OUT = Path("var/reports")
BUILDERS = {"daily": build_daily, "weekly": build_weekly, "monthly": build_monthly}


class ReportDesk(Protocol):
    """Where reports are posted (the operator channel): a text summary and the files."""

    def post_report(self, summary: str, files: list[Path]) -> None: ...


def produce(settings: Settings, kind: str, period: Period, out: Path = DEFAULT_OUT,
            now: dt.datetime | None = None) -> tuple[Report, list[Path]]:
    """Build the report of `period` and write it under `out`; return it and the files written."""
    report = BUILDERS[kind](period, Path(out) / period.key, settings=settings,
                           now=now or dt.datetime.now(dt.timezone.utc))
    return report, report.write()


def report_desk(settings: Settings) -> ReportDesk:
    """The operator channel's desk (Slack); imported only when a report is posted."""
    from adapters.slack import make_desk
    return make_desk(settings)


def run_report(runtime: Runtime, period: str, *, date: str | None = None, out: Path | None = None,
               post: bool = False, desk: ReportDesk | None = None, now: dt.datetime | None = None) -> int:
    """The command: write the report, print where, post it when asked; the exit code."""
    settings = runtime.settings
    try:
        chosen = period_for(period, parse_date(date) if date else None, now)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with runtime.database.connection_context():
        report, files = produce(settings, period, chosen, out or DEFAULT_OUT, now)
    print(f"{report.title}: {report.path}")
    print(report.summary)
    if not post:
        return 0
    if desk is None and not settings.slack_enabled:
        print("error: --post needs Slack: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (the report was written)",
              file=sys.stderr)
        return 2
    try:
        (desk or report_desk(settings)).post_report(report.summary, files)
    except ConfigError as exc:  # e.g. SLACK_OPERATOR_CHANNEL missing: a setting to fix, not a failure
        print(f"error: {exc} (the report was written)", file=sys.stderr)
        return 2
    except Exception as exc:  # the files are written; say why posting failed in one line
        log.exception("posting the report failed")
        print(f"error: the report was written but could not be posted: {exc}", file=sys.stderr)
        return 1
    print("posted to the operator channel")
    return 0
