"""The trainee side of Slack: questions answered in place, Good/Bad, Patterns, App Home, deliveries."""
from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any, Mapping

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from adapters.slack_blocks import (PLACEHOLDER, Message, bad_reason_modal, home_view, pattern_message,
                                   reply_message)
from adapters.slack_convert import Action, parse_conversation, reply_target, to_incoming
from adapters.slack_desk import SLACK_ERRORS, retry_handlers
from bot.conversation import Core
from bot.jobs import JobQueue
from bot.events import ButtonPress, Failed, Sent, ShowPatterns
from bot.messages import Recipient, Reply
from bot.outbox import Outbox, SendState
from bot.states import ButtonAction, Channel, DeliveryMethod, ReplyKind

log = logging.getLogger(__name__)

CHANNEL = Channel.SLACK
QUESTION_JOB = "slack.question"
SEND_JOB = "slack.send"
HELP = ("使い方: `/bansou` でご利用いただける Pattern の一覧、`/bansou 2` のように番号を付けると切り替えます。"
        "ご質問は、このアプリとの DM か、チャンネルでのメンションでどうぞ。")
HELP_WORDS = ("help", "ヘルプ", "使い方")
_GONE = ("message_not_found", "cant_update_message")
THINKING_STATUS = "回答を考えています…"
_STATUS_NOT_ALLOWED = ("missing_scope", "not_allowed_token_type", "no_permission", "access_denied",
                       "feature_not_enabled")  # the app may not use assistant threads: stop asking
_NAME_CACHE_SIZE = 5000


class SlackDelivery:
    """Deliverer: a staff answer, later, in the user's thread or DM; raises if Slack refuses."""

    def __init__(self, *, client: WebClient) -> None:
        self.client = client

    def deliver(self, recipient: Recipient, reply: Reply) -> str:
        channel, thread = (parse_conversation(recipient.conversation_id) if recipient.conversation_id
                           else (recipient.user_id, None))
        self.client.chat_postMessage(channel=channel, thread_ts=thread, **reply_message(reply))
        return DeliveryMethod.PUSH


