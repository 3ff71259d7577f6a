"""Search benchmark at 10,000 entries: full build, one-entry updates, query latency, memory.

Run: python bench/bench_search.py   (offline; prints figures, asserts nothing)
Targets (issue 10): update < 50 ms, full build < 10 s, query p99 < 10 ms.
"""
from __future__ import annotations

import gc
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as main.py sets it for the bot

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_core import QUESTIONS, percentile, synthetic_entries  # noqa: E402
from bot.search import SearchIndex  # noqa: E402
from bot.vectors import word_vectors  # noqa: E402

N = 10_000


def rss_mb() -> float:
    """Resident memory of this process now (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    entries = synthetic_entries(N + 100)
    base, extra = entries[:N], entries[N:]
    gc.collect()
    before_tables = rss_mb()
    table = word_vectors()
    SearchIndex.build(extra[:1]).search("保険")  # load Sudachi and the vectors outside the timings
    before_index = rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    index = SearchIndex.build(base)
    build_s, build_cpu = time.perf_counter() - started, time.process_time() - cpu
    gc.collect()
    after_index = rss_mb()

    updates: list[float] = []
    for i, entry in enumerate(extra):
        started = time.perf_counter()
        if i % 3 == 0:
            index.upsert(entry)  # a new entry (learn)
        elif i % 3 == 1:
            index.upsert(replace(base[i], phrasings=base[i].phrasings + ("新しい聞き方の例ですか？",)))  # a phrasing
        else:
            index.remove(base[i].id)  # undo / a deleted file
        updates.append((time.perf_counter() - started) * 1000)

    timings = []
    for i in range(2_000):
        started = time.perf_counter()
        index.search(QUESTIONS[i % len(QUESTIONS)], pattern=(i % 4) + 1, top=5)
        timings.append((time.perf_counter() - started) * 1000)

    print(f"search over {N:,} entries (words + bigrams + word vectors, fused):")
    print(f"  full build          {build_s:.2f} s wall, {build_cpu:.2f} s CPU (target < 10 s)")
    print(f"  one-entry update    p50 {statistics.median(updates):.1f} ms, max {max(updates):.1f} ms "
          f"over {len(updates)} adds, phrasings and removals (target < 50 ms)")
    print(f"  query               p50 {statistics.median(timings):.2f} ms, p99 {percentile(timings, 99):.2f} ms "
          f"over {len(timings):,} queries (target p99 < 10 ms)")
    print(f"  memory              word-vector table {table.nbytes / 2**20:.0f} MB in arrays "
          f"(+{before_index - before_tables:.0f} MB RSS with Sudachi), index +{after_index - before_index:.0f} MB, "
          f"process RSS {after_index:.0f} MB")


if __name__ == "__main__":
    main()
