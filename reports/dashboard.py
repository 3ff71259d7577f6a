"""GET /dashboard: open escalations, the KPIs, the last 30 days and the month's cost, for operators.

Protected by DASHBOARD_TOKEN: typed once into the login form (POST /dashboard/login sets a cookie holding
a digest of it, never the token) or sent as `Authorization: Bearer ...`. A token in the address is not
accepted, so it is never in an access log. Without DASHBOARD_TOKEN set, the page does not exist (404).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time
from urllib.parse import parse_qs
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.backlog import Backlog, measure
from reports import metrics
from reports.dashboard_html import login_page, not_found_page, render
from reports.periods import last_days, local_today, monthly, naive_utc
from reports.themes import Themes, new_question_themes
from reports.themes.snapshot import WeekThemes, latest

if TYPE_CHECKING:
    from app import Runtime

TREND_DAYS = 30
THEME_DAYS = 7
CACHE_SECONDS = 30.0
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}
COOKIE = "bansou_dashboard"
COOKIE_DAYS = 30


@dataclass(frozen=True)
class DashboardData:
    """What the page shows, computed by the same metrics as the reports."""

    now: dt.datetime
    figures: metrics.Figures
    open: metrics.OpenFigures
    budget: metrics.Budget
    tests: metrics.LeftOut
    themes: Themes
    backlog: Backlog | None = None  # the answer queue now
    week: WeekThemes | None = None  # the week's themes by meaning (the worker's last hourly run)


def mount_dashboard(app: FastAPI, runtime: Runtime, cache_seconds: float = CACHE_SECONDS) -> None:
    """Add GET /dashboard and its login form to the app."""
    settings, tz = runtime.settings, runtime.core.plan.timezone
    cached: dict[str, tuple[float, str]] = {}  # a reload does not rescan a large database at once

    @app.get("/dashboard", include_in_schema=False)
    def dashboard(request: Request) -> Response:
        refused = check_access(settings.dashboard_token, request)
        if refused is not None:
            return refused
        stamp, page = cached.get("page", (-cache_seconds, ""))
        if _clock() - stamp >= cache_seconds:
            with runtime.database.connection_context():
                page = render(collect(budget_jpy=settings.monthly_budget_jpy, usd_jpy=settings.usd_jpy_rate, tz=tz,
                                      concurrency=settings.claude_concurrency))
            cached["page"] = (_clock(), page)
        return HTMLResponse(page, headers=HEADERS)

    @app.post("/dashboard/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        expected = settings.dashboard_token
        if not expected:
            return HTMLResponse(not_found_page(), status_code=404, headers=HEADERS)
        given = parse_qs((await request.body()).decode("utf-8", errors="replace")).get("token", [""])[0].strip()
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return HTMLResponse(login_page("トークンが違います。もう一度入力してください。"), status_code=403,
                                headers=HEADERS)
        done = RedirectResponse("/dashboard", status_code=303, headers=HEADERS)
        done.set_cookie(COOKIE, cookie_value(expected), max_age=COOKIE_DAYS * 86400, path="/dashboard",
                        httponly=True, samesite="strict", secure=_https(request))
        return done


def check_access(expected: str | None, request: Request) -> Response | None:
    """None when the request may see the page; otherwise the page that refuses it (in Japanese)."""
    if not expected:
        return HTMLResponse(not_found_page(), status_code=404, headers=HEADERS)
    bearer = _bearer(request.headers.get("authorization"))
    if bearer is not None:
        if hmac.compare_digest(bearer.encode(), expected.encode()):
            return None
        return HTMLResponse(login_page("トークンが違います。"), status_code=403, headers=HEADERS)
    cookie = request.cookies.get(COOKIE, "")
    if cookie and hmac.compare_digest(cookie.encode(), cookie_value(expected).encode()):
        return None
    notice = ("アドレスにトークンを付ける方法は使えなくなりました。下の欄に入力してください。"
              if "token" in request.query_params else
              "ログインの期限が切れたか、トークンが変わりました。" if cookie else "")
    return HTMLResponse(login_page(notice), status_code=401, headers={**HEADERS, "WWW-Authenticate": "Bearer"})


def cookie_value(token: str) -> str:
    """What the browser keeps: a digest of the token (a stolen cookie does not reveal it), changed with it."""
    return hmac.new(token.encode(), b"bansou-dashboard-login", hashlib.sha256).hexdigest()


def collect(*, budget_jpy: float, usd_jpy: float, tz: dt.tzinfo, now: dt.datetime | None = None,
            concurrency: int | None = None) -> DashboardData:
    now = now or dt.datetime.now(dt.timezone.utc)
    today = local_today(now, tz=tz)
    return DashboardData(
        now=now,
        figures=metrics.figures(last_days(TREND_DAYS, now, tz=tz)),
        open=metrics.open_escalations(naive_utc(now), limit=15),
        budget=metrics.budget(monthly(today, tz=tz), today, budget_jpy=budget_jpy, usd_jpy=usd_jpy),
        tests=metrics.left_out(last_days(TREND_DAYS, now, tz=tz)),
        themes=new_question_themes(last_days(THEME_DAYS, now, tz=tz), top=5, examples=1),
        backlog=measure(concurrency=concurrency, now=naive_utc(now)) if concurrency else None,
        week=latest())


def _clock() -> float:
    """The cache's clock (a function of ours, so tests can move it)."""
    return time.monotonic()


def _https(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "").lower() == "https"


def _bearer(header: str | None) -> str | None:
    scheme, _, value = (header or "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None
