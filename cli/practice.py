"""`./bansou practice`: send one member question as LINE would, and show what the member would see.

It never touches the live server or its database: it looks whether the server answers (and says what members
get when it does not), then runs a practice copy of the bot (a temporary database, this installation's settings,
knowledge, plan and office hours) with LINE replaced by a fake on 127.0.0.1, sends a correctly signed webhook
and prints the messages that copy sent to LINE.
"""
from __future__ import annotations

import datetime as dt
import http.client
import json
import logging
import re
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.config import Settings

PRACTICE_USER = "U" + "0" * 31 + "1"  # the form LINE user IDs have
SECRET, TOKEN = "practice-line-secret", "practice-line-token"
SENT = (200, {"sentMessages": [{"id": "1", "quoteToken": "q"}]})
ANSWER_SECONDS = 120.0  # Claude's whole budget and a retry fit in this
# The per-question log line's outcome (bansou.turn), as troubleshooting.md's table explains it.
OUTCOMES = {"answer": "答えを返しました",
            "escalated": "スタッフに回しました。本番ならオペレーター用チャンネルにエスカレーションが投稿されます（練習では投稿しません）",
            "notice": "答えのかわりにお知らせを返しました。公開日前・質問数の上限・範囲外の質問などです",
            "error": "エラーのため、お詫びの文を返しました",
            "invalid": "受け付けられない入力でした"}


class _Outcomes(logging.Handler):
    """Collects the outcome of each question the practice copy answers (from its bansou.turn line)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if found := re.search(r"outcome=(\w+)", record.getMessage()):
            self.seen.append(found.group(1))


def health(port: int) -> int | None:
    """The HTTP status this installation's server gives /healthz on `port`; None when nothing answers."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3)
        conn.request("GET", "/healthz")
        status = conn.getresponse().status
        conn.close()
    except OSError:
        return None
    return status


def server_state(port: int, status: int | None) -> str:
    """One Japanese paragraph: whether this installation's server answers on `port` (`status`, as health()
    gave it), and what that means."""
    if status is None:
        return (f"サーバー: 止まっています（127.0.0.1:{port} に接続できません）。\n"
                "  いま会員の方が LINE や Slack で質問しても bansou には届かず、会員の方には何も返りません"
                "（エラーの表示もありません）。\n"
                "  サーバーを起動すると、その後の質問から答えます。止まっていた間の質問には答えません（LINE の「Webhookの再送」がオンなら、短い停止の間の LINE のメッセージには起動後に答えます）。")
    if status == 200:
        return (f"サーバー: 動いています（127.0.0.1:{port} が応答しました）。"
                "この練習は動いているサーバーにも会員のデータベースにも触れません。")
    return (f"サーバー: 動いていますが、調子が悪いと答えました（127.0.0.1:{port}、HTTP {status}）。"
            "./bansou doctor で原因を確かめてください。")


def practice_settings(settings: Settings, tmp: Path, fake_url: str) -> Settings:
    """This installation's settings on a temporary database and log folder, LINE pointed at the fake, no Slack
    (an escalation must not reach the real staff channel), no rate limits and no daily backup."""
    return replace(settings, database_url=f"sqlite:///{tmp}/practice.db", log_dir=tmp / "log",
                   line_channel_secret=SECRET, line_channel_access_token=TOKEN, line_api_base_url=fake_url,
                   slack_bot_token=None, slack_signing_secret=None, slack_app_token=None,
                   slack_operator_channel=None, rate_limit_per_minute=0, rate_limit_per_day=0, backup_daily=False,
                   dashboard_token=None)


