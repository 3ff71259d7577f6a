"""Database operations for operators: online backup, restore, the move to PostgreSQL, the server lock.

SQLite is backed up with the sqlite3 backup API (a consistent snapshot while the bot writes, WAL
included); PostgreSQL with pg_dump / pg_restore found on PATH. A running server holds a lock
(`ServerLock`): an flock on `<database>.serve.lock` for SQLite, a session advisory lock for
PostgreSQL. Both vanish with the process, so a crash leaves nothing stale; `restore` refuses while
the lock is held.
"""
from __future__ import annotations

import datetime as dt
import re
import logging
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import peewee as pw
from playhouse.db_url import connect

from bot.models import MODELS, init_db

try:
    import fcntl
except ImportError:  # Windows: no flock, so there the SQLite server lock is not enforced (see README)
    fcntl = None

log = logging.getLogger(__name__)

BACKUP_DIR = Path("var/backups")
ADVISORY_LOCK_KEY = 0x62616E73  # "bans": the PostgreSQL advisory lock the server holds
CHUNK = 1000
COPY_LINE = re.compile(r'^COPY (?:[\w"]+\.)?"?(\w+)"? \(.*\) FROM stdin;$')


class DbOpsError(Exception):
    """An operation refused or failed; the message is Japanese, one line, for the operator."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    counts: dict[str, int]  # rows per table, read back from the backup


@dataclass(frozen=True)
class MigrateResult:
    source: dict[str, int]
    target: dict[str, int]


# Each table in the words an operator reads on the screen (the counts after a backup, restore or move).
TABLE_LABELS = {"user": "利用者", "knowledgeentry": "ナレッジ", "question": "質問", "answer": "回答", "feedback": "評価",
                "escalation": "エスカレーション", "escalationdraft": "AI の下書き", "delivery": "送信の結果",
                "job": "受け付けた処理", "send": "送信の控え", "scheduledrun": "定時処理の記録",
                "safetylabel": "安全チェックの分類", "questionvector": "テーマ用の質問データ", "announcement": "お知らせ",
                "announcementoptout": "お知らせの停止", "themesnapshot": "テーマの集計"}


def table_label(table: str) -> str:
    return TABLE_LABELS.get(table, table)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def default_backup_path(url: str, directory: Path = BACKUP_DIR, now: dt.datetime | None = None, *,
                        tz: dt.tzinfo) -> Path:
    """`var/backups/bansou-2026-11-25-093000.db` (local time in `tz`; `.sql` for PostgreSQL)."""
    stamp = (now or dt.datetime.now(dt.timezone.utc)).astimezone(tz).strftime("%Y-%m-%d-%H%M%S")
    return directory / f"bansou-{stamp}.{'db' if is_sqlite(url) else 'sql'}"


# ---- backup ---------------------------------------------------------------------------------------

def backup(url: str, target: Path) -> BackupResult:
    """Copy the live database to `target` (e.g. `default_backup_path`) and verify the copy."""
    target = Path(target)
    if target.exists():
        raise DbOpsError(f"{target} は既にあります。別のファイル名を指定してください。")
    target.parent.mkdir(parents=True, exist_ok=True)
    if is_sqlite(url):
        source = sqlite_path(url)
        if not source.is_file():
            raise DbOpsError(f"データベース {source} が見つかりません（DATABASE_URL を確認してください）。")
        _sqlite_copy(source, target, single_file=True)
        return BackupResult(target, sqlite_counts(target))
    _pg_dump(url, target)
    return BackupResult(target, dump_counts(target))


def sqlite_counts(path: Path) -> dict[str, int]:
    """Rows per table of a SQLite file, after an integrity check; DbOpsError if it is not a usable one."""
    try:
        with closing(sqlite3.connect(path)) as conn:
            if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise DbOpsError(f"{path} は壊れています（整合性チェックに失敗しました）。")
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "question" not in tables:
                raise DbOpsError(f"{path} は bansou のデータベースではありません。")
            return {m._meta.table_name: conn.execute(f'SELECT COUNT(*) FROM "{m._meta.table_name}"').fetchone()[0]
                    for m in MODELS if m._meta.table_name in tables}
    except sqlite3.DatabaseError as exc:
        raise DbOpsError(f"{path} を SQLite のデータベースとして開けません（{exc}）。") from None


def dump_counts(path: Path) -> dict[str, int]:
    """Rows per table of a plain pg_dump file: the lines of each COPY block."""
    counts: dict[str, int] = {}
    table = None
    try:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if table is not None:
                    if line.rstrip("\n") == "\\.":
                        table = None
                    else:
                        counts[table] += 1
                elif match := COPY_LINE.match(line):
                    table = match.group(1)
                    counts[table] = 0
    except UnicodeDecodeError:
        counts = {}  # a SQLite file or something else: not a dump
    if "question" not in counts:
        raise DbOpsError(f"{path} は bansou の PostgreSQL バックアップではありません。")
    order = [m._meta.table_name for m in MODELS]  # pg_dump's is alphabetical; the operator compares with SQLite's
    return dict(sorted(counts.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order)))


def prune(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` dated backups in `directory`; return what was deleted."""
    backups = sorted(directory.glob("bansou-*.*"), key=lambda p: p.name, reverse=True)  # the name holds the time
    removed = backups[keep:] if keep > 0 else []
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def last_backup(directory: Path = BACKUP_DIR, url: str | None = None) -> Path | None:
    """The newest of our backups; given the database's `url`, the newest of its kind (after the move to
    PostgreSQL, the SQLite files left from before are not its backups)."""
    pattern = "bansou-*.*" if url is None else f"bansou-*.{'db' if is_sqlite(url) else 'sql'}"
    backups = [p for p in directory.glob(pattern) if p.is_file()] if directory.is_dir() else []
    return max(backups, key=lambda p: p.stat().st_mtime, default=None)


