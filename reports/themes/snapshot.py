"""The week's themes for the dashboard: worked out hourly by the worker, read by the web process.

The web process loads no encoder and no scikit-learn (tests/test_lean_web.py), so the page shows the
latest stored run; `refresh` imports the grouping only when it runs.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.models import ThemeSnapshot
from reports.periods import last_days

DAYS = 7
SHOWN = 8  # themes kept for the page, largest first
KEEP = 48  # runs kept (two days of hourly runs)


@dataclass(frozen=True)
class WeekTheme:
    name: str  # the theme's most central question
    words: tuple[str, ...]
    count: int  # in the last seven days
    covered: bool
    rising: bool
    escalated: int


@dataclass(frozen=True)
class WeekThemes:
    computed_at: dt.datetime  # naive UTC, as stored
    period: str
    total: int
    themes: tuple[WeekTheme, ...]


def refresh(encoder_name: str, *, tz: dt.tzinfo, now: dt.datetime | None = None) -> int | None:
    """Group the last seven days' questions and store the largest themes; how many, or None when the encoder
    cannot be loaded (the page then keeps the last run)."""
    from reports.themes.meaning import for_report  # the encoder and scikit-learn: only in the worker
    period = last_days(DAYS, now, tz=tz)
    themes = for_report(period, encoder_name)
    if themes is None:
        return None
    shown = [t for t in themes.themes if t.count][:SHOWN]
    ThemeSnapshot.create(period=period.label, total=themes.total, themes=[
        {"name": t.name, "words": list(t.words), "count": t.count, "weekly": list(t.weekly), "covered": t.covered,
         "rising": t.rising, "escalated": t.escalated} for t in shown])
    old = ThemeSnapshot.select(ThemeSnapshot.id).order_by(ThemeSnapshot.id.desc()).offset(KEEP)
    ThemeSnapshot.delete().where(ThemeSnapshot.id.in_(old)).execute()
    return len(shown)


def latest() -> WeekThemes | None:
    """The last stored run, or None before the first."""
    row = ThemeSnapshot.select().order_by(ThemeSnapshot.id.desc()).first()
    if row is None:
        return None
    themes = tuple(WeekTheme(name=t["name"], words=tuple(t["words"]), count=t["count"], covered=t["covered"],
                             rising=t["rising"], escalated=t["escalated"]) for t in row.themes)
    return WeekThemes(row.computed_at, row.period, row.total, themes)
