"""GET /dashboard: the KPIs, the last 30 days, open escalations and the month's cost, for operators.

Protected by DASHBOARD_TOKEN (as ?token=... or `Authorization: Bearer ...`); without it set, the
page does not exist (404).
"""
from __future__ import annotations

import datetime as dt
import hmac
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from bot.backlog import Backlog, measure
from reports import metrics
from reports.dashboard_html import render
from reports.periods import last_days, local_today, monthly, naive_utc

if TYPE_CHECKING:
    from app import Runtime

TREND_DAYS = 30
CACHE_SECONDS = 30.0
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


@dataclass(frozen=True)
class DashboardData:
    """What the page shows, computed by the same metrics as the reports."""

    now: dt.datetime
    figures: metrics.Figures
    open: metrics.OpenFigures
    budget: metrics.Budget
    backlog: Backlog | None = None  # the answer queue now


def mount_dashboard(app: FastAPI, runtime: Runtime, cache_seconds: float = CACHE_SECONDS) -> None:
    """Add GET /dashboard to the app."""
    settings, tz = runtime.settings, runtime.core.plan.timezone
    cached: dict[str, tuple[float, str]] = {}  # a reload does not rescan a large database at once

    @app.get("/dashboard", include_in_schema=False)
    def dashboard(request: Request, token: str | None = None) -> Response:
        refused = check_token(settings.dashboard_token, token or _bearer(request.headers.get("authorization")))
        if refused is not None:
            return refused
        stamp, page = cached.get("page", (-cache_seconds, ""))
        if _clock() - stamp >= cache_seconds:
            with runtime.database.connection_context():
                page = render(collect(budget_jpy=settings.monthly_budget_jpy, usd_jpy=settings.usd_jpy_rate, tz=tz,
                                      concurrency=settings.claude_concurrency))
            cached["page"] = (_clock(), page)
        return HTMLResponse(page, headers=HEADERS)


def check_token(expected: str | None, given: str | None) -> Response | None:
    """None when the request may see the page; otherwise the refusal."""
    if not expected:
        return PlainTextResponse("Not Found", status_code=404)
    if not given:
        return PlainTextResponse("token required", status_code=401, headers={"WWW-Authenticate": "Bearer"})
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return PlainTextResponse("wrong token", status_code=403)
    return None


def collect(*, budget_jpy: float, usd_jpy: float, tz: dt.tzinfo, now: dt.datetime | None = None,
            concurrency: int | None = None) -> DashboardData:
    now = now or dt.datetime.now(dt.timezone.utc)
    today = local_today(now, tz=tz)
    return DashboardData(
        now=now,
        figures=metrics.figures(last_days(TREND_DAYS, now, tz=tz)),
        open=metrics.open_escalations(naive_utc(now), limit=15),
        budget=metrics.budget(monthly(today, tz=tz), today, budget_jpy=budget_jpy, usd_jpy=usd_jpy),
        backlog=measure(concurrency=concurrency, now=naive_utc(now)) if concurrency else None)


def _clock() -> float:
    """The cache's clock (a function of ours, so tests can move it)."""
    return time.monotonic()


def _bearer(header: str | None) -> str | None:
    scheme, _, value = (header or "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None
