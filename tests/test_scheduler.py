"""The scheduler: 09:00 Japan time whatever the machine's zone, once per period across restarts, alerts."""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

import report_data
from bot.doctor import check_scheduler
from bot.models import Answer, Escalation, Question, ScheduledRun, User
from app import build_runtime, build_scheduler
from reports import scheduler as scheduler_module
from reports.periods import daily, monthly, weekly
from reports.scheduler import ScheduledReports, due_reports

UTC = dt.timezone.utc
TOKYO = ZoneInfo("Asia/Tokyo")


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def report_jobs(runtime, operators, **kw) -> tuple[ScheduledReports, object]:
    """The reports job and the scheduler that runs it, as the composition root builds them."""
    reports = ScheduledReports(settings=runtime.settings, tz=runtime.core.plan.timezone, alert=operators.alert,
                               **kw)
    return reports, build_scheduler(runtime.settings, database=runtime.database, core=runtime.core,
                                    alert=operators.alert, reports=reports)


class FakeDesk:
    def __init__(self) -> None:
        self.posts: list[str] = []

    def post_report(self, summary: str, files) -> None:
        self.posts.append(summary)


@pytest.fixture
def machine_in_new_york(monkeypatch):
    """The machine's local zone must not matter: only Asia/Tokyo does."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_reports_fall_due_at_09_00_tokyo(machine_in_new_york):
    assert due_reports(utc("2026-11-30 23:59:59"), tz=TOKYO) == []  # 1 December 08:59:59 in Tokyo
    assert due_reports(utc("2026-12-01 00:00:00"), tz=TOKYO) == [("daily", daily(dt.date(2026, 11, 30), tz=TOKYO)),
                                                                 ("monthly", monthly(dt.date(2026, 11, 1), tz=TOKYO))]
    assert due_reports(utc("2026-11-30 00:00:00"), tz=TOKYO) == [("daily", daily(dt.date(2026, 11, 29), tz=TOKYO)),
                                                                 ("weekly", weekly(dt.date(2026, 11, 23), tz=TOKYO))]
    assert due_reports(utc("2026-12-02 14:59:00"), tz=TOKYO) == [("daily", daily(dt.date(2026, 12, 1), tz=TOKYO))]


def test_schedule_runs_each_report_once_per_period_across_a_restart(runtime, desk, tmp_path, machine_in_new_york):
    report_data.insert()
    out = tmp_path / "out"
    with freeze_time("2026-11-30 23:59:30") as clock:  # Tuesday 1 December, 08:59:30 in Tokyo
        reports, jobs = report_jobs(runtime, desk, out=out)
        jobs.tick()
        assert ScheduledRun.select().count() == 0 and not out.exists()
        clock.tick(dt.timedelta(seconds=61))
        jobs.tick()
        assert sorted(p.name for p in out.iterdir()) == ["daily-2026-11-30", "monthly-2026-11"]
        restarted, _ = report_jobs(runtime, desk, out=out)
        clock.tick(dt.timedelta(hours=3))
        assert restarted.run_due_reports() == [] and reports.run_due_reports() == []
        clock.tick(dt.timedelta(days=1))  # Wednesday: only the daily report
        assert restarted.run_due_reports() == ["daily-2026-12-01"]
    runs = {(r.name, r.period, r.ok) for r in ScheduledRun.select()}
    assert runs == {("report_daily", "daily-2026-11-30", True), ("report_monthly", "monthly-2026-11", True),
                    ("report_daily", "daily-2026-12-01", True)}
    assert "総質問数 1件" in (out / "monthly-2026-11" / "monthly-2026-11.md").read_text(encoding="utf-8")
    assert desk.alerts == []


def test_a_failing_report_alerts_the_desk_and_the_others_still_run(runtime, desk, tmp_path, monkeypatch):
    real = scheduler_module.produce

    def produce(settings, kind, period, out, now=None):
        if kind == "monthly":
            raise RuntimeError("disk full")
        return real(settings, kind, period, out, now)
    monkeypatch.setattr(scheduler_module, "produce", produce)
    jobs, _ = report_jobs(runtime, desk, out=tmp_path)
    assert jobs.run_due_reports(utc("2026-12-01 00:05:00")) == ["daily-2026-11-30"]
    (alert,) = desk.alerts
    assert "monthly-2026-11" in alert and "disk full" in alert and "report monthly --date 2026-11-01" in alert
    assert not ScheduledRun.get(ScheduledRun.name == "report_monthly").ok
    assert jobs.run_due_reports(utc("2026-12-01 01:00:00")) == []  # at most once, even after a failure
    finding = check_scheduler()  # doctor points to the log the scheduler writes: the worker's
    assert "月次 monthly-2026-11（失敗）" in finding.text and "var/log/bansou-worker.log" in finding.fix


def test_a_failing_job_alerts_and_the_thread_keeps_running(runtime, desk, monkeypatch):
    calls = []

    def broken_check() -> bool:
        calls.append(1)
        raise RuntimeError("database is locked")
    monkeypatch.setattr(runtime.core.budget, "check", broken_check)
    with freeze_time("2026-12-01 03:00:00") as clock:
        _, jobs = report_jobs(runtime, desk)
        clock.tick(dt.timedelta(hours=1, seconds=1))
        jobs.tick()
        clock.tick(dt.timedelta(hours=1, seconds=1))
        jobs.tick()
    assert len(calls) == 2
    assert desk.alerts == ["定期処理「予算チェック」が失敗しました: database is locked"] * 2


def test_reminders_every_ten_minutes_and_the_hourly_budget_alert(settings, desk, tmp_path):
    runtime = build_runtime(replace(settings, monthly_budget_jpy=100.0, escalation_reminder_minutes=30), desk=desk)
    with freeze_time("2026-12-01 03:00:00") as clock:
        user = User.create(channel="line", external_id="u")
        question = Question.create(user=user, channel="line", pattern=1, text="教えてください", status="escalated")
        Escalation.create(question=question, reason="no_knowledge")
        Answer.create(question=question, text="x", source="ai", confidence=0.5, cost_usd=0.6)  # 90 yen of 100
        _, jobs = report_jobs(runtime, desk, out=tmp_path)
        clock.tick(dt.timedelta(minutes=10, seconds=1))
        jobs.tick()
        assert desk.posted == []  # not yet 30 minutes old
        clock.tick(dt.timedelta(minutes=30))
        jobs.tick()
        assert len(desk.posted) == 1  # no operator thread yet: re-posted rather than reminded
        clock.tick(dt.timedelta(minutes=30))
        jobs.tick()
    assert any("予算の 80%" in a for a in desk.alerts)


def test_reports_are_posted_through_the_desk(runtime, desk, tmp_path):
    fake = FakeDesk()
    jobs, _ = report_jobs(runtime, desk, out=tmp_path, desk=lambda: fake)
    jobs.run_due_reports(utc("2026-11-30 00:10:00"))  # Monday 09:10 in Tokyo
    assert [p.split("\n")[0] for p in fake.posts] == ["📊 日次レポート 2026年11月29日（日）",
                                                      "📊 週次レポート 2026年11月23日（月）〜29日（日）"]


def test_start_scheduler_runs_a_daemon_thread(runtime):
    jobs = runtime.scheduler.start()
    try:
        assert jobs._thread is not None and jobs._thread.daemon and jobs._thread.is_alive()
    finally:
        jobs.stop()
    assert not jobs._thread.is_alive()
