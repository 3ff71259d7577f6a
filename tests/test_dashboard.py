"""GET /dashboard: off without DASHBOARD_TOKEN, a login form and cookie (never a token in the address), Japanese
refusals, open escalations first, the test questions left out said, the KPIs, trend and cost."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from freezegun import freeze_time
from PIL import Image

import report_data
from adapters.web import create_app
from app import build_runtime
from conftest import Chat
from reports import dashboard
from reports.themes import snapshot

TOKEN = "s3cret-dashboard"
TOTAL = '<p class="muted">質問 {}件'


@pytest.fixture
def client(settings, desk) -> TestClient:
    runtime = build_runtime(replace(settings, dashboard_token=TOKEN, monthly_budget_jpy=20.0), desk=desk)
    yield TestClient(create_app(runtime))
    runtime.database.close()


def login(client: TestClient, token: str = TOKEN):
    return client.post("/dashboard/login", data={"token": token}, follow_redirects=False)


def logged_in(client: TestClient) -> TestClient:
    assert login(client).status_code == 303
    return client


def test_without_a_token_setting_the_dashboard_does_not_exist_said_in_japanese(runtime):
    client = TestClient(create_app(runtime))
    for response in (client.get("/dashboard"), login(client, "anything"), client.get("/nowhere")):
        assert response.status_code == 404 and "ページが見つかりません" in response.text
        assert "Not Found" not in response.text


def test_a_missing_or_wrong_token_gets_the_japanese_login_form(client):
    missing = client.get("/dashboard")
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert '<form method="post" action="/dashboard/login">' in missing.text and "トークン" in missing.text
    wrong = login(client, "wrong")
    assert wrong.status_code == 403 and "トークンが違います" in wrong.text and "set-cookie" not in wrong.headers
    assert client.get("/dashboard", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.get("/dashboard", headers={"Authorization": f"Basic {TOKEN}"}).status_code == 401
    for page in (missing, wrong):
        assert "回答成功率" not in page.text and "token required" not in page.text and "wrong token" not in page.text


def test_a_token_in_the_address_is_no_longer_accepted(client):
    page = client.get("/dashboard", params={"token": TOKEN})
    assert page.status_code == 401 and "アドレスにトークンを付ける方法は使えなくなりました" in page.text


def test_the_login_form_sets_a_cookie_that_is_not_the_token(client):
    done = login(client)
    assert done.status_code == 303 and done.headers["location"] == "/dashboard"
    cookie = done.headers["set-cookie"]
    assert "bansou_dashboard=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert TOKEN not in cookie
    assert client.get("/dashboard").status_code == 200  # the cookie is enough from now on
    other = TestClient(client.app)
    other.cookies.set("bansou_dashboard", "forged")
    assert other.get("/dashboard").status_code == 401


def test_open_escalations_come_first_and_test_questions_left_out_are_said(client):
    report_data.insert()
    from bot.models import Escalation, Question, User
    operator = User.create(channel="local", external_id="op", display_name="試す人")
    asked = dt.datetime(2026, 12, 1, 12, 0)
    test_question = Question.create(user=operator, channel="local", text="テストです", pattern=1, test=True,
                                    created_at=asked)
    Escalation.create(question=test_question, reason="no_knowledge", created_at=asked)
    with freeze_time("2026-12-02 00:00:00"):
        html = logged_in(client).get("/dashboard").text
    assert "テストの質問 1件（うち未対応のエスカレーション 1件）は、この画面の数字に含めていません" in html
    assert html.index("未対応のエスカレーション 2件") < html.index("KPI（目標との比較）")


def test_the_page_shows_kpis_trend_open_escalations_and_cost(client):
    report_data.insert()
    with freeze_time("2026-12-02 00:00:00"):  # 09:00 on 2 December in Tokyo
        page = client.get("/dashboard", headers={"Authorization": f"Bearer {TOKEN}"})  # a script's way in
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    assert "直近30日（2026年11月3日（火）〜12月2日（水）" in html
    # 7 questions in the 30 days (q0..q6), 4 answered without escalation: 57.1%, below 80%: red
    assert 'style="color:#cf222e">57.1%</div><div class="t">目標 80% 以上　❌ 未達' in html
    assert TOTAL.format(7) in html and "Good 2 / Bad 1" in html
    assert html.count("<rect ") == 2 * 30 and "<polyline" in html  # a wide chart and a phone-sized one
    assert "未対応のエスカレーション 2件" in html and "もう営業を続けられる気がしません" in html
    assert "6円</b> / 予算 20円（30.0%）" in html


def test_question_text_is_escaped(client):
    data = report_data.insert()
    data.questions["q3"].text = "<script>alert(1)</script>"
    data.questions["q3"].save()
    with freeze_time("2026-12-02 00:00:00"):
        html = logged_in(client).get("/dashboard").text
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_the_page_is_computed_at_most_every_30_seconds(client, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(dashboard, "_clock", lambda: now[0])
    logged_in(client)
    with freeze_time("2026-12-02 00:00:00"):
        assert TOTAL.format(0) in client.get("/dashboard").text
        report_data.insert()
        now[0] += 29
        assert TOTAL.format(0) in client.get("/dashboard").text
        now[0] += 2
        assert TOTAL.format(7) in client.get("/dashboard").text


def test_on_a_390_px_phone_the_chart_labels_stay_legible_and_words_do_not_break(client):
    from reports.dashboard_html import CSS, NARROW_FONT, NARROW_WIDTH
    with freeze_time("2026-12-02 00:00:00"):
        html = logged_in(client).get("/dashboard").text
    content = 390 - 2 * 12 - 2 * 16 - 2  # the phone's width less main's and the section's padding and border
    assert NARROW_FONT * min(1.0, content / NARROW_WIDTH) >= 12  # the phone chart's labels, in screen pixels
    assert f'viewBox="0 0 {NARROW_WIDTH} 200"' in html and f'font-size="{NARROW_FONT}"' in html
    assert ".wide{display:none}.narrow{display:block}" in CSS  # under 720 px the phone chart shows
    assert ".kpi .v,.kpi .l{white-space:nowrap}" in CSS  # 「データなし」 is never broken mid-word
    assert "データなし" in html


def test_the_new_question_themes_come_after_the_open_escalations_and_before_the_figures(client):
    report_data.insert()
    with freeze_time("2026-12-02 00:00:00"):
        html = logged_in(client).get("/dashboard").text
    assert "<b>外貨建て保険</b>（2件、うちスタッフへ 1件）" in html
    assert html.index("未対応のエスカレーション 2件") < html.index("直近7日の新しい質問のテーマ") < html.index("KPI（目標との比較）")


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
MEASURE = ("<script>document.body.setAttribute('data-overflow', String(document.documentElement.scrollWidth"
           " - document.documentElement.clientWidth))</script></body>")
COOLING = ["クーリング・オフはいつまでできますか？", "クーリングオフの期限を教えてください", "クーリング・オフは何日以内ですか？",
           "クーリング・オフの期間は何日ですか？"]


def week_of_questions(runtime) -> None:
    """Four members ask about cooling-off (new this week: rising), two about an uncovered topic, on 1 December."""
    for day, text in enumerate(COOLING + ["外貨建て保険の為替リスクはどう説明すればいいですか？" * 2,
                                          "外貨建て保険の為替リスクをお客様にどう伝えますか？" * 2]):
        with freeze_time(dt.datetime(2026, 12, 1, 1) + dt.timedelta(hours=day)):
            Chat(runtime, user=f"m{day}", channel="line").say(text, pattern=1)


def test_the_weeks_themes_are_worked_out_by_the_worker_and_shown_near_the_top(settings, desk, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(dashboard, "_clock", lambda: now[0])
    runtime = build_runtime(replace(settings, dashboard_token=TOKEN), desk=desk)
    week_of_questions(runtime)
    client = TestClient(create_app(runtime))
    with freeze_time("2026-12-02 00:00:00"):
        assert "まだ集計していません" in logged_in(client).get("/dashboard").text  # before the worker's first run
        assert snapshot.refresh(settings.encoder, tz=runtime.core.plan.timezone) >= 1  # the hourly job
        now[0] += 31  # past the page's cache
        html = client.get("/dashboard").text
    runtime.database.close()
    cooling, currency = html[html.index('<ul class="themes">'):].split("</li>")[:2]
    assert "クーリング" in cooling and "4件" in cooling and "ナレッジあり" in cooling and "↑ 増加中" in cooling
    assert "為替" in currency and "2件" in currency and "ナレッジなし" in currency and "増加中" not in currency
    assert html.index("未対応のエスカレーション") < html.index("今週の質問のテーマ") < html.index("KPI（目標との比較）")


def test_the_dashboard_in_headless_chromium_at_390_px_does_not_overflow(settings, desk, tmp_path, monkeypatch):
    monkeypatch.setattr(dashboard, "_clock", lambda: 0.0)
    runtime = build_runtime(replace(settings, dashboard_token=TOKEN), desk=desk)
    report_data.insert()
    week_of_questions(runtime)
    with freeze_time("2026-12-02 00:00:00"):
        snapshot.refresh(settings.encoder, tz=runtime.core.plan.timezone)
        html = logged_in(TestClient(create_app(runtime))).get("/dashboard").text
    runtime.database.close()
    page = tmp_path / "dashboard.html"
    page.write_text(html.replace("</body>", MEASURE), encoding="utf-8")
    png = tmp_path / "dashboard-390.png"
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
             "--disable-background-networking", "--window-size=390,844"]
    try:
        shot = subprocess.run([*flags, f"--screenshot={png}", page.as_uri()], capture_output=True, timeout=120)
    except (FileNotFoundError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"chromium cannot start here: {exc}")
    if shot.returncode != 0 or not png.is_file():
        pytest.skip(f"chromium cannot start here: {shot.stderr[-300:]!r}")
    print(f"dashboard screenshot at 390 px: {png}")
    assert Image.open(png).size == (390, 844)
    dom = subprocess.run([*flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120).stdout
    overflow = re.search(r'data-overflow="(-?\d+)"', dom)
    assert overflow is not None and int(overflow.group(1)) <= 0, overflow  # nothing wider than the phone
    assert "今週の質問のテーマ" in dom and "ナレッジあり" in dom
