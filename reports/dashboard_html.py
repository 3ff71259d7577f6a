"""The dashboard page: plain server-rendered HTML with inline CSS and an inline SVG trend chart."""
from __future__ import annotations

import datetime as dt
from html import escape
from typing import TYPE_CHECKING, Sequence

from reports import markdown as md
from reports.metrics import KPIS, SUCCESS_RATE, Figures
from reports.periods import local_now

if TYPE_CHECKING:
    from reports.dashboard import DashboardData

GOOD, BAD, MUTED = "#1a7f37", "#cf222e", "#6e7781"
NARROW_WIDTH, NARROW_FONT = 340, 13  # the phone chart: drawn at about its own width, so 13 stays about 13 px
CSS = """
body{font-family:"Hiragino Sans","Noto Sans JP","Yu Gothic",Meiryo,sans-serif;margin:0;background:#f6f8fa;color:#1f2328}
header{background:#24292f;color:#fff;padding:14px 24px}header h1{font-size:20px;margin:0}
header p{margin:4px 0 0;color:#c9d1d9;font-size:13px}main{max-width:1040px;margin:0 auto;padding:16px 24px}
section{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:16px;margin:0 0 16px}
h2{font-size:16px;margin:0 0 12px}.kpis{display:grid;grid-template-columns:repeat(4,1fr);gap:12px}
.kpi{border-radius:8px;padding:12px;border:2px solid}.kpi .v{font-size:28px;font-weight:700}
.kpi .l,.kpi .t{font-size:13px}table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #eaeef2}th{color:#57606a;font-weight:600}
.bar{background:#eaeef2;border-radius:6px;height:14px;overflow:hidden}.bar div{height:100%}
.muted{color:#6e7781;font-size:13px}.legend span{margin-right:14px;font-size:12px;white-space:nowrap}
.kpi .v,.kpi .l{white-space:nowrap}.kpi .t{word-break:keep-all}.note{background:#fff8c5;border:1px solid #d4a72c;border-radius:8px;padding:10px 12px;
font-size:14px;margin:0 0 16px}.narrow{display:none}
.themes{list-style:none;padding:0;margin:0}.themes li{padding:8px 0;border-bottom:1px solid #eaeef2}
.themes .tn{display:block;font-weight:600;overflow-wrap:anywhere}.themes .tm{font-size:13px}.themes .tw{display:block;font-size:12px;color:#6e7781}
.tag{display:inline-block;border-radius:10px;padding:0 8px;margin-left:6px;font-size:12px;white-space:nowrap}
.tag.up{background:#ffebe9;color:#cf222e}.tag.ok{background:#dafbe1;color:#1a7f37}.tag.no{background:#fff8c5;color:#7d4e00}
form input{font-size:18px;padding:10px;width:100%;box-sizing:border-box;margin:8px 0}
form button{font-size:18px;padding:10px 20px;background:#1f6feb;color:#fff;border:0;border-radius:6px}
@media (max-width:720px){.kpis{grid-template-columns:repeat(2,1fr)}main{padding:12px}header{padding:12px}
.kpi .v{font-size:22px}.kpi .l,.kpi .t{font-size:14px}.wide{display:none}.narrow{display:block}
table.open,table.open tbody,table.open tr,table.open td{display:block;width:auto}table.open tr{border-bottom:1px solid #d0d7de;
padding:8px 0}table.open tr:first-child{display:none}table.open td{border:0;padding:2px 0;font-size:15px}
table.open td[data-l]::before{content:attr(data-l) "：";color:#57606a}}
"""


def render(data: "DashboardData") -> str:
    """The whole page: what needs a person first (open escalations), then the figures."""
    period = data.figures.period
    updated = local_now(data.now, tz=period.tz).strftime("%Y-%m-%d %H:%M")
    body = "".join([_left_out(data), _queue(data), _open(data), _week_themes(data), _themes(data), _kpis(data.figures),
                    _trend(data.figures), _cost(data)])
    return _page(f"<header><h1>bansou 運用ダッシュボード</h1>"
                 f"<p>直近{len(period.days)}日（{period.label}、日本時間）　更新 {updated}</p></header><main>{body}</main>")