def run_practice(settings: Settings, text: str, *, pattern: int | None, cohort: str, port: int) -> int:
    from bench.webhooks import uvicorn_on_a_free_port, wait_for_jobs
    from fakes import FakeServer, line_signature

    from adapters.line import EVENT_JOB
    from adapters.web import create_app
    from adapters.line_postback import PostbackCodec
    from app import build_runtime
    from bot import users
    from bot.rollout import timezone_or_default
    from bot.states import ButtonAction

    live = health(port)
    print(server_state(port, live))
    now = dt.datetime.now(timezone_or_default(settings.rollout_file))
    hours = settings.office_hours
    inside = "内" if hours.is_open(now) else "外"
    print(f"\n練習用の bansou を別に起動し、LINE と同じ署名を付けて質問を送ります（10 秒ほど。初めてのときや var/cache を消したあとは、1 分ほどかかります）。\n"
          f"時刻: {now:%m月%d日 %H:%M}（スタッフの対応時間「{hours.describe()}」の{inside}）、"
          f"コホート: {cohort}、Pattern: {pattern or '選ばない'}")
    outcomes = _Outcomes()
    turns = logging.getLogger("bansou.turn")
    turns.addHandler(outcomes)
    level = turns.level
    turns.setLevel(logging.INFO)
    fake = FakeServer().start()
    for path in ("/v2/bot/message/reply", "/v2/bot/message/push"):
        fake.route("POST", path, SENT)
    fake.route("POST", "/v2/bot/chat/loading/start", (202, {}))
    with tempfile.TemporaryDirectory(prefix="bansou-practice-") as tmp:
        runtime = build_runtime(practice_settings(settings, Path(tmp), fake.url))
        try:
            with runtime.database.connection_context():
                users.add("line", PRACTICE_USER, cohort, "練習")
            codec = PostbackCodec(SECRET)
            events = []
            if pattern:
                events.append(_event(len(events), postback=codec.encode(ButtonAction.SWITCH_PATTERN, str(pattern),
                                                                       permanent=True)))
            events.append(_event(len(events), text=text))
            # The job workers in this process and no scheduler: the practice copy must never write a report
            # or a backup into this installation's var/ (the worker process `serve` starts would).
            runtime.core.screener.load()
            runtime.queue.start(workers=2, poll_seconds=0.1)
            # No log_config and the access log left on: uvicorn's own would cut its loggers off from this
            # process's log handlers for good (they stay quiet anyway at WARNING).
            with uvicorn_on_a_free_port(create_app(runtime), log_config=None, access_log=True) as app_port:
                for i, event in enumerate(events, start=1):
                    body = json.dumps({"destination": "Ubot", "events": [event]}, ensure_ascii=False).encode()
                    status = _post(app_port, body, line_signature(body, SECRET))
                    if status != 200:
                        print(f"\n練習用のサーバーが質問を受け付けませんでした（HTTP {status}）。"
                              "この表示をそのまま担当エンジニアに渡してください。")
                        return 1
                    if not wait_for_jobs(runtime, EVENT_JOB, i, ANSWER_SECONDS):
                        print(f"\n{ANSWER_SECONDS:.0f} 秒待っても答えが出ませんでした。"
                              "この表示をそのまま担当エンジニアに渡してください。")
                        return 1
        finally:
            runtime.stop()  # the job workers and the backlog reader the webhook started
            runtime.database.close()
            fake.stop()
            turns.removeHandler(outcomes)
            turns.setLevel(level)
    if live is None:  # the replies below are the practice copy's: members get nothing while the server is down
        print("\nサーバーが動いていれば会員の方の LINE に届く文（いまはサーバーが止まっているので、会員の方には何も返らず、"
              "この文もいまは届きません。起動した後の質問には、この文が届きます）:")
    else:
        print("\n会員の方の LINE に届く文:")
    for call in fake.calls:
        if call.path in ("/v2/bot/message/reply", "/v2/bot/message/push"):
            for line in member_view(call.json):
                print(line)
    for outcome in outcomes.seen:
        print(f"\nログの記録: outcome={outcome} → {OUTCOMES.get(outcome, '')}")
    print("\n（練習用のデータベースは消しました。本物のサーバー・会員データベース・Slack には何も送っていません）")
    return 0


def member_view(payload: dict[str, Any]) -> list[str]:
    """A LINE reply or push as lines for the terminal: each message's text, then its buttons."""
    lines = []
    for message in payload.get("messages", []):
        lines.append("  ──────────")
        lines.extend(f"  {row}" for row in (message.get("text") or "（文字以外のメッセージ）").splitlines())
        labels = [item["action"].get("label", "") for item in (message.get("quickReply") or {}).get("items", [])]
        if labels:
            lines.append(f"  ［ボタン］ {' ／ '.join(labels)}")
    return lines


def _event(i: int, *, text: str | None = None, postback: str | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "mode": "active", "timestamp": int(time.time() * 1000), "webhookEventId": f"01PRACTICE{i:016d}",
        "deliveryContext": {"isRedelivery": False}, "source": {"type": "user", "userId": PRACTICE_USER},
        "replyToken": f"practice{i:024d}"}
    if postback is not None:
        event.update(type="postback", postback={"data": postback})
    else:
        event.update(type="message", message={"type": "text", "id": str(900000 + i), "quoteToken": f"q{i}",
                                               "text": text})
    return event


def _post(port: int, body: bytes, signature: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/line/webhook", body=body,
                     headers={"Content-Type": "application/json", "X-Line-Signature": signature})
        return conn.getresponse().status
    finally:
        conn.close()
