"""The composition root: every part built once, in order, from the settings; nothing patched in afterwards.

database -> knowledge -> answerer -> queue -> desk -> deliverers -> core -> scheduler -> adapters.
The core never imports an adapter; this module is the one place that knows both.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

import peewee as pw

from bot.answering import Answerer, AnswererStatus, OfflineAnswerer
from bot.announcements import Announcements, Broadcaster
from bot.approvals import Approvals
from bot.backlog import BacklogAlarm, BacklogGauge, measure
from bot.config import Settings
from bot.conversation import Core
from bot.escalation import Deliverer, Escalations, LogDesk, OperatorDesk
from bot.intake import Intake
from bot.jobs import JobKind, JobQueue, drop_payloads
from bot.knowledge_store import KnowledgeBase
from bot.limits import BudgetGuard
from bot.operators import Operators
from bot.outbox import Outbox
from bot.related import RelatedQuestions
from bot.safety.screener import Screener
from bot.runtime import check_knowledge_dir, load_knowledge, load_plan, make_answerer, open_database
from bot.scheduler import DailyBackup, Periodic, Scheduler, best_effort

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from adapters.line import LineAdapter
    from adapters.line_client import LineClient
    from adapters.line_postback import PostbackCodec
    from adapters.slack import SlackAdapter
    from adapters.slack_desk import SlackDesk
    from reports.cli import ReportDesk
    from reports.scheduler import ScheduledReports

log = logging.getLogger(__name__)
LineParts = tuple["LineClient", "PostbackCodec"]
REMINDER_MINUTES = 10
WORKER_POLL_SECONDS = 0.25  # the web process that stored a job cannot wake a worker in another process


@dataclass
class Runtime:
    """Everything a running bot holds. `line` and `slack` are the adapters the settings enable."""

    settings: Settings
    database: pw.Database
    knowledge: KnowledgeBase
    queue: JobQueue
    intake: Intake
    outbox: Outbox
    core: Core
    scheduler: Scheduler | None = None
    line: "LineAdapter | None" = None
    slack: "SlackAdapter | None" = None
    backlog: BacklogGauge | None = None  # the queue's wait as the webhooks see it

    def health(self) -> dict:
        """Status (degraded while Claude fails), a database round trip and the queue's backlog.

        Raises when the database is unusable.
        """
        with self.database.connection_context():
            lanes = self.queue.backlog()
            backlog = measure(concurrency=self.settings.claude_concurrency)
        reason = self.core.status.degraded_reason
        health = {"status": "degraded" if reason else "ok", "database": "ok",
                  "pending_jobs": sum(lane["pending"] for lane in lanes.values()),
                  "oldest_wait_seconds": round(backlog.oldest_wait_seconds, 1),
                  "expected_wait_seconds": round(backlog.expected_wait_seconds, 1),
                  "line": self.settings.line_enabled, "slack": self.settings.slack_enabled,
                  "answerer": "claude" if self.settings.anthropic_api_key else "offline", "lanes": lanes}
        return {**health, "reason": reason} if reason else health

    def start(self) -> None:
        """The durable queue's workers and the scheduler (the worker process runs them).

        Each lane has a worker for every Claude slot and JOB_WORKERS more: any one platform can use the whole
        shared pool (`bot/claude/pool.py`) while another's sends hang in its own lane."""
        workers = self.settings.job_workers + self.settings.claude_concurrency
        self.queue.start(workers=workers, poll_seconds=WORKER_POLL_SECONDS)
        if self.scheduler is not None:
            self.scheduler.start()

    def stop(self, drain: float = 10.0) -> None:
        """Stop claiming jobs; the ones running now get `drain` seconds to finish."""
        if self.scheduler is not None:
            self.scheduler.stop()
        if self.backlog is not None:
            self.backlog.stop()
        if self.line is not None:
            self.line.stop()
        self.queue.stop(timeout=drain)