class TraineeSide:
    """Turns trainee events into core calls and core replies into Slack messages."""

    def __init__(self, *, core: Core, queue: JobQueue, client: WebClient, outbox: Outbox,
                 channel_patterns: Mapping[str, int] | None = None) -> None:
        self.core = core
        self.queue = queue
        self.outbox = outbox
        self.client = client
        self.channel_patterns = dict(channel_patterns or {})
        self._names: dict[str, str] = {}
        self._status_allowed = True  # assistant.threads.setStatus, until Slack says this app may not

    # ---- jobs -------------------------------------------------------------------------------

    def on_question(self, payload: dict[str, Any]) -> None:
        """Show at once that it is working, run the core once, then put the answer in place.

        A retried job (the key is the event's) reuses its placeholder, its question and its answer."""
        event, key = payload["event"], payload.get("key") or ""
        channel, thread = reply_target(event)
        placeholder = self._placeholder(channel, thread, key)
        self._show_status(channel, thread)
        message = replace(to_incoming(event, display_name=self._name(event["user"]),
                                      channel_patterns=self.channel_patterns), message_id=key)
        self._answer(channel, thread, placeholder, self.core.receive(message), user_id=event["user"], key=key)

    def question_failed(self, payload: dict[str, Any], error: str) -> None:
        """The one error path: the user gets an apology, the operators an alert and an escalation."""
        event, key = payload["event"], payload.get("key") or ""
        channel, thread = reply_target(event)
        message = replace(to_incoming(event, channel_patterns=self.channel_patterns), message_id=key)
        placeholder = self.outbox.find(f"{key}:placeholder").ref if key else ""
        self._answer(channel, thread, placeholder or None, self.core.receive(Failed(error, message)),
                     user_id=event["user"], key=key)

    def on_send(self, payload: dict[str, Any]) -> None:
        """A retried send (the core is not asked again); raises to be retried with back-off."""
        key = payload.get("send_key") or ""
        if key and self.outbox.begin(key).state == SendState.SENT:
            return
        self._send(payload)
        if key:
            self.outbox.sent(key)
        self.core.receive(Sent(CHANNEL, DeliveryMethod.REPLY, payload.get("answer_id")))

    def send_failed(self, payload: dict[str, Any], error: str) -> None:
        """Undeliverable after every retry: recorded and alerted, never silently lost."""
        self.core.receive(Sent(CHANNEL, DeliveryMethod.REPLY, payload.get("answer_id"), ok=False, error=error,
                               failure=f"Slack のユーザー {payload.get('user_id')} にメッセージをお届けできませんでした"))

    def on_feedback(self, payload: dict[str, Any]) -> None:
        action = ButtonAction.FEEDBACK_GOOD if payload["good"] else ButtonAction.FEEDBACK_BAD
        reply = self.core.receive(ButtonPress(CHANNEL, payload["user"], action, payload["answer_id"],
                                              reason=payload.get("reason", "")))
        self._ephemeral(payload["user"], payload.get("channel"), payload.get("thread_ts"), reply.text)

    def on_switch(self, payload: dict[str, Any]) -> None:
        action = Action(**payload["action"])
        reply = self.core.receive(ButtonPress(CHANNEL, action.user_id, ButtonAction.SWITCH_PATTERN, action.value))
        if action.in_home:
            self.publish_home(action.user_id, reply.text)
        elif action.response_url:
            WebhookClient(action.response_url, retry_handlers=retry_handlers()).send(
                response_type="ephemeral", replace_original=False, **self.patterns(action.user_id, reply.text))
        else:
            self._ephemeral(action.user_id, action.channel, action.thread_ts, reply.text)

    def on_announcements(self, payload: dict[str, Any]) -> None:
        """お知らせを停止 under an announcement, or お知らせを再開 under the confirmation: the core records it."""
        action = ButtonAction.RESUME_ANNOUNCEMENTS if payload.get("resume") else ButtonAction.STOP_ANNOUNCEMENTS
        reply = self.core.receive(ButtonPress(CHANNEL, payload["user_id"], action))
        if payload.get("channel"):
            self.client.chat_postEphemeral(channel=payload["channel"], user=payload["user_id"], **reply_message(reply))

    def on_home(self, payload: dict[str, Any]) -> None:
        self.publish_home(payload["event"]["user"])

    # ---- inside the request (fast, no AI) ------------------------------------------------------

    def command(self, user_id: str, text: str) -> Message:
        """`/bansou`: the Patterns open to the user; `/bansou N` switches first."""
        arg = text.strip().lower().removeprefix("pattern").strip()
        if arg in HELP_WORDS:
            return {"text": HELP}
        notice = self.core.receive(ButtonPress(CHANNEL, user_id, ButtonAction.SWITCH_PATTERN, arg)).text if arg else ""
        return self.patterns(user_id, notice)

    def open_bad_reason(self, action: Action) -> bool:
        """Bad opens a modal for an optional reason (the trigger expires in 3 s, so it is opened now)."""
        if not action.trigger_id:
            return False
        metadata = {"answer_id": action.value, "channel": action.channel, "thread_ts": action.thread_ts}
        try:
            self.client.views_open(trigger_id=action.trigger_id, view=bad_reason_modal(metadata))
        except SLACK_ERRORS as exc:  # the Bad still counts: the caller records it without a reason
            log.warning("could not open the Bad modal: %s", exc)
            return False
        return True

    def patterns(self, user_id: str, notice: str = "") -> Message:
        opened, current = self._patterns_of(user_id)
        return pattern_message(opened, current, notice)

    def publish_home(self, user_id: str, notice: str = "") -> None:
        opened, current = self._patterns_of(user_id)
        self.client.views_publish(user_id=user_id, view=home_view(opened, current, notice))

    # ---- steps ----------------------------------------------------------------------------------

    def _answer(self, channel: str, thread: str | None, placeholder: str | None, reply: Reply, *,
                user_id: str, key: str = "") -> None:
        # An escalated reply carries the AI draft's id, but the user gets the holding note, not the draft.
        answer_id = reply.answer_id if reply.kind == ReplyKind.ANSWER else None
        send_key = f"{key}:answer" if key else ""
        if send_key and self.outbox.begin(send_key).state == SendState.SENT:
            log.info("answer to Slack event %s was sent before; not again", key)
            return
        out = {"channel": channel, "thread_ts": thread, "update_ts": placeholder, "answer_id": answer_id,
               "user_id": user_id, "send_key": send_key, **reply_message(reply)}
        try:
            self._send(out)
        except SLACK_ERRORS as exc:  # never re-run the core for a send failure: retry the send alone
            log.warning("answer to %s not sent yet (%s); queued for retry", channel, exc)
            self.queue.enqueue(SEND_JOB, out, dedupe_key=f"{send_key}:retry" if send_key else None)
            return
        if send_key:
            self.outbox.sent(send_key)
        self.core.receive(Sent(CHANNEL, DeliveryMethod.REPLY, answer_id))

    def _send(self, out: dict[str, Any]) -> None:
        message = {"text": out["text"], "blocks": out["blocks"]}
        if out.get("update_ts"):
            try:
                self.client.chat_update(channel=out["channel"], ts=out["update_ts"], **message)
                return
            except SlackApiError as exc:
                if exc.response.get("error") not in _GONE:
                    raise
        self.client.chat_postMessage(channel=out["channel"], thread_ts=out.get("thread_ts"), **message)

    def _placeholder(self, channel: str, thread: str | None, key: str) -> str | None:
        # Updating a message is idempotent, posting one is not: a retry reuses the placeholder it posted.
        if key and (earlier := self.outbox.begin(f"{key}:placeholder")).state == SendState.SENT:
            return earlier.ref or None
        try:
            ts = self.client.chat_postMessage(channel=channel, thread_ts=thread, text=PLACEHOLDER)["ts"]
        except SLACK_ERRORS as exc:  # the answer is still posted, as a new message
            log.warning("placeholder in %s failed: %s", channel, exc)
            return None
        if key:
            self.outbox.sent(f"{key}:placeholder", ts)
        return ts

    def _show_status(self, channel: str, thread: str | None) -> None:
        """The thread's "thinking" status while Claude answers (Slack clears it when the answer is posted)."""
        if not thread or not self._status_allowed:
            return
        try:
            self.client.assistant_threads_setStatus(channel_id=channel, thread_ts=thread, status=THINKING_STATUS)
        except SlackApiError as exc:
            code = exc.response.get("error", "") if exc.response is not None else ""
            if code in _STATUS_NOT_ALLOWED:
                self._status_allowed = False
                log.info("assistant.threads.setStatus not allowed for this app (%s): the placeholder shows progress",
                         code)
            else:
                log.info("assistant.threads.setStatus in %s failed: %s", channel, code or exc)
        except SLACK_ERRORS as exc:  # a nicety: the placeholder already says it is working
            log.info("assistant.threads.setStatus in %s failed: %s", channel, exc)

    def _name(self, user_id: str) -> str:
        if user_id not in self._names:
            try:
                profile = self.client.users_info(user=user_id)["user"]
                name = profile.get("profile", {}).get("display_name") or profile.get("real_name") or ""
            except SLACK_ERRORS as exc:  # a name is nice to have; the id is enough
                log.info("users.info %s failed: %s", user_id, exc)
                return ""
            if len(self._names) >= _NAME_CACHE_SIZE:
                self._names.clear()
            self._names[user_id] = name
        return self._names[user_id]

    def _patterns_of(self, user_id: str) -> tuple[list, int | None]:
        menu = self.core.receive(ShowPatterns(CHANNEL, user_id))
        return list(menu.patterns), menu.current

    def _ephemeral(self, user_id: str, channel: str | None, thread: str | None, text: str) -> None:
        try:
            self.client.chat_postEphemeral(channel=channel or user_id, user=user_id, text=text, thread_ts=thread)
        except SLACK_ERRORS as exc:  # a courtesy note; what it confirms is already stored
            log.warning("ephemeral to %s failed: %s", user_id, exc)
