"""The core on PostgreSQL (DATABASE_URL=postgresql://…), against a throwaway local server.

Skipped where no PostgreSQL server binaries are installed.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pytest

from bot.models import Escalation, Feedback, KnowledgeEntry
from bot.runtime import build_runtime
from conftest import Chat

PG_BIN = next((p for p in [Path("/usr/local/bin"), *sorted(Path("/usr/lib/postgresql").glob("*/bin"))]
               if (p / "initdb").exists() and (p / "pg_ctl").exists()), None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(*cmd: str) -> list[str]:
    # The server refuses to run as root; CI and developer machines run tests as root.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else list(cmd)


@pytest.fixture(scope="module")
def postgres_url():
    if PG_BIN is None or (os.geteuid() == 0 and not shutil.which("runuser")):
        pytest.skip("no PostgreSQL server binaries on this machine")
    pytest.importorskip("psycopg2")
    home = Path(tempfile.mkdtemp(prefix="bansou-pg-"))
    os.chmod(home, 0o777)
    port = _free_port()
    data = home / "data"
    subprocess.run(_as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "bansou"),
                   check=True, capture_output=True, timeout=120)
    subprocess.run(_as_postgres(str(PG_BIN / "pg_ctl"), "start", "-D", str(data), "-w", "-l", str(home / "log"), "-o",
                                f"-p {port} -k {home} -c listen_addresses=127.0.0.1"),
                   check=True, capture_output=True, timeout=60)
    subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "bansou", "-d", "postgres", "-c",
                    "CREATE DATABASE bansou"], check=True, capture_output=True, timeout=30)
    yield f"postgresql://bansou@127.0.0.1:{port}/bansou"
    subprocess.run(_as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"),
                   capture_output=True, timeout=60)
    shutil.rmtree(home, ignore_errors=True)


def test_the_whole_core_runs_on_postgresql(settings, desk, postgres_url):
    rt = build_runtime(replace(settings, database_url=postgres_url), desk=desk)
    assert KnowledgeEntry.select().count() >= 5
    chat = Chat(rt)
    answered = chat.say("死亡保険金の非課税枠は？", pattern=1)
    assert answered.kind == "answer" and answered.knowledge_ids == ("t1-0001",)
    chat.rate(good=True)
    chat.rate(good=False)  # last click wins: the upsert works on PostgreSQL too
    assert Feedback.get(Feedback.answer == answered.answer_id).rating == "bad"
    escalated = chat.say("次回の勉強会はいつ開催されますか？", pattern=1)
    resolution = rt.core.escalations.resolve(escalated.escalation_id, "次回の勉強会は12月10日です。",
                                             answered_by="staff1", source="staff")
    assert Escalation.get_by_id(escalated.escalation_id).status == "answered"
    again = chat.say("次回の勉強会はいつ開催されますか？", pattern=1)
    assert again.kind == "answer" and again.knowledge_ids == (resolution.knowledge_id,)
    started = time.monotonic()
    build_runtime(replace(settings, database_url=postgres_url), desk=desk)  # restart: migrations are idempotent
    assert time.monotonic() - started < 10
    rt.database.close()