# ---- restore --------------------------------------------------------------------------------------

def restore(url: str, source: Path, keep_dir: Path = BACKUP_DIR, *,
            tz: dt.tzinfo) -> tuple[Path | None, dict[str, int]]:
    """Replace the database with the backup `source`; return the copy of what it replaced (None when there
    was no database yet, stamped in local time of `tz`) and the counts."""
    source = Path(source)
    if not source.is_file():
        raise DbOpsError(f"バックアップファイル {source} が見つかりません。")
    lock = ServerLock(url)
    if not lock.acquire():  # held until the restore is done: no server starts in the middle of it
        raise DbOpsError("サーバー（./bansou serve）が動いているため復元できません。"
                         "サーバーを止めてから、もう一度実行してください。")
    try:
        return _restore(url, source, keep_dir, tz)
    finally:
        lock.release()


def _restore(url: str, source: Path, keep_dir: Path, tz: dt.tzinfo) -> tuple[Path | None, dict[str, int]]:
    keep_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(tz).strftime("%Y-%m-%d-%H%M%S")
    if is_sqlite(url):
        counts = sqlite_counts(source)
        live = sqlite_path(url)
        kept = keep_dir / f"before-restore-{stamp}.db" if live.is_file() else None
        if kept:
            _sqlite_copy(live, kept, single_file=True)
        _sqlite_copy(source, live)
        return kept, counts
    counts = dump_counts(source)
    kept = keep_dir / f"before-restore-{stamp}.sql"
    _pg_dump(url, kept)
    _run_pg("psql", "--quiet", "--no-psqlrc", "--single-transaction", "-v", "ON_ERROR_STOP=1",
            f"--file={source}", f"--dbname={url}")
    return kept, counts


# ---- migrate --------------------------------------------------------------------------------------

def migrate_to(source_url: str, target_url: str) -> MigrateResult:
    """Copy every table to an empty PostgreSQL database, ids kept and sequences set past them."""
    if not target_url.startswith(("postgres://", "postgresql://")):
        raise DbOpsError("移行先は postgresql://… の形で指定してください。")
    if source_url == target_url:
        raise DbOpsError("移行元と移行先が同じデータベースです。")
    source = init_db(source_url)  # the models' proxy points here; the schema is current
    try:
        target = connect(target_url)
        target.connect()
    except (pw.OperationalError, pw.ImproperlyConfigured) as exc:
        raise DbOpsError(f"移行先に接続できません（{first_line(exc)}）。") from None
    try:
        with target.bind_ctx(MODELS):
            filled = [table_label(m._meta.table_name) for m in MODELS if m.table_exists() and m.select().exists()]
        if filled:
            raise DbOpsError(f"移行先のデータベースには既にデータがあります（{'、'.join(filled)}）。"
                             "空のデータベースを指定してください。")
        with target.atomic():  # all or nothing: a failed move leaves the target empty, ready for another try
            with target.bind_ctx(MODELS):
                target.create_tables(MODELS, safe=True)
            for model in pw.sort_models(MODELS):
                _copy_table(model, target)
            _fix_sequences(target)
        return MigrateResult(_counts(source), _counts(target))
    except pw.PeeweeException as exc:
        raise DbOpsError(f"移行に失敗しました。移行先は元のままです（{first_line(exc)}）。") from None
    finally:
        target.close()


