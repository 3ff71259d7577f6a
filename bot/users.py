"""Users and cohorts: registration, the chosen Pattern, CSV import for operators."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import peewee as pw

from bot.config import COHORTS
from bot.models import Question, User, db
from bot.rollout import RolloutPlan
from bot.states import Channel

CHANNELS = ("line", "slack", "local")
LINE_ID = re.compile(r"U[0-9a-f]{32}")  # what LINE gives: U and 32 hex digits (a name or 「U1234…」 is not one)
EXPORT_FIELDS = ("channel", "user_id", "cohort", "display_name", "active", "created_at")

class UserError(ValueError):
    """Bad operator input about a user (unknown cohort, unknown user)."""

@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    kept: list[str] = field(default_factory=list)  # ids whose hand-set cohort the CSV (unchanged) left alone
    moved: list[str] = field(default_factory=list)  # registered people whose cohort this import changed
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, why)
    # LINE ids registered by this import that LINE never sent (the person has not added the account, or a typo):
    # only the shape of an id can be checked, so the operator is told which ones to confirm
    unseen_line: list[str] = field(default_factory=list)
    encoding: str = ""  # how the file was read, in words (UTF-8, Shift_JIS …)

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
        raise UserError(f"利用者 {channel}:{external_id} は登録されていません（先に users add で登録してください）")
    user.cohort = cohort
    user.save()
    return user

def add(channel: str, external_id: str, cohort: str, display_name: str = "") -> tuple[User, str]:
    """Create or update a user; return it and what happened (added | updated | unchanged)."""
    problems = []  # every problem of the row at once, so one correction fixes it
    try:
        _check(channel, cohort)
    except UserError as exc:
        problems.append(str(exc))
    if not external_id.strip():
        problems.append("ユーザー ID が空です")
    elif channel == "line" and not LINE_ID.fullmatch(external_id):
        problems.append(f"LINE のユーザー ID {external_id!r} の形が違います（U と 0〜9・a〜f の 32 文字、合わせて 33 文字。"
                        "LINE の表示名ではありません。その方が公式アカウントを友だち追加すると、./bansou users list と "
                        "users export に表示されるので、そこからコピーします）")
    if problems:
        raise UserError("。".join(p.removesuffix("。") for p in problems))
    user = find(channel, external_id)
    if user is None:
        return User.create(channel=channel, external_id=external_id, cohort=cohort, display_name=display_name), "added"
    if user.cohort == cohort and (not display_name or user.display_name == display_name):
        return user, "unchanged"
    user.cohort = cohort
    user.display_name = display_name or user.display_name
    user.save()
    return user, "updated"


def _named(user: User, detail: str) -> str:
    """A person as import's lists name them: 山田（line:U…、academy_member）."""
    return f"{user.display_name or user.external_id}（{user.channel}:{user.external_id}、{detail}）"


def import_csv(path: Path) -> ImportResult:
    """Import `channel,user_id,cohort[,display_name]` rows; bad rows are reported, the rest imported.

    The file may be UTF-8 (with or without the BOM Excel writes) or Shift_JIS / CP932 (Excel's
    「CSV (コンマ区切り)」 on Japanese Windows); which one is detected and reported."""
    text, encoding = decode_csv(path.read_bytes())
    result = ImportResult(encoding=encoding)
    with io.StringIO(text, newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"channel", "user_id", "cohort"} - {(f or "").strip() for f in reader.fieldnames or []}
        if missing:
            raise UserError(f"{path}: 1行目（見出し）に {', '.join(sorted(missing))} の列が必要です"
                            "（例: channel,user_id,cohort,display_name）")
        reader.fieldnames = [(f or "").strip() for f in reader.fieldnames or []]
        with db.atomic():
            for row in reader:
                line = reader.line_num
                channel, external_id = (row.get("channel") or "").strip(), (row.get("user_id") or "").strip()
                before = find(channel, external_id)
                try:
                    user, outcome = _import_row(channel, external_id, (row.get("cohort") or "").strip(),
                                                (row.get("display_name") or "").strip())
                except UserError as exc:
                    result.rejected.append((line, str(exc)))
                    continue
                if before is not None and before.cohort != user.cohort:  # an older CSV can move people back
                    result.moved.append(_named(user, f"{before.cohort} → {user.cohort}"))
                if outcome == "kept":
                    result.kept.append(_named(user, user.cohort))
                    outcome = "unchanged"
                if outcome == "added" and channel == Channel.LINE:
                    result.unseen_line.append(f"{user.display_name or '名前なし'}（line:{user.external_id}）")
                setattr(result, outcome, getattr(result, outcome) + 1)
    return result


def _import_row(channel: str, external_id: str, cohort: str, display_name: str) -> tuple[User, str]:
    # The CSV is the office's list, re-imported as it grows; `set-cohort` is a decision made since. The CSV's
    # cohort wins only where it differs from what the last import said (someone changed the list).
    user = find(channel, external_id)
    if user is not None and user.imported_cohort == cohort and user.cohort != cohort:
        _check(channel, cohort)
        if display_name and user.display_name != display_name:
            user.display_name = display_name
            user.save()
        return user, "kept"
    user, outcome = add(channel, external_id, cohort, display_name)
    if user.imported_cohort != cohort:
        user.imported_cohort = cohort
        user.save()
    return user, outcome


def export_csv(path: Path, tz: dt.tzinfo) -> int:
    """Every member (LINE and Slack; the terminal's test users are not members) as a CSV Excel opens as is
    (UTF-8 with a BOM, CRLF): the columns `import` reads, then two it skips (active, created_at, the day in
    `tz`, the plan's zone, as every date an operator reads)."""
    rows = User.select().where(User.channel != Channel.LOCAL).order_by(User.channel, User.external_id)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(EXPORT_FIELDS)
        count = 0
        for u in rows:
            writer.writerow([u.channel, u.external_id, u.cohort, u.display_name, "yes" if u.active else "no",
                             f"{u.created_at.replace(tzinfo=dt.timezone.utc).astimezone(tz):%Y-%m-%d}"])
            count += 1
    return count


@contextlib.contextmanager
def cohort_for_once(channel: str, external_id: str, cohort: str | None) -> Iterator[None]:
    """`ask`/`chat --cohort`: the cohort holds inside the block, then the user's own comes back
    (a new user goes back to the default: a tried cohort is never kept)."""
    before = find(channel, external_id)
    kept = before.cohort if before else "academy_member"
    try:
        yield
    finally:
        if cohort:
            User.update(cohort=kept).where(User.channel == channel, User.external_id == external_id).execute()

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
    """Every user with cohort, Patterns open today and questions this month (the plan's time zone)."""
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

def decode_csv(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and its encoding in words; UserError when it is neither UTF-8 nor Shift_JIS."""
    bom = data.startswith(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8-sig"), "UTF-8（BOM 付き）" if bom else "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932"), "Shift_JIS（CP932、Excel の標準）"
    except UnicodeDecodeError:
        raise UserError("CSV の文字コードが UTF-8 でも Shift_JIS でもありません。"
                        "Excel で「CSV UTF-8（コンマ区切り）」を選んで保存し直してください") from None


def _check(channel: str, cohort: str) -> None:
    if channel not in CHANNELS:
        raise UserError(f"チャネル {channel!r} は使えません（{' / '.join(CHANNELS)} のどれか）")
    if cohort not in COHORTS:
        raise UserError(f"コホート {cohort!r} はありません（{' / '.join(COHORTS)} のどれか）")
