"""Report parts the daily, weekly and monthly reports share."""
from __future__ import annotations

from reports import markdown as md
from reports.document import Report
from reports.metrics import (KPIS, SUCCESS_RATE, Budget, EscalationFigures, Figures, OpenFigures, Pushes, Tally,
                             first_question_day, left_out, tests_included)
from reports.periods import day_label
from reports.samples import Samples
from reports.themes import Themes


def kpi_line(tally: Tally) -> str:
    """「KPI 1/3 達成（未達: 回答成功率、新規質問率。データなし 1: ユーザー満足度）」: the count is of the KPIs with
    data; one with none (nobody rated an answer) is named, so "1/3" of four KPIs needs no explaining."""
    results = [(k, k.met(k.value(tally))) for k in KPIS]
    judged = [(k, met) for k, met in results if met is not None]
    missed = [k.label for k, met in judged if not met]
    if not judged:
        return "KPI: 数える質問が 0 件のため計算できません（理由と対処は本文の KPI の節にあります）"
    empty = [k.label for k, met in results if met is None]
    notes = ([f"未達: {'、'.join(missed)}"] if missed else []) + ([f"データなし {len(empty)}: {'、'.join(empty)}"]
                                                                if empty else [])
    line = f"KPI {len(judged) - len(missed)}/{len(judged)} 達成"
    return line + (f"（{'。'.join(notes)}）" if notes else "")


def no_data_note(report: Report, tally: Tally) -> str:
    """Why the period has no KPI, in plain words, and what to do; "" when it has one."""
    if tally.questions:
        return ""
    if tally.out_of_scope:
        return (f"この期間の質問 {md.count(tally.out_of_scope)}は、すべてあいさつや塾の内容と関係のないものでした。"
                "KPI はそうした質問を数えないため、計算していません。")
    period = report.period
    lines = [f"この期間（{period.label}）に、利用者からの質問は 1 件もありませんでした。そのため KPI は計算できません。"]
    tests = 0 if tests_included() else left_out(period).questions
    if tests:
        lines.append(f"ターミナルの ask・chat で試したテストの質問 {tests:,}件は、数字に入れていません。試した分も含めて"
                     f"確かめるときは `./bansou report {report.kind} --date {period.start} --include-tests` を実行して"
                     "ください（通常のレポートとは別のファイルに書き出されます）。")
    first = first_question_day(period.tz)
    if first is None:
        lines.append("利用者からの質問は、まだ 1 件も記録されていません。公開の開始日（rollout.toml）より前か、"
                     "LINE・Slack の接続がまだの可能性があります。接続は `./bansou doctor` で確かめられます。")
    elif first > period.last:
        lines.append(f"最初の質問は {day_label(first)}です。この期間はそれより前なので、空になっています。"
                     f"質問のある期間は `--date {first}` のように日付を指定して作れます。")
    else:
        lines.append("この期間は利用がありませんでした。公開の対象（rollout.toml の開始日とコホート）と、"
                     "`./bansou doctor` の接続の点検を確かめてください。")
    return "\n\n".join(lines)


def pattern_table(figs: Figures, previous: Figures | None = None, previous_label: str = "前期") -> str:
    """Per Pattern: questions, share, success rate, satisfaction, mean confidence."""
    total = figs.tally().questions
    rows = []
    for number in figs.patterns():
        t = figs.tally(pattern=number)
        row = [md.pattern_label(number), md.count(t.questions), md.share(t.questions, total),
               md.pct(t.success_rate), md.pct(t.satisfaction), f"{t.good:,}/{t.bad:,}", md.num(t.mean_confidence)]
        if previous is not None:
            row.insert(2, md.count(previous.tally(pattern=number).questions))
        rows.append(row)
    headers = ["相談メニュー", "質問数", "割合", "回答成功率", "満足度", "Good/Bad", "平均確信度"]
    if previous is not None:
        headers.insert(2, previous_label)
    return md.table(headers, rows) if rows else "この期間の質問はありません。"


def channel_table(figs: Figures) -> str:
    total = figs.tally().questions
    rows = [[md.CHANNEL_LABELS.get(c, c), md.count(t.questions), md.share(t.questions, total),
             md.pct(t.success_rate)]
            for c in figs.channels() for t in [figs.tally(channel=c)]]
    return md.table(["チャネル", "質問数", "割合", "回答成功率"], rows) if rows else ""


def escalation_tables(esc: EscalationFigures, previous: EscalationFigures | None = None,
                      previous_label: str = "前期") -> str:
    """By urgency and by reason, and how long answering took."""
    if not esc.total and not esc.answered:
        return "この期間のエスカレーションはありません。"
    urgency = md.table(["緊急度", "件数"], [[label, md.count(esc.by_urgency[u])]
                                          for u, label in md.URGENCY_LABELS.items() if esc.by_urgency.get(u)])
    reasons = list(esc.by_reason) + [r for r in (previous.by_reason if previous else {}) if r not in esc.by_reason]
    rows = []
    for reason in reasons:
        row = [md.reason_label(reason), md.count(esc.by_reason.get(reason, 0))]
        if previous is not None:
            before = previous.by_reason.get(reason, 0)
            row += [md.count(before), f"{esc.by_reason.get(reason, 0) - before:+,}"]
        rows.append(row)
    headers = ["理由", "件数"] + ([previous_label, "増減"] if previous is not None else [])
    answered = (f"この期間に回答したエスカレーション: {md.count(esc.answered)}"
                f"（回答までの平均 {md.hours(esc.mean_hours_to_answer)}、最長 {md.hours(esc.max_hours_to_answer)}）")
    return "\n\n".join([urgency, md.table(headers, rows), answered])


