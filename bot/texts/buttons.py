"""What a member says by tapping a button: the words a chat shows as theirs (LINE's display text)."""
from __future__ import annotations

from bot.states import ButtonAction

PATTERN_WORDS = {
    1: "営業や塾のことを質問したいです",
    2: "ドクター向けの提案について質問したいです",
    3: "法人向けの提案について質問したいです",
    4: "悩みを聞いてほしいです",
}
SHOW_PATTERNS = "相談メニューを変えたいです"
FEEDBACK = {ButtonAction.FEEDBACK_GOOD: "参考になりました", ButtonAction.FEEDBACK_BAD: "解決しませんでした"}
ANNOUNCEMENTS = {ButtonAction.STOP_ANNOUNCEMENTS: "お知らせ停止", ButtonAction.RESUME_ANNOUNCEMENTS: "お知らせ再開"}


def said_by_tapping(action: str, value: str) -> str:
    """The member's words for a tap: the Pattern they want, their verdict on an answer."""
    if action == ButtonAction.SWITCH_PATTERN:
        return PATTERN_WORDS.get(int(value) if value.isdigit() else 0, SHOW_PATTERNS)
    if action == ButtonAction.SHOW_PATTERNS:
        return SHOW_PATTERNS
    return FEEDBACK.get(action, "") or ANNOUNCEMENTS.get(action, "")
