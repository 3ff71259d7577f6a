"""Answers for the operators to read: those with low confidence and those users rated Bad."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import peewee as pw
from peewee import Case

from bot.models import Answer, Feedback, Question
from bot.patterns import PATTERNS
from bot.states import Rating
from reports.metrics import AI_SOURCES, counted
from reports.periods import Period


@dataclass(frozen=True)
class Sample:
    """One answer, with what is needed to judge it."""

    answer_id: int
    question_id: int
    pattern: int
    question: str
    answer: str
    confidence: float | None
    knowledge_ids: tuple[str, ...]
    prompt_version: str
    reason: str  # the user's Bad reason, if any
    created_at: dt.datetime


@dataclass(frozen=True)
class Samples:
    total: int | None  # None when not counted (the caller has the figure already)
    items: tuple[Sample, ...]


def low_confidence(period: Period, limit: int = 10) -> Samples:
    """Bot answers below their Pattern's confidence threshold, lowest first."""
    threshold = Case(Question.pattern, [(n, p.threshold) for n, p in PATTERNS.items()], 0.7)
    where = (_in(period) & Answer.source.in_(AI_SOURCES) & Answer.confidence.is_null(False)
             & (Answer.confidence < threshold))
    return _samples(where, Answer.confidence, limit, pw.JOIN.LEFT_OUTER, count=True)


def rated_bad(period: Period, limit: int = 15) -> Samples:
    """Answers of the period users rated Bad, the newest first; their number is Tally.bad."""
    return _samples(_in(period) & (Feedback.rating == Rating.BAD), Answer.created_at.desc(), limit, pw.JOIN.INNER,
                    count=False)


def _in(period: Period) -> pw.Expression:
    start, end = period.utc_bounds()
    return (Answer.created_at >= start) & (Answer.created_at < end) & counted()


def _samples(where: pw.Expression, order: pw.Node, limit: int, feedback_join: str, *, count: bool) -> Samples:
    base = Answer.select().join(Question).switch(Answer).join(Feedback, feedback_join).where(where)
    rows = (base.select(Answer.id, Question.id, Question.pattern, Question.text, Answer.text, Answer.confidence,
                        Answer.knowledge_ids, Answer.prompt_version, Feedback.reason, Answer.created_at)
            .order_by(order, Answer.id).limit(limit).tuples())
    items = tuple(Sample(a, q, p, qt, at, c, tuple(k or ()), v or "", r or "", t)
                  for a, q, p, qt, at, c, k, v, r, t in rows)
    return Samples(base.count() if count else None, items)
