"""What an operator runs: doctor, db, logs, Japanese one-line errors, CSVs from Excel, trying the bot."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest

from adapters.doctor import check_slack
from bot.doctor import Finding, Status, check_backup, check_server
from cli.doctor import diagnose
from fakes import FakeServer, working_platforms

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def run(tmp_path, plan_file):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC", "LINE_", "SLACK_", "LOG_"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path}/var/bansou.db", KNOWLEDGE_DIR=str(ROOT / "tests/data/knowledge"),
               ROLLOUT_FILE=str(plan_file))

    def run(*args: str, stdin: str | None = None, **extra_env: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=tmp_path, capture_output=True,
                              text=True, env={**env, **extra_env}, timeout=60, input=stdin)
    run.env = env
    return run


def one_japanese_line(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith("エラー: ")
    for word in words:
        assert word in result.stderr


# ---- one-line errors -----------------------------------------------------------------------------

def test_a_bad_log_level_is_one_line_naming_the_variable(run):
    one_japanese_line(run("ask", "質問", LOG_LEVEL="LOUD"), "LOG_LEVEL", "LOUD")


def test_a_missing_knowledge_dir_stops_start_up(run):
    one_japanese_line(run("ask", "質問", KNOWLEDGE_DIR="/nonexistent"), "KNOWLEDGE_DIR", "/nonexistent")


def test_a_port_out_of_range_is_one_line(run):
    one_japanese_line(run("serve", "--port", "80000"), "1〜65535", "80000")


def test_report_out_that_is_a_file_is_one_line(run, tmp_path):
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    one_japanese_line(run("report", "daily", "--out", str(tmp_path / "afile")), "フォルダ")


def test_a_closed_pipe_ends_quietly(tmp_path, run):
    # `ask … | head -3` when head has gone: the write fails with EPIPE; no traceback, no "Exception ignored".
    process = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "knowledge", "list"], cwd=tmp_path,
                               env=run.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process.stdout.close()
    err = process.stderr.read()
    assert process.wait(timeout=60) == 0
    assert "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err, err


def test_help_is_japanese(run):
    result = run("db", "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("使い方: ./bansou db ") and "使い方: 使い方" not in result.stdout
    assert "バックアップ" in result.stdout and "このヘルプを表示" in result.stdout
    one_japanese_line(run("users"), "./bansou users: 次の引数が必要です: 操作")


# ---- logs ----------------------------------------------------------------------------------------

def test_each_question_is_one_log_line_in_var_log(run, tmp_path):
    answer = json.loads(run("ask", "--json", "死亡保険金の非課税枠は？", "--pattern", "1").stdout)
    log = (tmp_path / "var" / "log" / "bansou-test.log").read_text(encoding="utf-8")  # a test: apart from bansou.log
    line = next(l for l in log.splitlines() if "bansou.turn" in l)
    assert f"question={answer['question_id']} " in line and "pattern=1" in line and "outcome=answer" in line
    assert "latency_ms=" in line


def test_doctor_reads_the_errors_of_the_web_and_the_worker_log_in_time_order(tmp_path):
    from bot.logs import LOG_FILE, WORKER_LOG_FILE, recent_errors
    (tmp_path / LOG_FILE).write_text("2026-12-08 10:00:01,000 ERROR bansou: web first\n"
                                     "2026-12-08 10:00:03,000 INFO bansou: fine\n"
                                     "2026-12-08 10:00:05,000 ERROR bansou: web last\n", encoding="utf-8")
    (tmp_path / WORKER_LOG_FILE).write_text("2026-12-08 10:00:02,000 ERROR bansou.jobs: worker\n", encoding="utf-8")
    assert [line.rsplit(": ", 1)[1] for line in recent_errors(tmp_path, limit=5)] == ["web first", "worker", "web last"]
    assert [line.rsplit(": ", 1)[1] for line in recent_errors(tmp_path, limit=2)] == ["worker", "web last"]


# ---- db ------------------------------------------------------------------------------------------

def test_db_backup_names_the_file_with_the_date_and_restore_brings_it_back(run, tmp_path):
    run("ask", "死亡保険金の非課税枠は？", "--pattern", "1")
    made = run("db", "backup")
    assert made.returncode == 0, made.stderr
    path = Path(made.stdout.split("バックアップを作成しました: ")[1].splitlines()[0])
    assert path.parent == Path("var/backups") and path.name.startswith(f"bansou-{time.strftime('%Y-')}")
    assert "、質問 1、" in made.stdout
    run("ask", "クーリングオフの期限は？", "--pattern", "1")
    back = run("db", "restore", str(path))
    assert back.returncode == 0, back.stderr
    assert "、質問 1、" in back.stdout and "復元前のデータは var/backups/before-restore-" in back.stdout
    one_japanese_line(run("db", "restore", "nothing.db"), "nothing.db")


def test_db_backup_and_restore_do_not_wait_for_a_broken_rollout_file(run, tmp_path):
    run("ask", "死亡保険金の非課税枠は？", "--pattern", "1")
    broken = tmp_path / "broken.toml"
    broken.write_text("[[stage]\n", encoding="utf-8")
    made = run("db", "backup", ROLLOUT_FILE=str(broken))
    assert made.returncode == 0, made.stderr
    path = made.stdout.split("バックアップを作成しました: ")[1].splitlines()[0]
    back = run("db", "restore", path, ROLLOUT_FILE=str(broken))
    assert back.returncode == 0 and "、質問 1、" in back.stdout, back.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_restore_is_refused_while_the_server_runs(run, tmp_path):
    run("ask", "死亡保険金の非課税枠は？", "--pattern", "1")
    assert run("db", "backup", "b.db").returncode == 0
    assert (tmp_path / "var/backups/b.db").is_file()  # a bare name goes beside the other backups
    port = free_port()
    server = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "serve", "--host", "127.0.0.1", "--port",
                               str(port)], cwd=tmp_path, env=run.env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "the server did not start"
                time.sleep(0.2)
        one_japanese_line(run("db", "restore", "b.db"), "サーバー", "止めて")
        assert "✅ サーバー" in run("doctor").stdout
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert run("db", "restore", "b.db").returncode == 0


def test_migrate_refuses_a_target_that_is_not_postgresql(run):
    one_japanese_line(run("db", "migrate", "--to", "sqlite:///other.db"), "postgresql://")


def test_migrate_reads_its_target_from_migrate_to_so_the_password_is_never_typed(run, tmp_path):
    one_japanese_line(run("db", "migrate"), "MIGRATE_TO")
    (tmp_path / ".env").write_text("MIGRATE_TO=sqlite:///other.db\n", encoding="utf-8")
    one_japanese_line(run("db", "migrate"), "postgresql://")  # the .env's target was read, and checked
    from bot.config import load_settings
    settings = load_settings({"MIGRATE_TO": "postgresql://bansou:s3cret-pass@db:5432/bansou"}, env_file=None)
    assert "s3cret-pass" in settings.secrets  # hidden from every log line


# ---- doctor --------------------------------------------------------------------------------------

def test_doctor_is_green_on_a_fresh_install_and_red_on_a_bad_setting(run, tmp_path):
    plan = tmp_path / "plan.toml"
    plan.write_text(STAGED + '[[stage]]\nstart = 2099-12-07\ncohorts = ["doctor_trainee"]\npatterns = [2]\n'
                    '[[stage]]\nstart = 2099-12-07\ncohorts = ["corporate_trainee"]\npatterns = [3]\n'
                    '[[stage]]\nstart = 2100-01-10\ncohorts = ["academy_member"]\npatterns = [4]\n', encoding="utf-8")
    fine = run("doctor", ROLLOUT_FILE=str(plan))
    assert fine.returncode == 0, fine.stdout
    assert "✅ データベース" in fine.stdout and "✅ ナレッジ" in fine.stdout and "⚠️ Claude" in fine.stdout
    assert "塾生 P1、ドクター研修生 なし" in fine.stdout
    assert "この先の予定: 2099/12/07 に ドクター研修生へ P2、法人研修生へ P3／2100/01/10 に 塾生へ P4" in fine.stdout
    assert "❌" not in fine.stdout.replace("（❌）", "") and "問題はありません" not in fine.stdout  # the server is not running
    assert "要対処（❌）の項目はありません。⚠️ " in fine.stdout and "⚠️ サーバー" in fine.stdout
    assert "会員の方への影響はありません" in fine.stdout  # nothing connected yet: a stopped server harms nobody
    assert "✅ 設定: .env がありません" in fine.stdout and "既定の値" in fine.stdout
    broken = run("doctor", KNOWLEDGE_DIR="/nonexistent")
    assert broken.returncode == 1 and "❌ ナレッジ: KNOWLEDGE_DIR のフォルダ /nonexistent がありません" in broken.stdout
    bad = run("doctor", LINE_CHANNEL_SECRET="only-half")
    assert bad.returncode == 1 and "❌ 設定: LINE_CHANNEL_ACCESS_TOKEN" in bad.stdout


def test_doctor_calls_a_stopped_server_an_error_once_line_or_slack_is_connected(settings):
    from cli.doctor import summary
    for connected in (replace(settings, line_channel_secret="s", line_channel_access_token="t"),
                      replace(settings, slack_bot_token="xoxb-1", slack_signing_secret="s")):
        server = check_server(connected)
        assert server.status == Status.ERROR and "会員の方の質問には誰も答えていません" in server.text
        last = summary([server, Finding(Status.WARN, "バックアップ", "古い")])
        assert last.startswith("❌ が 1 件あります。") and "いま会員の方の質問には誰も答えていません" in last
    assert check_server(settings).status == Status.WARN


def test_doctor_does_not_count_the_sqlite_backups_left_from_before_postgresql(settings, tmp_path):
    backups = tmp_path / "backups"
    backups.mkdir()
    (backups / "bansou-2026-12-01-040000.db").write_bytes(b"x")
    sqlite = replace(settings, backup_dir=backups)
    assert check_backup(sqlite).status == Status.OK
    moved = replace(sqlite, database_url="postgresql://bansou:pw@localhost:5432/bansou", backup_daily=False)
    found = check_backup(moved)
    assert found.status == Status.WARN and " に PostgreSQL のバックアップがまだありません" in found.text
    assert "毎日の自動バックアップ: オフ" in found.text and "BACKUP_DAILY=on" in found.fix
    (backups / "bansou-2026-12-08-040000.sql").write_bytes(b"x")
    assert check_backup(moved).status == Status.OK


def model_info(model: str, lifecycle: str = "active", retires_at: str | None = None) -> dict:
    """A Models API answer for `model`."""
    return {"type": "model", "id": model, "display_name": model, "created_at": "2026-10-07T00:00:00Z",
            "lifecycle": lifecycle, "retires_at": retires_at,
            "deprecated_at": "2026-11-01T00:00:00Z" if lifecycle != "active" else None}


def status_of(findings, topic: str):
    return next(f for f in findings if f.topic == topic)


def test_doctor_names_an_invalid_key_a_revoked_slack_token_and_a_line_401(settings, fake_anthropic):
    fake_anthropic.route("GET", "/v1/models", (401, {"type": "error", "error": {
        "type": "authentication_error", "message": "invalid x-api-key"}}))
    platforms = FakeServer().start()
    platforms.route("POST", "/api/auth.test", (200, {"ok": False, "error": "token_revoked"}))
    platforms.route("GET", "/v2/bot/info", (401, {"message": "Authentication failed"}))
    try:
        findings = diagnose(replace(settings, anthropic_api_key="sk-expired", slack_bot_token="xoxb-1",
                                    slack_signing_secret="s", slack_api_base_url=platforms.url + "/api/",
                                    line_channel_secret="s", line_channel_access_token="t",
                                    line_api_base_url=platforms.url))
    finally:
        platforms.stop()
    claude, slack, line = (status_of(findings, t) for t in ("Claude", "Slack", "LINE"))
    assert claude.status == Status.ERROR and "API キーが拒否されました" in claude.text and "ANTHROPIC_API_KEY" in claude.fix
    assert slack.status == Status.ERROR and "取り消されています" in slack.text and "token_revoked" in slack.text
    assert line.status == Status.ERROR and "401" in line.text and "LINE_CHANNEL_ACCESS_TOKEN" in line.fix


def test_doctor_says_in_japanese_when_line_cannot_be_reached(settings):
    from adapters.doctor import check_line
    unreachable = replace(settings, line_channel_secret="s", line_channel_access_token="t",
                          line_api_base_url=f"http://127.0.0.1:{free_port()}")
    finding = check_line(unreachable)
    assert finding.status == Status.ERROR and finding.text.startswith("LINE に接続できません")
    assert "Error" not in finding.text and "インターネット" in finding.fix


def test_doctor_says_slack_cannot_be_reached_as_it_says_it_for_line(settings):
    """Not urllib's `<urlopen error …>`; and the advice is the set-up guides' one: the engineer checks the network."""
    from adapters.doctor import check_line
    nowhere = f"http://127.0.0.1:{free_port()}"
    slack = check_slack(replace(settings, slack_bot_token="xoxb-1", slack_signing_secret="s",
                                slack_api_base_url=nowhere + "/api/"))
    line = check_line(replace(settings, line_channel_secret="s", line_channel_access_token="t",
                              line_api_base_url=nowhere))
    assert slack.status == Status.ERROR and "urlopen" not in slack.text and "Errno" not in slack.text
    assert slack.text == "Slack に接続できません（インターネットにつながっていないか、Slack のサーバーに届きません）"
    assert slack.text.replace("Slack", "LINE") == line.text and slack.fix == line.fix
    assert "担当エンジニア" in slack.fix and "handover.md" in slack.fix


def test_doctor_says_in_japanese_when_anthropic_cannot_be_reached(settings, monkeypatch):
    from bot.doctor import check_claude
    monkeypatch.setenv("ANTHROPIC_BASE_URL", f"http://127.0.0.1:{free_port()}")
    finding = check_claude(replace(settings, anthropic_api_key="sk-ant-practice"))
    assert finding.status == Status.ERROR
    assert finding.text.startswith("Anthropic に接続できません（インターネットにつながっていないか")
    assert "英語の詳細: Connection error." in finding.text and "インターネット" in finding.fix


def test_doctor_passes_working_platforms(settings, fake_anthropic):
    fake_anthropic.route("GET", "/v1/models", (200, {"data": [], "has_more": False, "first_id": None,
                                                     "last_id": None}))
    platforms = working_platforms(channel="C1", staff="U1", endpoint="https://bansou.example.jp/line/webhook", pushed=37)
    fake_anthropic.route("GET", "/v1/models/claude-haiku-5-5", (200, model_info("claude-haiku-5-5")))
    try:
        findings = diagnose(replace(settings, anthropic_api_key="sk-good", slack_bot_token="xoxb-1",
                                    slack_signing_secret="s", slack_api_base_url=platforms.url + "/api/",
                                    slack_operator_channel="C1", slack_staff_user_ids=("U1",),
                                    line_channel_secret="s", line_channel_access_token="t",
                                    line_api_base_url=platforms.url))
    finally:
        platforms.stop()
    for topic in ("Claude", "Claude モデル", "Slack", "LINE"):
        assert status_of(findings, topic).status == Status.OK, status_of(findings, topic)
    assert "https://bansou.example.jp/line/webhook" in status_of(findings, "LINE").text
    assert "今月のプッシュ送信 37通 / 上限 200通" in status_of(findings, "LINE").text


@pytest.mark.parametrize("answer, status, said", [
    ({"ok": False, "error": "invalid_auth"}, Status.ERROR, "App-Level Token が使えません（トークンが無効です: invalid_auth）"),
    ({"ok": True, "url": "wss://example.invalid/link"}, Status.OK, "Socket Mode の接続を確認しました"),
])
def test_doctor_checks_the_socket_mode_token_when_one_is_set(settings, answer, status, said):
    platforms = FakeServer().start()
    platforms.route("POST", "/api/auth.test", (200, {"ok": True, "team": "牧野生保塾", "user": "bansou"}))
    platforms.route("POST", "/api/conversations.info", (200, {"ok": True, "channel": {"id": "C1"}}))
    platforms.route("POST", "/api/users.info", (200, {"ok": True, "user": {"id": "U1"}}))
    platforms.route("POST", "/api/apps.connections.open", (200, answer))
    try:
        slack = check_slack(replace(settings, slack_bot_token="xoxb-1", slack_signing_secret="s",
                                    slack_app_token="xapp-1", slack_api_base_url=platforms.url + "/api/",
                                    slack_operator_channel="C1", slack_staff_user_ids=("U1",)))
        token_used = platforms.calls_to("/api/apps.connections.open")[0].headers["authorization"]
    finally:
        platforms.stop()
    assert slack.status == status and said in slack.text, slack
    assert token_used == "Bearer xapp-1"  # the App-Level Token, not the bot token


# ---- users ---------------------------------------------------------------------------------------

ROWS = (f"channel,user_id,cohort,display_name\r\nline,U{'1' * 32},academy_member,山田 太郎\r\n"
        f"line,U{'2' * 32},doctor_trainee,佐藤 花子\r\n")


@pytest.mark.parametrize("encoding, data, said", [
    ("utf-8", ROWS.encode("utf-8"), "UTF-8 として"),
    ("utf-8-sig", ROWS.encode("utf-8-sig"), "UTF-8（BOM 付き）"),
    ("cp932", ROWS.encode("cp932"), "Shift_JIS"),
])
def test_users_import_reads_what_excel_saves_and_says_which(run, tmp_path, encoding, data, said):
    (tmp_path / "members.csv").write_bytes(data)
    result = run("users", "import", "members.csv")
    assert result.returncode == 0, result.stderr
    assert said in result.stdout and "登録 2 人" in result.stdout
    listing = run("users", "list").stdout
    assert "山田 太郎" in listing and "佐藤 花子" in listing


def test_users_errors_are_japanese(run):
    one_japanese_line(run("users", "set-cohort", "line", "U404", "staff"), "U404", "登録されていません")


# ---- trying the bot ------------------------------------------------------------------------------

STAGED = 'timezone = "Asia/Tokyo"\n[[stage]]\nstart = 2020-01-01\ncohorts = ["academy_member"]\npatterns = [1]\n'


def test_a_registered_cohort_is_kept_unless_ask_gives_one(run, tmp_path):
    plan = tmp_path / "staged.toml"
    plan.write_text(STAGED, encoding="utf-8")
    run("users", "add", "local", "u50", "--cohort", "staff", ROLLOUT_FILE=str(plan))
    asked = json.loads(run("ask", "--json", "開業医の事業承継で最初に確認すべきことは？", "--pattern", "2", "--user", "u50",
                           ROLLOUT_FILE=str(plan)).stdout)
    assert asked["knowledge_ids"] == ["t2-0001"]  # still staff: Pattern 2 opens
    row = next(l for l in run("users", "list", ROLLOUT_FILE=str(plan)).stdout.splitlines() if " u50 " in l)
    assert "staff" in row and "1,2,3,4" in row


def test_chat_as_staff_opens_every_pattern_and_help_is_not_a_question(run, tmp_path):
    plan = tmp_path / "staged.toml"
    plan.write_text(STAGED, encoding="utf-8")
    lines = "/pattern 3\n/help\n/foo\n/quit\n"
    result = run("chat", "--pattern", "2", "--cohort", "staff", stdin=lines, ROLLOUT_FILE=str(plan))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Pattern 2「ドクター」に切り替えました" in out and "Pattern 3「法人」に切り替えました" in out
    assert "ご利用いただけません" not in out
    assert out.count("/quit で終了") >= 3 and "/foo というコマンドはありません" in out
    assert "エスカレーション" not in out


def test_terminal_questions_are_left_out_of_reports_unless_included(run, tmp_path):
    run("ask", "死亡保険金の非課税枠は？", "--pattern", "1")
    today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 9 * 3600))
    plain = run("report", "daily", "--date", today, "--out", "r1")
    included = run("report", "daily", "--date", today, "--out", "r2", "--include-tests")
    assert plain.returncode == included.returncode == 0, plain.stderr
    assert "質問数 0件" in plain.stdout, plain.stdout
    assert "質問数 1件" in included.stdout and "試した質問も含めています" in included.stdout, included.stdout


# ---- set-up order --------------------------------------------------------------------------------

def test_slack_url_check_is_answered_before_the_slack_settings_are_in(runtime):
    from fastapi.testclient import TestClient

    from adapters.web import create_app
    with TestClient(create_app(runtime)) as http:
        check = http.post("/slack/events", json={"type": "url_verification", "challenge": "c-42", "token": "t"})
        event = http.post("/slack/events", json={"type": "event_callback", "event": {"type": "message"}})
    assert check.status_code == 200 and check.json() == {"challenge": "c-42"}
    assert event.status_code == 503 and "SLACK_BOT_TOKEN" in event.json()["error"]


def test_the_server_backs_up_once_a_day_from_4am_and_keeps_the_newest(runtime, settings, tmp_path):
    import datetime as dt

    from bot.scheduler import DailyBackup
    scheduler = DailyBackup(settings=replace(settings, backup_dir=tmp_path / "backups", backup_keep=2),
                            tz=runtime.core.plan.timezone)
    jst = dt.timezone(dt.timedelta(hours=9))
    assert scheduler.daily_backup(dt.datetime(2026, 12, 1, 3, 59, tzinfo=jst)) is None  # before 04:00
    made = [scheduler.daily_backup(dt.datetime(2026, 12, day, 4, 5, tzinfo=jst)) for day in (1, 2, 3)]
    assert scheduler.daily_backup(dt.datetime(2026, 12, 3, 9, 0, tzinfo=jst)) is None  # once a day
    assert [p.name for p in made] == [f"bansou-2026-12-0{d}-040500.db" for d in (1, 2, 3)]
    assert sorted(p.name for p in (tmp_path / "backups").iterdir()) == [made[1].name, made[2].name]


def test_a_server_logs_info_to_stdout_and_the_file_a_command_only_warnings(tmp_path, capsys):
    import logging

    from bot.logs import setup_logging
    path = setup_logging("WARNING", tmp_path / "log", stdout=True)
    logging.getLogger("bansou.turn").info("question=7 outcome=answer")
    assert "question=7" in capsys.readouterr().out and "question=7" in path.read_text(encoding="utf-8")
    setup_logging("WARNING", tmp_path / "log", stdout=False)
    logging.getLogger("bansou.turn").info("question=8 outcome=answer")
    assert "question=8" not in capsys.readouterr().err and "question=8" in path.read_text(encoding="utf-8")


def test_a_corrupt_database_is_one_line_naming_the_variable(run, tmp_path):
    (tmp_path / "var").mkdir(exist_ok=True)
    (tmp_path / "var" / "bansou.db").write_bytes(b"this is not a database" * 100)
    one_japanese_line(run("users", "list"), "DATABASE_URL", "データベースを開けません")


def test_an_unexpected_failure_is_one_line_and_the_traceback_goes_to_the_log(settings, monkeypatch, capsys):
    import logging

    import main
    from cli import commands

    def broken(args, settings):
        raise RuntimeError("a bug")
    monkeypatch.setitem(commands.COMMANDS, "users", broken)
    monkeypatch.setenv("KNOWLEDGE_DIR", str(settings.knowledge_dir))
    monkeypatch.setenv("ROLLOUT_FILE", str(settings.rollout_file))
    assert main.main(["users", "list"]) == 1  # conftest's restore_logging removes the handlers it adds
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "RuntimeError: a bug" in err and "Traceback" not in err
    log = Path("var/log/bansou.log").read_text(encoding="utf-8")
    assert "Traceback" in log and "RuntimeError: a bug" in log


def test_chat_as_staff_sends_the_first_question_to_the_chosen_pattern(run, tmp_path):
    plan = tmp_path / "staged.toml"
    plan.write_text(STAGED, encoding="utf-8")
    result = run("chat", "--pattern", "2", "--cohort", "staff", stdin="開業医の事業承継で最初に確認すべきことは？\n/quit\n",
                 ROLLOUT_FILE=str(plan))
    assert "ナレッジ t2-0001" in result.stdout, result.stdout


def test_figures_leave_test_questions_out_unless_included(runtime):
    from bot.messages import IncomingMessage
    from reports import metrics
    from reports.periods import daily, local_today
    runtime.core.handle(IncomingMessage(channel="local", user_id="op", text="死亡保険金の非課税枠は？", pattern=1,
                                        test=True))
    runtime.core.handle(IncomingMessage(channel="line", user_id="U1", text="死亡保険金の非課税枠は？", pattern=1))
    tz = runtime.core.plan.timezone
    today = daily(local_today(tz=tz), tz=tz)
    assert metrics.figures(today).tally().questions == 1
    with metrics.including_tests():
        assert metrics.figures(today).tally().questions == 2
    assert metrics.figures(today).tally().questions == 1


def test_doctor_s_start_advice_fits_how_the_server_is_run(settings, tmp_path):
    unit = tmp_path / "bansou.service"
    in_a_terminal = check_server(settings, service_unit=unit)
    assert "./bansou を実行" in in_a_terminal.fix and "systemctl" not in in_a_terminal.fix
    unit.write_text("[Service]\n")
    as_a_service = check_server(settings, service_unit=unit)
    assert "sudo systemctl start bansou" in as_a_service.fix and "./bansou を実行" not in as_a_service.fix
