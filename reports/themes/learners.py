"""What each learner struggles with: per theme, who asks it again after an answer, Bad ratings, escalations.

Staff read it two ways: by cohort with no names (the monthly report's つまずきの多いテーマ) and one member at
a time (`users show`). Nothing here is ever shown to a member.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from bot.encoder import Encoder
from bot.models import Answer, Escalation, Feedback, Question, User
from bot.states import Rating, Source
from bot.theme_vectors import central, centred, group, vectors_for
from reports.periods import Period
from reports.themes.meaning import ThemeMap

MEMBER_QUESTIONS = 500  # the most recent a member view reads


@dataclass(frozen=True)
class Record:
    id: int
    text: str
    user: int
    cohort: str
    created_at: dt.datetime


@dataclass
class Struggle:
    """One theme for a group of learners (a cohort, or one member)."""

    name: str
    askers: set[int] = field(default_factory=set)
    questions: int = 0
    reasked: int = 0  # asked again by someone who had already been answered on it
    bad: int = 0
    escalated: int = 0
    first: dt.datetime | None = None
    last: dt.datetime | None = None
    months: dict[str, int] = field(default_factory=dict)  # YYYY-MM -> questions

    @property
    def score(self) -> int:
        return self.reasked + self.bad + self.escalated


def cohort_struggles(themes: ThemeMap, period: Period, top: int = 5) -> dict[str, list[Struggle]]:
    """Per cohort, the themes its members stumbled on most in `period` (only themes with a stumble)."""
    names = {t.number: t.name for t in themes.themes}
    start, end = period.utc_bounds()
    records = _records(Question.id.in_(list(themes.of_question)) if themes.of_question else None)
    by_cohort: dict[str, dict[int, Struggle]] = defaultdict(dict)
    # The weeks before the period only tell who had been answered already; the stumbles are the period's.
    records = [r for r in records if r.created_at < end]
    tallied = _tally(records, lambda r: themes.of_question[r.id], names, since=start)
    for (cohort, number), struggle in tallied.items():
        by_cohort[cohort][number] = struggle
    return {cohort: sorted((s for s in found.values() if s.score), key=lambda s: (-s.score, -s.questions))[:top]
            for cohort, found in sorted(by_cohort.items())}


def member_struggles(user: User, encoder: Encoder) -> list[Struggle]:
    """One member's themes (their own questions grouped by meaning), the most stumbled-on first."""
    records = _records(Question.user == user.id, limit=MEMBER_QUESTIONS)
    if not records:
        return []
    vectors = centred(vectors_for([(r.id, r.text) for r in records], encoder), encoder.name)
    labels = [int(x) for x in group(vectors)]
    members: dict[int, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        members[label].append(index)
    names = {label: " ".join(records[central(vectors, idx)].text.split()) for label, idx in members.items()}
    label_of = {r.id: labels[i] for i, r in enumerate(records)}
    tallied = _tally(records, lambda r: label_of[r.id], names, by_cohort=False)
    return sorted(tallied.values(), key=lambda s: (-s.score, -s.questions, -(s.last or dt.datetime.min).timestamp()))


def _tally(records: list[Record], theme_of, names: dict[int, str], by_cohort: bool = True,
           since: dt.datetime | None = None) -> dict:
    ids = [r.id for r in records]
    answered = _answered(ids)
    bad, escalated = _bad(ids), _escalations(ids)
    seen: set[tuple[int, int]] = set()  # (user, theme) already answered
    out: dict = {}
    for r in sorted(records, key=lambda r: (r.created_at, r.id)):
        theme = theme_of(r)
        if since is not None and r.created_at < since:
            seen.update({(r.user, theme)} if r.id in answered else ())
            continue
        key = (r.cohort, theme) if by_cohort else theme
        s = out.setdefault(key, Struggle(names.get(theme, r.text)))
        s.askers.add(r.user)
        s.questions += 1
        s.reasked += (r.user, theme) in seen
        s.bad += bad.get(r.id, 0)
        s.escalated += escalated.get(r.id, 0)
        s.first = s.first or r.created_at
        s.last = r.created_at
        month = f"{r.created_at:%Y-%m}"
        s.months[month] = s.months.get(month, 0) + 1
        if r.id in answered:
            seen.add((r.user, theme))
    return out


def _records(where, limit: int | None = None) -> list[Record]:
    if where is None:
        return []
    query = (Question.select(Question.id, Question.text, Question.user, User.cohort, Question.created_at)
             .join(User).where(where, Question.scope == "in_domain").order_by(Question.created_at.desc()))
    if limit:
        query = query.limit(limit)
    return [Record(*row) for row in query.tuples()]


def _answered(ids: list[int]) -> set[int]:
    return {q for (q,) in Answer.select(Answer.question).where(Answer.question.in_(ids), Answer.delivered == True,  # noqa: E712
                                                              Answer.source != Source.SYSTEM).tuples()}


def _bad(ids: list[int]) -> dict[int, int]:
    found: dict[int, int] = defaultdict(int)
    for (q,) in (Feedback.select(Answer.question).join(Answer)
                 .where(Answer.question.in_(ids), Feedback.rating == Rating.BAD).tuples()):
        found[q] += 1
    return found


def _escalations(ids: list[int]) -> dict[int, int]:
    found: dict[int, int] = defaultdict(int)
    for (q,) in Escalation.select(Escalation.question).where(Escalation.question.in_(ids)).tuples():
        found[q] += 1
    return found
