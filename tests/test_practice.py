"""`./bansou practice`: a signed LINE webhook to a practice copy; what the member would see, in Japanese."""
from __future__ import annotations

import datetime as dt
import socket
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.office_hours import OfficeHours
from cli.practice import health, run_practice, server_state
from fakes import FakeServer

ALWAYS = OfficeHours(frozenset(range(7)), 0, 24)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_stopped_server_is_said_to_send_members_nothing():
    port = _free_port()
    assert "止まっています" in server_state(port, health(port))
    assert "何も返りません" in server_state(port, health(port))


def test_a_running_server_is_left_alone():
    server = FakeServer().start()
    server.route("GET", "/healthz", (200, {"status": "ok"}))
    try:
        port = int(server.url.rsplit(":", 1)[1])
        said = server_state(port, health(port))
    finally:
        server.stop()
    assert said.startswith("サーバー: 動いています") and [c.path for c in server.calls] == ["/healthz"]


def test_practice_prints_what_the_member_would_get_and_leaves_the_database_alone(settings, capsys):
    settings = replace(settings, office_hours=ALWAYS, slack_bot_token="xoxb-live", slack_signing_secret="live")
    code = run_practice(settings, "来週の東京の天気はどうなりますか？", pattern=1, cohort="academy_member",
                        port=_free_port())
    out = capsys.readouterr().out
    assert code == 0
    # The server is stopped: the replies shown are what members would get once it runs, not what they get now.
    assert "サーバーが動いていれば会員の方の LINE に届く文" in out
    assert "いまは届きません" in out
    assert "Pattern 1" in out and "に切り替えました" in out  # the switch the member made first
    assert "お手伝いできる内容の範囲外" in out  # the off-domain answer, as LINE would show it
    assert "ログの記録: outcome=notice → " in out
    assert not Path(settings.database_url.removeprefix("sqlite:///")).exists()  # the live database: untouched


def test_out_of_hours_the_member_is_told_when_staff_will_answer(settings, capsys):
    tomorrow = dt.datetime.now(ZoneInfo("Asia/Tokyo")).date() + dt.timedelta(days=1)
    settings = replace(settings, office_hours=OfficeHours(frozenset({tomorrow.weekday()}), 10, 18))
    run_practice(settings, "保険の見直しの相談を受けたとき、最初に何を確認すればよいですか？", pattern=1,
                 cohort="academy_member", port=_free_port())
    out = capsys.readouterr().out
    assert "担当スタッフが確認してからお答えします" in out, out
    assert "お返事は明日の10時以降になります" in out
    assert "ログの記録: outcome=escalated → スタッフに回しました。" in out
