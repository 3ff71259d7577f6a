"""Announcement drafts in the operator channel: 配信する / 直して配信 / 見送る, and the weekly proposal."""
from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any, Callable, Mapping

from slack_sdk import WebClient

from adapters.slack_blocks import Message, escape, quote
from adapters.slack_convert import Action, read_edit_form
from adapters.slack_desk import SLACK_ERRORS
from bot.announcements import AnnouncementDecision, Announcements, Decided, NotDone
from bot.models import Announcement
from bot.scheduler import claim
from bot.states import AnnouncementCommand

log = logging.getLogger(__name__)

SEND, SEND_EDITED, SKIP = "bansou_announcement_send", "bansou_announcement_edit", "bansou_announcement_skip"
COMMANDS = {SEND: AnnouncementCommand.SEND, SEND_EDITED: AnnouncementCommand.SEND_EDITED, SKIP: AnnouncementCommand.SKIP}
EDIT_VIEW = "bansou_announcement_edit_view"
EDIT_BLOCK, EDIT_INPUT = "announcement", "announcement_input"
ANNOUNCEMENT_JOB = "slack.announcement"
STOP_JOB = "slack.announcement_stop"  # お知らせを停止 / 再開 pressed (the trainee side asks the core)
WEEKLY_HOUR = 10  # Monday, in the plan's time zone: after the weekly report
DONE = {AnnouncementCommand.SEND: "📣 配信しました", AnnouncementCommand.SEND_EDITED: "📣 直した文章で配信しました",
        AnnouncementCommand.SKIP: "⏭️ 見送りました"}


def is_announcement_action(action_id: str) -> bool:
    return action_id in COMMANDS


class AnnouncementDesk:
    """Posts drafts to the operators and turns their presses into decisions."""

    def __init__(self, *, announcements: Announcements, client: WebClient, channel: str | None, tz: dt.tzinfo,
                 encoder: str) -> None:
        self.announcements, self.client, self.channel = announcements, client, channel
        self.tz, self.encoder = tz, encoder

    def weekly(self, now: dt.datetime | None = None) -> int:
        """From Monday WEEKLY_HOUR, once a week: drafts for the themes that rose in a cohort last week."""
        from bot.encoder import load_encoder
        from reports.periods import weekly
        from reports.themes.announce import rising_by_cohort
        local = (now or dt.datetime.now(dt.timezone.utc)).astimezone(self.tz)
        if local.weekday() != 0 or local.hour < WEEKLY_HOUR or not self.channel:
            return 0
        last_week = weekly(local.date() - dt.timedelta(days=7), tz=self.tz)
        if not claim("announcements", last_week.key):
            return 0
        return self.propose(lambda: rising_by_cohort(last_week, load_encoder(self.encoder)))

    def post(self, announcement: Announcement) -> None:
        """The draft with its audience and the month's LINE room, shown before anyone sends it."""
        if not self.channel:
            return
        audience = self.announcements.audience(announcement.cohort)
        line = self.announcements.broadcasters.get("line")
        room = line.room() if line is not None and audience.get("line") else None
        response = self.client.chat_postMessage(channel=self.channel,
                                                **draft_message(announcement, audience, room))
        announcement.operator_ts = response.get("ts")
        announcement.save()

    def propose(self, rising: Callable[[], list[tuple[str, str, str]]]) -> int:
        """Draft and post an announcement for each (cohort, central question, label) that is rising."""
        posted = 0
        for cohort, question, label in rising():
            announcement = self.announcements.draft(cohort=cohort, question=question, label=label)
            if announcement is not None:
                self.post(announcement)
                posted += 1
        return posted

    def open_editor(self, action: Action) -> bool:
        announcement = Announcement.get_or_none(Announcement.id == _id(action.value))
        if not (action.trigger_id and announcement and action.user_id in self.announcements.staff_ids):
            return False
        meta = {"id": announcement.id, "channel": action.channel, "message_ts": action.message_ts}
        try:
            self.client.views_open(trigger_id=action.trigger_id, view=edit_modal(announcement, meta))
        except SLACK_ERRORS as exc:
            log.warning("could not open the announcement editor: %s", exc)
            return False
        return True

    def on_decision(self, payload: dict[str, Any]) -> None:
        outcome = self.announcements.decide(AnnouncementDecision(AnnouncementCommand(payload["command"]),
                                                                 payload["user_id"], int(payload["id"]),
                                                                 payload.get("text", "")))
        channel, ts = payload.get("channel"), payload.get("message_ts")
        if isinstance(outcome, NotDone):
            self.client.chat_postEphemeral(channel=channel or payload["user_id"], user=payload["user_id"],
                                           text=outcome.text)
        elif channel and ts:
            self.client.chat_update(channel=channel, ts=ts, **decided_message(outcome))


