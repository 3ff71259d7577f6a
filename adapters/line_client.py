"""The Messaging API calls of the adapter: reply while the token lives, else push; bounded retries."""
from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

import urllib3
from linebot.v3.messaging import (ApiException, MessagingApi, PushMessageRequest, ReplyMessageRequest,
                                  ShowLoadingAnimationRequest, TextMessage)

from bot.states import DeliveryMethod

log = logging.getLogger(__name__)

RETRY_DELAYS = (0.5, 2.0)  # seconds before the 2nd and 3rd attempt
TIMEOUT = (3.05, 10.0)  # connect, read: the SDK has no timeout of its own
LOADING_SECONDS = 30  # a multiple of 5; the animation stops when our message arrives
LOADING_RENEW_SECONDS = 25.0  # started again before it runs out, while the member waits


@dataclass(frozen=True)
class SendResult:
    """How a send went: the method finally used (reply | push), and the error if it failed."""

    method: str
    ok: bool
    error: str = ""


@dataclass(frozen=True)
class Quota:
    """This month's messages: those sent that count (pushes), against the plan's limit (None: unlimited)."""

    used: int
    limit: int | None

    def render(self) -> str:
        return f"今月のプッシュ送信 {self.used:,}通 / 上限 " + ("なし" if self.limit is None else f"{self.limit:,}通")


@dataclass(frozen=True)
class _Outcome:
    error: str | None  # None: sent
    retryable: bool = False
    token_dead: bool = False  # the reply token expired or was used: push instead


