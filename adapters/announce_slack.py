"""Announcements in Slack: a DM to each member of the cohort, with a button to stop them."""
from __future__ import annotations

import logging

from slack_sdk import WebClient

log = logging.getLogger(__name__)
STOP = "bansou_announcement_stop"


class SlackBroadcaster:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    def room(self) -> int | None:
        return None  # Slack counts no messages against a plan

    def broadcast(self, user_ids: list[str], text: str, *, key: str) -> int:
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}},
                  {"type": "actions", "elements": [{"type": "button", "action_id": STOP, "value": key,
                                                    "text": {"type": "plain_text", "text": "お知らせを停止"}}]}]
        for user in user_ids:
            self.client.chat_postMessage(channel=user, text=text, blocks=blocks)
        log.info("announcement %s: Slack DMs to %d", key, len(user_ids))
        return len(user_ids)
