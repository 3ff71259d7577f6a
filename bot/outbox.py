"""Each outbound message recorded before and after it is sent: a retried job sends only what is missing.

A send is `sending` from just before the platform call until it is recorded `sent`. A job that finds
`sent` skips it; one that finds `sending` knows an earlier attempt may have gone out (a crash between the
call and the record) and lets the adapter settle it with the platform's retry key.
"""
from __future__ import annotations

from dataclasses import dataclass

import peewee as pw

from bot.models import Send, utcnow
from bot.states import SendState

__all__ = ["Attempt", "Outbox", "SendState"]


@dataclass(frozen=True)
class Attempt:
    """What an adapter needs to know before sending: the state found, and the platform id if it was sent."""

    state: SendState
    ref: str = ""


class Outbox:
    """Records sends by key (the inbound job's dedupe key plus what is sent)."""

    def begin(self, key: str) -> Attempt:
        """Record that `key` is about to be sent; return what an earlier attempt left."""
        try:
            Send.create(key=key[:255])
            return Attempt(SendState.NEW)
        except pw.IntegrityError:
            earlier = Send.get(Send.key == key[:255])
            return Attempt(SendState(earlier.state), earlier.ref)

    def find(self, key: str) -> Attempt:
        """What is recorded for `key`, without recording anything."""
        earlier = Send.get_or_none(Send.key == key[:255])
        return Attempt(SendState.NEW) if earlier is None else Attempt(SendState(earlier.state), earlier.ref)

    def sent(self, key: str, ref: str = "") -> None:
        """Record that `key` reached the platform (`ref`: its id there, such as a Slack ts)."""
        Send.update(state=SendState.SENT, ref=ref, updated_at=utcnow()).where(Send.key == key[:255]).execute()
