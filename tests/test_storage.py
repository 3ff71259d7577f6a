"""Storage: WAL, additive migration without data loss, the durable queue, the health check."""
from __future__ import annotations

import sqlite3

from fastapi.testclient import TestClient

from adapters.web import create_app
from bot.jobs import JobQueue
from bot.models import Job, User, db, init_db


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(runtime):
    assert runtime.database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert runtime.database.execute_sql("PRAGMA busy_timeout").fetchone()[0] == 10000


def test_a_column_added_later_is_migrated_without_losing_rows(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:  # a database from before `active` and `pattern` existed
        conn.execute("CREATE TABLE user (id INTEGER PRIMARY KEY, channel VARCHAR(255) NOT NULL, "
                     "external_id VARCHAR(255) NOT NULL, display_name VARCHAR(255) NOT NULL, "
                     "cohort VARCHAR(255) NOT NULL, created_at DATETIME NOT NULL)")
        conn.execute("INSERT INTO user VALUES (1, 'line', 'U1', '山田', 'staff', '2026-11-01 00:00:00')")
    database = init_db(f"sqlite:///{path}")
    user = User.get_by_id(1)
    assert (user.external_id, user.cohort, user.active, user.pattern) == ("U1", "staff", True, None)
    database.close()


def test_queue_dedupes_retries_with_backoff_and_reports_final_failure(runtime):
    queue = JobQueue(max_attempts=2, backoff=(0,))
    seen, failed = [], []

    def flaky(payload):
        seen.append(payload["n"])
        raise RuntimeError("platform down")
    queue.register("flaky", flaky, on_failure=lambda payload, error: failed.append(error))
    assert queue.enqueue("flaky", {"n": 1}, dedupe_key="event-1")
    assert not queue.enqueue("flaky", {"n": 1}, dedupe_key="event-1")
    queue.run_pending()
    queue.run_pending()
    assert seen == [1, 1] and failed == ["RuntimeError: platform down"]
    assert Job.get(Job.dedupe_key == "event-1").status == "failed"


def test_jobs_left_running_by_a_crash_are_recovered(runtime):
    queue = JobQueue()
    done = []
    queue.register("work", lambda payload: done.append(payload))
    queue.enqueue("work", {"x": 1})
    Job.update(status="running").execute()
    assert queue.run_pending() == 0
    assert queue.recover() == 1 and queue.run_pending() == 1 and done == [{"x": 1}]


def test_healthz_reports_ok_and_503_when_the_database_is_gone(runtime, tmp_path):
    client = TestClient(create_app(runtime))
    ok = client.get("/healthz")
    assert ok.status_code == 200 and ok.json()["status"] == "ok" and ok.json()["answerer"] == "offline"
    runtime.database.close()
    runtime.database.database = str(tmp_path / "missing-dir" / "x.db")
    down = client.get("/healthz")
    assert down.status_code == 503 and down.json()["status"] == "error"
    assert client.post("/healthz").status_code == 405
    assert client.get("/nowhere").status_code == 404
    db.initialize(runtime.database)
