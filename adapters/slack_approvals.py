"""Makino's approvals in Slack: a digest of Pattern 4 drafts in his DM, one message and three buttons a draft."""
from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any, Mapping

from slack_sdk import WebClient

from adapters.slack_blocks import Message, escape, quote
from adapters.slack_convert import Action, read_edit_form
from adapters.slack_desk import SLACK_ERRORS
from bot.approvals import ApprovalDecision, Decided
from bot.conversation import Core
from bot.knowledge import Entry
from bot.operators import Refused
from bot.scheduler import claim
from bot.states import ApprovalCommand

log = logging.getLogger(__name__)

APPROVE, APPROVE_EDIT, REJECT = "bansou_approval_approve", "bansou_approval_edit", "bansou_approval_reject"
COMMANDS = {APPROVE: ApprovalCommand.APPROVE, APPROVE_EDIT: ApprovalCommand.APPROVE_EDITED,
            REJECT: ApprovalCommand.REJECT}
EDIT_VIEW = "bansou_approval_edit_view"
EDIT_BLOCK, EDIT_INPUT = "wording", "wording_input"
APPROVAL_JOB = "slack.approval"
DIGEST_HOUR = 9  # the morning digest, in the plan's time zone
DONE = {ApprovalCommand.APPROVE: "✅ 承認しました。次から AI は、この言葉を牧野さんの言葉としてお伝えします。",
        ApprovalCommand.APPROVE_EDITED: "✅ 直した文章で承認しました。次から AI は、この文章を牧野さんの言葉としてお伝えします。",
        ApprovalCommand.REJECT: "🗑️ 却下しました。この下書きは使われません。"}


def is_approval_action(action_id: str) -> bool:
    return action_id in COMMANDS


class ApprovalDesk:
    """Posts the digest to Makino and turns his buttons (and the edit form) into core decisions."""

    def __init__(self, *, core: Core, client: WebClient, makino_id: str | None, tz: dt.tzinfo) -> None:
        self.core = core
        self.client = client
        self.makino_id = makino_id
        self.tz = tz

    def post_digest(self) -> int:
        """The drafts awaiting Makino, to his DM: a short header, then one message per draft."""
        drafts = self.core.approvals.pending()
        if not drafts or not self.makino_id:
            return 0
        self.client.chat_postMessage(channel=self.makino_id, **digest_message(len(drafts)))
        for entry in drafts:
            self.client.chat_postMessage(channel=self.makino_id, **draft_message(entry))
        log.info("approval digest: %d drafts to Makino", len(drafts))
        return len(drafts)

    def daily_digest(self, now: dt.datetime | None = None) -> int:
        """From DIGEST_HOUR, once a day, when something waits (the scheduler calls it)."""
        local = (now or dt.datetime.now(dt.timezone.utc)).astimezone(self.tz)
        if local.hour < DIGEST_HOUR or not self.core.approvals.pending():
            return 0
        if not claim("approvals", local.date().isoformat()):
            return 0
        return self.post_digest()

    def open_editor(self, action: Action) -> bool:
        """直して承認 opens a form with the draft's text (the trigger expires in 3 s, so it opens now)."""
        entry = self.core.approvals.draft(action.value)
        if not (action.trigger_id and entry and self.core.approvals.may_decide(action.user_id)):
            return False  # the decision job refuses it and says why
        meta = {"entry_id": entry.id, "channel": action.channel, "message_ts": action.message_ts}
        try:
            self.client.views_open(trigger_id=action.trigger_id, view=edit_modal(entry, meta))
        except SLACK_ERRORS as exc:
            log.warning("could not open the edit form: %s", exc)
            return False
        return True

    def on_decision(self, payload: dict[str, Any]) -> None:
        """One decision (a button, or the edit form sent): the core records it, the draft's message says so."""
        outcome = self.core.receive(ApprovalDecision(ApprovalCommand(payload["command"]), payload["user_id"],
                                                     payload["entry_id"], payload.get("text", "")))
        channel, ts = payload.get("channel"), payload.get("message_ts")
        if isinstance(outcome, Refused):
            try:
                self.client.chat_postEphemeral(channel=channel or payload["user_id"], user=payload["user_id"],
                                               text=outcome.text)
            except SLACK_ERRORS as exc:
                log.warning("refusal to %s not shown: %s", payload["user_id"], exc)
        elif channel and ts:
            self.client.chat_update(channel=channel, ts=ts, **decided_message(outcome))