def login_page(notice: str = "") -> str:
    """The form that asks for DASHBOARD_TOKEN once; the browser then keeps a login cookie."""
    said = f'<p class="note">{escape(notice)}</p>' if notice else ""
    return _page("<header><h1>bansou 運用ダッシュボード</h1></header><main><section><h2>ログイン</h2>"
                 f"{said}<p>管理者から受け取ったダッシュボードのトークン（DASHBOARD_TOKEN）を入力してください。"
                 "一度ログインすると、このブラウザでは 30 日間入力が要りません。</p>"
                 '<form method="post" action="/dashboard/login"><label for="t">トークン</label>'
                 '<input id="t" name="token" type="password" autocomplete="current-password" required>'
                 "<button type=\"submit\">ログイン</button></form></section></main>")


def not_found_page() -> str:
    """404 in Japanese: the address is wrong, or the dashboard is not switched on."""
    return _page("<header><h1>ページが見つかりません</h1></header><main><section>"
                 "<p>このアドレスにはページがありません。アドレスをもう一度お確かめください。</p>"
                 "<p class=\"muted\">ダッシュボード（/dashboard）の場合は、設定 DASHBOARD_TOKEN が入っていないと表示されません。"
                 "担当のエンジニアにお問い合わせください。</p></section></main>")


def _page(body: str) -> str:
    return (f'<!doctype html><html lang="ja"><head><meta charset="utf-8"><meta name="robots" content="noindex">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1"><title>bansou ダッシュボード</title>'
            f"<style>{CSS}</style></head><body>{body}</body></html>")


def _left_out(data: "DashboardData") -> str:
    tests = data.tests
    if not tests.questions and not tests.open_escalations:
        return ""
    waiting = f"（うち未対応のエスカレーション {tests.open_escalations:,}件）" if tests.open_escalations else ""
    return (f'<p class="note">テストの質問 {tests.questions:,}件{waiting}は、この画面の数字に含めていません。'
            "コマンド（ask・chat）で試した質問は、利用者の質問と混ざらないよう別に扱っています。</p>")


def _week_themes(data: "DashboardData") -> str:
    """The week's themes by meaning: name, count, whether knowledge covers it, whether it is rising."""
    week = data.week
    if week is None:
        return ("<section><h2>今週の質問のテーマ</h2><p class=\"muted\">まだ集計していません。"
                "サーバーが 1 時間ごとに集計し、ここに表示します。</p></section>")
    stamp = local_now(week.computed_at.replace(tzinfo=dt.timezone.utc), tz=data.figures.period.tz)
    if not week.themes:
        items = "<p>似た質問のまとまりはまだありません。</p>"
    else:
        items = '<ul class="themes">' + "".join(
            f'<li><span class="tn">{escape(md.excerpt(t.name, 40))}</span><span class="tm">{t.count:,}件'
            + ('<span class="tag up">↑ 増加中</span>' if t.rising else "")
            + ('<span class="tag ok">ナレッジあり</span>' if t.covered else '<span class="tag no">ナレッジなし</span>')
            + (f"　スタッフへ {t.escalated:,}件" if t.escalated else "") + "</span>"
            + (f'<span class="tw">{escape("・".join(t.words))}</span>' if t.words else "") + "</li>"
            for t in week.themes) + "</ul>"
    return (f"<section><h2>今週の質問のテーマ</h2><p class=\"muted\">{escape(week.period)}の質問 {week.total:,}件を、"
            f"意味の近さでまとめました（{stamp:%m/%d %H:%M} 集計）。ナレッジなしで増加中のテーマは、ナレッジを足す候補です。</p>"
            f"{items}</section>")