def table_counts(url: str) -> dict[str, int]:
    """Rows per table of the database at `url` (its own connection)."""
    database = connect(url)
    try:
        return _counts(database)
    finally:
        database.close()


# ---- the server's lock ----------------------------------------------------------------------------

class ServerLock:
    """Held (shared) by every `serve` for as long as it runs; `restore` needs it exclusively, so it
    refuses while any server uses the database. The lock dies with the process: nothing goes stale."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._handle: object | None = None

    def acquire(self, *, shared: bool = False) -> bool:
        """Take the lock (shared: as a server); False when it cannot be had now."""
        if is_sqlite(self.url):
            path = self._lock_path()
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = path.open("a")
            if fcntl is None:
                self._handle = handle
                return True
            try:
                fcntl.flock(handle, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                return False
            self._handle = handle
            return True
        conn = connect(self.url)
        function = "pg_try_advisory_lock_shared" if shared else "pg_try_advisory_lock"
        try:
            won = conn.execute_sql(f"SELECT {function}(%s)", (ADVISORY_LOCK_KEY,)).fetchone()[0]
        except pw.PeeweeException as exc:
            raise DbOpsError(f"データベースに接続できません（{first_line(exc)}）。") from None
        if won:
            self._handle = conn  # the session keeps the lock
            return True
        conn.close()
        return False

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def held_elsewhere(self) -> bool:
        if self._handle is not None:
            return False
        if self.acquire():
            self.release()
            return False
        return True

    def _lock_path(self) -> Path:
        path = sqlite_path(self.url)
        return path.with_name(path.name + ".serve.lock")


# ---- helpers --------------------------------------------------------------------------------------

def _sqlite_copy(source: Path, target: Path, *, single_file: bool = False) -> None:
    # One step (pages=-1) holds a read snapshot for the whole copy: a consistent database even while
    # other connections write, and what is still in the -wal file is included. A backup is made one
    # self-contained file (rollback journal); a restored live database checkpoints its -wal, and the
    # last connection to close removes the -wal and -shm files.
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with closing(sqlite3.connect(source, timeout=30)) as src, closing(sqlite3.connect(target, timeout=30)) as dst:
            src.backup(dst, pages=-1)
            if single_file:
                dst.execute("PRAGMA journal_mode=DELETE")
                dst.execute("VACUUM")  # the copy only: what was deleted (old jobs' payloads) takes no room in it
            elif dst.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error as exc:
        raise DbOpsError(f"{source} から {target} へコピーできません（{exc}）。") from None


def _copy_table(model: type[pw.Model], target: pw.Database) -> None:
    fields = model._meta.sorted_fields
    pk = model._meta.primary_key
    last = None
    while True:
        query = model.select().order_by(pk).limit(CHUNK)
        if last is not None:
            query = query.where(pk > last)
        rows = list(query.tuples())
        if not rows:
            return
        with target.bind_ctx(MODELS):
            model.insert_many(rows, fields=fields).execute()
        last = rows[-1][fields.index(pk)]


def _fix_sequences(target: pw.Database) -> None:
    for model in MODELS:
        pk = model._meta.primary_key
        if isinstance(pk, pw.AutoField):
            table, column = model._meta.table_name, pk.column_name
            target.execute_sql(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), "
                               f"COALESCE(MAX(\"{column}\"), 1), MAX(\"{column}\") IS NOT NULL) FROM \"{table}\"")


def _counts(database: pw.Database) -> dict[str, int]:
    with database.bind_ctx(MODELS):
        return {m._meta.table_name: m.select().count() if m.table_exists() else 0 for m in MODELS}


def _pg_dump(url: str, target: Path) -> None:
    # Plain SQL that drops and recreates each table: psql restores it, and its rows can be counted.
    _run_pg("pg_dump", "--clean", "--if-exists", "--no-owner", "--no-privileges", f"--file={target}",
            f"--dbname={url}")


def _run_pg(program: str, *args: str) -> str:
    binary = shutil.which(program)
    if binary is None:
        raise DbOpsError(f"{program} が見つかりません。PostgreSQL のクライアント（postgresql-client）を"
                         "インストールして、PATH に入れてください。")
    done = subprocess.run([binary, *args], capture_output=True, text=True, env={**os.environ, "PGCONNECT_TIMEOUT": "10"})
    if done.returncode != 0:
        raise DbOpsError(f"{program} が失敗しました: {first_line(done.stderr) or done.returncode}")
    return done.stdout


def first_line(value: object) -> str:
    lines = str(value).strip().splitlines()
    return lines[0] if lines else ""