def action_job(action: Action) -> dict[str, Any]:
    """The decision job a button makes."""
    return {"command": COMMANDS[action.action_id], "user_id": action.user_id, "entry_id": action.value,
            "channel": action.channel, "message_ts": action.message_ts}


def edit_job(body: Mapping[str, Any]) -> dict[str, Any] | None:
    """The decision job the edit form makes when sent; None when it is not readable."""
    form = read_edit_form(body, EDIT_BLOCK, EDIT_INPUT)
    if form is None or not isinstance(form[1].get("entry_id"), str):
        return None
    user, meta, text = form
    return {"command": ApprovalCommand.APPROVE_EDITED, "user_id": user, "entry_id": meta["entry_id"],
            "text": text, "channel": meta.get("channel"), "message_ts": meta.get("message_ts")}


# ---- messages ---------------------------------------------------------------------------------

def digest_message(count: int) -> Message:
    text = (f"牧野さん、Pattern 4 で「牧野さんの言葉」として使う下書きが {count} 件、ご確認を待っています。"
            "1件ずつ「承認」「直して承認」「却下」を押してください。承認されるまで、AI はこれらを"
            "牧野さんの言葉として使いません。")
    return {"text": text, "blocks": [_section(text)]}


def draft_message(entry: Entry) -> Message:
    origin = "スタッフの回答から" if entry.source.startswith("escalation") else "ナレッジファイル"
    head = f"*{escape(entry.id)}*（{origin}）\n*質問*: {escape(entry.question)}"
    buttons = [_button("承認", APPROVE, entry.id, style="primary"), _button("直して承認", APPROVE_EDIT, entry.id),
               {**_button("却下", REJECT, entry.id, style="danger"), "confirm": {
                   "title": _plain("却下しますか？"), "text": _plain("この下書きは使われなくなります。"),
                   "confirm": _plain("却下する"), "deny": _plain("やめる")}}]
    return {"text": f"承認待ち: {entry.id} {entry.question[:100]}",
            "blocks": [_section(f"{head}\n{quote(entry.body, 2500)}"), {"type": "actions", "elements": buttons}]}


def decided_message(decided: Decided) -> Message:
    entry = decided.entry
    text = f"*{escape(entry.id)}*: {DONE[decided.command]}"
    if decided.command != ApprovalCommand.REJECT:
        text += f"\n{quote(entry.body, 2500)}"
    return {"text": DONE[decided.command], "blocks": [_section(text)]}


def edit_modal(entry: Entry, metadata: dict[str, Any]) -> dict[str, Any]:
    return {"type": "modal", "callback_id": EDIT_VIEW, "private_metadata": json.dumps(metadata),
            "title": _plain("直して承認"), "submit": _plain("この文章で承認"), "close": _plain("やめる"),
            "blocks": [_section(f"*{escape(entry.question)}*\n文章を直して「この文章で承認」を押してください。"),
                       {"type": "input", "block_id": EDIT_BLOCK, "label": _plain("牧野さんの言葉"),
                        "element": {"type": "plain_text_input", "action_id": EDIT_INPUT, "multiline": True,
                                    "initial_value": entry.body[:3000], "max_length": 3000}}]}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _button(label: str, action_id: str, value: str, *, style: str | None = None) -> dict[str, Any]:
    button = {"type": "button", "text": _plain(label), "action_id": action_id, "value": value}
    return {**button, "style": style} if style else button
