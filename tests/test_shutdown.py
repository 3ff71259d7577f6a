"""SIGTERM to a real `serve`: no new jobs taken, the running answer finishes and is sent, the worker process
ends with it, the exit is clean and the server lock is free for `db restore`."""
from __future__ import annotations

import os
import re
import signal
import sqlite3
import threading
import time
from pathlib import Path

from bot.dbops import ServerLock
from fakes import FakeServer
from server_process import FakeLine, ServerProcess, line_event_body, line_headers, server_env, user, wait_until
from test_claude import MESSAGES, message

QUESTION = "死亡保険金の非課税枠は？"
ANSWER_SECONDS = 3.0


def _children(pid: int) -> dict[int, str]:
    """Child pids and their command lines."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    pids = [int(p) for p in path.read_text().split()] if path.exists() else []
    return {p: Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode() for p in pids}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").exists() and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def test_sigterm_drains_the_running_answer_ends_the_worker_and_releases_the_lock(tmp_path):
    line = FakeLine().start()
    claude = FakeServer().start()
    in_flight = threading.Event()

    def slow_answer(_call):
        in_flight.set()
        time.sleep(ANSWER_SECONDS)
        return 200, message()
    claude.route("POST", MESSAGES, slow_answer)
    db_path = tmp_path / "bansou.db"
    env = server_env(tmp_path, f"sqlite:///{db_path}", line.url, ANTHROPIC_API_KEY="k", ANTHROPIC_BASE_URL=claude.url,
                     CLAUDE_CONCURRENCY="1", JOB_WORKERS="1")
    env.update(JOB_LEASE_SECONDS="60", LOG_LEVEL="INFO")
    server = ServerProcess(env, tmp_path, "serve").wait_ready()
    try:
        children = _children(server.proc.pid)
        [worker] = [pid for pid, cmd in children.items() if "spawn_main" in cmd]
        for i in range(4):  # one answered now, one waiting for the slot, two left in the queue
            body = line_event_body(i, QUESTION)
            assert server.post("/line/webhook", body, line_headers(body)) == 200
        assert in_flight.wait(60)
        server.proc.send_signal(signal.SIGTERM)
        assert server.proc.wait(timeout=40) == 0  # a clean exit, not death by the re-raised signal
        assert not _alive(worker)  # ended before the web process did
        assert wait_until(lambda: not any(_alive(pid) for pid in children), 5)  # and the spawn helper soon after
        assert ServerLock(env["DATABASE_URL"]).acquire(shared=False)  # `db restore` may run now
        assert line.seen[user(0)] == 1  # the answer running at SIGTERM finished and was sent
        with sqlite3.connect(db_path) as conn:
            statuses = dict(conn.execute("SELECT status, COUNT(*) FROM job GROUP BY status").fetchall())
        assert statuses.get("pending", 0) >= 2 and statuses.get("running", 0) == 0  # not taken, none cut short
        assert len(claude.calls_to(MESSAGES)) <= 2
        own_log = (tmp_path / "var/log/bansou.log").read_text(encoding="utf-8")  # what troubleshooting.md greps
        started = re.search(r"^\S+ \S+\+09:00 INFO adapters.web: サーバーを起動しました（ポート \d+）$", own_log, re.M)
        stopped = re.search(r"^\S+ \S+\+09:00 INFO adapters.web: サーバーを停止しました（停止の指示（SIGTERM）を受けたため", own_log,
                            re.M)
        assert started and stopped and started.start() < stopped.start(), own_log
        assert "停止の指示（SIGTERM）を受けました。処理中の回答を終えてから止まります" in own_log  # no bare "シグナル 15"
        assert "シグナル 15" not in own_log
        assert "Traceback" not in server.log()
    finally:
        if server.proc.poll() is None:
            server.kill()
        line.stop()
        claude.stop()


def test_a_server_that_cannot_start_says_so_in_its_stop_line(tmp_path):
    """The port is taken: the stop line says an error stopped it and points to the ERROR line before it."""
    import socket
    import subprocess
    import sys

    from server_process import ROOT
    env = server_env(tmp_path, f"sqlite:///{tmp_path / 'bansou.db'}", "http://127.0.0.1:9")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, str(ROOT / "main.py"), "serve", "--host", "127.0.0.1", "--port",
                                 str(port)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    own_log = (tmp_path / "var/log/bansou.log").read_text(encoding="utf-8")
    assert re.search(r"\+09:00 WARNING adapters.web: サーバーを停止しました（エラーのため。この行の前の ERROR の行に原因があります）",
                     own_log), own_log
    assert own_log.index(" ERROR ") < own_log.index("サーバーを停止しました")
