"""When Slack refuses a call (a revoked token, a missing scope, an operator channel the app is not in), the worker's
log holds the lines docs/troubleshooting.md tells the operator to grep, and doctor's advice matches what the
commands can do about it."""
from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.doctor import Status, check_jobs
from bot.jobs import dead_letters, replay
from bot.logs import WORKER_LOG_FILE, setup_logging
from bot.models import Delivery, Escalation, Job
from slack_harness import text_of
from test_slack import DM, OPS, fake_slack, slack, slack_settings  # noqa: F401

TROUBLESHOOTING = Path(__file__).resolve().parent.parent / "docs" / "troubleshooting.md"

@pytest.fixture
def worker_log(tmp_path):
    """The worker process's log file, written as the server writes it."""
    return setup_logging("INFO", tmp_path / "log", file_name=WORKER_LOG_FILE, tz=ZoneInfo("Asia/Tokyo"))


def refuse(slack, code: str, channel: str | None = None) -> dict:  # noqa: F811
    """Slack answers chat.postMessage / chat.update with `ok: false` (to `channel` only, when given);
    returns the routes it replaced, to put back."""
    paths = [("POST", "/api/chat.postMessage"), ("POST", "/api/chat.update")]
    real = {path: slack.fake.routes[path] for path in paths}
    for path in paths:
        slack.fake.route(*path, lambda call, answer=real[path]: (
            (200, {"ok": False, "error": code}) if channel in (None, call.json.get("channel")) else answer(call)))
    return real


def grep(path, text: str) -> list[str]:
    """`grep -B1 TEXT`: the matching lines with the line before each (where the time and the job are)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [f"{lines[i - 1]}\n{line}" for i, line in enumerate(lines) if text in line]


@pytest.mark.parametrize("code", ["invalid_auth", "missing_scope"])
def test_an_answer_slack_refuses_is_logged_with_the_code_and_doctor_points_to_it(slack, worker_log, code):  # noqa: F811
    slack.runtime.queue.backoff = (0,)
    refuse(slack, code)
    slack.dm("クーリング・オフはいつまで？")
    slack.work()
    found = grep(worker_log, f"'error': '{code}'")
    final = [f for f in found if "ERROR bot.jobs: ジョブ" in f and "（slack.send）は再試行しても失敗しました" in f]
    assert len(final) == 1 and "+09:00" in final[0]
    if code == "invalid_auth":  # the pair of lines troubleshooting.md quotes, word for word but the time and numbers
        quoted = re.sub(r"\d+", "N", TROUBLESHOOTING.read_text(encoding="utf-8"))
        logged = final[0].split("+09:00 ", 1)[1].replace(slack.fake.url, "https://slack.com")
        logged = re.sub(r"\d+", "N", logged)
        assert logged in quoted
    assert not Delivery.get().ok  # what the member saw: nothing (the placeholder was refused too)
    finding = check_jobs()
    assert finding.status == Status.WARN and "再試行しても失敗した処理が 1 件" in finding.text
    assert f"var/log/{WORKER_LOG_FILE}" in finding.fix and "「Slack のエラー」" in finding.fix
    assert not dead_letters()  # handled (recorded and alerted): `jobs list` rightly has nothing to replay


def test_an_escalation_the_operator_channel_refuses_waits_as_a_dead_letter_and_is_posted_on_retry(
        slack, worker_log):  # noqa: F811
    slack.runtime.queue.backoff = (0,)
    working = refuse(slack, "not_in_channel", channel=OPS)
    slack.dm("担当者と話したいです")
    slack.work()
    assert "担当スタッフにおつなぎします" in text_of(slack.fake.messages(DM)[-1])  # the member was told staff will answer
    assert any("（slack.desk_post）は再試行しても失敗しました" in f
               for f in grep(worker_log, "'error': 'not_in_channel'"))
    (dead,) = dead_letters()
    assert dead.kind == "slack.desk_post"
    finding = check_jobs()
    assert "デッドレター）が 1 件" in finding.text and "./bansou jobs retry --all" in finding.fix

    slack.fake.routes.update(working)  # the app was invited: the operator channel takes posts again
    assert replay(None) == 1
    slack.work()
    assert Job.get_by_id(dead.id).status == "done" and Escalation.get().operator_thread
    assert "担当者と話したいです" in text_of(slack.fake.sent("chat.postMessage", OPS)[-1])
    assert check_jobs().status == Status.OK
