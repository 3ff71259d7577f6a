"""Which themes rise in which cohort: what the weekly announcement job drafts from."""
from __future__ import annotations

from collections import defaultdict

from bot.encoder import Encoder
from bot.models import Question, User
from reports.periods import Period
from reports.themes.meaning import theme_map
from reports.themes.rising import is_rising


def rising_by_cohort(period: Period, encoder: Encoder) -> list[tuple[str, str, str]]:
    """(cohort, the theme's central question, a short label) for each theme rising within a cohort in the
    period's week, by the same rule as the reports."""
    themes = theme_map(period, encoder)
    bounds = [w.utc_bounds() for w in themes.weeks]
    found = []
    for theme in themes.themes:
        counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(bounds))
        for cohort, at in (Question.select(User.cohort, Question.created_at).join(User)
                           .where(Question.id.in_(list(theme.question_ids))).tuples()):
            for index, (lo, hi) in enumerate(bounds):
                if lo <= at < hi:
                    counts[cohort][index] += 1
        label = "・".join(theme.words[:2]) or theme.name
        found += [(cohort, theme.name, label) for cohort, weekly in sorted(counts.items()) if is_rising(weekly)]
    return found