def _themes(data: "DashboardData") -> str:
    themes = data.themes
    if not themes.themes:
        return "<section><h2>直近7日の新しい質問のテーマ</h2><p>ナレッジで答えられなかった質問はありません。</p></section>"
    items = "".join(f"<li><b>{escape(t.word)}</b>（{t.count:,}件、うちスタッフへ {t.escalated:,}件）"
                    + (f'<br><span class="muted">例: {escape(md.excerpt(t.examples[0], 40))}</span>' if t.examples else "")
                    + "</li>" for t in themes.themes)
    return (f"<section><h2>直近7日の新しい質問のテーマ</h2><p class=\"muted\">ナレッジで答えられなかった質問 "
            f"{themes.total:,}件を、共通する言葉でまとめました。ナレッジを足す候補です。</p><ul>{items}</ul></section>")


def _kpis(figs: Figures) -> str:
    tally = figs.tally()
    tiles = []
    for kpi in KPIS:
        value = kpi.value(tally)
        met = kpi.met(value)
        color = MUTED if met is None else GOOD if met else BAD
        tiles.append(f'<div class="kpi" style="border-color:{color}"><div class="l">{kpi.label}</div>'
                     f'<div class="v" style="color:{color}">{md.kpi_value(kpi, value)}</div>'
                     f'<div class="t">目標 {md.kpi_target(kpi)}　{md.verdict(met)}</div></div>')
    note = (f'<p class="muted">質問 {tally.questions:,}件　評価 Good {tally.good:,} / Bad {tally.bad:,}'
            f"（評価の回答率 {md.pct(tally.response_rate)}）{escape(md.out_of_scope_note(tally))}</p>")
    return f'<section><h2>KPI（目標との比較）</h2><div class="kpis">{"".join(tiles)}</div>{note}</section>'


def _trend(figs: Figures) -> str:
    days = figs.period.days
    counts = [figs.tally(day=d).questions for d in days]
    lines = {"回答成功率": ([figs.tally(day=d).success_rate for d in days], BAD),
             "満足度": ([figs.tally(day=d).satisfaction for d in days], GOOD)}
    legend = (f'<p class="legend"><span style="color:#8fb3d9">■ 1日の質問数（最大 {max(counts, default=0):,}件）</span>'
              + "".join(f'<span style="color:{c}">● {escape(n)}</span>' for n, (_, c) in lines.items())
              + f'<span style="color:{MUTED}">--- 回答成功率の目標 {md.kpi_target(SUCCESS_RATE)}</span></p>')
    # Two drawings: a phone shrinks a 960-wide chart to a third, and its labels with it.
    wide = f'<div class="wide">{svg_trend(days, counts, lines)}</div>'
    narrow = f'<div class="narrow">{svg_trend(days, counts, lines, width=NARROW_WIDTH, height=200, labels=4, font=NARROW_FONT)}</div>'
    return f"<section><h2>直近{len(days)}日の推移</h2>{wide}{narrow}{legend}</section>"


