"""The weekly report: satisfaction, new question themes, low-confidence answers, per-Pattern results."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.config import Settings
from reports import metrics, samples, sections
from reports import markdown as md
from reports.document import Report
from reports.periods import Period
from reports.themes import new_question_themes, text
from reports.themes.meaning import for_report


def build_weekly(period: Period, folder: Path, *, settings: Settings, now: dt.datetime) -> Report:
    """Satisfaction and response rate, per-Pattern results, new themes, answers to review, vs last week."""
    report = Report("weekly", period, folder, now)
    previous = period.previous()
    both = metrics.figures(period.span(previous.start, period.end))
    figs, before = both.within(period), both.within(previous)
    week, last_week = figs.tally(), before.tally()
    themes = for_report(period, settings.encoder)
    low = samples.low_confidence(period)
    esc = metrics.escalation_figures(period)
    report.summary_lines = [
        f"質問数 {md.count(week.questions)}（前週 {md.count(last_week.questions)}）{md.out_of_scope_note(week)}",
        f"満足度 {md.pct(week.satisfaction)}（Good {week.good:,} / Bad {week.bad:,}）"
        f"{md.change(week.satisfaction, last_week.satisfaction, '前週')}",
        f"回答成功率 {md.pct(week.success_rate)}{md.change(week.success_rate, last_week.success_rate, '前週')}",
        sections.kpi_line(week),
        text.summary(themes) if themes is not None else sections.word_themes_line(new_question_themes(period)),
        f"確信度が低かった回答 {md.count(low.total)}",
    ]
    report.add("KPI（目標との比較）", md.kpi_table(week, last_week, "前週"), sections.no_data_note(report, week))
    report.add("満足度（Good / Bad）", satisfaction_text(week, last_week))
    report.add("相談メニュー別の回答成功率と満足度", sections.pattern_table(figs, before, "前週"))
    if themes is not None:
        report.add("質問のテーマ（意味の近さでまとめたもの）", text.themes_chart(report, themes),
                   text.themes_table(themes))
        report.add("追加すべきナレッジ候補", text.candidates_text(themes))
    else:
        report.add("新しい質問のテーマ", "文の読み取りモデルを読み込めなかったため、キーワードでまとめました。",
                   sections.themes_text(new_question_themes(period)))
    report.add("確信度が低かった回答（要確認）",
               f"相談メニューごとのしきい値を下回った AI の回答: {md.count(low.total)}。確信度の低い順に {len(low.items)} 件を示します。"
               "内容を確認し、必要ならナレッジを追加・修正してください。",
               sections.samples_table(low) if low.items else "")
    report.add("日別の推移", sections.trend_chart(report, figs, "日別の質問数・回答成功率・満足度"))
    report.add("エスカレーション", sections.escalation_tables(esc, metrics.escalation_figures(previous), "前週"))
    report.add("AI 利用量とコスト", sections.usage_table(week, metrics.line_pushes(period), settings.usd_jpy_rate))
    return report


def satisfaction_text(week: metrics.Tally, last_week: metrics.Tally) -> str:
    rows = [["Good", f"{week.good:,}", f"{last_week.good:,}"], ["Bad", f"{week.bad:,}", f"{last_week.bad:,}"],
            ["満足度 Good/(Good+Bad)", md.pct(week.satisfaction), md.pct(last_week.satisfaction)],
            ["評価の回答率", md.pct(week.response_rate), md.pct(last_week.response_rate)]]
    note = ("評価の回答率は、ユーザーに表示した回答のうち Good / Bad が押された割合です。"
            "評価がない回答は満足度に含めていません（無回答は満足とはみなしません）。")
    return md.table(["", "今週", "前週"], rows) + "\n\n" + note
