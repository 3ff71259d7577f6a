"""The themes as the reports show them: a table per theme, and the knowledge candidates with their drafts."""
from __future__ import annotations

from reports import markdown as md
from reports.document import Report
from reports.themes.meaning import MeaningTheme, ThemeMap, candidates
from reports.themes.learners import Struggle
from reports.themes.rising import RULE

SHOWN = 15
CHARTED = 8  # the chart is for a phone: the largest themes only, the table has the rest


def summary(themes: ThemeMap, limit: int = 3) -> str:
    """「よく聞かれたテーマ: …（5件、増加中）」 for a report's summary."""
    shown = [f"{name_of(t, 24)}（{md.count(t.count)}{'、増加中' if t.rising else ''}）"
             for t in themes.themes if t.count][:limit]
    return "よく聞かれたテーマ: " + ("、".join(shown) or "なし")


def themes_table(themes: ThemeMap) -> str:
    """Every theme asked in the period: name, key words, counts per week, knowledge, rising."""
    if not themes.total:
        return "この期間の質問はありません。"
    first, last = themes.weeks[0], themes.weeks[-1]
    intro = (f"{first.start:%m/%d}〜{last.last:%m/%d} の質問 {md.count(themes.total)}を、文の意味の近さでテーマにまとめました"
             f"（{len(themes.themes)}テーマ、似た質問がなかったもの {md.count(themes.other)}）。"
             "テーマ名はそのテーマで最も典型的な質問です。" + RULE)
    if themes.truncated:
        intro += "件数が多いため、新しい質問から順に読み込んだ分でまとめています。"
    rows = [[name_of(t, 40), "、".join(t.words) or md.NONE, " → ".join(str(n) for n in t.weekly), md.count(t.count),
             md.count(t.escalated), "あり" if t.covered else "なし", "📈 増加中" if t.rising else ""]
            for t in themes.themes if t.count][:SHOWN]
    if not rows:
        return intro
    weeks = "週ごとの件数（" + "、".join(f"{w.start:%m/%d}〜" for w in themes.weeks) + "）"
    return intro + "\n\n" + md.table(["テーマ", "キーワード", weeks, "今期", "うちエスカレーション", "ナレッジ", "傾向"], rows)


def themes_chart(report: Report, themes: ThemeMap) -> str:
    """The period's largest themes as bars, uncovered ones in red; nothing when no theme was asked."""
    shown = sorted((t for t in themes.themes if t.count), key=lambda t: -t.count)[:CHARTED]
    if not shown:
        return ""
    from reports import charts  # matplotlib: loaded when a report draws, not by every process
    path = charts.labelled_bars(report.folder / "themes.png", f"質問のテーマ（{report.period.label}）",
                                [name_of(t, 22) + ("（増加中）" if t.rising else "") for t in shown],
                                [t.count for t in shown], [not t.covered for t in shown])
    return report.chart(path) + "\n\n赤い棒は、ナレッジでまだカバーできていないテーマです。"


def candidates_text(themes: ThemeMap) -> str:
    """Knowledge candidates: uncovered themes, rising first, each with the staff answers given as the draft."""
    found = candidates(themes)
    if not found:
        return "ナレッジでカバーできていないテーマはありませんでした。"
    parts = ["ナレッジでカバーできていないテーマです（増加中のものが先頭、次に件数の多い順）。"
             "スタッフがすでに回答している場合は、その回答を下書きとして示します。"]
    for number, theme in enumerate(found[:SHOWN], 1):
        head = (f"{number}. {'📈 増加中 ' if theme.rising else ''}**{name_of(theme, 60)}**"
                f"（今期 {md.count(theme.count)}、週ごと {' → '.join(map(str, theme.weekly))}、"
                f"キーワード: {'、'.join(theme.words) or md.NONE}）")
        draft = ("   下書き（スタッフの回答）: " + " / ".join(md.excerpt(d, 200) for d in theme.drafts[:2])
                 if theme.drafts else "   下書き: まだスタッフの回答はありません。")
        examples = "   質問の例: " + " / ".join(md.excerpt(e, 40) for e in theme.examples)
        parts.append("\n".join([head, examples, draft]))
    return "\n\n".join(parts)


def name_of(theme: MeaningTheme, limit: int) -> str:
    return md.excerpt(theme.name, limit)


COHORT_LABELS = {"academy_member": "塾生（academy_member）", "doctor_trainee": "ドクター研修生（doctor_trainee）",
                 "corporate_trainee": "法人研修生（corporate_trainee）", "staff": "スタッフ（staff）"}


def struggles_text(by_cohort: dict[str, list[Struggle]]) -> str:
    """つまずきの多いテーマ by cohort, without names: who asked again after an answer, Bad, escalations."""
    intro = ("コホートごとに、回答のあとに同じテーマをもう一度質問した件数（回答後の再質問）、Bad、エスカレーションの"
             "合計が多いテーマです。個人名は載せていません。個人の状況は `./bansou users show ID` で確認できます。")
    if not any(by_cohort.values()):
        return intro + "\n\nこの期間につまずきの目立つテーマはありませんでした。"
    parts = [intro]
    for cohort, struggles in by_cohort.items():
        if not struggles:
            continue
        rows = [[md.excerpt(s.name, 40), f"{len(s.askers):,}人", md.count(s.questions), md.count(s.reasked),
                 md.count(s.bad), md.count(s.escalated)] for s in struggles]
        parts.append(f"**{COHORT_LABELS.get(cohort, cohort)}**\n\n"
                     + md.table(["テーマ", "質問した人数", "質問数", "回答後の再質問", "Bad", "エスカレーション"], rows))
    return "\n\n".join(parts)