def action_job(action: Action) -> dict[str, Any]:
    return {"command": COMMANDS[action.action_id], "user_id": action.user_id, "id": _id(action.value),
            "channel": action.channel, "message_ts": action.message_ts}


def edit_job(body: Mapping[str, Any]) -> dict[str, Any] | None:
    form = read_edit_form(body, EDIT_BLOCK, EDIT_INPUT)
    if form is None or not isinstance(form[1].get("id"), int):
        return None
    user, meta, text = form
    return {"command": AnnouncementCommand.SEND_EDITED, "user_id": user, "id": meta["id"], "text": text,
            "channel": meta.get("channel"), "message_ts": meta.get("message_ts")}


def draft_message(announcement: Announcement, audience: dict[str, list[str]], room: int | None) -> Message:
    counts = "、".join(f"{'LINE' if c == 'line' else 'Slack'} {len(ids):,}人" for c, ids in audience.items()) or "0人"
    quota = "" if room is None else f"（今月の LINE の残り送信数 {room:,}通）"
    head = (f"📣 *お知らせの下書き*（質問が増えているテーマ: {escape(announcement.theme)}）\n"
            f"対象: {escape(announcement.cohort)} の {counts}{quota}。お知らせを停止した人には送りません。\n"
            f"元にしたナレッジ: {escape(announcement.knowledge_id)}。スタッフが押すまで配信されません。")
    value = str(announcement.id)
    buttons = [_button("配信する", SEND, value, style="primary"), _button("直して配信", SEND_EDITED, value),
               _button("見送る", SKIP, value)]
    return {"text": f"お知らせの下書き: {announcement.theme[:80]}",
            "blocks": [_section(f"{head}\n{quote(announcement.text, 2000)}"), {"type": "actions", "elements": buttons}]}


def decided_message(decided: Decided) -> Message:
    a = decided.announcement
    text = f"{DONE[decided.command]}（{a.decided_by}）"
    if decided.command != AnnouncementCommand.SKIP:
        text += f"。{a.recipients:,}人に送りました。\n{quote(a.text, 2000)}"
    return {"text": text, "blocks": [_section(text)]}


def edit_modal(announcement: Announcement, metadata: dict[str, Any]) -> dict[str, Any]:
    return {"type": "modal", "callback_id": EDIT_VIEW, "private_metadata": json.dumps(metadata),
            "title": _plain("直して配信"), "submit": _plain("この文章で配信"), "close": _plain("やめる"),
            "blocks": [{"type": "input", "block_id": EDIT_BLOCK, "label": _plain("お知らせの文章"),
                        "element": {"type": "plain_text_input", "action_id": EDIT_INPUT, "multiline": True,
                                    "initial_value": announcement.text[:3000], "max_length": 3000}}]}


def _id(value: str) -> int:
    return int(value) if str(value).isdigit() else 0


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _button(label: str, action_id: str, value: str, *, style: str | None = None) -> dict[str, Any]:
    button = {"type": "button", "text": _plain(label), "action_id": action_id, "value": value}
    return {**button, "style": style} if style else button
