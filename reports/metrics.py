"""Every figure the reports and the dashboard show: one SQL aggregate per table, one definition each.

A period's questions and answers are summed in SQL by (local day, Pattern, channel / prompt version)
into a few hundred cells; `Figures.tally(...)` adds cells up along any of those dimensions and
`Tally` defines each rate once. Nothing here loads individual rows.
"""
from __future__ import annotations

import contextlib
import datetime as dt
from contextvars import ContextVar
from dataclasses import dataclass, fields
from typing import Iterator

import peewee as pw
from peewee import JOIN, SQL, Case, fn

from bot.limits import spend_usd
from bot.models import Announcement, Answer, Delivery, Escalation, Feedback, Question, db
from bot.states import UNANSWERED, Channel, DeliveryMethod, QuestionStatus, Rating, Scope, Source
from reports.periods import Period

AI_SOURCES = (Source.AI, Source.OFFLINE)  # answers the bot wrote itself (confidence is theirs)
STAFF_SOURCES = (Source.STAFF, Source.MAKINO)
_include_tests: ContextVar[bool] = ContextVar("include_tests", default=False)


@contextlib.contextmanager
def including_tests(include: bool = True) -> Iterator[None]:
    """Within this block the figures also count test questions (`report --include-tests`)."""
    token = _include_tests.set(include)
    try:
        yield
    finally:
        _include_tests.reset(token)


def tests_included() -> bool:
    """Whether the figures being built count test questions too."""
    return _include_tests.get()


def counted() -> pw.Expression:
    """The questions the figures count: real ones; tests (asked from the terminal) only when included.

    A turn refused by the rate limit or the rollout gate is recorded for safety, but it is not a
    question the bot could take, so no figure counts it.
    """
    taken = Question.status != QuestionStatus.REFUSED
    return taken if _include_tests.get() else taken & (Question.test == False)  # noqa: E712


