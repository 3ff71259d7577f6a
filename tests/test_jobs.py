"""The queue's guarantees: leases, dead letters and their replay, one question per message however often it runs."""
from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from peewee import IntegrityError

from bot.jobs import JobQueue, JobStatus, dead_letters, replay
from bot.messages import IncomingMessage
from bot.models import Answer, Escalation, Job, Question, utcnow

ROOT = Path(__file__).resolve().parent.parent


def test_a_failure_handler_that_fails_leaves_a_dead_letter_logged_with_the_job_id(runtime, caplog):
    queue = JobQueue(max_attempts=1)

    def broken_handler(payload, error):
        raise RuntimeError("operator channel down")
    queue.register("work", lambda payload: 1 / 0, broken_handler)
    queue.enqueue("work", {"n": 1}, dedupe_key="job-a")
    with caplog.at_level(logging.ERROR):
        queue.run_pending()
    job = Job.get(Job.dedupe_key == "job-a")
    assert job.status == JobStatus.DEAD and "operator channel down" in job.last_error
    assert any(f"job {job.id}" in r.getMessage() and "dead letter" in r.getMessage() for r in caplog.records)
    assert [j.id for j in dead_letters()] == [job.id]


def test_a_kind_without_a_failure_handler_or_handler_at_all_is_a_dead_letter_and_replays(runtime):
    queue = JobQueue(max_attempts=1)
    calls = []

    def flaky(payload):
        calls.append(payload)
        if len(calls) == 1:
            raise RuntimeError("down")
    queue.register("work", flaky)
    queue.enqueue("work", {"n": 1}, dedupe_key="job-b")
    queue.run_pending()
    assert Job.get(Job.dedupe_key == "job-b").status == JobStatus.DEAD
    assert replay(None) == 1 and queue.run_pending() == 1
    assert Job.get(Job.dedupe_key == "job-b").status == JobStatus.DONE and len(calls) == 2
    assert replay(None) == 0  # only dead letters are replayed


def test_a_live_lease_is_left_alone_and_an_expired_one_taken_back(runtime):
    queue, other = JobQueue(), JobQueue()
    queue.register("work", lambda payload: None)
    queue.enqueue("work", {}, dedupe_key="live")
    queue.enqueue("work", {}, dedupe_key="expired")
    Job.update(status="running", owner=other.owner, lease_until=utcnow() + dt.timedelta(seconds=60)).where(
        Job.dedupe_key == "live").execute()
    Job.update(status="running", owner=other.owner, lease_until=utcnow() - dt.timedelta(seconds=1)).where(
        Job.dedupe_key == "expired").execute()
    assert queue.recover() == 1
    assert queue.run_pending() == 1
    assert Job.get(Job.dedupe_key == "live").status == "running"
    assert Job.get(Job.dedupe_key == "expired").status == "done"


def test_lanes_claim_only_their_own_jobs_and_report_their_backlog(runtime):
    queue = JobQueue()
    ran = []
    queue.register("line_work", lambda p: ran.append("line"), lane="line")
    queue.register("slack_work", lambda p: ran.append("slack"), lane="slack")
    queue.enqueue("line_work", {})
    queue.enqueue("slack_work", {})
    assert queue.backlog()["slack"]["pending"] == 1
    assert queue.run_pending(lane="line") == 1 and ran == ["line"]
    assert queue.backlog() == {"line": {"pending": 0, "running": 0, "dead": 0},
                               "slack": {"pending": 1, "running": 0, "dead": 0}}


def test_the_same_message_handled_twice_is_one_question_with_one_answer(runtime):
    message = IncomingMessage(channel="line", user_id="U1", text="死亡保険金の非課税枠は？", conversation_id="line:U1",
                              message_id="line:01EVENT")
    first, again = runtime.core.handle(message), runtime.core.handle(message)
    assert Question.select().count() == 1 and Answer.select().count() == 1
    assert (again.text, again.answer_id, again.kind, again.buttons) == (first.text, first.answer_id, first.kind,
                                                                        first.buttons)


