"""Themes by meaning: the questions of recent weeks grouped by the sentence encoder.

Each theme is named by its most central question and its key words, counted per week, judged covered
when knowledge covered most of its questions, and rising by `rising.RULE`. Encodings are cached in the
database (bot/theme_vectors.py): a report encodes only the questions it has not read before.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace

import numpy as np

from bot.encoder import Encoder
from bot.models import Answer, Question
from bot.states import QuestionStatus, Source
from bot.theme_vectors import central, centred, group, vectors_for
from reports.metrics import counted
from reports.periods import Period, weekly
from reports.themes.rising import is_rising
from reports.themes.words import key_words

WEEKS = 4  # the judged week and the three before it
MAX_QUESTIONS = 3_000  # the most recent in the window: clustering is quadratic in memory
MIN_SIZE = 2  # a theme is at least two questions
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Row:
    id: int
    text: str
    created_at: dt.datetime
    covered: bool
    escalated: bool
    user: int


@dataclass(frozen=True)
class MeaningTheme:
    """Questions alike in meaning; counts per week oldest first, the last is the judged week."""

    number: int
    name: str  # the most central question
    words: tuple[str, ...]
    weekly: tuple[int, ...]
    count: int  # in the report's period
    covered_share: float
    escalated: int
    rising: bool
    question_ids: tuple[int, ...]
    examples: tuple[str, ...]
    drafts: tuple[str, ...] = ()  # staff answers already given to its questions, newest first

    @property
    def covered(self) -> bool:
        return self.covered_share >= 0.5


@dataclass(frozen=True)
class ThemeMap:
    themes: tuple[MeaningTheme, ...]  # the period's largest first
    weeks: tuple[Period, ...]
    total: int  # questions read in the window
    other: int  # of those, in no theme (alike to no other question)
    truncated: bool
    of_question: dict[int, int] = field(default_factory=dict)  # question id -> theme number


def weeks_ending(period: Period, count: int = WEEKS) -> list[Period]:
    """The `count` Monday-to-Sunday weeks up to the one holding the period's last day, oldest first."""
    last = weekly(period.last, tz=period.tz)
    return [Period("weekly", last.start - dt.timedelta(days=7 * i), last.end - dt.timedelta(days=7 * i), period.tz)
            for i in reversed(range(count))]


def theme_map(period: Period, encoder: Encoder, *, weeks: list[Period] | None = None) -> ThemeMap:
    """The themes of the questions in `period` and the weeks ending with it (in-domain, counted)."""
    weeks = weeks or weeks_ending(period)
    window = period.span(min(weeks[0].start, period.start), max(weeks[-1].end, period.end))
    rows, truncated = _rows(window)
    if not rows:
        return ThemeMap((), tuple(weeks), 0, 0, truncated)
    vectors = centred(vectors_for([(r.id, r.text) for r in rows], encoder), encoder.name)
    labels = group(vectors)
    members: dict[int, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        members[int(label)].append(index)
    bounds = [w.utc_bounds() for w in weeks]
    start, end = period.utc_bounds()
    themes, of_question = [], {}
    for indices in (m for m in members.values() if len(m) >= MIN_SIZE):
        number = len(themes) + 1
        chosen = [rows[i] for i in indices]
        of_question.update((r.id, number) for r in chosen)
        themes.append(_theme(number, chosen, rows[central(vectors, indices)], bounds, start, end))
    themes = _drafted(themes)
    themes.sort(key=lambda t: (-t.count, -sum(t.weekly), t.number))
    grouped = sum(len(t.question_ids) for t in themes)
    return ThemeMap(tuple(themes), tuple(weeks), len(rows), len(rows) - grouped, truncated, of_question)


def candidates(themes: ThemeMap) -> list[MeaningTheme]:
    """Themes no knowledge covers, asked in the period: rising ones first, then the most asked."""
    return sorted((t for t in themes.themes if not t.covered and t.count),
                  key=lambda t: (not t.rising, -t.count, t.number))


def _theme(number: int, chosen: list[Row], centre: Row, bounds, start, end) -> MeaningTheme:
    weekly_counts = tuple(sum(1 for r in chosen if lo <= r.created_at < hi) for lo, hi in bounds)
    in_period = [r for r in chosen if start <= r.created_at < end]
    return MeaningTheme(number=number, name=" ".join(centre.text.split()), words=_key_words(chosen),
                        weekly=weekly_counts, count=len(in_period),
                        covered_share=sum(r.covered for r in chosen) / len(chosen),
                        escalated=sum(r.escalated for r in in_period), rising=is_rising(weekly_counts),
                        question_ids=tuple(r.id for r in chosen),
                        examples=tuple(dict.fromkeys(" ".join(r.text.split()) for r in reversed(chosen)))[:3])


def _key_words(chosen: list[Row], limit: int = 3) -> tuple[str, ...]:
    counts = Counter(w for r in chosen for w in key_words(r.text))
    shared = [w for w, n in counts.items() if n >= 2] or list(counts)
    return tuple(sorted(shared, key=lambda w: (-counts[w], -len(w), w))[:limit])


def _drafted(themes: list[MeaningTheme]) -> list[MeaningTheme]:
    """Each uncovered theme with the staff answers its questions already got: the knowledge draft."""
    wanted = {qid: t.number for t in themes if not t.covered for qid in t.question_ids}
    if not wanted:
        return themes
    drafts: dict[int, list[str]] = defaultdict(list)
    ids = list(wanted)
    for start in range(0, len(ids), 900):
        for qid, text in (Answer.select(Answer.question, Answer.text)
                          .where(Answer.question.in_(ids[start:start + 900]),
                                 Answer.source.in_([Source.STAFF, Source.MAKINO]))
                          .order_by(Answer.created_at.desc()).tuples()):
            drafts[wanted[qid]].append(" ".join(text.split()))
    return [replace(t, drafts=tuple(dict.fromkeys(drafts[t.number]))) if t.number in drafts else t for t in themes]


def _rows(window: Period) -> tuple[list[Row], bool]:
    start, end = window.utc_bounds()
    query = (Question.select(Question.id, Question.text, Question.created_at, Question.covered, Question.status,
                             Question.user)
             .where(Question.created_at >= start, Question.created_at < end, Question.scope == "in_domain",
                    counted())
             .order_by(Question.created_at.desc()).limit(MAX_QUESTIONS + 1).tuples())
    found = [Row(qid, text, at, bool(covered), status != QuestionStatus.ANSWERED, user)
             for qid, text, at, covered, status, user in query]
    return sorted(found[:MAX_QUESTIONS], key=lambda r: (r.created_at, r.id)), len(found) > MAX_QUESTIONS


def for_report(period: Period, encoder_name: str) -> ThemeMap | None:
    """The period's themes, or None when the encoder cannot be loaded (the report says so and uses key words)."""
    from bot.encoder import EncoderError, load_encoder
    try:
        encoder = load_encoder(encoder_name)
    except EncoderError as exc:
        log.warning("themes by meaning skipped: %s", exc)
        return None
    return theme_map(period, encoder)
