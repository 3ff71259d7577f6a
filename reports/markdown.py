"""Small Markdown and number formatting helpers for the Japanese reports."""
from __future__ import annotations

from typing import Iterable, Sequence

from bot.escalation import REASON_LABELS
from bot.patterns import PATTERNS
from reports.metrics import KPIS, Kpi, Tally

URGENCY_LABELS = {"high": "緊急", "normal": "通常", "low": "低"}
STATUS_LABELS = {"open": "対応待ち", "waiting_makino": "牧野さんの確認待ち", "answered": "回答済み"}
CHANNEL_LABELS = {"line": "LINE", "slack": "Slack", "local": "ローカル"}
NONE = "—"


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A Markdown table (cells may not contain `|` or line breaks, so those are replaced); 「該当なし」 when empty."""
    body = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    if not body:
        return "（該当なし）"
    return "\n".join(["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|", *body])


def pct(value: float | None, digits: int = 1) -> str:
    return NONE if value is None else f"{value * 100:.{digits}f}%"


def share(part: float, whole: float) -> str:
    return pct(part / whole if whole else None)


def num(value: float | None, digits: int = 2) -> str:
    return NONE if value is None else f"{value:.{digits}f}"


def yen(value: float) -> str:
    return f"{value:,.0f}円"


def count(value: int) -> str:
    return f"{value:,}件"


def hours(value: float | None) -> str:
    if value is None:
        return NONE
    if value < 1:
        return f"{value * 60:.0f}分"
    return f"{value:.1f}時間" if value < 48 else f"{value / 24:.1f}日"


def change(current: float | None, previous: float | None, label: str = "前期") -> str:
    """「（前週 85.0%、+2.1pt）」: a rate against the previous period."""
    if current is None or previous is None:
        return ""
    return f"（{label} {pct(previous)}、{(current - previous) * 100:+.1f}pt）"


def kpi_value(kpi: Kpi, value: float | None) -> str:
    return pct(value) if kpi.percent else num(value)


def kpi_target(kpi: Kpi) -> str:
    target = pct(kpi.target, 0) if kpi.percent else num(kpi.target, 1)
    return f"{target} {'以上' if kpi.higher_is_better else '以下'}"


def verdict(met: bool | None) -> str:
    return {True: "✅ 達成", False: "❌ 未達", None: "— データなし"}[met]


def kpi_table(tally: Tally, previous: Tally | None = None, previous_label: str = "前期") -> str:
    """The four KPIs of the operating plan against their targets."""
    rows = []
    for kpi in KPIS:
        value = kpi.value(tally)
        row = [kpi.label, kpi_value(kpi, value), kpi_target(kpi), verdict(kpi.met(value))]
        if previous is not None:
            row.insert(2, kpi_value(kpi, kpi.value(previous)))
        rows.append(row)
    headers = ["指標", "実績", "目標", "判定"]
    if previous is not None:
        headers.insert(2, previous_label)
    return table(headers, rows)


def out_of_scope_note(tally: Tally) -> str:
    """Says how many greetings and off-domain questions were left out of the KPIs (empty when none)."""
    if not tally.out_of_scope:
        return ""
    return f"（ほかに、あいさつや対象外のご質問が {tally.out_of_scope:,}件あり、KPI の分母からは除いています）"


def pattern_label(number: int) -> str:
    pattern = PATTERNS.get(number)
    return f"P{number} {pattern.name}" if pattern else f"P{number}"


def reason_label(reason: str) -> str:
    return REASON_LABELS.get(reason, reason)


def excerpt(text: str, limit: int = 60) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit] + "…"


def image(path_name: str, alt: str) -> str:
    return f"![{alt}]({path_name})"


def _cell(value: object) -> str:
    return str(value).replace("|", "｜").replace("\n", " ")
