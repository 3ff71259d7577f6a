"""Proactive announcements: drafted from a rising theme and the approved knowledge, sent only after a staff
press, to the cohort's members who have not stopped them, within the month's LINE quota."""
from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from typing import Mapping, Protocol

from bot.models import Announcement, AnnouncementOptOut, User, db, utcnow
from bot.states import AnnouncementCommand, AnnouncementStatus, Channel

log = logging.getLogger(__name__)

STOP_WORDS = ("お知らせ停止", "お知らせを停止", "お知らせ不要", "配信停止")
RESUME_WORDS = ("お知らせ再開", "お知らせを再開", "配信再開")
STOPPED = ("お知らせの配信を停止しました。ご質問にはこれまでどおりお答えします。"
           "また受け取りたくなったら「お知らせ再開」と送ってください。")
RESUMED = "お知らせの配信を再開しました。"
STOP_LABEL, RESUME_LABEL = "お知らせを停止する", "お知らせを再開する"
COHORT_PATTERN = {"academy_member": 1, "doctor_trainee": 2, "corporate_trainee": 3}
REPEAT_DAYS = 28  # the same entry is not announced to a cohort again within four weeks
BODY_CHARS = 400


class Broadcaster(Protocol):
    """One channel's way to reach many members at once."""

    def room(self) -> int | None:
        """Messages the month still allows (None: no limit)."""

    def broadcast(self, user_ids: list[str], text: str, *, key: str) -> int:
        """Send `text` to every id; `key` makes a retried send arrive once. Returns how many were sent."""


@dataclass(frozen=True)
class AnnouncementDecision:
    command: AnnouncementCommand
    user_id: str
    announcement_id: int
    text: str = ""


@dataclass(frozen=True)
class Decided:
    announcement: Announcement
    command: AnnouncementCommand


@dataclass(frozen=True)
class NotDone:
    text: str  # why, for the person who pressed