def build_runtime(settings: Settings, *, desk: OperatorDesk | None = None, answerer: Answerer | None = None,
                  deliverers: Mapping[str, Deliverer] | None = None, sync_knowledge: bool = True,
                  channels: bool = True, answering: bool = True, delivering: bool = False) -> Runtime:
    """Connect, migrate, load the plan and the knowledge, and wire the core and the channels.

    `channels` off (the CLI): no adapters and no scheduler; escalations still reach the Slack operator
    channel, posted at once. `answering` off (the web process, which verifies, stores and acknowledges):
    no knowledge sync or index and no Claude client; the worker process answers. `desk` and `deliverers`
    stand in where no channel provides one (tests). `delivering` (the CLI that answers escalations): the
    channels' deliverers without their adapters, so a staff answer reaches LINE and Slack users.
    """
    plan = load_plan(settings)
    check_knowledge_dir(settings)
    database = open_database(settings)
    knowledge = load_knowledge(settings, sync=sync_knowledge and answering)
    answerer = answerer or (make_answerer(settings) if answering else OfflineAnswerer())
    queue = JobQueue(max_attempts=settings.job_max_attempts, lease_seconds=settings.job_lease_seconds)
    slack_client = _slack_client(settings)
    slack_desk = _slack_desk(settings, slack_client, serving=channels)
    desk = _operator_desk(slack_desk, queue, queued=channels) or desk or LogDesk()
    delivers = channels or delivering
    line_parts = _line_parts(settings, desk.alert) if delivers and settings.line_enabled else None
    channel_deliverers = _deliverers(line_parts, slack_client) if delivers else {}
    escalations = Escalations(knowledge=knowledge, desk=desk, deliverers={**channel_deliverers, **(deliverers or {})},
                              tz=plan.timezone)
    operators = Operators(escalations=escalations, staff_ids=settings.slack_staff_user_ids,
                          makino_id=settings.slack_makino_user_id)
    approvals = Approvals(knowledge=knowledge, makino_id=settings.slack_makino_user_id, today=plan.today)
    announcements = Announcements(knowledge=knowledge, staff_ids=settings.slack_staff_user_ids,
                                  broadcasters=_broadcasters(line_parts, slack_client) if channels else {})
    budget = BudgetGuard(budget_jpy=settings.monthly_budget_jpy, usd_jpy=settings.usd_jpy_rate, tz=plan.timezone,
                         alert=desk.alert)
    screener = Screener(model_dir=settings.safety_model_dir, encoder=settings.encoder)
    core = Core(knowledge=knowledge, answerer=answerer, plan=plan, screener=screener, escalations=escalations,
                operators=operators, approvals=approvals, budget=budget,
                rate_per_minute=settings.rate_limit_per_minute, rate_per_day=settings.rate_limit_per_day,
                default_cohorts={"slack": settings.slack_default_cohort},
                remind_after=dt.timedelta(minutes=settings.escalation_reminder_minutes), announcements=announcements,
                related=RelatedQuestions(knowledge=knowledge, encoder=settings.encoder),
                answer_seconds=settings.claude_deadline_seconds,
                office_hours=settings.office_hours,
                status=AnswererStatus(alert=desk.alert, degrade_after=settings.claude_degraded_after_seconds))
    outbox, intake = Outbox(), Intake(jobs=queue, database=database)
    if not channels:
        return Runtime(settings, database, knowledge, queue, intake, outbox, core)
    gauge = BacklogGauge(database=database, concurrency=settings.claude_concurrency)
    line = _line_adapter(settings, core, intake, outbox, line_parts, gauge) if line_parts else None
    slack = _slack_adapter(settings, core, queue, intake, outbox, slack_client, slack_desk, announcements)
    scheduler = None
    if answering:  # the worker process runs the scheduler; the web process does not load the reports' charts
        reports = scheduled_reports(settings, tz=plan.timezone, alert=desk.alert,
                                    desk=_report_desk(settings, slack_desk))
        digest = [Periodic("approvals", "牧野さんへの承認依頼", 10, slack.approvals.daily_digest),
                  Periodic("announcements", "お知らせの下書き", 60, slack.announcements.weekly)] if slack else []
        scheduler = build_scheduler(settings, database=database, core=core, alert=desk.alert, reports=reports,
                                    extra=digest)
    # The queue exists before the adapters and the desk that enqueue: their job kinds join it here.
    kinds = [*(line.jobs() if line else ()), *(slack.jobs() if slack else ()), *_desk_jobs(slack_desk, escalations)]
    for job in kinds:
        queue.register(job.kind, job.run, job.on_failure, lane=job.lane)
    return Runtime(settings, database, knowledge, queue, intake, outbox, core, scheduler, line, slack, gauge)


def build_scheduler(settings: Settings, *, database: pw.Database, core: Core, alert: Callable[[str], None],
                    reports: "ScheduledReports | None" = None, extra: Sequence[Periodic] = ()) -> Scheduler:
    """The periodic work: reports, escalation reminders, the budget check, the daily backup, and what the
    channels add (Makino's morning digest of drafts)."""
    tz = core.plan.timezone
    reports = reports or scheduled_reports(settings, tz=tz, alert=alert)
    alarm = BacklogAlarm(alert=alert, concurrency=settings.claude_concurrency)
    jobs = [Periodic("reports", "定期レポート", 1, reports.run_due_reports),
            Periodic("backlog", "順番待ちの確認", 1, alarm.check),
            Periodic("reminders", "エスカレーションのリマインド", REMINDER_MINUTES, core.remind_open),
            Periodic("budget", "予算チェック", 60, core.check_budget),
            Periodic("themes", "ダッシュボードのテーマ集計", 60, week_themes(settings, tz=tz)),
            Periodic("retention", "古い受信内容の削除", 60,
                     lambda: drop_payloads(older_than_days=settings.job_retention_days))]
    if settings.backup_daily:
        jobs.append(Periodic("backup", "毎日のバックアップ", 5, DailyBackup(settings=settings, tz=tz).daily_backup))
    return Scheduler(database=database, alert=alert, jobs=[*jobs, *extra])


