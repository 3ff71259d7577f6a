"""What operators read in the logs: their own time zone, no secret, Japanese errors that name the line."""
from __future__ import annotations

import logging
import re
from zoneinfo import ZoneInfo

import pytest

from bot.config import ConfigError, load_settings
from bot.logs import setup_logging
from bot.rollout import RolloutError, RolloutPlan

SECRET = "xoxb-1234-abcdefSECRET"


def _lines(path) -> str:
    return path.read_text(encoding="utf-8")


def test_log_times_are_in_the_plans_zone_with_its_offset(tmp_path):
    path = setup_logging("WARNING", tmp_path / "log", tz=ZoneInfo("Asia/Tokyo"))
    logging.getLogger("bansou.turn").info("question=1 outcome=answer")
    line = _lines(path).splitlines()[-1]
    assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\+09:00 INFO bansou\.turn: question=1", line), line


def test_a_secret_never_reaches_a_log_line_nor_a_traceback(tmp_path, capsys):
    path = setup_logging("WARNING", tmp_path / "log", stdout=True, secrets=[SECRET])
    log = logging.getLogger("bansou")
    log.warning("posting with %s", SECRET)
    log.warning("GET /dashboard?token=letmein&x=1 and https://x/?key=k-123")
    try:
        raise RuntimeError(f"refused token {SECRET}")
    except RuntimeError:
        log.exception("failed")
    text = _lines(path) + capsys.readouterr().out
    assert SECRET not in text and "letmein" not in text and "k-123" not in text
    assert "posting with ***" in text and "token=***&x=1" in text and "refused token ***" in text
    assert "RuntimeError" in text  # the traceback is kept, only the secret hidden


def test_the_access_log_has_the_path_without_its_query_string(tmp_path):
    path = setup_logging("WARNING", tmp_path / "log")
    access = logging.getLogger("uvicorn.access")
    access.setLevel(logging.INFO)
    access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/dashboard?token=plain-secret", "1.1", 200)
    text = _lines(path)
    assert '"GET /dashboard HTTP/1.1" 200' in text and "plain-secret" not in text


def test_settings_know_every_secret_including_the_database_password():
    settings = load_settings({"SLACK_BOT_TOKEN": SECRET, "SLACK_SIGNING_SECRET": "sign-secret-1",
                              "DASHBOARD_TOKEN": "dash-token-1",
                              "DATABASE_URL": "postgresql://bansou:pg-pass-99@db:5432/bansou"}, env_file=None)
    assert {SECRET, "sign-secret-1", "dash-token-1", "pg-pass-99"} <= set(settings.secrets)


def test_a_mistyped_rollout_date_is_japanese_with_the_line(tmp_path):
    plan = tmp_path / "rollout.toml"
    plan.write_text('timezone = "Asia/Tokyo"\n[[stage]]\nstart = 2026-12-1\ncohorts = ["*"]\npatterns = [1]\n',
                    encoding="utf-8")
    with pytest.raises(RolloutError) as caught:
        RolloutPlan.load(plan)
    message = str(caught.value)
    assert "3 行目" in message and "「start = 2026-12-1」" in message and "2026-12-07" in message
    assert "Expected" not in message


def test_an_unreadable_env_line_is_japanese_with_the_line(tmp_path):
    env = tmp_path / ".env"
    env.write_text("DATABASE_URL=sqlite:///x.db\nSLACK BOT TOKEN xoxb\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings({}, env_file=str(env))
    assert "2 行目「SLACK BOT TOKEN xoxb」が読めません" in str(caught.value)


def test_a_command_logs_in_the_plans_zone_and_hides_the_settings_secrets(settings, monkeypatch):
    import main
    tz_plan = settings.rollout_file.read_text(encoding="utf-8").replace("Asia/Tokyo", "America/New_York")
    settings.rollout_file.write_text(tz_plan, encoding="utf-8")
    for name, value in {"KNOWLEDGE_DIR": settings.knowledge_dir, "ROLLOUT_FILE": settings.rollout_file,
                        "DATABASE_URL": settings.database_url, "LOG_LEVEL": "INFO",
                        "DASHBOARD_TOKEN": "dash-secret-42"}.items():
        monkeypatch.setenv(name, str(value))
    assert main.main(["users", "list"]) == 0
    logging.getLogger("bansou").warning("dash-secret-42 leaked")
    text = (settings.rollout_file.parent / "var" / "log" / "bansou.log").read_text(encoding="utf-8")
    assert "dash-secret-42" not in text and "*** leaked" in text
    assert re.search(r"\d\d:\d\d:\d\d\.\d{3}-0[45]:00 WARNING", text)