def test_a_question_recorded_before_a_crash_is_answered_on_the_retry_not_asked_again(runtime):
    message = IncomingMessage(channel="line", user_id="U1", text="死亡保険金の非課税枠は？", conversation_id="line:U1",
                              message_id="line:02EVENT")
    user = runtime.core.user_for(message)
    Question.create(user=user, channel="line", pattern=1, text=message.text, dedupe_key=message.message_id)
    reply = runtime.core.handle(message)
    assert reply.kind == "answer" and Question.select().count() == 1 and Answer.select().count() == 1


def test_give_up_keeps_the_question_once_even_replayed_and_without_a_conversation(runtime):
    message = IncomingMessage(channel="slack", user_id="U1", text="質問", conversation_id=None,  # type: ignore[arg-type]
                              message_id="slack:event:Ev1")
    first = runtime.core.give_up(message, "RuntimeError: boom")
    second = runtime.core.give_up(message, "RuntimeError: boom")
    assert first.kind == second.kind == "error" and first.question_id == second.question_id
    assert Question.select().count() == 1 and Escalation.select().count() == 1


def _cli(tmp_path, plan_file, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC", "LINE_", "SLACK_"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path}/bansou.db", KNOWLEDGE_DIR=str(ROOT / "tests/data/knowledge"),
               ROLLOUT_FILE=str(plan_file))
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "jobs", *args], cwd=tmp_path, capture_output=True,
                          text=True, env=env, timeout=60)


def test_jobs_list_and_retry_on_the_command_line(runtime, tmp_path, plan_file):
    Job.create(kind="line_event", lane="line", dedupe_key="line:dead", payload={}, status="dead", attempts=4,
               last_error="RuntimeError: LINE down\nfailure handler: OperationalError: locked")
    Job.create(kind="line_event", lane="line", dedupe_key="line:done", payload={}, status="done")
    Job.create(kind="slack.desk_post", lane="slack", dedupe_key="slack:dead", payload={}, status="dead", attempts=4,
               updated_at=dt.datetime(2026, 12, 8, 1, 15), last_error=(
                   "SlackApiError: The request to the Slack API failed. (url: https://slack.com/api/chat.postMessage)\n"
                   "The server responded with: {'ok': False, 'error': 'not_in_channel'}"))
    runtime.database.close()
    listed = _cli(tmp_path, plan_file, "list")
    assert listed.returncode == 0 and "line_event" in listed.stdout and "LINE down" in listed.stdout
    assert listed.stdout.count("#") == 2
    slack_row = listed.stdout.splitlines()[1]  # the reason the operator looks up in troubleshooting.md, in Japan time
    assert "slack.desk_post" in slack_row and "2026-12-08 10:15+09:00" in slack_row
    assert slack_row.endswith("'error': 'not_in_channel'}")
    for bad in (("retry",), ("retry", "abc"), ("retry", "2"), ("retry", "1", "--all")):
        result = _cli(tmp_path, plan_file, *bad)
        assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, (bad, result.stderr)
        assert "Traceback" not in result.stderr
    retried = _cli(tmp_path, plan_file, "retry", "--all")
    assert retried.returncode == 0 and "2 件" in retried.stdout
    assert "ありません" in _cli(tmp_path, plan_file, "list").stdout


def test_a_database_from_before_gets_the_new_columns_and_a_real_unique_index(tmp_path):
    from bot.models import User, init_db
    url = f"sqlite:///{tmp_path}/old.db"
    database = init_db(url)
    for table, column in (("question", "dedupe_key"), ("job", "lane"), ("job", "owner"), ("job", "lease_until")):
        database.execute_sql(f"DROP INDEX IF EXISTS {table}_{column}")
        database.execute_sql(f"ALTER TABLE {table} DROP COLUMN {column}")
    database.execute_sql("DROP TABLE send")
    database.close()
    database = init_db(url)  # as a deploy of this version on last week's database
    user = User.create(channel="line", external_id="U1")
    Question.create(user=user, channel="line", pattern=1, text="a")
    Question.create(user=user, channel="line", pattern=1, text="b")  # no key: many may have none
    Question.create(user=user, channel="line", pattern=1, text="c", dedupe_key="line:1")
    with pytest.raises(IntegrityError):
        Question.create(user=user, channel="line", pattern=1, text="c", dedupe_key="line:1")
    database.close()


