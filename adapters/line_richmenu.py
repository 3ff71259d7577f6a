"""The LINE rich menu: one button per Pattern, its request object and a generated PNG image."""
from __future__ import annotations

import io
from typing import Sequence

from linebot.v3.messaging import PostbackAction, RichMenuArea, RichMenuBounds, RichMenuRequest, RichMenuSize

from bot.texts.buttons import said_by_tapping
from adapters.line_postback import PostbackCodec
from bot.patterns import PATTERNS, Pattern

WIDTH, HEIGHT = 2500, 843  # LINE's compact full-width size
NAME = "bansou-patterns"
CHAT_BAR_TEXT = "相談メニュー"  # at most 14 characters
COLORS = {1: "#2f6f9f", 2: "#2e8b6e", 3: "#8a5a2b", 4: "#9c4a78"}
SHORT = {1: "営業・塾の\nご質問", 2: "医師・クリニック\n向けの提案", 3: "法人向けの\n提案・税務", 4: "牧野の言葉で\n励まし・相談"}


def rich_menu_request(codec: PostbackCodec, patterns: Sequence[Pattern] = tuple(PATTERNS.values())) -> RichMenuRequest:
    """One tappable column per Pattern; each posts a signed, permanent switch_pattern."""
    width = WIDTH // len(patterns)
    areas = [RichMenuArea(bounds=RichMenuBounds(x=i * width, y=0, width=width, height=HEIGHT),
                          action=PostbackAction(label=p.name[:20],
                                                display_text=said_by_tapping("switch_pattern", str(p.number)),
                                                data=codec.encode("switch_pattern", str(p.number), permanent=True)))
             for i, p in enumerate(patterns)]
    return RichMenuRequest(size=RichMenuSize(width=WIDTH, height=HEIGHT), selected=True, name=NAME,
                           chat_bar_text=CHAT_BAR_TEXT, areas=areas)


def rich_menu_image(patterns: Sequence[Pattern] = tuple(PATTERNS.values())) -> bytes:
    """The menu picture as PNG bytes, drawn in memory (LINE requires an image per menu)."""
    import matplotlib_fontja  # noqa: F401  (registers a Japanese font with matplotlib)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    dpi = 100
    figure = Figure(figsize=(WIDTH / dpi, HEIGHT / dpi), dpi=dpi)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, len(patterns))
    axes.set_ylim(0, 1)
    axes.axis("off")
    for i, p in enumerate(patterns):
        axes.add_patch(Rectangle((i + 0.02, 0.04), 0.96, 0.92, color=COLORS.get(p.number, "#555555")))
        axes.text(i + 0.5, 0.74, f"Pattern {p.number}", ha="center", va="center", color="white", fontsize=34)
        axes.text(i + 0.5, 0.52, p.name, ha="center", va="center", color="white", fontsize=44)
        axes.text(i + 0.5, 0.22, SHORT.get(p.number, ""), ha="center", va="center", color="white", fontsize=30,
                  linespacing=1.4)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()
