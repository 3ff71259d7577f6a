"""Report periods in local days of the plan's timezone, and their bounds in naive UTC (how the database stores time)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


KINDS = ("daily", "weekly", "monthly")
WEEKDAYS = "月火水木金土日"


@dataclass(frozen=True)
class Period:
    """Local days of `tz` (the plan's timezone) from `start` up to, not including, `end`."""

    kind: str  # daily | weekly | monthly | range
    start: dt.date
    end: dt.date
    tz: dt.tzinfo

    @property
    def last(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    @property
    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range((self.end - self.start).days)]

    @property
    def key(self) -> str:
        """A stable name: the report's folder and the scheduler's once-per-period record."""
        if self.kind == "monthly":
            return f"monthly-{self.start:%Y-%m}"
        return f"{self.kind}-{self.start.isoformat()}"

    @property
    def label(self) -> str:
        """How the operators read it: 2026年12月1日（火）, 2026年11月23日（月）〜29日（日）, 2026年11月."""
        if self.kind == "monthly":
            return f"{self.start.year}年{self.start.month}月"
        if self.start == self.last:
            return day_label(self.start)
        last = day_label(self.last)
        if self.last.year == self.start.year:
            last = last.split("年", 1)[1]
            if self.last.month == self.start.month:
                last = last.split("月", 1)[1]
        return f"{day_label(self.start)}〜{last}"

    def utc_bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) as naive UTC: Tokyo's midnight is 15:00 UTC the day before."""
        return utc_midnight(self.start, tz=self.tz), utc_midnight(self.end, tz=self.tz)

    def span(self, start: dt.date, end: dt.date) -> "Period":
        """A range of days in the same time zone."""
        return Period("range", start, end, self.tz)

    def previous(self) -> "Period":
        """The period of the same kind just before this one."""
        if self.kind == "monthly":
            return monthly(self.start - dt.timedelta(days=1), tz=self.tz)
        return Period(self.kind, self.start - (self.end - self.start), self.start, self.tz)

    def is_over(self, now: dt.datetime | None = None) -> bool:
        return local_today(now, tz=self.tz) >= self.end


def daily(day: dt.date, *, tz: dt.tzinfo) -> Period:
    return Period("daily", day, day + dt.timedelta(days=1), tz)


def weekly(day: dt.date, *, tz: dt.tzinfo) -> Period:
    """The Monday-to-Sunday week that contains `day`."""
    monday = day - dt.timedelta(days=day.weekday())
    return Period("weekly", monday, monday + dt.timedelta(days=7), tz)


def monthly(day: dt.date, *, tz: dt.tzinfo) -> Period:
    """The calendar month that contains `day`."""
    start = day.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return Period("monthly", start, end, tz)


def last_days(count: int, now: dt.datetime | None = None, *, tz: dt.tzinfo) -> Period:
    """The `count` local days up to and including today."""
    today = local_today(now, tz=tz)
    return Period("range", today - dt.timedelta(days=count - 1), today + dt.timedelta(days=1), tz)


def period_for(kind: str, day: dt.date | None = None, now: dt.datetime | None = None, *,
               tz: dt.tzinfo) -> Period:
    """The period of `kind` containing `day`; without a day, the last complete one before today."""
    if kind not in KINDS:
        raise ValueError(f"レポートの種類 {kind!r} はありません（{' / '.join(KINDS)} のどれか）")
    make = {"daily": daily, "weekly": weekly, "monthly": monthly}[kind]
    if day is not None:
        return make(day, tz=tz)
    return make(local_today(now, tz=tz), tz=tz).previous()


def parse_date(text: str) -> dt.date:
    """YYYY-MM-DD, or ValueError with a message an operator understands."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"--date は 2026-12-01 の形の日付で指定してください（指定された値: {text!r}）") from None


def local_now(now: dt.datetime | None = None, *, tz: dt.tzinfo) -> dt.datetime:
    return (now or dt.datetime.now(dt.timezone.utc)).astimezone(tz)


def local_today(now: dt.datetime | None = None, *, tz: dt.tzinfo) -> dt.date:
    return local_now(now, tz=tz).date()


def naive_utc(moment: dt.datetime) -> dt.datetime:
    """An aware moment as the database stores time (naive UTC)."""
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


def utc_midnight(day: dt.date, *, tz: dt.tzinfo) -> dt.datetime:
    """The local midnight that starts `day`, as naive UTC."""
    return naive_utc(dt.datetime.combine(day, dt.time(), tzinfo=tz))


def day_label(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日（{WEEKDAYS[day.weekday()]}）"