def test_on_postgresql_concurrent_claimers_take_each_job_exactly_once(settings, postgres_url):
    import threading
    from dataclasses import replace

    from app import build_runtime
    runtime = build_runtime(replace(settings, database_url=postgres_url))
    ran: list[int] = []
    lock = threading.Lock()

    def work(payload):
        with lock:
            ran.append(payload["n"])
    queues = [JobQueue(), JobQueue()]  # as two processes: two owners
    for queue in queues:
        queue.register("work", work, lane="line")
    for n in range(60):
        queues[0].enqueue("work", {"n": n})

    def drain(queue: JobQueue) -> None:
        with runtime.database.connection_context():
            queue.run_pending(limit=1000, lane="line")
    threads = [threading.Thread(target=drain, args=(queues[i % 2],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(ran) == list(range(60))
    owners = {j.owner for j in Job.select()}
    assert owners == {None} and {j.status for j in Job.select()} == {"done"}
    runtime.database.close()


def test_the_intake_stores_a_batch_in_one_go_and_survives_a_caller_that_gave_up(runtime):
    from bot.intake import Intake
    runtime.queue.register("work", lambda payload: None)
    intake = Intake(jobs=runtime.queue, database=runtime.database)
    gave_up = intake.submit([("work", {"n": 0}, "k0")])
    gave_up.cancel()
    futures = [intake.submit([("work", {"n": n}, f"k{n}"), ("work", {"n": n}, "k0")]) for n in range(1, 20)]
    assert [f.result(timeout=10) for f in futures] == [[True, False]] * 19  # k0 is a duplicate each time
    assert Job.select().count() == 20


def test_finished_jobs_drop_their_payload_after_the_retention_and_the_backup_is_not_bloated(runtime, tmp_path):
    from bot.dbops import backup
    from bot.jobs import drop_payloads
    runtime.queue.register("work", lambda payload: None)
    runtime.queue.register("broken", lambda payload: 1 / 0)
    raw = {"event": "x" * 20_000}  # a webhook body's size, many times over
    for n in range(60):
        runtime.queue.enqueue("work", raw, dedupe_key=f"old{n}")
    runtime.queue.enqueue("broken", raw, dedupe_key="dead")
    runtime.queue.max_attempts = 1
    runtime.queue.run_pending()
    runtime.queue.enqueue("work", raw, dedupe_key="recent")
    runtime.queue.enqueue("work", raw, dedupe_key="waiting")
    old = utcnow() - dt.timedelta(days=31)
    Job.update(updated_at=old).where(Job.dedupe_key != "recent").execute()
    runtime.queue.run_pending(limit=1)  # "recent" is done today
    assert drop_payloads(older_than_days=30) == 60
    assert drop_payloads(older_than_days=30) == 0  # already empty: not rewritten every hour
    payloads = {j.dedupe_key: j.payload for j in Job.select()}
    assert all(payloads[f"old{n}"] == {} for n in range(60))
    assert payloads["dead"] == raw and payloads["recent"] == raw and payloads["waiting"] == raw
    assert runtime.queue.enqueue("work", raw, dedupe_key="old0") is False  # a late redelivery: still a duplicate
    live = Path(runtime.settings.database_url.removeprefix("sqlite:///"))
    copy = backup(runtime.settings.database_url, tmp_path / "b.db").path
    assert copy.stat().st_size < live.stat().st_size / 3  # the freed pages are not copied along