def svg_trend(days: Sequence[dt.date], counts: Sequence[int],
              lines: dict[str, tuple[Sequence[float | None], str]], width: int = 960, height: int = 220,
              labels: int = 10, font: int = 11) -> str:
    """Bars for the daily questions, lines for rates (0..1) on a 0-100% scale."""
    left, bottom, top = 36, 24, 10
    plot_h = height - bottom - top
    step = (width - left) / max(1, len(days))
    peak = max(counts, default=0) or 1
    parts = [f'<line x1="{left}" x2="{width}" y1="{top + plot_h * (1 - SUCCESS_RATE.target):.1f}" '
             f'y2="{top + plot_h * (1 - SUCCESS_RATE.target):.1f}" stroke="{MUTED}" stroke-dasharray="4 3"/>']
    for i, (day, n) in enumerate(zip(days, counts)):
        x, h = left + i * step, plot_h * n / peak
        parts.append(f'<rect x="{x + step * 0.15:.1f}" y="{top + plot_h - h:.1f}" width="{step * 0.7:.1f}" '
                     f'height="{h:.1f}" fill="#c6d9ee"><title>{day:%m/%d} 質問 {n:,}件</title></rect>')
        if i % max(1, len(days) // labels) == 0:
            parts.append(f'<text x="{x + step / 2:.1f}" y="{height - 6}" font-size="{font}" text-anchor="middle" '
                         f'fill="{MUTED}">{day.month}/{day.day}</text>')
    for values, color in lines.values():
        xy = [(left + (i + 0.5) * step, top + plot_h * (1 - v)) for i, v in enumerate(values) if v is not None]
        if xy:
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
            parts.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2"/>')
            # Dots too: a day with no neighbour (the first day, a gap) would draw no line at all.
            parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"/>' for x, y in xy)
    for pct_mark in (0, 50, 100):
        y = top + plot_h * (1 - pct_mark / 100)
        parts.append(f'<text x="0" y="{y + 4:.1f}" font-size="{font}" fill="{MUTED}">{pct_mark}%</text>')
    return (f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="直近の推移">'
            + "".join(parts) + "</svg>")


def _open(data: "DashboardData") -> str:
    opened = data.open
    if not opened.total:
        return "<section><h2>未対応のエスカレーション</h2><p>ありません。</p></section>"
    rows = "".join(
        f"<tr><td data-l=\"番号\">#{e.id}</td><td data-l=\"緊急度\" style=\"color:{BAD if e.urgency == 'high' else 'inherit'}\">"
        f"{md.URGENCY_LABELS.get(e.urgency, escape(e.urgency))}</td><td data-l=\"理由\">{escape(md.reason_label(e.reason))}</td>"
        f"<td data-l=\"状態\">{md.STATUS_LABELS.get(e.status, escape(e.status))}</td>"
        f"<td data-l=\"経過\">{md.hours(e.age_hours)}</td><td data-l=\"相談メニュー\">{escape(md.pattern_label(e.pattern))}</td>"
        f"<td>{escape(md.excerpt(e.question, 50))}</td></tr>"
        for e in opened.oldest)
    return (f"<section><h2>未対応のエスカレーション {opened.total:,}件</h2>"
            f'<p class="muted">24時間以上経過: {opened.over_24h:,}件（緊急のもの、古いものから表示）</p>'
            '<table class="open"><tr><th>番号</th><th>緊急度</th><th>理由</th><th>状態</th><th>経過</th><th>相談メニュー</th>'
            f"<th>質問</th></tr>{rows}</table></section>")


def _queue(data: "DashboardData") -> str:
    b = data.backlog
    if b is None:
        return ""
    late = b.oldest_wait_seconds >= 45  # past LINE's reply window: answers go out as pushes
    color = BAD if late else "inherit"
    return (f"<section><h2>回答の順番待ち</h2><p>待ち <b>{b.pending:,}件</b>　処理中 {b.running:,}件　"
            f'いちばん古い質問の待ち時間 <b style="color:{color}">{b.oldest_wait_seconds:,.0f}秒</b>　'
            f"いま届いた質問の見込み {b.expected_wait_seconds:,.0f}秒</p></section>")


def _cost(data: "DashboardData") -> str:
    b = data.budget
    if b.budget_jpy <= 0:
        return f"<section><h2>今月の AI 利用額</h2><p>{md.yen(b.spent_jpy)}（予算は設定されていません）</p></section>"
    share = b.share or 0.0
    color = BAD if share >= 1 else "#bf8700" if share >= 0.8 else GOOD
    return (f"<section><h2>今月の AI 利用額と予算</h2><p><b>{md.yen(b.spent_jpy)}</b> / 予算 {md.yen(b.budget_jpy)}"
            f"（{md.pct(b.share)}）　月末見込み {md.yen(b.projected_jpy)}</p>"
            f'<div class="bar"><div style="width:{min(share, 1) * 100:.1f}%;background:{color}"></div></div></section>')
