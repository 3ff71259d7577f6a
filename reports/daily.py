"""The daily report: yesterday's questions, success rate, escalations and what is still open."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.config import Settings
from reports import metrics, sections
from reports import markdown as md
from reports.document import Report
from reports.periods import Period, monthly, naive_utc


def build_daily(period: Period, folder: Path, *, settings: Settings, now: dt.datetime) -> Report:
    """Questions per Pattern, success rate, escalations by urgency, open escalations, usage."""
    report = Report("daily", period, folder, now)
    figs = metrics.figures(period.span(period.previous().start, period.end))
    today, before = figs.tally(day=period.start), figs.tally(day=period.previous().start)
    esc = metrics.escalation_figures(period)
    opened = metrics.open_escalations(naive_utc(now))
    month = monthly(period.start, tz=period.tz)
    budget = metrics.budget(month, period.last, budget_jpy=settings.monthly_budget_jpy, usd_jpy=settings.usd_jpy_rate)
    urgent = esc.by_urgency.get("high", 0)
    report.summary_lines = [
        f"質問数 {md.count(today.questions)}（前日 {md.count(before.questions)}）{md.out_of_scope_note(today)}",
        f"回答成功率 {md.pct(today.success_rate)}（目標 {md.kpi_target(metrics.SUCCESS_RATE)}）"
        f"{md.verdict(metrics.SUCCESS_RATE.met(today.success_rate))}",
        f"エスカレーション {md.count(esc.total)}" + (f"（うち緊急 {urgent}件）" if urgent else ""),
        f"未対応のエスカレーション {md.count(opened.total)}（24時間以上 {md.count(opened.over_24h)}）",
        sections.kpi_line(today),
        sections.budget_line(budget, month.label),
    ]
    day_figs = figs.within(period)
    report.add("質問数と相談メニュー別の利用", sections.pattern_table(day_figs), sections.channel_table(day_figs),
               sections.pattern_chart(report, day_figs))
    report.add("回答成功率と KPI", md.kpi_table(today, before, "前日"), sections.no_data_note(report, today))
    report.add("エスカレーション（この日に発生）", sections.escalation_tables(esc))
    report.add("未対応のエスカレーション", sections.open_table(opened))
    report.add("AI 利用量とコスト", sections.usage_table(today, metrics.line_pushes(period), settings.usd_jpy_rate),
               sections.budget_line(budget, month.label))
    return report
