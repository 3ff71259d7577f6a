"""GET /dashboard: off without DASHBOARD_TOKEN, refuses a wrong token, shows the KPIs, trend, open and cost."""
from __future__ import annotations

from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from freezegun import freeze_time

import report_data
from adapters.web import create_app
from app import build_runtime
from reports import dashboard

TOKEN = "s3cret-dashboard"
TOTAL = '<p class="muted">質問 {}件'


@pytest.fixture
def client(settings, desk) -> TestClient:
    runtime = build_runtime(replace(settings, dashboard_token=TOKEN, monthly_budget_jpy=20.0), desk=desk)
    yield TestClient(create_app(runtime))
    runtime.database.close()


def test_without_a_token_setting_the_dashboard_does_not_exist(runtime):
    client = TestClient(create_app(runtime))
    assert client.get("/dashboard").status_code == 404
    assert client.get("/dashboard", params={"token": "anything"}).status_code == 404


def test_a_missing_or_wrong_token_is_refused(client):
    missing = client.get("/dashboard")
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert client.get("/dashboard", params={"token": "wrong"}).status_code == 403
    assert client.get("/dashboard", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.get("/dashboard", headers={"Authorization": f"Basic {TOKEN}"}).status_code == 401
    assert "回答成功率" not in client.get("/dashboard", params={"token": "wrong"}).text


def test_the_page_shows_kpis_trend_open_escalations_and_cost(client):
    report_data.insert()
    with freeze_time("2026-12-02 00:00:00"):  # 09:00 on 2 December in Tokyo
        page = client.get("/dashboard", headers={"Authorization": f"Bearer {TOKEN}"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    assert "直近30日（2026年11月3日（火）〜12月2日（水）" in html
    # 7 questions in the 30 days (q0..q6), 4 answered without escalation: 57.1%, below 80%: red
    assert 'style="color:#cf222e">57.1%</div><div class="t">目標 80% 以上　❌ 未達' in html
    assert TOTAL.format(7) in html and "Good 2 / Bad 1" in html
    assert html.count("<rect ") == 30 and "<polyline" in html
    assert "未対応のエスカレーション 2件" in html and "もう営業を続けられる気がしません" in html
    assert "6円</b> / 予算 20円（30.0%）" in html


def test_question_text_is_escaped(client):
    data = report_data.insert()
    data.questions["q3"].text = "<script>alert(1)</script>"
    data.questions["q3"].save()
    with freeze_time("2026-12-02 00:00:00"):
        html = client.get("/dashboard", params={"token": TOKEN}).text
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_the_page_is_computed_at_most_every_30_seconds(client, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(dashboard, "_clock", lambda: now[0])
    with freeze_time("2026-12-02 00:00:00"):
        assert TOTAL.format(0) in client.get("/dashboard", params={"token": TOKEN}).text
        report_data.insert()
        now[0] += 29
        assert TOTAL.format(0) in client.get("/dashboard", params={"token": TOKEN}).text
        now[0] += 2
        assert TOTAL.format(7) in client.get("/dashboard", params={"token": TOKEN}).text