def open_table(opened: OpenFigures) -> str:
    """Escalations still waiting now: urgent first, then the oldest."""
    if not opened.total:
        return "未対応のエスカレーションはありません。"
    counts = "、".join(f"{label} {opened.by_urgency[u]:,}件" for u, label in md.URGENCY_LABELS.items()
                      if opened.by_urgency.get(u))
    head = f"作成時点で {md.count(opened.total)}（{counts}）。うち 24時間以上経過: {md.count(opened.over_24h)}"
    rows = [[f"#{e.id}", md.URGENCY_LABELS.get(e.urgency, e.urgency), md.reason_label(e.reason),
             md.STATUS_LABELS.get(e.status, e.status), md.hours(e.age_hours), md.pattern_label(e.pattern),
             md.excerpt(e.question, 40)] for e in opened.oldest]
    return head + "\n\n" + md.table(["番号", "緊急度", "理由", "状態", "経過", "相談メニュー", "質問"], rows)


def usage_table(tally: Tally, pushes: Pushes, usd_jpy: float) -> str:
    """Tokens, cache, cost in yen and LINE pushes."""
    per_question = tally.cost_jpy(usd_jpy) / tally.questions if tally.questions else None
    rows = [["AI 利用額", f"{md.yen(tally.cost_jpy(usd_jpy))}（${tally.cost_usd:,.2f}、1ドル={usd_jpy:g}円）"],
            ["1質問あたり", md.NONE if per_question is None else f"{per_question:,.2f}円"],
            ["トークン数（合計）", f"{tally.tokens:,}"],
            ["　入力 / 出力", f"{tally.input_tokens:,} / {tally.output_tokens:,}"],
            ["　キャッシュ書込 / 読込", f"{tally.cache_write_tokens:,} / {tally.cache_read_tokens:,}"],
            ["キャッシュ読込の割合", md.pct(tally.cache_read_share)],
            ["LINE プッシュ送信", f"{pushes.ok:,}通" + (f"（失敗 {pushes.failed:,}通）" if pushes.failed else "")],
            ["LINE お知らせ配信（マルチキャスト）", f"{pushes.announced:,}通"]]
    return md.table(["項目", "値"], rows)


def budget_line(budget: Budget, month_label: str) -> str:
    """「2026年12月の AI 利用額 …円 / 予算 …円（…%、月末見込み …円）」"""
    spent = f"{month_label}の AI 利用額 {md.yen(budget.spent_jpy)}"
    if budget.days_elapsed < budget.days_in_month:
        spent += f"（{budget.days_elapsed}日目まで）"
    if budget.budget_jpy <= 0:
        return spent + "（予算は設定されていません）"
    outlook = f"、月末見込み {md.yen(budget.projected_jpy)}" if budget.days_elapsed < budget.days_in_month else ""
    return f"{spent} / 予算 {md.yen(budget.budget_jpy)}（{md.pct(budget.share)}{outlook}）"


def samples_table(samples: Samples, with_reason: bool = False) -> str:
    rows = []
    for s in samples.items:
        row = [f"#{s.question_id}", md.pattern_label(s.pattern), md.num(s.confidence), md.excerpt(s.question, 40),
               md.excerpt(s.answer, 50), ", ".join(s.knowledge_ids) or "なし"]
        if with_reason:
            row.insert(4, md.excerpt(s.reason, 30) or md.NONE)
        rows.append(row)
    headers = ["質問", "相談メニュー", "確信度", "質問内容", "回答（抜粋）", "使ったナレッジ"]
    if with_reason:
        headers.insert(4, "Bad の理由")
    return md.table(headers, rows)


def pattern_chart(report: Report, figs: Figures) -> str:
    """Questions per Pattern as bars; nothing when there were no questions."""
    if not figs.tally().questions:
        return ""
    from reports import charts  # matplotlib (~30 MB): loaded when a report draws, not by every process
    path = charts.bars(report.folder / "patterns.png", f"相談メニュー別の質問数（{report.period.label}）",
                       [md.pattern_label(n) for n in figs.patterns()],
                       [figs.tally(pattern=n).questions for n in figs.patterns()])
    return report.chart(path)


def trend_chart(report: Report, figs: Figures, title: str) -> str:
    """Questions per day with the success rate and satisfaction, against the success target."""
    days = report.period.days
    from reports import charts
    path = charts.trend(report.folder / "trend.png", f"{title}（{report.period.label}）", days,
                        [figs.tally(day=d).questions for d in days],
                        {"回答成功率": [figs.tally(day=d).success_rate for d in days],
                         "満足度": [figs.tally(day=d).satisfaction for d in days]},
                        (f"回答成功率の目標 {md.kpi_target(SUCCESS_RATE)}", SUCCESS_RATE.target))
    return report.chart(path)


def word_themes_line(themes: Themes) -> str:
    return "新しい質問のテーマ: " + ("、".join(f"{t.word}（{md.count(t.count)}）" for t in themes.themes[:3]) or "なし")


def themes_text(themes: Themes) -> str:
    """Themes of the questions no knowledge covered, with counts and examples."""
    if not themes.total:
        return "ナレッジでカバーできなかった質問はありませんでした。"
    intro = (f"ナレッジでカバーできなかった質問 {md.count(themes.total)}を、共通するキーワードでまとめました"
             f"（{len(themes.themes)}テーマ、どのテーマにも入らなかった質問 {md.count(themes.other)}）。")
    if themes.truncated:
        intro += "件数が多いため、新しいものから順に読み込んだ分で集計しています。"
    rows = [[t.word, md.count(t.count), md.count(t.escalated), " / ".join(md.excerpt(e, 40) for e in t.examples)]
            for t in themes.themes]
    return intro + ("\n\n" + md.table(["テーマ", "質問数", "うちエスカレーション", "質問の例"], rows) if rows else "")
