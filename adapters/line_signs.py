"""Signs of life for a LINE member whose message waits in the queue, sent after the ack (never before it):
the loading animation as soon as the message is stored, renewed while the message still waits (the job
renews it itself once a worker answers it), and, when the queue is too long for the answer to make the
reply window, one short note through the reply token (once per member while it stays long)."""
from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, Callable, Iterable

from linebot.v3.messaging import TextMessage

from adapters import line_messages as lm
from adapters.line_client import LineClient

log = logging.getLogger(__name__)

BUSY_NOTE = ("ただいま質問が混み合っています…。順番にお答えしていますので、回答まで少しお待ちください。"
             "このままお待ちいただければ、回答はこのトークにお届けします。")
EARLY_LOADING_SECONDS = 60  # LINE's longest; the job renews it when it starts
RENEW_SECONDS = 50.0  # started again before the 60 s run out, while the message waits in the queue
NOTE_AGAIN_AFTER = 30 * 60.0  # a member hears the note once per busy spell, not once per message
THREADS = 4


class SignsOfLife:
    """Decides at the edge whether a message's answer will miss the reply window (`expected_wait`: seconds a
    message stored now waits), and sends the note and the animation from a small pool of its own."""

    def __init__(self, *, client: LineClient, expected_wait: Callable[[], float],
                 waiting: Callable[[Iterable[str]], set[str]] = lambda keys: set(),
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.expected_wait = expected_wait
        self.waiting = waiting  # which of these jobs (dedupe keys) are still queued
        self.renew_every = RENEW_SECONDS
        self._clock = clock
        self._noted: dict[str, float] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="line-signs")
        self._pending: set[Future] = set()
        self._queued: dict[str, set[str]] = {}  # member -> their jobs still waiting, as far as we know
        self._shown: dict[str, float] = {}  # member -> when their animation was last started
        self._renewer: threading.Thread | None = None
        self._closed = threading.Event()

    def will_note(self, raw: dict[str, Any]) -> bool:
        """Whether this text message gets the busy note (its answer then goes out as a push). Never raises:
        a backlog that cannot be read means no note, and the message is stored all the same."""
        user, token = _user(raw), raw.get("replyToken")
        if not (lm.is_text_message(raw) and user and isinstance(token, str) and token):
            return False
        try:
            wait = self.expected_wait()
        except Exception:  # edge: the ack path; the note is a nicety, storing the message is not
            log.exception("could not read the backlog")
            return False
        if wait < lm.REPLY_WINDOW_SECONDS - lm.SEND_SECONDS - lm.MIN_ANSWER_SECONDS:
            return False
        with self._lock:
            now = self._clock()
            if now - self._noted.get(user, -NOTE_AGAIN_AFTER) < NOTE_AGAIN_AFTER:
                return False
            self._noted[user] = now
        return True

    def stored(self, raw: dict[str, Any], *, noted: bool, key: str = "") -> None:
        """After the ack: the note (when decided) and the loading animation, in the background; renewed
        while the job `key` waits in the queue."""
        if not (lm.is_text_message(raw) and _user(raw)):
            return
        with self._lock:  # closed is set under it too: no submit reaches a pool that close() shut
            if self._closed.is_set():
                return
            future = self._pool.submit(self._show, raw, noted)
            self._pending.add(future)
            if key:
                self._queued.setdefault(_user(raw), set()).add(key)
                self._shown.setdefault(_user(raw), self._clock())  # shown in a moment, by the pool
                if self._renewer is None:
                    self._renewer = threading.Thread(target=self._renew, name="line-loading-queued", daemon=True)
                    self._renewer.start()
        future.add_done_callback(self._done)

    def flush(self, timeout: float = 10.0) -> None:
        """Wait for the signs submitted so far (tests, shutdown)."""
        with self._lock:
            pending = set(self._pending)
        wait(pending, timeout=timeout)

    def close(self) -> None:
        """The server is stopping: no more renewals (the database they read is closing); a sign already being sent
        finishes, one not yet started is dropped."""
        with self._lock:
            self._closed.set()
        self._pool.shutdown(wait=False, cancel_futures=True)  # outside the lock: a cancelled sign's _done takes it

    def _done(self, future: Future) -> None:
        with self._lock:
            self._pending.discard(future)

    def _show(self, raw: dict[str, Any], noted: bool) -> None:
        user = _user(raw)
        if noted:
            result = self.client.send(user, [TextMessage(text=BUSY_NOTE)], reply_token=raw["replyToken"],
                                      reply_deadline=lm.reply_deadline(lm.read_event(raw)), push=False)
            log.info("busy note to %s: %s", user, "sent" if result.ok else result.error)
        self.client.show_loading(user, seconds=EARLY_LOADING_SECONDS)  # after the note: a message stops it
        with self._lock:
            self._shown[user] = self._clock()

    def _renew(self) -> None:
        """Renew the animation of members whose message is still queued; a job a worker took renews its own
        until the answer is sent. Ends when nobody waits in the queue (the next stored message restarts it), or on
        close."""
        while not self._closed.wait(min(self.renew_every / 5, 5.0)):
            with self._lock:
                if not self._queued:
                    self._renewer = None
                    return
                now = self._clock()
                due = {user: set(keys) for user, keys in self._queued.items()
                       if now - self._shown.get(user, now) >= self.renew_every}
            if not due:
                continue
            try:
                still = self.waiting(set().union(*due.values()))
            except Exception as exc:  # edge: a nicety in the background; the next round reads again
                log.warning("could not read the queued LINE jobs: %s: %s", type(exc).__name__, exc)
                continue
            for user, keys in due.items():
                renew = bool(keys & still)
                with self._lock:
                    left = self._queued.get(user, set()) - (keys - still)  # keys stored meanwhile stay
                    if left:
                        self._queued[user] = left
                    else:
                        self._queued.pop(user, None)
                        self._shown.pop(user, None)
                    if renew:
                        self._shown[user] = self._clock()
                if renew:
                    self.client.show_loading(user, seconds=EARLY_LOADING_SECONDS)


def _user(raw: dict[str, Any]) -> str:
    source = raw.get("source")
    user = source.get("userId") if isinstance(source, dict) else None
    return user if isinstance(user, str) else ""
