"""The worker process: the job workers and the scheduler, apart from the web process.

It is started by `spawn`, which imports this module afresh: it imports no web framework, and the
adapters load FastAPI only when they mount their routes, so the worker does not hold them."""
from __future__ import annotations

import ctypes
import gc
import logging
import os
import signal
import threading

from app import build_runtime
from bot.config import Settings

log = logging.getLogger(__name__)
WORKER_NICENESS = 5
DRAIN_SECONDS = 20.0  # on SIGTERM, how long the answers running now may take to finish (a PaaS gives ~30 s)

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_ARENA_MAX = -1, -3, -8  # glibc's mallopt parameters
MALLOC_ARENAS = 2
MMAP_FROM = 256 * 1024  # bytes: a block this large is mapped on its own and handed back when freed
TRIM_FROM = 1024 * 1024  # bytes of free memory at the heap's top that are handed back


def _steady_malloc() -> None:
    """glibc gives threads arenas of their own, up to 8 per core, each keeping its freed memory; the worker's
    dozen job threads allocate little that is theirs alone, so two arenas serve them as well.

    glibc also raises its mmap threshold to the largest block freed so far (up to 32 MiB), after which the
    search's and the encoder's large temporaries come from the heap and leave it fragmented: the worker grew
    about 3 MiB a minute under the soak. Fixed thresholds keep them mapped apart and given back (README, "Memory")."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(M_ARENA_MAX, MALLOC_ARENAS)
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_FROM)
        libc.mallopt(M_TRIM_THRESHOLD, TRIM_FROM)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


def _return_freed_memory() -> None:
    """Give the start-up's freed heap back to the system: glibc keeps it for reuse, but the knowledge sync's
    and the index build's temporaries are not needed again (about 10 MB of the worker's resident memory)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


def work(settings: Settings, parent_pid: int) -> None:
    """Run the job workers and the scheduler until SIGTERM, or until the web process that started us is gone."""
    from bot.logs import WORKER_LOG_FILE, setup_for
    setup_for(settings, stdout=True, file_name=WORKER_LOG_FILE)  # the per-question lines
    # Below the web process in the CPU scheduler: an ack has a deadline (Slack's 3 s), an answer has none.
    os.nice(WORKER_NICENESS)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the web process decides
    _steady_malloc()  # before any thread starts
    runtime = build_runtime(settings)  # syncs the knowledge and builds its index: the web process does neither
    runtime.core.screener.load()  # before the first job: the encoder and the safety model, once
    _return_freed_memory()
    runtime.start()  # the job workers and the scheduler
    while not stop.wait(1.0):
        if os.getppid() != parent_pid:  # the web process is gone: so is the reason to work
            break
    runtime.stop(drain=DRAIN_SECONDS)
    log.info("ワーカーを停止しました（サーバーと一緒に止まります。次にサーバーを起動すると、また動きます）")
