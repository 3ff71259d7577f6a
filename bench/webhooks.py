"""What the webhook benchmarks share: the app under uvicorn, a sender process, ack statistics."""
from __future__ import annotations

import argparse
import contextlib
import http.client
import multiprocessing
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import uvicorn  # noqa: E402

from adapters.web import create_app, freeze_start_up_heap, start_worker_process  # noqa: E402
from bot.config import Settings, load_settings  # noqa: E402
from bot.models import Job  # noqa: E402
from app import Runtime, build_runtime  # noqa: E402
from fakes import FakeServer  # noqa: E402

TARGET_P99_MS = 100.0
OPEN_PLAN = 'timezone = "Asia/Tokyo"\n[[stage]]\nstart = 2020-01-01\ncohorts = ["*"]\npatterns = [1, 2, 3, 4]\n'
UNCOVERED = ["来週の東京の天気はどうなりますか？", "おすすめのランチのお店はありますか？"]

Request = tuple[bytes, dict[str, str]]  # body, headers


def parse_args(doc: str, warmup: int = 0) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for all answers")
    parser.add_argument("--warmup", type=int, default=warmup, help="events answered before measuring")
    return parser.parse_args()


def bench_settings(tmp: Path, **overrides) -> Settings:
    """A temporary SQLite database and log folder, the shipped knowledge, every Pattern open, no rate limits."""
    plan = tmp / "rollout.toml"
    plan.write_text(OPEN_PLAN, encoding="utf-8")
    # Its own log folder: the fake traffic must never reach the installation's var/log (an operator may run this).
    return replace(load_settings({}, env_file=None), database_url=f"sqlite:///{tmp}/bench.db",
                   knowledge_dir=ROOT / "knowledge", rollout_file=plan, log_dir=tmp / "log", rate_limit_per_minute=0,
                   rate_limit_per_day=0, **overrides)


def run_bench(name: str, fake: FakeServer, run: Callable[[Runtime, int, ProcessPoolExecutor], int],
              background: bool = True, **overrides) -> int:
    """Serve the app on a temporary database with `overrides`, call `run(runtime, port, sender)`, clean up."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as tmp, sender() as pool:
        runtime = build_runtime(bench_settings(Path(tmp), **overrides))
        try:
            with serving(runtime, background=background) as port:
                return run(runtime, port, pool)
        finally:
            runtime.database.close()
            fake.stop()


@contextlib.contextmanager
def serving(runtime: Runtime, background: bool = True) -> Iterator[int]:
    """The app (with its job workers unless `background` is off) under uvicorn on a free port; yields the port."""
    # As `main.py serve` runs it: the job workers in a process of their own beside the web process.
    workers = start_worker_process(runtime.settings) if background else None
    app = create_app(runtime)
    freeze_start_up_heap()
    try:
        with uvicorn_on_a_free_port(app) as port:
            yield port
    finally:
        if workers is not None:
            workers.terminate()
            workers.join(timeout=15)


@contextlib.contextmanager
def uvicorn_on_a_free_port(app, **config) -> Iterator[int]:
    """Any ASGI app under uvicorn in a thread on a free loopback port; yields the port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = {"log_level": "warning", "access_log": False, **config}
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, **config))
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextlib.contextmanager
def sender() -> Iterator[ProcessPoolExecutor]:
    """A separate process sends (as the platform's servers would), so it does not share our GIL."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool


def send_all(port: int, path: str, requests: list[Request], concurrency: int) -> list[tuple[int, float]]:
    """In the sender process: POST every request, `concurrency` at a time; (status, ms) of each."""
    local = threading.local()

    def post(request: Request) -> tuple[int, float]:
        if getattr(local, "conn", None) is None:  # one keep-alive connection per sender thread
            local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        body, headers = request
        start = time.perf_counter()
        try:
            local.conn.request("POST", path, body=body, headers=headers)
            response = local.conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            local.conn = None
            return 0, (time.perf_counter() - start) * 1000
        return response.status, (time.perf_counter() - start) * 1000

    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(post, requests))


def report_acks(results: list[tuple[int, float]], concurrency: int, seconds: float) -> tuple[Counter, float]:
    """Print the ack-time figures; return the HTTP statuses and the p99."""
    statuses = Counter(status for status, _ in results)
    acks = sorted(ms for _, ms in results)
    p99 = percentile(acks, 99)
    print(f"sent {len(results)} signed events, {concurrency} at a time, in {seconds:.2f} s: HTTP {dict(statuses)}")
    print(f"ack time: p50 {percentile(acks, 50):.1f} ms, p99 {p99:.1f} ms, max {acks[-1]:.1f} ms, "
          f"mean {statistics.fmean(acks):.1f} ms (target p99 < {TARGET_P99_MS:.0f} ms)")
    return statuses, p99


def verdict(ok: bool, *, events: int, once: int, missing: int, extra: int, p99: float) -> str:
    """The last lines for an operator: PASS/FAIL, then the same figures in Japanese."""
    head = "結果: 合格" if ok else "結果: 不合格（この表示をそのまま担当エンジニアに渡してください）"
    return (f"{'PASS' if ok else 'FAIL'}\n{head}。{events} 件のメッセージのうち、ちょうど 1 回ずつ答えたもの {once} 件、"
            f"答えなかったもの {missing} 件、二重に答えたもの {extra} 件。受け付けの応答時間 p99 {p99:.1f} ms"
            f"（目標 {TARGET_P99_MS:.0f} ms 未満）")


def wait_for_jobs(runtime: Runtime, kind: str, count: int, timeout: float) -> bool:
    """Wait until `count` jobs of `kind` are finished and nothing is left in the queue."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with runtime.database.connection_context():
            waiting = Job.select().where(Job.status.in_(("pending", "running"))).count()
            finished = Job.select().where(Job.kind == kind, Job.status.in_(("done", "failed"))).count()
        if finished >= count and waiting == 0:
            return True
        time.sleep(0.2)
    return False


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted values."""
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]