class LineClient:
    """The Messaging API calls the adapter makes, each bounded in time and attempts."""

    def __init__(self, api: MessagingApi, *, retry_delays: Sequence[float] = RETRY_DELAYS,
                 clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep,
                 alert: Callable[[str], None] | None = None) -> None:
        self.api = api
        self.retry_delays = tuple(retry_delays)
        self._clock = clock
        self._sleep = sleep
        self._alert = alert
        self._quota_alerted: str | None = None  # the month ("2026-12") the operators heard the quota was spent
        self._lock = threading.Lock()

    def send(self, to: str, messages: list[TextMessage], *, reply_token: str | None = None,
             reply_deadline: float = 0.0, retry_key: str | None = None, resumed: bool = False,
             push: bool = True) -> SendResult:
        """Reply (free) while the token is valid; push when it is not, or when LINE rejects it (unless `push`
        is off: a note worth only a reply).

        `resumed`: an earlier attempt may have gone out. A reply token LINE calls invalid while it is still
        young was then used by that attempt, so the message arrived; a push reuses `retry_key`."""
        if reply_token and self._clock() < reply_deadline:
            outcome = self._attempts(lambda: self._reply(reply_token, messages), until=reply_deadline)
            if outcome.error is None:
                return SendResult(DeliveryMethod.REPLY, True)
            if resumed and outcome.token_dead:
                log.info("reply token of %s already used by an earlier attempt: delivered", to)
                return SendResult(DeliveryMethod.REPLY, True)
            if not (outcome.token_dead or outcome.retryable):
                return SendResult(DeliveryMethod.REPLY, False, outcome.error)
            if not push:
                return SendResult(DeliveryMethod.REPLY, False, outcome.error)
            # A reply that kept failing with 5xx may still have arrived: a rare duplicate beats a lost answer.
            log.info("reply to %s failed (%s); pushing instead", to, outcome.error)
        if not push:
            return SendResult(DeliveryMethod.REPLY, False, "the reply token has expired")
        return self.push(to, messages, retry_key=retry_key)

    def push(self, to: str, messages: list[TextMessage], *, retry_key: str | None = None) -> SendResult:
        """Push with one retry key (given, or new), so a retried push is never shown twice."""
        retry_key = retry_key or str(uuid.uuid4())
        outcome = self._attempts(lambda: self._push(to, messages, retry_key))
        return SendResult(DeliveryMethod.PUSH, outcome.error is None, outcome.error or "")

    def show_loading(self, user_id: str, seconds: int = LOADING_SECONDS) -> None:
        """The typing indicator for `seconds` (5-60, a multiple of 5); a nicety, so a failure is only logged."""
        try:
            self.api.show_loading_animation(
                ShowLoadingAnimationRequest(chat_id=user_id, loading_seconds=seconds), _request_timeout=TIMEOUT)
        except (ApiException, urllib3.exceptions.HTTPError, OSError) as exc:
            log.warning("loading animation for %s failed: %s", user_id, _describe(exc))

    @contextlib.contextmanager
    def loading(self, user_id: str, every: float = LOADING_RENEW_SECONDS) -> Iterator[None]:
        """The typing indicator for as long as the block runs: shown now, renewed every `every` seconds."""
        done = threading.Event()

        def renew() -> None:
            while not done.wait(every):
                self.show_loading(user_id)
        self.show_loading(user_id)
        renewer = threading.Thread(target=renew, name=f"line-loading-{user_id[-6:]}", daemon=True)
        renewer.start()
        try:
            yield
        finally:
            done.set()
            renewer.join(timeout=TIMEOUT[0] + TIMEOUT[1])

    def quota(self) -> Quota:
        """This month's push count and the plan's limit (GET /v2/bot/message/quota and /quota/consumption)."""
        limit = self.api.get_message_quota(_request_timeout=TIMEOUT)
        used = self.api.get_message_quota_consumption(_request_timeout=TIMEOUT)
        return Quota(used=int(used.total_usage or 0), limit=int(limit.value) if limit.type == "limited" else None)

    def display_name(self, user_id: str) -> str:
        """The user's LINE display name, or "" when the profile cannot be read."""
        try:
            return self.api.get_profile(user_id, _request_timeout=TIMEOUT).display_name or ""
        except (ApiException, urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
            log.info("profile of %s unavailable: %s", user_id, _describe(exc))
            return ""

    def _attempts(self, call: Callable[[], _Outcome], until: float | None = None) -> _Outcome:
        outcome = call()
        for delay in self.retry_delays:
            if outcome.error is None or not outcome.retryable:
                break
            if until is not None and self._clock() + delay >= until:
                break
            self._sleep(delay)
            outcome = call()
        return outcome

    def _reply(self, token: str, messages: list[TextMessage]) -> _Outcome:
        try:
            self.api.reply_message(ReplyMessageRequest(reply_token=token, messages=messages), _request_timeout=TIMEOUT)
        except ApiException as exc:
            dead = exc.status == 400 and "reply token" in _body(exc).lower()
            return _Outcome(_describe(exc), retryable=_retryable(exc.status), token_dead=dead)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            return _Outcome(_describe(exc), retryable=True)
        return _Outcome(None)

    def _push(self, to: str, messages: list[TextMessage], retry_key: str) -> _Outcome:
        try:
            self.api.push_message(PushMessageRequest(to=to, messages=messages), x_line_retry_key=retry_key,
                                  _request_timeout=TIMEOUT)
        except ApiException as exc:
            if exc.status == 409:  # an earlier attempt with this retry key was accepted
                return _Outcome(None)
            if quota_spent(exc):  # retrying cannot help until next month (or a bigger plan)
                self._quota_spent(exc)
                return _Outcome(_describe(exc))
            return _Outcome(_describe(exc), retryable=_retryable(exc.status))
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            return _Outcome(_describe(exc), retryable=True)
        return _Outcome(None)


    def _quota_spent(self, exc: ApiException) -> None:
        month = time.strftime("%Y-%m", time.localtime(self._clock()))
        with self._lock:
            first, self._quota_alerted = self._quota_alerted != month, month
        log.error("LINE monthly message quota spent: %s", _describe(exc))
        if first and self._alert is not None:
            self._alert("LINE の今月のメッセージ送信数が上限に達しました。来月まで、または LINE 公式アカウントの"
                        "プランを上げるまで、プッシュ（スタッフの回答・返信期限後の回答）は届きません。"
                        "LINE Official Account Manager でプランを確認してください。")


def quota_spent(exc: ApiException) -> bool:
    """A 429 that says the month's messages are used up, not that we called too fast."""
    return exc.status == 429 and "monthly limit" in _body(exc).lower()


def _retryable(status: int | None) -> bool:
    return status is None or status == 0 or status == 429 or status >= 500


def _body(exc: ApiException) -> str:
    return exc.body.decode("utf-8", "replace") if isinstance(exc.body, bytes) else str(exc.body or "")


def _describe(exc: Exception) -> str:
    if isinstance(exc, ApiException):
        return f"LINE API {exc.status}: {_body(exc)[:200]}"
    return f"{type(exc).__name__}: {exc}"[:300]
