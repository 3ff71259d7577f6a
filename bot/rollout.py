"""The staged-rollout plan (TOML): which cohorts may use which Patterns from which day."""
from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config import COHORTS


STAGE_HEADER = re.compile(r"^\s*\[\[stage\]\]")


class RolloutError(ValueError):
    """The plan file is malformed; the message names the file and the line."""


@dataclass(frozen=True)
class Stage:
    start: dt.date
    cohorts: frozenset[str]
    patterns: frozenset[int]


COHORT_LABELS = {"academy_member": "塾生", "doctor_trainee": "ドクター研修生",
                 "corporate_trainee": "法人研修生", "staff": "スタッフ", "*": "全員"}


@dataclass(frozen=True)
class Gate:
    """Whether a Pattern is open to a cohort today, and if not, when (or whether) it opens."""

    open: bool
    opens_on: dt.date | None = None  # None and not open: never for this cohort
    others_on: dt.date | None = None  # ...but it opens (or opened) for these other cohorts on this day
    others: tuple[str, ...] = ()


DEFAULT_TIMEZONE = "Asia/Tokyo"  # the academy's, when the plan names none


@dataclass(frozen=True)
class RolloutPlan:
    timezone: ZoneInfo
    stages: tuple[Stage, ...]

    @classmethod
    def load(cls, path: Path) -> "RolloutPlan":
        """Read and check a plan file; RolloutError names the line at fault."""
        text = path.read_text(encoding="utf-8")
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise RolloutError(toml_error(path, text, exc)) from None
        try:
            zone = ZoneInfo(str(data.get("timezone", DEFAULT_TIMEZONE)))
        except (ZoneInfoNotFoundError, ValueError):
            raise RolloutError(f"{path}:{_line(text, 'timezone')}: timezone {data.get('timezone')!r} という"
                               "タイムゾーンはありません（通常は \"Asia/Tokyo\"）") from None
        stages = data.get("stage")
        if not isinstance(stages, list) or not stages:
            raise RolloutError(f"{path}:1: [[stage]] が 1 つもありません（公開の予定を 1 つ以上書いてください）")
        return cls(zone, tuple(_stage(raw, n, path, text) for n, raw in enumerate(stages)))

    def today(self, now: dt.datetime | None = None) -> dt.date:
        """Today in the plan's time zone (Asia/Tokyo as shipped): a stage opens at local midnight."""
        return (now or dt.datetime.now(dt.timezone.utc)).astimezone(self.timezone).date()

    def gate(self, cohort: str, pattern: int, today: dt.date) -> Gate:
        """Staff see everything; others need a started stage that lists their cohort and the Pattern."""
        if cohort == "staff":
            return Gate(True)
        starts = [s.start for s in self.stages
                  if pattern in s.patterns and (cohort in s.cohorts or "*" in s.cohorts)]
        if any(start <= today for start in starts):
            return Gate(True)
        if starts:
            return Gate(False, min(starts))
        elsewhere = [s for s in self.stages if pattern in s.patterns]
        if not elsewhere:
            return Gate(False)
        first = min(s.start for s in elsewhere)
        cohorts = sorted({c for s in elsewhere if s.start == first for c in s.cohorts})
        return Gate(False, None, first, tuple(cohorts))

    def open_patterns(self, cohort: str, today: dt.date) -> list[int]:
        return [n for n in (1, 2, 3, 4) if self.gate(cohort, n, today).open]


def _stage(raw: dict, number: int, path: Path, text: str) -> Stage:
    where = f"{path}:{_nth_line(text, STAGE_HEADER, number)}"
    start = raw.get("start")
    if isinstance(start, dt.datetime):
        start = start.date()
    if not isinstance(start, dt.date):
        raise RolloutError(f"{where}: start = 2026-12-07 の形で日付を書いてください（引用符は付けません）")
    cohorts = raw.get("cohorts")
    if not isinstance(cohorts, list) or not cohorts or any(c not in (*COHORTS, "*") for c in cohorts):
        raise RolloutError(f"{where}: cohorts には {', '.join(COHORTS)} か \"*\" を書いてください")
    patterns = raw.get("patterns")
    if not isinstance(patterns, list) or not patterns or any(p not in (1, 2, 3, 4) or isinstance(p, bool) for p in patterns):
        raise RolloutError(f"{where}: patterns には 1〜4 の数字を書いてください")
    return Stage(start, frozenset(cohorts), frozenset(patterns))


def toml_error(path: Path, text: str, exc: tomllib.TOMLDecodeError) -> str:
    """A TOML syntax error in Japanese: the line number, the line as written, and what usually goes wrong."""
    found = re.search(r"at line (\d+), column (\d+)", str(exc))
    if not found:
        return f"{path}: 書き方に誤りがあります（引用符・括弧・日付の形を確かめてください）"
    number, column = int(found.group(1)), int(found.group(2))
    lines = text.splitlines()
    written = lines[number - 1].strip() if 0 < number <= len(lines) else ""
    return (f"{path} の {number} 行目（{column} 文字目あたり）の書き方に誤りがあります: 「{written}」。"
            "日付は start = 2026-12-07 のように 4 桁-2 桁-2 桁で、引用符は付けません。"
            "文字は \"…\" で囲み、[ ] は閉じてください")


def _line(text: str, key: str) -> int:
    return next((i + 1 for i, line in enumerate(text.splitlines()) if line.strip().startswith(key)), 1)


def _nth_line(text: str, pattern: re.Pattern[str], n: int) -> int:
    found = [i + 1 for i, line in enumerate(text.splitlines()) if pattern.match(line)]
    return found[n] if n < len(found) else 1


def timezone_or_default(path: Path) -> ZoneInfo:
    """The plan's time zone, or the default when the plan cannot be read: a backup or a restore must never
    wait for a broken plan file (it only names the backup files by local time)."""
    try:
        return RolloutPlan.load(path).timezone
    except (OSError, RolloutError):
        return ZoneInfo(DEFAULT_TIMEZONE)
