"""Signed LINE postback data: what a button asks the bot to do, safe against tampering."""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Callable
from urllib.parse import parse_qs, urlencode

from bot.states import ButtonAction

VERSION = "1"
MAX_AGE_SECONDS = 30 * 24 * 3600  # a month-old Good/Bad button is stale
# The core's button actions, plus show_patterns (the adapter's own "switch Pattern" menu).
CODES = {ButtonAction.FEEDBACK_GOOD: "g", ButtonAction.FEEDBACK_BAD: "b", ButtonAction.SWITCH_PATTERN: "p",
         ButtonAction.SHOW_PATTERNS: "m", ButtonAction.STOP_ANNOUNCEMENTS: "s", ButtonAction.RESUME_ANNOUNCEMENTS: "r"}
ACTIONS = {code: action for action, code in CODES.items()}
# Rich menu buttons never expire; nor does stopping or resuming announcements, which acts only on whoever
# taps (the member is the event's sender, never the data's).
PERMANENT = {ButtonAction.SWITCH_PATTERN, ButtonAction.SHOW_PATTERNS, ButtonAction.STOP_ANNOUNCEMENTS,
             ButtonAction.RESUME_ANNOUNCEMENTS}


@dataclass(frozen=True)
class Postback:
    """A verified postback: `action` is a core button action or show_patterns."""

    action: str
    value: str


class PostbackCodec:
    """Encodes and verifies postback data (LINE allows 300 characters; ours take about 60)."""

    def __init__(self, secret: str, *, max_age: float = MAX_AGE_SECONDS,
                 clock: Callable[[], float] = time.time) -> None:
        # A key of its own, so a postback MAC can never double as a webhook signature.
        self._key = hmac.new(secret.encode(), b"bansou-line-postback", hashlib.sha256).digest()
        self._max_age = max_age
        self._clock = clock

    def encode(self, action: str, value: str, *, permanent: bool = False) -> str:
        """Data for a button; `permanent` (rich menu) only for actions that never go stale."""
        if permanent and action not in PERMANENT:
            raise ValueError(f"{action} buttons cannot be permanent")
        issued = "" if permanent else str(int(self._clock()))
        code = CODES[action]
        return urlencode({"v": VERSION, "a": code, "x": value, "t": issued, "s": self._sign(code, value, issued)})

    def decode(self, data: str) -> Postback | None:
        """The postback, or None when the data is tampered, stale or not ours."""
        fields = {k: v[0] for k, v in parse_qs(data, keep_blank_values=True).items()}
        code, value, issued = fields.get("a", ""), fields.get("x", ""), fields.get("t", "")
        if fields.get("v") != VERSION or code not in ACTIONS:
            return None
        # Bytes: compare_digest refuses a str with non-ASCII characters, which forged data may have.
        if not hmac.compare_digest(fields.get("s", "").encode(), self._sign(code, value, issued).encode()):
            return None
        action = ACTIONS[code]
        if not issued:
            return Postback(action, value) if action in PERMANENT else None
        if not (issued.isascii() and issued.isdigit()) or self._clock() - int(issued) > self._max_age:
            return None
        return Postback(action, value)

    def _sign(self, code: str, value: str, issued: str) -> str:
        mac = hmac.new(self._key, f"{VERSION}|{code}|{value}|{issued}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac[:16]).decode().rstrip("=")
