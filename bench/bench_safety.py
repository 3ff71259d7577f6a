"""Safety screening benchmark: the encoders compared (time per message, memory) and the screening's cost.

Run: python bench/bench_safety.py [N]   (offline; prints figures, asserts nothing)
Messages are the corpus's own (eval/safety-train), one at a time as the worker reads them. The second
encoder (use-m3, the lighter choice `ENCODER=use-m3` offers) is measured when its package is installed.
The webhook ack is not on this path: the web process never loads the encoder (bench_ack.py measures it).
"""
from __future__ import annotations

import gc
import importlib.util
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_search import rss_mb  # noqa: E402
from bench.bench_core import percentile  # noqa: E402
from bot.encoder import PACKAGES, load_encoder  # noqa: E402


def messages(n: int) -> list[str]:
    lines = (ROOT / "eval" / "safety-train" / "w1.jsonl").read_text(encoding="utf-8").splitlines()
    lines += (ROOT / "eval" / "safety-train" / "w2.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["text"] for line in lines][:n]


def timed(read, texts: list[str]) -> tuple[float, float]:
    times = []
    for text in texts:
        start = time.perf_counter()
        read(text)
        times.append((time.perf_counter() - start) * 1000)
    return percentile(times, 50), percentile(times, 99)


def main() -> None:
    texts = messages(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
    print(f"{len(texts)} messages, one at a time")
    for name, package in PACKAGES.items():
        if importlib.util.find_spec(package) is None:
            print(f"{name:<9} not installed ({package})")
            continue
        gc.collect()
        before = rss_mb()
        start = time.perf_counter()
        encoder = load_encoder(name)
        loaded = time.perf_counter() - start
        p50, p99 = timed(lambda t: encoder.encode([t]), texts)
        print(f"{name:<9} load {loaded:5.2f} s  +{rss_mb() - before:5.0f} MB  encode p50 {p50:6.2f} ms  p99 {p99:6.2f} ms")

    from bot.safety.reading import screen as read_by_rules
    from bot.safety.screener import Screener
    screener = Screener(model_dir=ROOT / "var" / "no-retrained-model", encoder="e5-small")
    gc.collect()
    before = rss_mb()
    screener.load()
    print(f"safety model (shipped) +{rss_mb() - before:.0f} MB over its encoder")
    for label, read in (("rules alone", read_by_rules), ("model alone", screener.read_by_model),
                        ("screening (both)", screener.screen)):
        p50, p99 = timed(read, texts)
        print(f"{label:<17} p50 {p50:6.2f} ms  p99 {p99:6.2f} ms")
    print(f"process RSS {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
