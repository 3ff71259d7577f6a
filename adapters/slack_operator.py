"""The operator channel in Slack: its events become `bot.operators` calls, their outcomes Block Kit posts."""
from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackClientError

from adapters.slack_blocks import (ACTION_PREFIX, ASK_MAKINO, CONFIRM_REPLY, LABEL_SAFETY, SEND_AI_DRAFT,
                                   UNDO_KNOWLEDGE, draft_offer, knowledge_message, makino_request, sent_message,
                                   undone_message)
from adapters.slack_convert import Action, deleted_ts, edited_message, plain_text
from adapters.slack_desk import SlackDesk
from bot.conversation import Core
from bot.escalation import EscalationView
from bot.events import OperatorDelete, OperatorEdit, OperatorReply
from bot.operators import AnswerSent, KnowledgeUndone, Labelled, MakinoAsked, OperatorAction, Outcome, Refused
from bot.states import OperatorCommand

log = logging.getLogger(__name__)

OPERATOR_ACTIONS = (SEND_AI_DRAFT, ASK_MAKINO, CONFIRM_REPLY, UNDO_KNOWLEDGE, LABEL_SAFETY)


class OperatorLoop:
    """Thread replies, edits and the escalation buttons in, the workflow's outcomes out."""

    def __init__(self, *, core: Core, desk: SlackDesk) -> None:
        self.core = core
        self.desk = desk

    # ---- thread messages ----------------------------------------------------------------------

    def on_reply(self, payload: dict[str, Any]) -> None:
        """A staff or Makino reply in an open escalation's thread becomes a draft with a send button."""
        event = payload["event"]
        offered = self.core.receive(OperatorReply(event.get("thread_ts", ""), event.get("user"),
                                                  plain_text(event.get("text", "")), event.get("ts", "")))
        if offered is not None:
            self.desk.in_thread(offered.view.thread, draft_offer(offered.draft, offered.preview))

    def on_edit(self, payload: dict[str, Any]) -> None:
        edited = edited_message(payload["event"])
        if edited and self.core.receive(OperatorEdit(*edited)):
            log.info("draft %s edited", edited[0])

    def on_delete(self, payload: dict[str, Any]) -> None:
        ts = deleted_ts(payload["event"])
        if ts and self.core.receive(OperatorDelete(ts)):
            log.info("draft %s withdrawn", ts)

    # ---- buttons ------------------------------------------------------------------------------

    def on_action(self, payload: dict[str, Any]) -> None:
        """One of the escalation buttons: the workflow decides, this renders what it decided."""
        action = Action(**payload["action"])
        command = OperatorCommand(action.action_id.removeprefix(ACTION_PREFIX))
        outcome = self.core.receive(OperatorAction(command, action.user_id, action.value))
        self._render(action, outcome)

    def _render(self, action: Action, outcome: Outcome) -> None:
        if isinstance(outcome, Refused):
            self.desk.ephemeral(action.user_id, outcome.text, thread=action.thread_ts, channel=action.channel)
        elif isinstance(outcome, Labelled):  # only the person who chose sees it: labels are posted nowhere
            self.desk.ephemeral(action.user_id, f"「{outcome.label}」として記録しました。安全チェックの学習に使います。",
                                thread=action.thread_ts, channel=action.channel)
        else:
            self.publish(outcome)

    def publish(self, outcome: MakinoAsked | AnswerSent | KnowledgeUndone) -> None:
        """What everyone in the escalation's thread sees of a step (also one typed on the server's terminal)."""
        if isinstance(outcome, MakinoAsked):
            view = outcome.view
            self.desk.in_thread(view.thread, makino_request(view, makino_id=outcome.makino_id,
                                                            requested_by=outcome.requested_by))
            self._refresh(outcome.after)
        elif isinstance(outcome, AnswerSent):
            view = outcome.view
            self.desk.in_thread(view.thread, sent_message(view, outcome.text, confirmed_by=outcome.confirmed_by,
                                                          delivered=outcome.resolution.delivered))
            self.desk.in_thread(view.thread, knowledge_message(outcome.resolution))
            self._refresh(outcome.after)
        elif isinstance(outcome, KnowledgeUndone):
            self.desk.in_thread(outcome.view.thread, undone_message(outcome.knowledge_id, outcome.by))

    def _refresh(self, view: EscalationView) -> None:
        try:
            self.desk.refresh(view)
        except (SlackClientError, OSError) as exc:  # cosmetic: the thread already says what happened
            log.warning("could not redraw escalation #%d: %s", view.id, exc)


def is_operator_action(action_id: str) -> bool:
    return action_id in OPERATOR_ACTIONS