def scheduled_reports(settings: Settings, *, tz: dt.tzinfo, alert: Callable[[str], None],
                      desk: Callable[[], "ReportDesk"] | None = None) -> "ScheduledReports":
    """The reports job, writing under var/reports and posting through `desk` when there is one."""
    from reports.scheduler import ScheduledReports
    return ScheduledReports(settings=settings, tz=tz, alert=best_effort(alert), desk=desk)


def week_themes(settings: Settings, *, tz: dt.tzinfo) -> Callable[[], int | None]:
    """The hourly job that works out the week's themes for the dashboard (in the worker: it loads the encoder)."""
    from reports.themes import snapshot
    return lambda: snapshot.refresh(settings.encoder, tz=tz)


# ---- the channels' parts -------------------------------------------------------------------------

def _slack_client(settings: Settings) -> "WebClient | None":
    if not settings.slack_enabled:
        return None
    from adapters.slack_desk import make_client
    return make_client(settings)


def _slack_desk(settings: Settings, client: "WebClient | None", *, serving: bool) -> "SlackDesk | None":
    if client is None:
        return None
    if not settings.slack_operator_channel:
        if serving:
            log.warning("SLACK_OPERATOR_CHANNEL is not set: escalations are only logged")
        return None
    from adapters.slack_desk import make_desk
    return make_desk(settings, client)


def _operator_desk(slack_desk: "SlackDesk | None", queue: JobQueue, *, queued: bool) -> OperatorDesk | None:
    """The server queues its posts and alerts in the Slack lane; the CLI posts at once."""
    if slack_desk is None:
        return None
    if not queued:
        return slack_desk
    from adapters.slack_desk import QueuedDesk
    return QueuedDesk(desk=slack_desk, queue=queue)


def _report_desk(settings: Settings, slack_desk: "SlackDesk | None") -> Callable[[], "ReportDesk"] | None:
    if slack_desk is not None:
        return lambda: slack_desk
    if settings.slack_enabled:  # Slack without an operator channel: each report says what is missing
        from reports.cli import report_desk
        return lambda: report_desk(settings)
    return None


def _line_parts(settings: Settings, alert: Callable[[str], None]) -> LineParts:
    from adapters.line import line_client
    return line_client(settings, alert=alert)


def _deliverers(line_parts: LineParts | None, slack_client: "WebClient | None") -> dict[str, Deliverer]:
    """How a staff answer reaches a user later, per channel: a LINE push, a Slack post."""
    found: dict[str, Deliverer] = {}
    if line_parts is not None:
        from adapters.line import LineDelivery
        found["line"] = LineDelivery(client=line_parts[0], codec=line_parts[1])
    if slack_client is not None:
        from adapters.slack_trainee import SlackDelivery
        found["slack"] = SlackDelivery(client=slack_client)
    return found


def _line_adapter(settings: Settings, core: Core, intake: Intake, outbox: Outbox,
                  line_parts: LineParts, gauge: BacklogGauge) -> "LineAdapter":
    from adapters.line import LineAdapter
    client, codec = line_parts
    return LineAdapter(settings=settings, core=core, intake=intake, outbox=outbox, client=client, codec=codec,
                       expected_wait=gauge.expected_wait, waiting=gauge.waiting)


def _slack_adapter(settings: Settings, core: Core, queue: JobQueue, intake: Intake, outbox: Outbox,
                   client: "WebClient | None", slack_desk: "SlackDesk | None",
                   announcements: Announcements) -> "SlackAdapter | None":
    if client is None:
        return None
    from adapters.slack import SlackAdapter
    return SlackAdapter(settings=settings, core=core, queue=queue, intake=intake, outbox=outbox, client=client,
                        desk=slack_desk, announcements=announcements)


def _broadcasters(line_parts: LineParts | None, slack_client: "WebClient | None") -> dict[str, "Broadcaster"]:
    """How an announcement reaches a cohort, per channel: a LINE multicast, Slack DMs."""
    found: dict[str, Broadcaster] = {}
    if line_parts is not None:
        from adapters.announce_line import LineBroadcaster
        found["line"] = LineBroadcaster(line_parts[0].api, line_parts[1])
    if slack_client is not None:
        from adapters.announce_slack import SlackBroadcaster
        found["slack"] = SlackBroadcaster(slack_client)
    return found


def _desk_jobs(slack_desk: "SlackDesk | None", escalations: Escalations) -> list[JobKind]:
    """The queued desk's posts and alerts, worked in the Slack lane."""
    if slack_desk is None:
        return []
    from adapters.slack_desk import DESK_ALERT_JOB, DESK_POST_JOB, LANE
    return [JobKind(DESK_POST_JOB, lambda p: escalations.post(p["escalation_id"], desk=slack_desk), lane=LANE),
            JobKind(DESK_ALERT_JOB, lambda p: slack_desk.alert(p["text"]), lane=LANE)]
