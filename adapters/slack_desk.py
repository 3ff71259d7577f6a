"""The operator desk in Slack: escalations, alerts, reminders and reports in the operator channel."""
from __future__ import annotations

import logging
import random
from http.client import HTTPException
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (ConnectionErrorRetryHandler, RateLimitErrorRetryHandler,
                                                   ServerErrorRetryHandler)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.jitter import Jitter

from adapters.slack_blocks import Message, escalation_message, escape, reminder_message
from bot.config import ConfigError, Settings
from bot.escalation import EscalationView
from bot.jobs import JobQueue
from bot.states import EscalationStatus, Urgency

log = logging.getLogger(__name__)

LANE = "slack"  # every Slack job runs in the Slack worker pool: a Slack outage holds up nothing else
DESK_POST_JOB, DESK_ALERT_JOB = "slack.desk_post", "slack.desk_alert"
# What a Web API call raises when Slack or the network fails (the SDK passes connection errors through).
SLACK_ERRORS = (SlackClientError, OSError, HTTPException, ValueError, KeyError)
RETRY_COUNT = 3
RETRY_BACKOFF_SECONDS = 0.5  # 0.5 s, 1 s, 2 s between attempts (tests shorten it)


class ProportionalJitter(Jitter):
    """Up to +50% of the wait (the SDK's default adds up to a whole second, too much for sub-second waits)."""

    def recalculate(self, duration: float) -> float:
        return duration * (1 + random.random() / 2)


def retry_handlers() -> list[RetryHandler]:
    """Retry 5xx, 429 (honouring Retry-After) and connection errors, with back-off."""
    backoff = BackoffRetryIntervalCalculator(backoff_factor=RETRY_BACKOFF_SECONDS, jitter=ProportionalJitter())
    return [ServerErrorRetryHandler(max_retry_count=RETRY_COUNT, interval_calculator=backoff),
            RateLimitErrorRetryHandler(max_retry_count=RETRY_COUNT),
            ConnectionErrorRetryHandler(max_retry_count=RETRY_COUNT, interval_calculator=backoff)]


def make_client(settings: Settings) -> WebClient:
    """The Web API client every Slack call goes through (SLACK_API_BASE_URL lets tests fake it)."""
    if not settings.slack_bot_token:
        raise ConfigError("SLACK_BOT_TOKEN が設定されていません")
    return WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_base_url, timeout=10,
                     retry_handlers=retry_handlers())


def make_desk(settings: Settings, client: WebClient | None = None) -> "SlackDesk":
    """The Slack desk from settings alone (the server and the CLI's `report --post` use it)."""
    if not settings.slack_operator_channel:
        raise ConfigError("SLACK_OPERATOR_CHANNEL が設定されていません（エスカレーションを投稿するチャンネルの ID、例: C0123456789）")
    return SlackDesk(client=client or make_client(settings), channel=settings.slack_operator_channel,
                     oncall_ids=settings.slack_oncall_user_ids or settings.slack_staff_user_ids,
                     makino_id=settings.slack_makino_user_id)


class QueuedDesk:
    """The operator desk as the core sees it: posts and alerts become jobs in the Slack lane, so an answer
    on LINE never waits for Slack. Reminders come from the scheduler's own thread and go straight out."""

    def __init__(self, *, desk: "SlackDesk", queue: JobQueue) -> None:
        self.desk = desk
        self.queue = queue

    def post_escalation(self, view: EscalationView) -> None:
        self.queue.enqueue(DESK_POST_JOB, {"escalation_id": view.id})
        return None  # the job stores the thread once it is posted

    def alert(self, text: str) -> None:
        self.queue.enqueue(DESK_ALERT_JOB, {"text": text})

    def remind(self, view: EscalationView) -> None:
        self.desk.remind(view)


class SlackDesk:
    """OperatorDesk in a Slack channel: escalation posts with buttons, threads, alerts, reports."""

    def __init__(self, *, client: WebClient, channel: str, oncall_ids: tuple[str, ...] = (),
                 makino_id: str | None = None) -> None:
        self.client = client
        self.channel = channel
        self.oncall_ids = oncall_ids
        self.makino_id = makino_id

    def post_escalation(self, view: EscalationView) -> str | None:
        """Post it (high urgency mentions the on-call staff); the post's ts is the thread."""
        mentions = self.oncall_ids if view.urgency == Urgency.HIGH else ()
        response = self.client.chat_postMessage(channel=self.channel, **escalation_message(view, mention_ids=mentions))
        return response["ts"]

    def refresh(self, view: EscalationView) -> None:
        """Redraw an escalation post (answered: no buttons any more)."""
        if view.thread:
            self.client.chat_update(channel=self.channel, ts=view.thread, **escalation_message(view))

    def alert(self, text: str) -> None:
        """Best effort: an alert about a failure must not become a second failure."""
        try:
            self.client.chat_postMessage(channel=self.channel, text=f":warning: {escape(text)}")
        except SLACK_ERRORS as exc:
            log.error("could not post the alert %r: %s", text[:200], exc)

    def remind(self, view: EscalationView) -> None:
        waiting = view.status == EscalationStatus.WAITING_MAKINO and self.makino_id
        mentions = (self.makino_id,) if waiting else self.oncall_ids if view.urgency == Urgency.HIGH else ()
        self.in_thread(view.thread, reminder_message(view, mention_ids=mentions))

    def in_thread(self, thread: str | None, message: Message) -> str:
        """Post in an escalation's thread; return the new message's ts."""
        return self.client.chat_postMessage(channel=self.channel, thread_ts=thread, **message)["ts"]

    def ephemeral(self, user_id: str, text: str, *, thread: str | None = None, channel: str | None = None) -> None:
        """A message only `user_id` sees (refusals): best effort."""
        try:
            self.client.chat_postEphemeral(channel=channel or self.channel, user=user_id, text=text, thread_ts=thread)
        except SLACK_ERRORS as exc:
            log.warning("ephemeral to %s failed: %s", user_id, exc)

    def post_report(self, summary: str, files: list[Path]) -> None:
        """A report: the summary, with its files (Markdown, charts) attached. Raises if Slack refuses."""
        if not files:
            self.client.chat_postMessage(channel=self.channel, text=summary)
            return
        uploads: list[dict[str, Any]] = [{"file": str(path), "filename": path.name, "title": path.name}
                                         for path in files]
        self.client.files_upload_v2(channel=self.channel, initial_comment=summary, file_uploads=uploads)