class Announcements:
    """Drafts, decisions and opt-outs; the channels' broadcasters are handed in by the composition root."""

    def __init__(self, *, knowledge, staff_ids: tuple[str, ...], broadcasters: Mapping[str, Broadcaster]) -> None:
        self.knowledge, self.staff_ids, self.broadcasters = knowledge, staff_ids, dict(broadcasters)

    def draft(self, *, cohort: str, question: str, label: str) -> Announcement | None:
        """An announcement of the approved entry that answers the theme's central `question`, or None (nothing
        approved covers it, or it was announced to this cohort lately). `label` names the theme to members."""
        hits = self.knowledge.search(question, COHORT_PATTERN.get(cohort), top=1, drafts=False)
        if not hits or not hits[0].covers:
            return None
        entry = hits[0].entry
        since = utcnow().timestamp() - REPEAT_DAYS * 86400
        recent = [a for a in Announcement.select().where(Announcement.cohort == cohort,
                                                           Announcement.knowledge_id == entry.id)
                  if a.created_at.timestamp() >= since]
        if recent:
            return None
        return Announcement.create(cohort=cohort, theme=question, knowledge_id=entry.id, text=compose(label, entry))

    def audience(self, cohort: str) -> dict[str, list[str]]:
        """The cohort's active members by channel, without those who stopped announcements."""
        stopped = AnnouncementOptOut.select(AnnouncementOptOut.user)
        found: dict[str, list[str]] = {}
        for channel, external in (User.select(User.channel, User.external_id)
                                  .where(User.cohort == cohort, User.active == True,  # noqa: E712
                                         User.id.not_in(stopped)).order_by(User.id).tuples()):
            found.setdefault(channel, []).append(external)
        return found

    def decide(self, decision: AnnouncementDecision) -> Decided | NotDone:
        """配信する / 直して配信 / 見送る by a staff member; a second press finds it decided and does nothing."""
        if decision.user_id not in self.staff_ids:
            return NotDone("お知らせの配信を決められるのはスタッフだけです。")
        target = AnnouncementStatus.SKIPPED if decision.command == AnnouncementCommand.SKIP else AnnouncementStatus.SENDING
        with db.atomic():
            claimed = (Announcement.update(status=target, decided_by=decision.user_id)
                       .where(Announcement.id == decision.announcement_id,
                              Announcement.status == AnnouncementStatus.DRAFTED).execute())
        announcement = Announcement.get_or_none(Announcement.id == decision.announcement_id)
        if not claimed or announcement is None:
            return NotDone("このお知らせはすでに対応済みです。")
        if target == AnnouncementStatus.SKIPPED:
            return Decided(announcement, decision.command)
        if decision.command == AnnouncementCommand.SEND_EDITED and decision.text.strip():
            announcement.text = decision.text.strip()
        return self._send(announcement, decision.command)

    def _send(self, announcement: Announcement, command: AnnouncementCommand) -> Decided | NotDone:
        audience = {c: ids for c, ids in self.audience(announcement.cohort).items() if c in self.broadcasters}
        short = [(c, room, len(ids)) for c, ids in audience.items()
                 for room in [self.broadcasters[c].room()] if room is not None and room < len(ids)]
        if short:
            channel, room, needed = short[0]
            announcement.status, announcement.error = AnnouncementStatus.FAILED, f"{channel} quota {room} < {needed}"
            announcement.save()
            return NotDone(f"今月の LINE の残り送信数（{room:,}通）では、対象の {needed:,}人に送れません。"
                           "送っていません。プランの上限を確認してください。")
        sent = 0
        try:
            for channel, ids in audience.items():
                reached = self.broadcasters[channel].broadcast(ids, announcement.text,
                                                               key=f"announcement-{announcement.id}")
                sent += reached
                if channel == Channel.LINE:
                    announcement.line_recipients = reached
        except Exception as exc:  # edge: a platform refused; what was sent is recorded, staff are told
            log.exception("announcement %s failed after %d", announcement.id, sent)
            announcement.status, announcement.recipients = AnnouncementStatus.FAILED, sent
            announcement.error = f"{type(exc).__name__}: {exc}"[:500]
            announcement.save()
            return NotDone(f"配信の途中で失敗しました（{sent:,}人には送信済み）。ログを確認してください。")
        announcement.status, announcement.recipients, announcement.sent_at = AnnouncementStatus.SENT, sent, utcnow()
        announcement.save()
        log.info("announcement %s sent to %d members of %s by %s", announcement.id, sent, announcement.cohort,
                 announcement.decided_by)
        return Decided(announcement, command)

    def stop(self, channel: str, external_id: str) -> bool:
        """The member stops announcements; True when they were receiving them."""
        user = User.get_or_none(User.channel == channel, User.external_id == external_id)
        if user is None:
            return False
        return bool(AnnouncementOptOut.insert(user=user).on_conflict_ignore().execute())

    def resume(self, channel: str, external_id: str) -> bool:
        """The member receives announcements again; True when they had stopped them."""
        user = User.get_or_none(User.channel == channel, User.external_id == external_id)
        if user is None:
            return False
        return bool(AnnouncementOptOut.delete().where(AnnouncementOptOut.user == user.id).execute())


def asks_to_stop(text: str) -> bool:
    """「お知らせ停止」 and its spellings, said alone."""
    return _said(text) in STOP_WORDS


def asks_to_resume(text: str) -> bool:
    """「お知らせ再開」 and its spellings, said alone."""
    return _said(text) in RESUME_WORDS


def _said(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().strip("。.!！ ")


def compose(theme: str, entry) -> str:
    """The announcement: why now, the approved answer, how to ask more, how to stop."""
    body = " ".join(entry.body.split())
    body = body if len(body) <= BODY_CHARS else body[:BODY_CHARS] + "…"
    return (f"【牧野生保塾からのお知らせ】\n最近「{theme}」についてのご質問が増えています。\n\n"
            f"■ {entry.question}\n{body}\n\nくわしくは、このトークでいつでも質問してください。\n"
            "（お知らせが不要な方は「お知らせ停止」と送ってください）")
