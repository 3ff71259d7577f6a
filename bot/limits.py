"""Per-user rate limits and the monthly budget guard."""
from __future__ import annotations

import datetime as dt
import threading
import time

import peewee as pw

from bot.models import Answer, Question, ScheduledRun, User, utcnow
from bot.texts import notices

BUDGET_ALERT_LEVELS = (0.8, 1.0)


def month_start_utc(now: dt.datetime | None = None, *, tz: dt.tzinfo) -> dt.datetime:
    """The start of the current month in `tz` (the plan's timezone), as naive UTC (how the database stores time)."""
    local = (now or dt.datetime.now(dt.timezone.utc)).astimezone(tz)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return start.astimezone(dt.timezone.utc).replace(tzinfo=None)


def day_start_utc(now: dt.datetime | None = None, *, tz: dt.tzinfo) -> dt.datetime:
    local = (now or dt.datetime.now(dt.timezone.utc)).astimezone(tz)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start.astimezone(dt.timezone.utc).replace(tzinfo=None)


def rate_limit_message(user: User, per_minute: int, per_day: int, *, tz: dt.tzinfo) -> str | None:
    """A polite refusal when the user asked too much lately; None when they may ask."""
    now = utcnow()
    recent = Question.select().where(Question.user == user)
    if per_minute and recent.where(Question.created_at > now - dt.timedelta(minutes=1)).count() >= per_minute:
        return notices.TOO_FAST
    if per_day and recent.where(Question.created_at >= day_start_utc(tz=tz)).count() >= per_day:
        return notices.daily_limit(per_day)
    return None


def spend_usd(start_utc: dt.datetime, end_utc: dt.datetime | None = None) -> float:
    """What Claude has cost from `start_utc` (up to `end_utc`), both naive UTC."""
    query = Answer.select(pw.fn.SUM(Answer.cost_usd)).where(Answer.created_at >= start_utc)
    if end_utc is not None:
        query = query.where(Answer.created_at < end_utc)
    return float(query.scalar() or 0.0)


def month_spend_usd(now: dt.datetime | None = None, *, tz: dt.tzinfo) -> float:
    """What Claude has cost since the start of this month in `tz`."""
    return spend_usd(month_start_utc(now, tz=tz))


class BudgetGuard:
    """Over the monthly budget the bot answers offline; operators hear at 80% and 100%, once a month."""

    def __init__(self, *, budget_jpy: float, usd_jpy: float, tz: dt.tzinfo, alert,
                 cache_seconds: float = 30.0) -> None:
        self.budget_jpy = budget_jpy
        self.usd_jpy = usd_jpy
        self.tz = tz
        self._alert = alert
        self._cache_seconds = cache_seconds
        self._checked_at = -1e9
        self._over = False
        self._lock = threading.Lock()

    def over_budget(self) -> bool:
        """True when this month's spend has reached the budget (checked at most every 30 s)."""
        with self._lock:
            if time.monotonic() - self._checked_at >= self._cache_seconds:
                self._over = self.check()
                self._checked_at = time.monotonic()
            return self._over

    def check(self) -> bool:
        """Compare spend with the budget now, alert at each level once per month; True when over."""
        if self.budget_jpy <= 0:
            return False
        spend_jpy = month_spend_usd(tz=self.tz) * self.usd_jpy
        month = dt.datetime.now(self.tz).strftime("%Y-%m")
        for level in BUDGET_ALERT_LEVELS:
            if spend_jpy >= self.budget_jpy * level:
                _, first = ScheduledRun.get_or_create(name=f"budget_alert_{int(level * 100)}", period=month)
                if first:
                    action = ("これ以降は Claude を使わず、ナレッジのみで回答します（オフライン回答）。"
                              if level >= 1.0 else "このままのペースでは予算を超える見込みです。")
                    self._alert(f"今月の AI 利用額が予算の {int(level * 100)}% に達しました"
                                f"（{spend_jpy:,.0f}円 / {self.budget_jpy:,.0f}円）。{action}")
        return spend_jpy >= self.budget_jpy
