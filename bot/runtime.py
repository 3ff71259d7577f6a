"""The composition root: settings in, a wired core (database, knowledge, answerer, queue) out."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

import peewee as pw

from bot.answering import Answerer, AnswerRequest, ModelAnswer, OfflineAnswerer
from bot.config import ConfigError, Settings
from bot.conversation import Core
from bot.escalation import Escalations, LogDesk, OperatorDesk
from bot.intake import Intake
from bot.jobs import JobQueue
from bot.knowledge_store import KnowledgeBase
from bot.limits import BudgetGuard
from bot.models import init_db
from bot.outbox import Outbox
from bot.rollout import RolloutError, RolloutPlan

log = logging.getLogger(__name__)
CLAUDE_CONCURRENCY = 3  # answers in flight at once, across all lanes


@dataclass
class Runtime:
    """Everything a running bot holds; adapters get `core` and `queue`."""

    settings: Settings
    database: pw.Database
    core: Core
    queue: JobQueue
    knowledge: KnowledgeBase
    intake: Intake
    outbox: Outbox = field(default_factory=Outbox)

    def health(self) -> dict:
        """Status (degraded while Claude fails), a database round trip and the queue's backlog.

        Raises when the database is unusable.
        """
        with self.database.connection_context():
            lanes = self.queue.backlog()
        reason = self.core.status.degraded_reason
        health = {"status": "degraded" if reason else "ok", "database": "ok",
                  "pending_jobs": sum(lane["pending"] for lane in lanes.values()),
                  "line": self.settings.line_enabled, "slack": self.settings.slack_enabled,
                  "answerer": "claude" if self.settings.anthropic_api_key else "offline", "lanes": lanes}
        return {**health, "reason": reason} if reason else health


def build_runtime(settings: Settings, *, desk: OperatorDesk | None = None, answerer: Answerer | None = None,
                  sync_knowledge: bool = True) -> Runtime:
    """Connect, migrate, load the plan and the knowledge, and wire the core."""
    plan = load_plan(settings)
    if not settings.knowledge_dir.is_dir():
        raise ConfigError(f"KNOWLEDGE_DIR: フォルダ {settings.knowledge_dir} がありません（ナレッジの Markdown を置くフォルダを指定してください）")
    try:
        database = init_db(settings.database_url)
    except (pw.DatabaseError, pw.ImproperlyConfigured, OSError) as exc:
        raise ConfigError(f"DATABASE_URL: データベースを開けません（{str(exc).strip().splitlines()[0]}）") from None
    knowledge = KnowledgeBase(settings.knowledge_dir)
    if sync_knowledge:
        result = knowledge.sync()
        for error in result.errors:
            log.error("knowledge file skipped: %s", error)
    escalations = Escalations(knowledge=knowledge, desk=desk or LogDesk())
    budget = BudgetGuard(budget_jpy=settings.monthly_budget_jpy, usd_jpy=settings.usd_jpy_rate,
                         alert=lambda text: escalations.desk.alert(text))
    core = Core(knowledge=knowledge, answerer=answerer or make_answerer(settings), plan=plan,
                escalations=escalations, budget=budget, rate_per_minute=settings.rate_limit_per_minute,
                rate_per_day=settings.rate_limit_per_day, default_cohorts={"slack": settings.slack_default_cohort})
    queue = JobQueue(max_attempts=settings.job_max_attempts, lease_seconds=settings.job_lease_seconds)
    return Runtime(settings, database, core, queue, knowledge, Intake(queue, database))


class BoundedAnswerer:
    """At most `limit` answers in flight: every lane's workers share Claude, and a slow Claude (529s, retries)
    then holds a bounded number of threads instead of all of them."""

    def __init__(self, inner: Answerer, limit: int = CLAUDE_CONCURRENCY) -> None:
        self.inner = inner
        self._slots = threading.BoundedSemaphore(limit)

    def answer(self, request: AnswerRequest) -> ModelAnswer:
        with self._slots:
            return self.inner.answer(request)


def make_answerer(settings: Settings) -> Answerer:
    """Claude when a key is set; otherwise the offline answerer, so everything runs without one."""
    if not settings.anthropic_api_key:
        log.info("ANTHROPIC_API_KEY is not set: answering from the knowledge base only")
        return OfflineAnswerer()
    from bot.claude import ClaudeAnswerer  # the SDK takes ~2 s to import: only when it is used
    return BoundedAnswerer(ClaudeAnswerer(api_key=settings.anthropic_api_key, models=settings.model_for,
                                          timeout=settings.claude_timeout_seconds,
                                          max_retries=settings.claude_max_retries))


def load_plan(settings: Settings) -> RolloutPlan:
    if not settings.rollout_file.is_file():
        raise ConfigError(f"ROLLOUT_FILE: ファイル {settings.rollout_file} がありません")
    try:
        return RolloutPlan.load(settings.rollout_file)
    except RolloutError as exc:
        raise ConfigError(f"ROLLOUT_FILE: {exc}") from None
