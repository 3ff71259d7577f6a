"""The one pool of Claude slots every lane's answers share, slowed by Anthropic's 429s instead of failing.

Slots are granted oldest message first (the member's send time; else the moment of asking), whichever
platform it came from: a long LINE queue cannot starve Slack nor Slack jump it, and no lane idles while
another has work for the model. A 429 (rate limited) halves the slots in
use and pauses the pool for its `retry-after`; each run of successes as long as the pool gives one slot
back, up to CLAUDE_CONCURRENCY (additive increase, multiplicative decrease, as TCP does).
"""
from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import threading
import time
from typing import Callable, Iterator

log = logging.getLogger(__name__)

MAX_PAUSE_SECONDS = 60.0  # a retry-after longer than this is waited out in steps, never trusted whole


class NoSlot(TimeoutError):
    """No slot came free before the answer's deadline."""


class ClaudePool:
    """At most `size` Claude calls in flight (never more than `limit`), granted in arrival order."""

    def __init__(self, *, limit: int, clock: Callable[[], float] = time.time) -> None:
        self.limit = max(1, limit)
        self.size = self.limit
        self._clock = clock
        self._in_use = 0
        self._resume_at = 0.0
        self._successes = 0
        self._queue: list[tuple[float, int]] = []  # a heap of (priority, ticket): the oldest message first
        self._tickets = itertools.count()
        self._cond = threading.Condition()

    @contextlib.contextmanager
    def slot(self, deadline: float, priority: float | None = None) -> Iterator[None]:
        """Hold one slot for the block; raises NoSlot when none is free by `deadline` (epoch seconds).
        `priority`: when the member sent the message (lower goes first)."""
        self.acquire(deadline, priority)
        ok = False
        try:
            yield
            ok = True
        finally:
            self.release(ok=ok)

    def acquire(self, deadline: float, priority: float | None = None) -> None:
        with self._cond:
            ticket = (self._clock() if priority is None else priority, next(self._tickets))
            heapq.heappush(self._queue, ticket)
            try:
                while not (self._queue[0] is ticket and self._free()):
                    now = self._clock()
                    if now >= deadline:
                        raise NoSlot(f"no Claude slot free within the answer's deadline ({self.size} in use)")
                    wake = min(deadline, self._resume_at) if self._resume_at > now else deadline
                    self._cond.wait(max(0.01, wake - now))
            finally:
                self._queue.remove(ticket)
                heapq.heapify(self._queue)
                self._cond.notify_all()  # the next in line may go now
            self._in_use += 1

    def release(self, *, ok: bool = True) -> None:
        with self._cond:
            self._in_use -= 1
            if ok:
                self._successes += 1
                if self._successes >= self.size and self.size < self.limit:
                    self.size += 1
                    self._successes = 0
                    log.info("Claude pool grows back to %d slot(s)", self.size)
            self._cond.notify_all()

    def throttled(self, retry_after: float) -> None:
        """Anthropic said 429: fewer slots, and none granted until `retry_after` seconds from now."""
        with self._cond:
            now = self._clock()
            if now >= self._resume_at:  # the first 429 of a burst shrinks the pool; the rest only wait
                self.size = max(1, self.size // 2)
                log.warning("Claude rate limited (429): %d slot(s), paused %.1f s", self.size, retry_after)
            self._successes = 0
            self._resume_at = max(self._resume_at, now + min(retry_after, MAX_PAUSE_SECONDS))
            self._cond.notify_all()

    def state(self) -> dict[str, float | int]:
        """For health and logs: slots allowed now, the ceiling, in use, waiting, and the pause left."""
        with self._cond:
            paused = max(0.0, self._resume_at - self._clock())
            return {"size": self.size, "limit": self.limit, "in_use": self._in_use, "waiting": len(self._queue),
                    "paused_seconds": round(paused, 1)}

    def _free(self) -> bool:
        return self._in_use < self.size and self._clock() >= self._resume_at
