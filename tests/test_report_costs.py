"""The monthly report's cost by model (cost per answer, cache-read share) and this month's LINE pushes
against the quota, read from the (fake) Messaging API."""
from __future__ import annotations

from dataclasses import replace

import pytest

import report_data
from app import build_runtime
from bot.models import Answer
from fakes import FakeServer
from test_reports import data, make  # noqa: F401


def test_the_monthly_report_shows_cost_per_answer_and_cache_reads_by_model(runtime, data, tmp_path):  # noqa: F811
    Answer.update(model="claude-haiku-5-5").where(Answer.id == data.answers["a1"].id).execute()
    Answer.update(model="claude-sonnet-5-5", cost_usd=0.06).where(Answer.id == data.answers["a3"].id).execute()
    text = make(runtime, "monthly", tmp_path)
    # a3: 1 answer, $0.06 = 9 yen, no cache reads; a1: $0.02 = 3 yen, 900 of 1,000 prompt tokens from the cache
    assert "| claude-sonnet-5-5 | 1件 | 9円 | 9.00円 | 0.0% |" in text
    assert "| claude-haiku-5-5 | 1件 | 3円 | 3.00円 | 90.0% |" in text
    assert text.index("claude-sonnet-5-5 |") < text.index("claude-haiku-5-5 |")  # dearest first


@pytest.fixture
def line_quota():
    server = FakeServer().start()
    server.route("GET", "/v2/bot/message/quota", (200, {"type": "limited", "value": 5000}))
    server.route("GET", "/v2/bot/message/quota/consumption", (200, {"totalUsage": 1234}))
    yield server
    server.stop()


def test_the_monthly_report_shows_this_months_pushes_against_the_quota(settings, desk, tmp_path, line_quota):
    runtime = build_runtime(replace(settings, line_channel_secret="s", line_channel_access_token="t",
                                    line_api_base_url=line_quota.url), desk=desk, channels=False)
    report_data.insert()
    text = make(runtime, "monthly", tmp_path)
    runtime.database.close()
    assert "今月のプッシュ送信 1,234通 / 上限 5,000通" in text
    assert line_quota.calls_to("/v2/bot/message/quota/consumption")