@dataclass
class Tally:
    """Additive counts for some slice of a period; the rates are defined here and only here."""

    questions: int = 0  # in scope: greetings and off-domain questions are counted apart, below
    succeeded: int = 0  # answered by the bot, never escalated
    uncovered: int = 0  # no knowledge entry covered the question
    ai_answers: int = 0  # bot answers with a confidence
    confidence_sum: float = 0.0
    shown: int = 0  # answers the user saw with Good/Bad buttons
    good: int = 0
    bad: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    cost_usd: float = 0.0
    out_of_scope: int = 0  # greetings and questions outside the academy's domain: in no KPI's denominator

    def __add__(self, other: "Tally") -> "Tally":
        return Tally(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def escalated(self) -> int:
        return self.questions - self.succeeded

    @property
    def success_rate(self) -> float | None:
        """(questions − escalated questions) / questions."""
        return _ratio(self.succeeded, self.questions)

    @property
    def satisfaction(self) -> float | None:
        """Good / (Good + Bad)."""
        return _ratio(self.good, self.good + self.bad)

    @property
    def response_rate(self) -> float | None:
        """Share of the answers users saw that they rated (silence is not satisfaction)."""
        return _ratio(self.good + self.bad, self.shown)

    @property
    def mean_confidence(self) -> float | None:
        return self.confidence_sum / self.ai_answers if self.ai_answers else None

    @property
    def new_question_rate(self) -> float | None:
        """Share of questions no knowledge entry covered."""
        return _ratio(self.uncovered, self.questions)

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens + self.cache_write_tokens + self.cache_read_tokens

    @property
    def cache_read_share(self) -> float | None:
        """Share of the prompt tokens read from the cache (cheap) rather than sent anew."""
        return _ratio(self.cache_read_tokens, self.input_tokens + self.cache_write_tokens + self.cache_read_tokens)

    def cost_jpy(self, usd_jpy: float) -> float:
        return self.cost_usd * usd_jpy


@dataclass(frozen=True)
class Kpi:
    """A KPI of the operating plan and its target."""

    key: str  # a Tally property
    label: str
    target: float
    higher_is_better: bool = True
    percent: bool = True

    def value(self, tally: Tally) -> float | None:
        return getattr(tally, self.key)

    def met(self, value: float | None) -> bool | None:
        if value is None:
            return None
        return value >= self.target if self.higher_is_better else value <= self.target


SUCCESS_RATE = Kpi("success_rate", "回答成功率", 0.80)
SATISFACTION = Kpi("satisfaction", "ユーザー満足度", 0.85)
MEAN_CONFIDENCE = Kpi("mean_confidence", "平均確信度", 0.70, percent=False)
NEW_QUESTION_RATE = Kpi("new_question_rate", "新規質問率", 0.20, higher_is_better=False)
KPIS = (SUCCESS_RATE, SATISFACTION, MEAN_CONFIDENCE, NEW_QUESTION_RATE)


@dataclass(frozen=True)
class Cell:
    """One row of the grouped aggregate: a slice of the period and its counts."""

    day: dt.date
    pattern: int
    channel: str  # questions only ("" on answer cells)
    prompt_version: str  # answers only ("" on question cells)
    tally: Tally


@dataclass(frozen=True)
class Figures:
    """A period's cells; `tally` sums any slice of them."""

    period: Period
    cells: tuple[Cell, ...]

    def tally(self, *, day: dt.date | None = None, pattern: int | None = None, channel: str | None = None,
              prompt_version: str | None = None) -> Tally:
        total = Tally()
        for c in self.cells:
            if ((day is None or c.day == day) and (pattern is None or c.pattern == pattern)
                    and (channel is None or c.channel == channel)
                    and (prompt_version is None or c.prompt_version == prompt_version)):
                total += c.tally
        return total

    def within(self, period: Period) -> "Figures":
        """The cells of the days of `period` (a part of this one)."""
        return Figures(period, tuple(c for c in self.cells if period.start <= c.day < period.end))

    def patterns(self) -> list[int]:
        return sorted({c.pattern for c in self.cells})

    def channels(self) -> list[str]:
        return sorted({c.channel for c in self.cells if c.channel})

    def prompt_versions(self) -> list[str]:
        return sorted({c.prompt_version for c in self.cells if c.prompt_version})


def figures(period: Period) -> Figures:
    """Questions and answers of the period, summed in SQL by local day (the plan's timezone) and Pattern."""
    return Figures(period, tuple(_question_cells(period) + _answer_cells(period)))


@dataclass(frozen=True)
class EscalationFigures:
    """Escalations raised in the period, and those answered in it."""

    by_reason: dict[str, int]
    by_urgency: dict[str, int]
    answered: int
    mean_hours_to_answer: float | None
    max_hours_to_answer: float | None

    @property
    def total(self) -> int:
        return sum(self.by_reason.values())


def escalation_figures(period: Period) -> EscalationFigures:
    start, end = period.utc_bounds()
    rows = (Escalation.select(Escalation.reason, Escalation.urgency, fn.COUNT(Escalation.id)).join(Question)
            .where(Escalation.created_at >= start, Escalation.created_at < end, counted())
            .group_by(Escalation.reason, Escalation.urgency).tuples())
    by_reason: dict[str, int] = {}
    by_urgency: dict[str, int] = {}
    for reason, urgency, count in rows:
        by_reason[reason] = by_reason.get(reason, 0) + count
        by_urgency[urgency] = by_urgency.get(urgency, 0) + count
    hours = _hours_between(Escalation.created_at, Escalation.answered_at)
    answered, mean, longest = (Escalation.select(fn.COUNT(Escalation.id), fn.AVG(hours), fn.MAX(hours))
                               .join(Question)
                               .where(Escalation.answered_at >= start, Escalation.answered_at < end, counted())
                               .tuples()
                               .get())
    return EscalationFigures(dict(sorted(by_reason.items(), key=lambda kv: -kv[1])), by_urgency,
                             answered or 0, _float(mean), _float(longest))


@dataclass(frozen=True)
class OpenEscalation:
    id: int
    pattern: int
    reason: str
    urgency: str
    status: str
    question: str
    age_hours: float


@dataclass(frozen=True)
class OpenFigures:
    """Escalations still waiting for staff now; `oldest` lists the urgent ones first, then by age."""

    total: int
    by_urgency: dict[str, int]
    over_24h: int
    oldest: tuple[OpenEscalation, ...]


def open_escalations(now: dt.datetime, limit: int = 10) -> OpenFigures:
    """`now` is naive UTC."""
    waiting = Escalation.status.in_(UNANSWERED) & counted()
    by_urgency = dict(Escalation.select(Escalation.urgency, fn.COUNT(Escalation.id)).join(Question).where(waiting)
                      .group_by(Escalation.urgency).tuples())
    over = (Escalation.select().join(Question)
            .where(waiting, Escalation.created_at <= now - dt.timedelta(hours=24)).count())
    urgency_rank = Case(Escalation.urgency, [("high", 0), ("normal", 1)], 2)
    rows = (Escalation.select(Escalation.id, Question.pattern, Escalation.reason, Escalation.urgency,
                              Escalation.status, Question.text, Escalation.created_at)
            .join(Question).where(waiting).order_by(urgency_rank, Escalation.created_at).limit(limit).tuples())
    oldest = tuple(OpenEscalation(i, p, r, u, s, text, (now - created).total_seconds() / 3600)
                   for i, p, r, u, s, text, created in rows)
    return OpenFigures(sum(by_urgency.values()), by_urgency, over, oldest)


@dataclass(frozen=True)
class Pushes:
    ok: int
    failed: int
    announced: int = 0  # announcements' LINE multicast messages: billed against the same monthly quota


def line_pushes(period: Period) -> Pushes:
    """LINE push messages (they are billed, unlike replies) sent in the period."""
    start, end = period.utc_bounds()
    ok_sum = fn.SUM(Case(None, [(Delivery.ok, 1)], 0))
    total, ok = (Delivery.select(fn.COUNT(Delivery.id), ok_sum)
                 .where(Delivery.channel == Channel.LINE, Delivery.method == DeliveryMethod.PUSH,
                        Delivery.created_at >= start, Delivery.created_at < end).tuples().get())
    announced = (Announcement.select(fn.SUM(Announcement.line_recipients))
                 .where(Announcement.sent_at >= start, Announcement.sent_at < end).scalar())
    return Pushes(int(ok or 0), int(total or 0) - int(ok or 0), int(announced or 0))


def learned_entries(period: Period) -> int:
    """Knowledge entries created from escalations answered in the period."""
    start, end = period.utc_bounds()
    return Escalation.select().where(Escalation.answered_at >= start, Escalation.answered_at < end,
                                     Escalation.knowledge_id.is_null(False)).count()


@dataclass(frozen=True)
class Budget:
    """The month's Claude spend against MONTHLY_BUDGET_JPY, and where the month is heading."""

    spent_jpy: float
    budget_jpy: float
    days_elapsed: int
    days_in_month: int

    @property
    def share(self) -> float | None:
        return _ratio(self.spent_jpy, self.budget_jpy)

    @property
    def projected_jpy(self) -> float:
        return self.spent_jpy / max(1, self.days_elapsed) * self.days_in_month


def budget(month: Period, until: dt.date, *, budget_jpy: float, usd_jpy: float) -> Budget:
    """Spend from the month's first day through `until` (local days), as Tally.cost_usd sums it."""
    end = min(until + dt.timedelta(days=1), month.end)
    start_utc, end_utc = month.span(month.start, end).utc_bounds()
    return Budget(spend_usd(start_utc, end_utc) * usd_jpy, budget_jpy, max(0, (end - month.start).days), len(month.days))


def _question_cells(period: Period) -> list[Cell]:
    start, end = period.utc_bounds()
    day = _local_day(Question.created_at, period)
    has_escalation = fn.EXISTS(Escalation.select(SQL("1")).where(Escalation.question == Question.id))
    in_scope = Question.scope == Scope.IN_DOMAIN
    succeeded = Case(None, [(in_scope & (Question.status == QuestionStatus.ANSWERED) & ~has_escalation, 1)], 0)
    uncovered = Case(None, [(in_scope & (Question.covered == False), 1)], 0)  # noqa: E712 (SQL, not Python)
    rows = (Question.select(day.alias("day"), Question.pattern, Question.channel, _count_if(in_scope),
                            fn.SUM(succeeded), fn.SUM(uncovered), _count_if(~in_scope))
            .where(Question.created_at >= start, Question.created_at < end, counted())
            .group_by(day, Question.pattern, Question.channel).tuples())
    return [Cell(_as_date(d), p, ch, "", Tally(questions=int(n or 0), succeeded=int(s or 0), uncovered=int(u or 0),
                                               out_of_scope=int(o or 0)))
            for d, p, ch, n, s, u, o in rows]


def _answer_cells(period: Period) -> list[Cell]:
    start, end = period.utc_bounds()
    day = _local_day(Answer.created_at, period)
    rated = Feedback.id.is_null(False)
    is_ai = Answer.source.in_(AI_SOURCES) & Answer.confidence.is_null(False)
    shown = rated | Answer.source.in_(STAFF_SOURCES) | (Answer.source.in_(AI_SOURCES) & (Question.status == QuestionStatus.ANSWERED))
    rows = (Answer.select(day.alias("day"), Question.pattern, Answer.prompt_version,
                          _count_if(is_ai), fn.SUM(Case(None, [(is_ai, Answer.confidence)], 0)), _count_if(shown),
                          _count_if(Feedback.rating == Rating.GOOD), _count_if(Feedback.rating == Rating.BAD),
                          fn.SUM(Answer.input_tokens), fn.SUM(Answer.output_tokens),
                          fn.SUM(Answer.cache_write_tokens), fn.SUM(Answer.cache_read_tokens),
                          fn.SUM(Answer.cost_usd))
            .join(Question).switch(Answer).join(Feedback, JOIN.LEFT_OUTER)
            .where(Answer.created_at >= start, Answer.created_at < end, counted())
            .group_by(day, Question.pattern, Answer.prompt_version).tuples())
    return [Cell(_as_date(d), p, "", v or "", Tally(ai_answers=int(n), confidence_sum=float(c or 0),
                                                    shown=int(s), good=int(g), bad=int(b), input_tokens=int(i or 0),
                                                    output_tokens=int(o or 0), cache_write_tokens=int(w or 0),
                                                    cache_read_tokens=int(r or 0), cost_usd=float(cost or 0)))
            for d, p, v, n, c, s, g, b, i, o, w, r, cost in rows]


def _count_if(condition: pw.Expression) -> pw.Function:
    return fn.COALESCE(fn.SUM(Case(None, [(condition, 1)], 0)), 0)


def _local_day(column: pw.Field, period: Period) -> pw.Node:
    """The local calendar day (the period's zone) of a naive UTC timestamp, computed by the database."""
    # A zone with DST is bucketed by its offset at the period's start (Asia/Tokyo has none).
    offset = period.tz.utcoffset(dt.datetime.combine(period.start, dt.time())) or dt.timedelta()
    minutes = int(offset.total_seconds()) // 60
    if _postgres():
        return fn.DATE(column + SQL(f"INTERVAL '{minutes} minutes'"))
    return fn.DATE(column, f"{minutes:+d} minutes")


def _hours_between(start: pw.Field, end: pw.Field) -> pw.Node:
    if _postgres():
        return fn.date_part("epoch", end - start) / 3600.0
    return (fn.julianday(end) - fn.julianday(start)) * 24.0


def _postgres() -> bool:
    return isinstance(db.obj, pw.PostgresqlDatabase)


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _float(value: object) -> float | None:
    return None if value is None else float(value)


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class LeftOut:
    """Test traffic (questions asked from the terminal) the figures leave out: said on the page, not counted."""

    questions: int
    open_escalations: int


def first_question_day(tz: dt.tzinfo) -> dt.date | None:
    """The local day of the first question the figures count; None while there is none."""
    first = Question.select(Question.created_at).where(counted()).order_by(Question.created_at).first()
    return None if first is None else first.created_at.replace(tzinfo=dt.timezone.utc).astimezone(tz).date()


def left_out(period: Period) -> LeftOut:
    """Test questions asked in the period, and their escalations still open now."""
    start, end = period.utc_bounds()
    tests = (Question.test == True) & (Question.status != QuestionStatus.REFUSED)  # noqa: E712
    asked = Question.select().where(tests, Question.created_at >= start, Question.created_at < end).count()
    waiting = Escalation.select().join(Question).where(Escalation.status.in_(UNANSWERED), tests).count()
    return LeftOut(asked, waiting)
