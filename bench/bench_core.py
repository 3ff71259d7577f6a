"""Core benchmark: search latency at 10,000 entries, core throughput, prompt tokens and cost per answer.

Run: python bench/bench_core.py   (offline; prints figures, asserts nothing)
"""
from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.answering import AnswerRequest, ModelAnswer, Usage  # noqa: E402
from bot.claude import build_messages, build_system, cost_usd  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.knowledge import Entry, load_dir  # noqa: E402
from bot.search import SearchIndex  # noqa: E402
from bot.messages import IncomingMessage  # noqa: E402
from app import build_runtime  # noqa: E402

# Japanese text is roughly 1.3 characters per token on Claude's current tokenizer (an estimate:
# there is no offline tokenizer); output is assumed to be a typical 300-token answer.
CHARS_PER_TOKEN = 1.3
OUTPUT_TOKENS = 300
QUESTIONS = ["死亡保険金の非課税枠は？", "クーリング・オフは何日以内？", "開業医の事業承継で最初に確認することは？",
             "役員退職金の損金算入の限度は？", "断られ続けて落ち込んでいます", "法人保険の経理処理は？",
             "医療法人の出資持分の相続税は？", "紹介をお願いするタイミングは？"]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def synthetic_entries(n: int, seed: int = 7) -> list[Entry]:
    base, _ = load_dir(ROOT / "knowledge")
    rng = random.Random(seed)
    entries = []
    for i in range(n):
        a, b = rng.sample(base, 2)
        entries.append(Entry(id=f"s-{i:05d}", pattern=rng.choice([1, 2, 3, 4, None]),
                             question=a.question[: rng.randint(8, len(a.question))] + b.question[-6:],
                             body=a.body[:200] + b.body[:200], tags=a.tags[:1] + b.tags[:1]))
    return entries


def bench_search() -> None:
    entries = synthetic_entries(10_000)
    started = time.perf_counter()
    index = SearchIndex.build(entries)
    build_s = time.perf_counter() - started
    timings = []
    for i in range(2_000):
        q = QUESTIONS[i % len(QUESTIONS)]
        t = time.perf_counter()
        index.search(q, pattern=(i % 4) + 1, top=5)
        timings.append((time.perf_counter() - t) * 1000)
    print(f"search over 10,000 entries: build {build_s:.2f} s, p50 {statistics.median(timings):.2f} ms, "
          f"p99 {percentile(timings, 99):.2f} ms ({len(timings)} queries)")


class ZeroLatencyModel:
    """Answers at once, as a perfect Claude would, so the figure is the core's own cost."""

    def answer(self, request: AnswerRequest) -> ModelAnswer:
        ids = tuple(h.entry.id for h in request.hits[:1])
        return ModelAnswer(text="回答です。", confidence=0.9, knowledge_ids=ids, needs_human=False, urgency="low",
                           source="ai", model="claude-haiku-5-5", usage=Usage(100, 50, 0, 2000))


def bench_core() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        plan = Path(tmp) / "plan.toml"
        plan.write_text('[[stage]]\nstart = 2020-01-01\ncohorts = ["*"]\npatterns = [1, 2, 3, 4]\n', encoding="utf-8")
        settings = replace(load_settings({}, env_file=None), database_url=f"sqlite:///{tmp}/bench.db",
                           knowledge_dir=ROOT / "knowledge", rollout_file=plan, rate_limit_per_minute=0,
                           rate_limit_per_day=0)
        runtime = build_runtime(settings, answerer=ZeroLatencyModel())
        n = 1_000
        started = time.perf_counter()
        for i in range(n):
            runtime.core.handle(IncomingMessage(channel="local", user_id=f"u{i % 50}", text=QUESTIONS[i % len(QUESTIONS)],
                                                pattern=(i % 3) + 1, conversation_id=f"c{i % 50}"))
        elapsed = time.perf_counter() - started
        print(f"core throughput (zero-latency model, SQLite WAL): {n / elapsed:.0f} questions/s "
              f"({elapsed * 1000 / n:.2f} ms per question, {n} questions)")
        bench_prompt(runtime)
        runtime.database.close()


def bench_prompt(runtime) -> None:
    from bot.patterns import get_pattern
    print("prompt per question (estimated tokens; cached prefix = persona + the Pattern's knowledge):")
    for number in (1, 2, 3, 4):
        pattern = get_pattern(number)
        q = QUESTIONS[number]
        request = AnswerRequest(pattern=pattern, question=q, hits=runtime.knowledge.search(q, number, 5),
                                scope=runtime.knowledge.scope(number))
        cached = sum(len(block["text"]) for block in build_system(number, request.scope)) / CHARS_PER_TOKEN
        uncached = sum(len(m["content"]) for m in build_messages(request)) / CHARS_PER_TOKEN
        first = cost_usd("claude-haiku-5-5", Usage(int(uncached), OUTPUT_TOKENS, int(cached), 0))
        repeat = cost_usd("claude-haiku-5-5", Usage(int(uncached), OUTPUT_TOKENS, 0, int(cached)))
        print(f"  Pattern {number}: cached {cached:,.0f} + uncached {uncached:,.0f} tokens; "
              f"cost per answer ${first:.5f} (cache write) / ${repeat:.5f} (cache read) on claude-haiku-5-5 "
              f"= {repeat * 150:.2f} yen at 150 yen/$")


if __name__ == "__main__":
    bench_search()
    bench_core()
