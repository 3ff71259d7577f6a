"""The operator loop in Slack: replies become drafts, an authorised tap sends one, Makino decides."""
from __future__ import annotations

import logging
from typing import Any, Callable

from adapters.slack_blocks import (ASK_MAKINO, CONFIRM_REPLY, SEND_AI_DRAFT, UNDO_KNOWLEDGE, draft_offer,
                                   knowledge_message, makino_request, sent_message, undone_message)
from adapters.slack_convert import Action, deleted_ts, edited_message, plain_text
from adapters.slack_desk import SlackDesk
from bot.escalation import AlreadyAnswered, Escalations, EscalationView

log = logging.getLogger(__name__)

NOT_ALLOWED = "この操作は、スタッフと牧野氏だけができます。"
ANSWERED = "このエスカレーションはすでに回答済みです。"
WAITING_MAKINO = "牧野氏の確認待ちです。牧野氏の返信か、牧野氏による承認をお待ちください。"
NO_DRAFT = "この返信は削除されたため、送ることができません。"
NO_AI_DRAFT = "AI の下書きがありません。このスレッドに回答を返信してください。"
NO_MAKINO = "牧野氏の Slack ID（SLACK_MAKINO_USER_ID）が設定されていないため、確認を依頼できません。"
NOTHING_TO_UNDO = "取り消せるナレッジはありません（すでに取り消し済みか、作成されていません）。"
UNKNOWN = "このボタンは使えなくなっています。"
OPERATOR_ACTIONS = (SEND_AI_DRAFT, ASK_MAKINO, CONFIRM_REPLY, UNDO_KNOWLEDGE)


class OperatorLoop:
    """Handles the operator channel: thread replies, edits, and the escalation buttons."""

    def __init__(self, *, escalations: Escalations, desk: SlackDesk, staff_ids: tuple[str, ...],
                 makino_id: str | None) -> None:
        self.escalations = escalations
        self.desk = desk
        self.staff_ids = frozenset(staff_ids)
        self.makino_id = makino_id

    def authorised(self, user_id: str | None) -> bool:
        return bool(user_id) and (user_id in self.staff_ids or user_id == self.makino_id)

    # ---- thread messages ----------------------------------------------------------------------

    def on_reply(self, payload: dict[str, Any]) -> None:
        """A staff or Makino reply in an open escalation's thread becomes a draft with a send button."""
        event = payload["event"]
        view = self._view_of_thread(event.get("thread_ts", ""))
        text = plain_text(event.get("text", ""))
        if view is None or not view.is_open or not self.authorised(event.get("user")) or not text:
            return  # someone else's remark, or a closed case: internal talk, nothing to offer
        draft = self.escalations.add_draft(view.id, author=event["user"], text=text, ref=event["ts"])
        self.desk.in_thread(view.thread, draft_offer(draft))

    def on_edit(self, payload: dict[str, Any]) -> None:
        edited = edited_message(payload["event"])
        if edited and self.escalations.edit_draft(*edited):
            log.info("draft %s edited", edited[0])

    def on_delete(self, payload: dict[str, Any]) -> None:
        ts = deleted_ts(payload["event"])
        if ts and self.escalations.withdraw_draft(ts):
            log.info("draft %s withdrawn", ts)

    # ---- buttons ------------------------------------------------------------------------------

    def on_action(self, payload: dict[str, Any]) -> None:
        """One of the escalation buttons; anyone not authorised is refused and nothing changes."""
        action = Action(**payload["action"])
        handlers: dict[str, Callable[[Action], None]] = {
            SEND_AI_DRAFT: self._send_ai_draft, ASK_MAKINO: self._ask_makino,
            CONFIRM_REPLY: self._confirm_reply, UNDO_KNOWLEDGE: self._undo}
        if not self.authorised(action.user_id):
            log.warning("refused %s by %s", action.action_id, action.user_id)
            return self._refuse(action, NOT_ALLOWED)
        handlers[action.action_id](action)

    def _confirm_reply(self, action: Action) -> None:
        draft = self.escalations.draft(action.value)
        if draft is None or draft.withdrawn:
            return self._refuse(action, NO_DRAFT)
        view = self.escalations.view(draft.escalation_id)
        if self._blocked(action, view, author=draft.author):
            return
        self._resolve(action, view, draft.text, author=draft.author)

    def _send_ai_draft(self, action: Action) -> None:
        view = self._view(action)
        if view is None or self._blocked(action, view, author=action.user_id):
            return
        if not view.draft:
            return self._refuse(action, NO_AI_DRAFT)
        self._resolve(action, view, view.draft, author=action.user_id)

    def _ask_makino(self, action: Action) -> None:
        view = self._view(action)
        if view is None or self._blocked(action, view, author=action.user_id):
            return
        if not self.makino_id:
            return self._refuse(action, NO_MAKINO)
        self.escalations.ask_makino(view.id)
        self.desk.in_thread(view.thread, makino_request(view, makino_id=self.makino_id, requested_by=action.user_id))
        self._refresh(view.id)

    def _undo(self, action: Action) -> None:
        view = self._view(action)
        if view is None:
            return
        undone = self.escalations.undo_knowledge(view.id)
        if undone is None:
            return self._refuse(action, NOTHING_TO_UNDO)
        self.desk.in_thread(view.thread, undone_message(undone, action.user_id))

    # ---- steps ----------------------------------------------------------------------------------

    def _resolve(self, action: Action, view: EscalationView, text: str, *, author: str) -> None:
        by_makino = self.makino_id in (action.user_id, author)
        try:
            resolution = self.escalations.resolve(view.id, text, answered_by=self._person(author),
                                                  source="makino" if by_makino else "staff",
                                                  confirmed_by=self._person(action.user_id))
        except AlreadyAnswered:
            return self._refuse(action, ANSWERED)
        self.desk.in_thread(view.thread, sent_message(view, text, confirmed_by=action.user_id,
                                                      delivered=resolution.delivered))
        self.desk.in_thread(view.thread, knowledge_message(resolution))
        self._refresh(view.id)

    def _blocked(self, action: Action, view: EscalationView, *, author: str) -> bool:
        """Closed, or waiting for Makino while neither the tapper nor the author is Makino."""
        if not view.is_open:
            self._refuse(action, ANSWERED)
            return True
        if view.status == "waiting_makino" and self.makino_id not in (action.user_id, author):
            self._refuse(action, WAITING_MAKINO)
            return True
        return False

    def _view(self, action: Action) -> EscalationView | None:
        try:
            return self.escalations.view(int(action.value))
        except Exception as exc:  # a forged or stale button value (not a number, no such escalation)
            log.warning("button value %r: %s", action.value, exc)
            self._refuse(action, UNKNOWN)
            return None

    def _view_of_thread(self, thread: str) -> EscalationView | None:
        escalation = self.escalations.by_thread(thread) if thread else None
        return self.escalations.view(escalation.id) if escalation else None

    def _refresh(self, escalation_id: int) -> None:
        try:
            self.desk.refresh(self.escalations.view(escalation_id))
        except Exception as exc:  # cosmetic: the thread already says what happened
            log.warning("could not redraw escalation #%d: %s", escalation_id, exc)

    def _refuse(self, action: Action, text: str) -> None:
        self.desk.ephemeral(action.user_id, text, thread=action.thread_ts, channel=action.channel)

    def _person(self, user_id: str) -> str:
        return "makino" if user_id == self.makino_id else user_id


def is_operator_action(action_id: str) -> bool:
    return action_id in OPERATOR_ACTIONS

