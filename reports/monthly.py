"""The monthly report: the five sections of the operating plan, KPIs, tuning needs and cost."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from bot.config import Settings
from reports import metrics, proposals, samples, sections
from reports import markdown as md
from reports.document import Report
from reports.metrics import Figures
from reports.model_costs import model_cost_table, model_costs
from reports.periods import Period, local_today, weekly
from reports.themes import new_question_themes, text
from reports.themes.learners import cohort_struggles
from reports.themes.meaning import for_report

TREND_MONTHS = 6
# A KPI off target in a Pattern, and what it calls for.
TUNING = ((metrics.NEW_QUESTION_RATE, "ナレッジ追加"), (metrics.SATISFACTION, "プロンプト調整"),
          (metrics.MEAN_CONFIDENCE, "ナレッジの内容更新"))


def build_monthly(period: Period, folder: Path, *, settings: Settings, now: dt.datetime) -> Report:
    """KPIs, the five sections of the operating plan, tuning needs and cost, against the month before."""
    report = Report("monthly", period, folder, now)
    months = [period]
    for _ in range(TREND_MONTHS - 1):
        months.insert(0, months[0].previous())
    history = metrics.figures(period.span(months[0].start, period.end))  # one scan for the whole trend
    figs, before = history.within(period), history.within(months[-2])
    month, last_month = figs.tally(), before.tally()
    esc, esc_before = metrics.escalation_figures(period), metrics.escalation_figures(months[-2])
    bad = samples.rated_bad(period, limit=10)
    until = min(period.last, local_today(now, tz=period.tz))
    budget = metrics.budget(period, until, budget_jpy=settings.monthly_budget_jpy, usd_jpy=settings.usd_jpy_rate)
    report.summary_lines = [
        f"総質問数 {md.count(month.questions)}（前月 {md.count(last_month.questions)}）{md.out_of_scope_note(month)}",
        sections.kpi_line(month),
        f"回答成功率 {md.pct(month.success_rate)} / 満足度 {md.pct(month.satisfaction)} / "
        f"平均確信度 {md.num(month.mean_confidence)} / 新規質問率 {md.pct(month.new_question_rate)}",
        f"エスカレーション {md.count(esc.total)}（前月 {md.count(esc_before.total)}）、低評価 {md.count(month.bad)}",
        sections.budget_line(budget, period.label),
    ]
    report.add("KPI（目標との比較）", md.kpi_table(month, last_month, "前月"), sections.no_data_note(report, month))
    report.add("1. 総質問数と相談メニュー別内訳",
               f"総質問数 {md.count(month.questions)}（前月 {md.count(last_month.questions)}）。",
               sections.pattern_table(figs, before, "前月"), sections.channel_table(figs),
               sections.pattern_chart(report, figs))
    report.add("2. 回答成功率の推移", *_success_trend(report, history, months))
    report.add("3. エスカレーション傾向分析", *_escalation_trend(report, esc, esc_before, figs))
    report.add("4. 低評価回答と改善案", *_bad_answers(bad, month.bad, settings))
    themes = for_report(period, settings.encoder)
    report.add("5. 追加すべきナレッジ候補",
               f"該当ナレッジがなくスタッフに回したエスカレーション: {md.count(esc.by_reason.get('no_knowledge', 0))}。"
               f"スタッフの回答から自動で追加したナレッジ: {md.count(metrics.learned_entries(period))}。",
               text.candidates_text(themes) if themes is not None else
               "次のテーマは既存のナレッジで答えられなかった質問です（文の読み取りモデルを読み込めなかったため、キーワードで"
               "まとめました）。件数の多いものからナレッジ化を検討してください。\n\n"
               + sections.themes_text(new_question_themes(period)))
    if themes is not None:
        report.add("質問のテーマ（意味の近さでまとめたもの）", text.themes_chart(report, themes),
                   text.themes_table(themes))
        report.add("つまずきの多いテーマ（コホート別）", text.struggles_text(cohort_struggles(themes, period)))
    report.add("ナレッジ更新・プロンプト調整の必要性", *_tuning_needs(figs))
    report.add("安全チェックの学習（スタッフの分類）", *safety_learning_lines(settings, period))
    report.add("コストと予算", sections.budget_line(budget, period.label),
               sections.usage_table(month, metrics.line_pushes(period), settings.usd_jpy_rate),
               model_cost_table(model_costs(period), settings.usd_jpy_rate),
               *line_quota_lines(settings, period, now))
    return report


def _success_trend(report: Report, history: Figures, months: list[Period]) -> list[str]:
    period = report.period
    weeks = []
    for start in sorted({weekly(d, tz=period.tz).start for d in period.days}):
        part = period.span(max(start, period.start), min(start + dt.timedelta(days=7), period.end))
        t = history.within(part).tally()
        weeks.append([part.label, md.count(t.questions), md.pct(t.success_rate), md.pct(t.satisfaction)])
    by_month = [[m.label, md.count(t.questions), md.pct(t.success_rate), md.pct(t.satisfaction),
                 md.pct(t.new_question_rate)] for m in months for t in [history.within(m).tally()]]
    return [sections.trend_chart(report, history.within(period), "日別の質問数・回答成功率・満足度"),
            "週ごと:\n\n" + md.table(["週", "質問数", "回答成功率", "満足度"], weeks),
            f"直近{len(months)}か月:\n\n" + md.table(["月", "質問数", "回答成功率", "満足度", "新規質問率"], by_month)]


def _escalation_trend(report: Report, esc: metrics.EscalationFigures, before: metrics.EscalationFigures,
                      figs: Figures) -> list[str]:
    per_pattern = [[md.pattern_label(n), md.count(t.escalated), md.share(t.escalated, t.questions)]
                   for n in figs.patterns() for t in [figs.tally(pattern=n)]]
    parts = [f"この月のエスカレーション {md.count(esc.total)}（前月 {md.count(before.total)}）。",
             sections.escalation_tables(esc, before, "前月"),
             "相談メニュー別（エスカレーションされた質問の割合）:\n\n"
             + md.table(["相談メニュー", "エスカレーションされた質問", "割合"], per_pattern)]
    if esc.by_reason:
        from reports import charts  # matplotlib: only when a report draws
        path = charts.bars(report.folder / "escalation_reasons.png", f"エスカレーションの理由（{report.period.label}）",
                           [md.reason_label(r) for r in esc.by_reason], list(esc.by_reason.values()))
        parts.append(report.chart(path))
    return parts


def _bad_answers(bad: samples.Samples, total: int, settings: Settings) -> list[str]:
    if not bad.items:
        return ["この月に低評価（Bad）を付けられた回答はありません。"]
    parts = [f"低評価（Bad）を付けられた回答 {md.count(total)}。新しい順に最大 {len(bad.items)} 件を示します。",
             sections.samples_table(bad, with_reason=True)]
    drafted = None
    if settings.anthropic_api_key:
        drafted = proposals.draft_with_claude(bad.items, api_key=settings.anthropic_api_key,
                                              model=settings.claude_model)
    if drafted:
        parts.append("改善案（Claude による下書き。番号は上の表の順です。採否はスタッフが判断してください）:\n\n" + drafted)
    else:
        why = ("Claude に接続できなかったため" if settings.anthropic_api_key
               else "ANTHROPIC_API_KEY が設定されていないため")
        hints = "\n".join(f"{i}. 質問 #{s.question_id}: {proposals.rule_of_thumb(s)}" for i, s in enumerate(bad.items, 1))
        parts.append(f"{why}、AI による改善案は作成していません。上の根拠と次の見立てをもとにご検討ください。\n\n{hints}")
    return parts


def _tuning_needs(figs: Figures) -> list[str]:
    """Satisfaction by Pattern and by prompt version, and what each calls for."""
    rows = []
    for n in figs.patterns():
        t = figs.tally(pattern=n)
        needs = [need for kpi, need in TUNING if kpi.met(kpi.value(t)) is False]
        rows.append([md.pattern_label(n), md.pct(t.satisfaction), f"{t.good:,}/{t.bad:,}", md.num(t.mean_confidence),
                     md.pct(t.new_question_rate), "、".join(needs) or "特になし"])
    versions = [[v, md.count(t.ai_answers), f"{t.good:,}/{t.bad:,}", md.pct(t.satisfaction), md.num(t.mean_confidence),
                 f"{min(days):%m/%d}〜{max(days):%m/%d}"]
                for v in figs.prompt_versions() for t in [figs.tally(prompt_version=v)]
                for days in [[c.day for c in figs.cells if c.prompt_version == v]]]
    rule = "判断の目安: " + "、".join(
        f"{kpi.label}が目標（{md.kpi_target(kpi)}）を外れた → {need}" for kpi, need in TUNING) + "。"
    return [md.table(["相談メニュー", "満足度", "Good/Bad", "平均確信度", "新規質問率", "必要な対応"], rows), rule,
            "プロンプトのバージョン別（同じ相談メニューで版を比べ、満足度が下がった版は見直してください）:\n\n"
            + md.table(["プロンプト版", "AI 回答数", "Good/Bad", "満足度", "平均確信度", "使用期間"], versions)]


def safety_learning_lines(settings: Settings, period: Period) -> list[str]:
    """The labels staff gave this month, and whether the model in use has learned from them yet."""
    from bot.safety import labels
    from bot.safety.screener import active_model_dir
    counts = labels.counts_between(*period.utc_bounds())
    rows = [[name, md.count(counts.get(kind, 0))] for kind, name in labels.LABEL_NAMES.items()]
    try:
        meta = json.loads((active_model_dir(settings.safety_model_dir) / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return [md.table(["分類", "件数"], rows), "使用中の安全チェックのモデルを読み込めませんでした。`doctor` で確認してください。"]
    learned, waiting = int(meta.get("operator_labels", 0)), labels.total() - int(meta.get("operator_labels", 0))
    crisis = meta.get("cross_validated", {}).get("crisis", {})
    return [f"この月にスタッフが付けた分類 {md.count(sum(counts.values()))}。",
            md.table(["分類", "件数"], rows),
            f"使用中のモデル: {meta.get('fitted', '?')} 作成、学習した文例 {md.count(meta.get('examples', 0))}"
            f"（うちスタッフの分類 {md.count(learned)}）。書き手ごとの交差検証で、危機の検知 "
            f"{md.pct(crisis.get('recall'))}、似ているが危機ではない文を誤検知しなかった割合 "
            f"{md.pct(crisis.get('look_alikes_passed'))}。",
            f"まだ学習に使っていない分類が {md.count(waiting)}あります。`./bansou safety retrain` で作り直すと反映されます"
            "（今より悪くなる場合は今のモデルを残します）。" if waiting > 0 else "すべての分類を学習済みです。"]


def line_quota_lines(settings: Settings, period: Period, now: dt.datetime) -> list[str]:
    """This month's pushes as LINE counts them, against the plan's quota (the current month only)."""
    if not settings.line_enabled or not period.start <= local_today(now, tz=period.tz) <= period.last:
        return []
    from adapters.line import line_client  # the LINE SDK only where LINE is used
    try:
        quota = line_client(settings)[0].quota()
    except Exception as exc:  # edge: a report section; the report is still written without it
        return [f"LINE の送信数の上限を確認できませんでした（{type(exc).__name__}）。"]
    return [f"LINE（{now:%m月%d日}時点、LINE の集計）: {quota.render()}。"]
