"""Users and cohorts: registration, the chosen Pattern, CSV import for operators."""
from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import peewee as pw

from bot.config import COHORTS
from bot.models import Question, User, db
from bot.rollout import RolloutPlan

CHANNELS = ("line", "slack", "local")

class UserError(ValueError):
    """Bad operator input about a user (unknown cohort, unknown user)."""

@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, why)

def get_or_create(channel: str, external_id: str, *, display_name: str = "", cohort: str = "academy_member") -> User:
    """The user, created on first contact with the given default cohort."""
    user, created = User.get_or_create(channel=channel, external_id=external_id,
                                       defaults={"display_name": display_name, "cohort": cohort})
    if not created and ((display_name and user.display_name != display_name) or not user.active):
        user.display_name = display_name or user.display_name
        user.active = True
        user.save()
    return user

def find(channel: str, external_id: str) -> User | None:
    return User.get_or_none(User.channel == channel, User.external_id == external_id)

def set_cohort(channel: str, external_id: str, cohort: str) -> User:
    _check(channel, cohort)
    user = find(channel, external_id)
    if user is None:
        raise UserError(f"user {channel}:{external_id} is not registered")
    user.cohort = cohort
    user.save()
    return user

def add(channel: str, external_id: str, cohort: str, display_name: str = "") -> tuple[User, str]:
    """Create or update a user; return it and what happened (added | updated | unchanged)."""
    _check(channel, cohort)
    if not external_id.strip():
        raise UserError("the user id is empty")
    user = find(channel, external_id)
    if user is None:
        return User.create(channel=channel, external_id=external_id, cohort=cohort, display_name=display_name), "added"
    if user.cohort == cohort and (not display_name or user.display_name == display_name):
        return user, "unchanged"
    user.cohort = cohort
    user.display_name = display_name or user.display_name
    user.save()
    return user, "updated"

def import_csv(path: Path) -> ImportResult:
    """Import `channel,user_id,cohort[,display_name]` rows; bad rows are reported, the rest imported."""
    result = ImportResult()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"channel", "user_id", "cohort"} - set(reader.fieldnames or [])
        if missing:
            raise UserError(f"{path}: the header needs the columns {', '.join(sorted(missing))}")
        with db.atomic():
            for row in reader:
                line = reader.line_num
                try:
                    _, outcome = add((row.get("channel") or "").strip(), (row.get("user_id") or "").strip(),
                                     (row.get("cohort") or "").strip(), (row.get("display_name") or "").strip())
                except UserError as exc:
                    result.rejected.append((line, str(exc)))
                    continue
                setattr(result, outcome, getattr(result, outcome) + 1)
    return result

@dataclass(frozen=True)
class UserRow:
    channel: str
    external_id: str
    display_name: str
    cohort: str
    open_patterns: list[int]
    questions_this_month: int
    active: bool

def list_rows(plan: RolloutPlan, now: dt.datetime | None = None) -> list[UserRow]:
    """Every user with cohort, Patterns open today and questions this month (JST)."""
    today = plan.today(now)
    month_start = dt.datetime(today.year, today.month, 1, tzinfo=plan.timezone).astimezone(dt.timezone.utc)
    counts = dict(Question.select(Question.user, pw.fn.COUNT(Question.id))
                  .where(Question.created_at >= month_start.replace(tzinfo=None))
                  .group_by(Question.user).tuples())
    return [UserRow(u.channel, u.external_id, u.display_name, u.cohort, plan.open_patterns(u.cohort, today),
                    counts.get(u.id, 0), u.active)
            for u in User.select().order_by(User.channel, User.external_id)]

def deactivate(channel: str, external_id: str) -> None:
    User.update(active=False).where(User.channel == channel, User.external_id == external_id).execute()

def _check(channel: str, cohort: str) -> None:
    if channel not in CHANNELS:
        raise UserError(f"unknown channel {channel!r} (use {', '.join(CHANNELS)})")
    if cohort not in COHORTS:
        raise UserError(f"unknown cohort {cohort!r} (use {', '.join(COHORTS)})")
