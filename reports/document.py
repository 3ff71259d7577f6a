"""A report: Markdown sections plus the PNG charts beside it, written into one folder."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from reports.periods import Period, local_now

TITLES = {"daily": "日次レポート", "weekly": "週次レポート", "monthly": "月次レポート"}
WITH_TESTS = "with-tests"  # the name part of a report that counts test questions: it never replaces the real one


@dataclass
class Report:
    """What a report builder makes; `folder` holds its charts and, once written, its Markdown."""

    kind: str
    period: Period
    folder: Path
    now: dt.datetime
    sections: list[str] = field(default_factory=list)
    summary_lines: list[str] = field(default_factory=list)
    charts: list[Path] = field(default_factory=list)
    with_tests: bool = False  # `--include-tests`: its own file name, and a line at the top saying so

    @property
    def title(self) -> str:
        unfinished = "" if self.period.is_over(self.now) else "（集計途中）"
        tests = "（テストの質問を含む）" if self.with_tests else ""
        return f"{TITLES[self.kind]} {self.period.label}{unfinished}{tests}"

    @property
    def path(self) -> Path:
        return self.folder / (f"{self.period.key}-{WITH_TESTS}.md" if self.with_tests else f"{self.period.key}.md")

    @property
    def summary(self) -> str:
        """The few lines posted to the operator channel with the file."""
        return "\n".join([f"📊 {self.title}", *self.summary_lines])

    def add(self, heading: str, *parts: str) -> None:
        self.sections.append("\n\n".join([f"## {heading}", *(p for p in parts if p)]))

    def chart(self, path: Path) -> str:
        """Keep a chart with the report; return its Markdown image link (relative to the report)."""
        self.charts.append(path)
        return f"![{path.stem}]({path.name})"

    def markdown(self) -> str:
        created = local_now(self.now, tz=self.period.tz).strftime("%Y-%m-%d %H:%M")
        first, last = self.period.start, self.period.last
        span = f"{first:%Y-%m-%d}" if first == last else f"{first:%Y-%m-%d} 〜 {last:%Y-%m-%d}"
        head = f"# {self.title}\n\n対象期間: {span}（日本時間）　作成: {created}"
        if self.with_tests:
            head = (f"> ⚠ この版には ask / chat で試したテストの質問も含まれています。運用の数字には、通常の版"
                    f"（{self.period.key}.md）を使ってください。\n\n{head}")
        summary = "\n".join(f"- {line}" for line in self.summary_lines)
        return "\n\n".join([head, "## まとめ\n\n" + summary, *self.sections]) + "\n"

    def write(self) -> list[Path]:
        """Write the Markdown; return it and the charts (what is posted)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path.write_text(self.markdown(), encoding="utf-8")
        return [self.path, *self.charts]
