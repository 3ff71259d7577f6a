"""When staff reply (OFFICE_HOURS): days of the week and hours in the rollout plan's time zone."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("月", "火", "水", "木", "金", "土", "日")
DEFAULT = "mon-fri 10-18"
_SPEC = re.compile(r"^\s*([a-z]{3})(?:\s*-\s*([a-z]{3}))?\s+(\d{1,2})(?::00)?\s*-\s*(\d{1,2})(?::00)?\s*$")


class OfficeHoursError(ValueError):
    """OFFICE_HOURS is not of the form 'mon-fri 10-18'."""


@dataclass(frozen=True)
class OfficeHours:
    """Staff answer on `days` (0 = Monday) from `start` to `end` o'clock, local time."""

    days: frozenset[int] = frozenset(range(5))
    start: int = 10
    end: int = 18

    @classmethod
    def parse(cls, spec: str) -> "OfficeHours":
        """'mon-fri 10-18', 'mon-sat 9:00-17:00' or 'sat 10-12'."""
        m = _SPEC.match(spec.lower())
        if not m or m.group(1) not in DAYS or (m.group(2) and m.group(2) not in DAYS):
            raise OfficeHoursError(spec)
        first, last = DAYS.index(m.group(1)), DAYS.index(m.group(2) or m.group(1))
        start, end = int(m.group(3)), int(m.group(4))
        if not 0 <= start < end <= 24 or last < first:
            raise OfficeHoursError(spec)
        return cls(frozenset(range(first, last + 1)), start, end)

    def is_open(self, when: dt.datetime) -> bool:
        """Whether staff are at work at `when` (a local time)."""
        return when.weekday() in self.days and self.start <= when.hour < self.end

    def next_open(self, when: dt.datetime) -> dt.datetime:
        """The next time staff start work after `when` (a local time outside the hours)."""
        day = when.date()
        for _ in range(8):
            opening = dt.datetime.combine(day, dt.time(self.start), tzinfo=when.tzinfo)
            if day.weekday() in self.days and opening > when:
                return opening
            day += dt.timedelta(days=1)
        return when

    def describe(self) -> str:
        """The hours in Japanese: 平日10時〜18時, 月〜土曜日9時〜17時."""
        days = sorted(self.days)
        if days == list(range(5)):
            span = "平日"
        elif len(days) == 1:
            span = f"{DAY_NAMES[days[0]]}曜日"
        else:
            span = f"{DAY_NAMES[days[0]]}〜{DAY_NAMES[days[-1]]}曜日"
        return f"{span}{self.start}時〜{self.end}時"
