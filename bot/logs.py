"""Logging: a rotating file per process under LOG_DIR (var/log/bansou.log; the server's job worker writes
bansou-worker.log; the test commands ask, chat and eval bansou-test.log) and a stream; one line per question."""
from __future__ import annotations

import datetime as dt
import functools
import logging
import logging.handlers
import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

if TYPE_CHECKING:
    from bot.config import Settings

LOG_FILE = "bansou.log"
WORKER_LOG_FILE = "bansou-worker.log"  # its own file: two processes rotating one file can lose a rotated part
TEST_LOG_FILE = "bansou-test.log"  # ask, chat and eval: test questions never mix with the operators' lines
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
ROTATE_BYTES = 5 * 1024 * 1024
ROTATE_KEEP = 10
QUIET = ("httpx", "httpcore", "urllib3", "slack_bolt", "slack_sdk", "anthropic", "uvicorn.access")
turn_log = logging.getLogger("bansou.turn")
HIDDEN = "***"
SECRET_IN_URL = re.compile(r"([?&](?:token|key|secret|signature|password|code)=)[^&\s\"']+", re.IGNORECASE)
MIN_SECRET = 6  # a shorter value is no secret worth hiding and would blank ordinary words


class OperatorFormatter(logging.Formatter):
    """Times in the plan's zone with its offset (2026-12-07 10:15:00.123+09:00), as in the reports and the
    dashboard; every known secret, and any token in a URL, replaced by *** in the whole line and traceback."""

    def __init__(self, tz: dt.tzinfo | None = None, secrets: Iterable[str] = ()) -> None:
        super().__init__(FORMAT)
        self.tz = tz
        self.secrets = sorted({s for s in secrets if s and len(s) >= MIN_SECRET}, key=len, reverse=True)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 (logging's name)
        moment = dt.datetime.fromtimestamp(record.created, self.tz or dt.timezone.utc)
        return moment.isoformat(sep=" ", timespec="milliseconds")

    def format(self, record: logging.LogRecord) -> str:
        return hide_secrets(super().format(record), self.secrets)


def hide_secrets(text: str, secrets: Iterable[str]) -> str:
    """`text` with each secret and each token-like URL parameter replaced by ***."""
    for secret in secrets:
        text = text.replace(secret, HIDDEN)
    return SECRET_IN_URL.sub(lambda m: m.group(1) + HIDDEN, text)


class PathOnly(logging.Filter):
    """uvicorn's access lines without the query string: what follows `?` is nobody's business in a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


def setup_logging(level: str, log_dir: Path | None, *, stdout: bool = False, file_name: str = LOG_FILE,
                  tz: dt.tzinfo | None = None, secrets: Iterable[str] = ()) -> Path | None:
    """A terminal command logs to stderr at `level`; a server logs to stdout (what a PaaS collects) and
    the rotating file at INFO or finer, so the per-question lines are always kept. Times are in `tz`
    (the plan's zone), and `secrets` never appear. Returns the file."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "bansou", False)]:  # set up again: replace ours only
        root.removeHandler(handler)
        handler.close()
    file_level = min(logging.INFO, logging.getLevelName(level))
    stream = logging.StreamHandler(sys.stdout if stdout else sys.stderr)
    stream.setLevel(file_level if stdout else level)
    formatter = OperatorFormatter(tz, secrets)
    stream.setFormatter(formatter)
    stream.bansou = True
    root.addHandler(stream)
    root.setLevel(file_level)
    for name in QUIET:  # their per-request INFO lines would drown the ones that matter
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, PathOnly) for f in access.filters):
        access.addFilter(PathOnly())
    return _file_handler(root, log_dir / file_name, file_level, formatter) if log_dir else None


def setup_for(settings: "Settings", *, stdout: bool = False, file_name: str = LOG_FILE) -> Path | None:
    """`setup_logging` from the settings: their level and folder, the plan's zone, their secrets hidden."""
    from bot.rollout import timezone_or_default
    return setup_logging(settings.log_level, settings.log_dir, stdout=stdout, file_name=file_name,
                         tz=timezone_or_default(settings.rollout_file), secrets=settings.secrets)


def timed_turn(handle: Callable) -> Callable:
    """Wraps Core.handle: one INFO line per turn with the question id, Pattern, outcome and latency."""
    @functools.wraps(handle)
    def wrapper(self, message):  # noqa: ANN001, ANN202
        started = time.monotonic()
        reply = handle(self, message)
        turn_log.info("question=%s channel=%s user=%s pattern=%s outcome=%s escalation=%s latency_ms=%d",
                      reply.question_id, message.channel, message.user_id, reply.pattern, reply.kind,
                      reply.escalation_id, (time.monotonic() - started) * 1000)
        return reply
    return wrapper


def log_failure_to_file(message: str) -> None:
    """The current exception's traceback, to the log file only: the terminal shows one line."""
    record = logging.getLogger("bansou").makeRecord("bansou", logging.ERROR, __file__, 0, message, (), sys.exc_info())
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler) and getattr(handler, "bansou", False):
            handler.handle(record)


def recent_errors(log_dir: Path | None, limit: int = 3, scan_bytes: int = 256_000) -> list[str]:
    """The last ERROR lines of the log files, oldest first (for `doctor`)."""
    lines: list[str] = []
    for path in (log_dir / LOG_FILE, log_dir / WORKER_LOG_FILE) if log_dir else ():
        if path.is_file():
            with path.open("rb") as handle:
                handle.seek(max(0, path.stat().st_size - scan_bytes))
                lines += handle.read().decode("utf-8", errors="replace").splitlines()
    errors = [line for line in lines if " ERROR " in line or " CRITICAL " in line]
    return sorted(errors)[-limit:]  # each line starts with its time stamp


def _file_handler(root: logging.Logger, path: Path, level: int, formatter: logging.Formatter) -> Path | None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=ROTATE_BYTES, backupCount=ROTATE_KEEP,
                                                       encoding="utf-8")
    except OSError as exc:  # a read-only disk must not stop the bot: the stream still has everything
        root.warning("cannot write log files under %s: %s", path.parent, exc)
        return None
    handler.setLevel(level)
    handler.setFormatter(formatter)
    handler.bansou = True
    root.addHandler(handler)
    return path
