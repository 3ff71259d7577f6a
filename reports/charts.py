"""PNG charts for the reports (matplotlib, headless, with a Japanese font)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Sequence

import matplotlib

matplotlib.use("Agg")  # no display on a server
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib_fontja  # noqa: E402,F401  (registers IPAexGothic so Japanese renders, not tofu)

BAR = "#4C78A8"
LINE = "#E45756"
SECOND = "#54A24B"
TARGET = "#888888"


def bars(path: Path, title: str, labels: Sequence[str], values: Sequence[float], *, unit: str = "件") -> Path:
    """Horizontal bars, the first label on top, each bar with its value."""
    fig, ax = plt.subplots(figsize=(7, 0.5 * len(labels) + 1.4), dpi=110)
    positions = range(len(labels))[::-1]
    ax.barh(list(positions), values, color=BAR)
    ax.set_yticks(list(positions), labels)
    top = max(values, default=0) or 1
    for y, value in zip(positions, values):
        ax.text(value + top * 0.01, y, f"{value:,.0f}{unit}", va="center", fontsize=9)
    ax.set_xlim(0, top * 1.18)
    ax.set_title(title)
    ax.spines[["top", "right"]].set_visible(False)
    return _save(fig, path)


def trend(path: Path, title: str, days: Sequence[dt.date], counts: Sequence[int],
          rates: dict[str, Sequence[float | None]], target: tuple[str, float] | None = None) -> Path:
    """Questions per day as bars, rates (0..1) as lines on a percent axis, a target as a dashed line."""
    fig, ax = plt.subplots(figsize=(9, 4), dpi=110)
    labels = [f"{d.month}/{d.day}" for d in days]
    ax.bar(labels, counts, color=BAR, alpha=0.35, label="質問数")
    ax.set_ylabel("質問数（件）")
    right = ax.twinx()
    for (name, values), color in zip(rates.items(), (LINE, SECOND, "#F58518")):
        points = [(x, v * 100) for x, v in zip(labels, values) if v is not None]
        if points:
            right.plot([p[0] for p in points], [p[1] for p in points], marker="o", markersize=3, color=color,
                       label=name)
    if target:
        right.axhline(target[1] * 100, color=TARGET, linestyle="--", linewidth=1, label=target[0])
    right.set_ylim(0, 105)
    right.set_ylabel("割合（%）")
    step = max(1, len(labels) // 15)
    ax.set_xticks(range(0, len(labels), step), labels[::step])
    handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    ax.legend(handles, [h.get_label() for h in handles], loc="upper center", bbox_to_anchor=(0.5, -0.08),
              fontsize=8, ncols=4, frameon=False)
    ax.set_title(title)
    return _save(fig, path)


def labelled_bars(path: Path, title: str, labels: Sequence[str], values: Sequence[int],
                  highlighted: Sequence[bool], *, unit: str = "件") -> Path:
    """Bars narrow enough for a phone (about 470 px wide): each label on its own line above its bar, so long
    names (themes are named by a question) stay whole; highlighted bars in the second colour."""
    fig, ax = plt.subplots(figsize=(4.3, 0.62 * len(labels) + 0.9), dpi=110)
    top = max(values, default=0) or 1
    for row, (label, value, strong) in enumerate(zip(labels, values, highlighted)):
        y = -row
        ax.barh(y, value, height=0.42, color=LINE if strong else BAR)
        ax.text(0, y + 0.3, label, fontsize=10, va="bottom")
        ax.text(value + top * 0.02, y, f"{value:,}{unit}", va="center", fontsize=10)
    ax.set_xlim(0, top * 1.25)
    ax.set_ylim(-len(labels) + 0.5, 0.95)
    ax.axis("off")
    ax.set_title(title, fontsize=11)
    return _save(fig, path)


def _save(fig: plt.Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
