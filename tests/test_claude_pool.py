"""The one Claude pool: slots in arrival order, a 429 pauses and shrinks it, and no answer is lost to a 429.
The real anthropic SDK against the fake Messages API."""
from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest

from app import build_runtime
from bot.claude.pool import ClaudePool, NoSlot
from bot.config import load_settings
from bot.models import Escalation
from conftest import Chat
from test_claude import MESSAGES, message

COVERED = "死亡保険金の非課税枠は？"
RATE_LIMITED = {"type": "error", "error": {"type": "rate_limit_error", "message": "Number of request tokens has "
                                                                                  "exceeded your per-minute rate limit"}}


def test_concurrency_is_a_setting_with_a_default_above_the_old_ceiling():
    assert load_settings({}, env_file=None).claude_concurrency >= 8
    assert load_settings({"CLAUDE_CONCURRENCY": "16"}, env_file=None).claude_concurrency == 16


def test_slots_are_granted_in_arrival_order_whichever_lane_asks():
    pool = ClaudePool(limit=1)
    pool.acquire(time.time() + 5)
    order: list[str] = []

    def ask(lane: str) -> None:
        with pool.slot(time.time() + 5):
            order.append(lane)
    threads = []
    for lane in ("line", "slack", "line-2"):  # queued in this order while the one slot is held
        threads.append(threading.Thread(target=ask, args=(lane,)))
        threads[-1].start()
        time.sleep(0.05)
    pool.release()
    for t in threads:
        t.join(5)
    assert order == ["line", "slack", "line-2"]


def test_the_oldest_message_goes_first_whichever_lane_asked_first():
    pool = ClaudePool(limit=1)
    pool.acquire(time.time() + 5)
    order: list[str] = []

    def ask(lane: str, sent_at: float) -> None:
        with pool.slot(time.time() + 5, priority=sent_at):
            order.append(lane)
    now = time.time()
    threads = []
    for lane, sent_at in (("slack, sent just now", now), ("line, sent 40 s ago", now - 40)):
        threads.append(threading.Thread(target=ask, args=(lane, sent_at)))
        threads[-1].start()
        time.sleep(0.05)
    pool.release()
    for t in threads:
        t.join(5)
    assert order == ["line, sent 40 s ago", "slack, sent just now"]


def test_a_429_halves_the_pool_pauses_it_and_successes_grow_it_back():
    pool = ClaudePool(limit=4)
    pool.throttled(0.3)
    pool.throttled(0.3)  # the same burst: waited out, not halved again
    assert pool.state()["size"] == 2
    started = time.monotonic()
    with pool.slot(time.time() + 5):
        assert time.monotonic() - started >= 0.25  # nothing granted before retry-after
    with pool.slot(time.time() + 5):
        pass
    assert pool.state()["size"] == 3  # a run of successes as long as the pool gives a slot back
    with pytest.raises(NoSlot):
        pool.throttled(5.0)
        pool.acquire(time.time() + 0.2)  # paused past the deadline: no slot


def test_a_429_from_anthropic_slows_the_pool_and_no_answer_is_lost(settings, desk, fake_anthropic):
    lock = threading.Lock()
    seen: list[tuple[float, float]] = []  # (start, end) of each call answered
    limited_at: list[float] = []

    def messages(_call):
        with lock:
            first = not limited_at
            if first:
                limited_at.append(time.time())
        if first:
            return 429, RATE_LIMITED, {"retry-after": "1"}
        start = time.time()
        time.sleep(0.2)
        with lock:
            seen.append((start, time.time()))
        return 200, message()
    fake_anthropic.route("POST", MESSAGES, messages)
    # No retries at all: a 429 must not spend one, nor fail the answer. One slot: every call after the 429 waited.
    rt = build_runtime(replace(settings, anthropic_api_key="k", claude_max_retries=0, claude_concurrency=1,
                               claude_deadline_seconds=20.0), desk=desk)
    replies = []
    threads = [threading.Thread(target=lambda u=f"u{i}": replies.append(Chat(rt, user=u).say(COVERED, pattern=1)))
               for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert rt.core.answerer.pool.state()["size"] == 1
    assert len(replies) == 6 and all(r.source == "ai" for r in replies)
    assert Escalation.select().count() == 0 and desk.alerts == []
    assert len(fake_anthropic.calls_to(MESSAGES)) == 7  # six answers and the one 429, nothing more
    assert min(start for start, _ in seen) >= limited_at[0] + 0.9  # retry-after respected by every answer
    rt.database.close()
