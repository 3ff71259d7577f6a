"""Announcements on LINE: multicast in batches of 500, each batch with its own stable X-Line-Retry-Key, and a
quick reply that stops them (a postback: the member who taps is the one stopped)."""
from __future__ import annotations

import logging
import uuid

from linebot.v3.messaging import (ApiException, MessagingApi, MulticastRequest, PostbackAction, QuickReply,
                                  QuickReplyItem, TextMessage)

from adapters.line_client import TIMEOUT
from adapters.line_postback import PostbackCodec
from bot.announcements import STOP_LABEL
from bot.states import ButtonAction
from bot.texts.buttons import said_by_tapping

log = logging.getLogger(__name__)
BATCH = 500  # LINE's most recipients per multicast
KEYS = uuid.UUID("6f1d2a52-7c1e-4b8e-9a57-2b0c5e1d9a11")  # namespace: the same batch of the same send, the same key


class LineBroadcaster:
    """Reaches the cohort's LINE members; the quota is read before anything is sent."""

    def __init__(self, api: MessagingApi, codec: PostbackCodec) -> None:
        self.api = api
        self.codec = codec

    def room(self) -> int | None:
        limit = self.api.get_message_quota(_request_timeout=TIMEOUT)
        if limit.type != "limited":
            return None
        used = self.api.get_message_quota_consumption(_request_timeout=TIMEOUT)
        return max(0, int(limit.value) - int(used.total_usage or 0))

    def broadcast(self, user_ids: list[str], text: str, *, key: str) -> int:
        message = TextMessage(text=text, quick_reply=self._stop_button())
        sent = 0
        for start in range(0, len(user_ids), BATCH):
            batch = user_ids[start:start + BATCH]
            retry_key = str(uuid.uuid5(KEYS, f"{key}:{start}"))
            try:
                self.api.multicast(MulticastRequest(to=batch, messages=[message]),
                                   x_line_retry_key=retry_key, _request_timeout=TIMEOUT)
            except ApiException as exc:
                if exc.status != 409:  # 409: this retry key was accepted before; the batch arrived
                    raise
            sent += len(batch)
        log.info("announcement %s: LINE multicast to %d", key, sent)
        return sent

    def _stop_button(self) -> QuickReply:
        stop = ButtonAction.STOP_ANNOUNCEMENTS
        return QuickReply(items=[QuickReplyItem(action=PostbackAction(
            label=STOP_LABEL, data=self.codec.encode(stop, "", permanent=True), display_text=said_by_tapping(stop, "")))])
