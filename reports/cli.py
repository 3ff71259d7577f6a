"""`./bansou report daily|weekly|monthly [--date D] [--out DIR] [--post]`."""
from __future__ import annotations

import datetime as dt
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from bot.config import ConfigError, Settings
from reports.daily import build_daily
from reports.metrics import including_tests
from reports.document import WITH_TESTS, Report
from reports.monthly import build_monthly
from reports.periods import Period, parse_date, period_for
from reports.weekly import build_weekly

if TYPE_CHECKING:
    from app import Runtime

log = logging.getLogger(__name__)
DEFAULT_OUT = Path("var/reports")
BUILDERS = {"daily": build_daily, "weekly": build_weekly, "monthly": build_monthly}


class ReportDesk(Protocol):
    """Where reports are posted (the operator channel): a text summary and the files."""

    def post_report(self, summary: str, files: list[Path]) -> None: ...


def produce(settings: Settings, kind: str, period: Period, out: Path = DEFAULT_OUT,
            now: dt.datetime | None = None, with_tests: bool = False) -> tuple[Report, list[Path]]:
    """Build the report of `period` and write it under `out`; return it and the files written.
    A report that counts test questions goes to a folder and file of its own (…-with-tests)."""
    folder = Path(out) / (f"{period.key}-{WITH_TESTS}" if with_tests else period.key)
    report = BUILDERS[kind](period, folder, settings=settings, now=now or dt.datetime.now(dt.timezone.utc))
    report.with_tests = with_tests
    return report, report.write()


def report_desk(settings: Settings) -> ReportDesk:
    """The operator channel's desk (Slack); imported only when a report is posted."""
    from adapters.slack import make_desk
    return make_desk(settings)


def run_report(runtime: Runtime, period: str, *, date: str | None = None, out: Path | None = None,
               post: bool = False, desk: ReportDesk | None = None, now: dt.datetime | None = None,
               include_tests: bool = False) -> int:
    """The command: write the report, print where, post it when asked; the exit code."""
    settings = runtime.settings
    try:
        chosen = period_for(period, parse_date(date) if date else None, now, tz=runtime.core.plan.timezone)
    except ValueError as exc:
        print(f"エラー: {exc}", file=sys.stderr)
        return 2
    try:
        with runtime.database.connection_context(), including_tests(include_tests):
            report, files = produce(settings, period, chosen, out or DEFAULT_OUT, now, with_tests=include_tests)
    except OSError as exc:  # e.g. --out is a file, or not writable
        print(f"エラー: レポートを書き込めません（{exc.strerror or exc}: {exc.filename or out}）", file=sys.stderr)
        return 2
    print(f"{report.title}: {report.path}")
    if include_tests:
        print("（ask / chat で試した質問も含めています）")
    print(report.summary)
    if not post:
        return 0
    if desk is None and not settings.slack_enabled:
        print("エラー: --post には Slack の設定（SLACK_BOT_TOKEN と SLACK_SIGNING_SECRET）が必要です"
              "（レポートのファイルは作成済みです）", file=sys.stderr)
        return 2
    try:
        (desk or report_desk(settings)).post_report(report.summary, files)
    except ConfigError as exc:  # e.g. SLACK_OPERATOR_CHANNEL missing: a setting to fix, not a failure
        print(f"エラー: {exc}（レポートのファイルは作成済みです）", file=sys.stderr)
        return 2
    except Exception as exc:  # edge: the `report --post` command; the files are written, say why posting failed
        log.exception("posting the report failed")
        print(f"エラー: レポートは作成しましたが、Slack に投稿できませんでした: {exc}", file=sys.stderr)
        return 1
    print("オペレーター用チャンネルに投稿しました")
    return 0
